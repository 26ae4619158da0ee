"""``kiosk resident deceased ... --survivor ID_NUMBER`` (issue 15, subprocess, SQLite and PostgreSQL):
the survivor named gets the one-off 抚恤金 as a benefit the next ``kiosk benefit run`` pays once; a
survivor who is the deceased, or unknown, is one calm line and records nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from db import audit
from db.models import Benefit, BenefitPayment, Resident
from kiosk.clock import FixedClock
from tests.cli.test_audit_cli import Cli, one_line
from tests.cli.test_benefit_run_cli import as_json, call
from tests.services.benefit_town import Town, build


@pytest.fixture
def setup(database: peewee.Database, db_url: str, clock: FixedClock, tmp_path: Path) -> tuple[Cli, Town]:
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    town = build(database, clock, tmp_path, unemployment=False)
    database.close()
    return cli, town


def test_survivor_named_at_death_is_paid_by_the_run(setup: tuple[Cli, Town], database: peewee.Database) -> None:
    cli, town = setup
    with database.connection_context():
        retiree = Resident.get_by_id(town.people["retiree"]).id_number
        villager = Resident.get_by_id(town.people["villager"]).id_number
    self_named = call(cli, "resident", "deceased", retiree, "--date", "2026-01-10", "--survivor", retiree)
    assert self_named.returncode == 2 and "遗属" in one_line(self_named)
    unknown = call(cli, "resident", "deceased", retiree, "--date", "2026-01-10", "--survivor", "110101199001011237")
    assert unknown.returncode == 2 and one_line(unknown)
    with database.connection_context():
        assert Resident.get_by_id(town.people["retiree"]).death_date is None  # nothing recorded

    died = as_json(call(cli, "resident", "deceased", retiree, "--date", "2026-01-10", "--survivor", villager,
                        "--json"))
    assert died["survivor_fen"] > 0
    with database.connection_context():
        lump = Benefit.get((Benefit.resident == town.people["villager"]) & (Benefit.kind == "survivor_lump"))
        assert (lump.monthly_fen, lump.months, lump.start_month) == (died["survivor_fen"], 1, dt.date(2026, 2, 1))
    as_json(call(cli, "benefit", "run", "2026-02", "--staff", "2001", "--json", pin="3691\n"))
    as_json(call(cli, "benefit", "run", "2026-03", "--staff", "2001", "--json", pin="3691\n"))
    with database.connection_context():
        paid = [(p.period, int(p.amount_fen)) for p in BenefitPayment.select().where(BenefitPayment.benefit == lump.id)]
    assert paid == [(dt.date(2026, 2, 1), died["survivor_fen"])]
