"""遗属待遇 (issue 15, RULES.md §13.3) on SQLite and PostgreSQL: a pensioner's death with a survivor
named creates the survivor's benefits; the monthly run pays a monthly 遗属待遇 every month once, and
the one-off 抚恤金 once; the figures are policy parameters ([version.lifecycle], [local])."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import peewee
import pytest

from db.models import Benefit, BenefitPayment
from kiosk.clock import FixedClock
from kiosk.policy import PolicyBook, PolicyError, policy_from_mapping
from kiosk.policy.loader import DEFAULT_POLICY_FILE
from kiosk.services import ServiceError, lifecycle, rule_audit
from kiosk.services import benefit_run as run
from tests.services.benefit_town import Town, build

FEB, MAR, APR = (dt.date(2026, m, 1) for m in (2, 3, 4))


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return build(database, clock, tmp_path, unemployment=False)


def _book(**lifecycle_keys: object) -> PolicyBook:
    raw = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    for version in raw["version"]:
        if "lifecycle" in version:
            version["lifecycle"].update(lifecycle_keys)
    return policy_from_mapping(raw, "local.toml")


def _paid(town: Town, benefit_id: int) -> list[tuple[dt.date, int]]:
    with town.db.connection_context():
        return [(p.period, int(p.amount_fen)) for p in BenefitPayment.select()
                .where(BenefitPayment.benefit == benefit_id).order_by(BenefitPayment.period)]


def _runs(town: Town, *months: dt.date) -> list[run.RunResult]:
    results = []
    for month in months:
        town.at(month + dt.timedelta(days=19))
        results.append(run.post(town.boss, month, None))
        assert run.post(town.boss, month, None).paid == 0  # a second run of the month pays nothing
    return results


def test_monthly_survivor_pension_paid_every_month_once(town: Town) -> None:
    town.ctx.extras["policy"] = _book(survivor_pension="300", survivor_pension_share="0.1")
    with town.db.connection_context():
        pension = int(Benefit.get_by_id(town.benefits["retiree"]).monthly_fen)
    town.at(dt.date(2026, 1, 12))
    death = lifecycle.record_death(town.clerk, town.people["retiree"], dt.date(2026, 1, 10),
                                   survivors=[town.people["villager"]])
    with town.db.connection_context():
        made = {b.kind: b for b in Benefit.select().where(run.benefit_ids(death.survivor_benefits))}
    assert set(made) == {"survivor", "survivor_lump"}
    monthly = 30000 + round(pension * 0.1)
    survivor, lump = made["survivor"], made["survivor_lump"]
    assert (survivor.__data__["resident"], survivor.monthly_fen, survivor.months, survivor.start_month) == (
        town.people["villager"], monthly, None, FEB)
    assert (lump.monthly_fen, lump.months) == (9 * pension, 1) == (death.survivor_fen, 1)

    results = _runs(town, FEB, MAR, APR)
    assert _paid(town, survivor.id) == [(FEB, monthly), (MAR, monthly), (APR, monthly)]
    assert _paid(town, lump.id) == [(FEB, 9 * pension)]  # the one-off: once
    assert all(town.benefits["retiree"] not in {line.benefit_id for line in r.lines} for r in results[1:])
    with town.db.connection_context():
        assert Benefit.get_by_id(lump.id).status == "finished"
        assert Benefit.get_by_id(survivor.id).status == "in_payment"
    report = rule_audit.run_audit(town.boss)  # survivor payments are no finding of the rule audit (稽核)
    assert report.findings == (), [f.as_json() for f in report.findings]


def test_one_off_only_where_the_policy_pays_no_monthly_survivor_pension(town: Town) -> None:
    """The shipped policy: the employee 抚恤金 is a one-off (9 months of the pension), paid once."""
    town.at(dt.date(2026, 1, 12))
    death = lifecycle.record_death(town.clerk, town.people["retiree"], dt.date(2026, 1, 10),
                                   survivors=[town.people["villager"], town.people["suspended"]])
    [lump_id] = death.survivor_benefits
    _runs(town, FEB, MAR, APR)
    assert _paid(town, lump_id) == [(FEB, death.survivor_fen)] and death.survivor_fen > 0


def test_late_report_pays_months_since_the_death_and_survivors_are_checked(town: Town) -> None:
    town.ctx.extras["policy"] = _book(survivor_pension="200", survivor_pension_months=2)
    retiree, villager = town.people["retiree"], town.people["villager"]
    town.at(dt.date(2026, 1, 12))
    with pytest.raises(ServiceError):
        lifecycle.record_death(town.clerk, retiree, dt.date(2025, 12, 20), survivors=[retiree])
    town.at(dt.date(2026, 3, 5))  # reported in March; the survivor pension is due from January, 2 months
    death = lifecycle.record_death(town.clerk, retiree, dt.date(2025, 12, 20), survivors=[villager])
    with town.db.connection_context():
        survivor = Benefit.get(run.benefit_ids(death.survivor_benefits) & (Benefit.kind == "survivor"))
    _runs(town, MAR, APR)
    assert _paid(town, survivor.id) == [(dt.date(2026, 1, 1), 20000), (FEB, 20000)]  # back pay, then finished


def test_policy_rejects_bad_survivor_figures() -> None:
    with pytest.raises(PolicyError):
        _book(survivor_pension_share="1.5")
    with pytest.raises(PolicyError):
        _book(survivor_pension="-1")
    assert _book(survivor_pension="300").versions[-1].lifecycle.survivor_monthly_fen(100000) == 30000
