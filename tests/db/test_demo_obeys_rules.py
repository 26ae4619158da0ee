"""The demo township obeys the rules (issue 16.4): after ``seed_demo`` for several seeds and
sizes the rule audit finds nothing, on SQLite and PostgreSQL, through the service and through
``kiosk audit rules``; and the township still has what a demo needs (pensioners of both schemes
with the months and retirement dates that make them one, women retiring by their category, gaps
in resident years, a deceased pensioner with a settled account, every benefit kind paid)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from db.demo import seed_demo
from db.models import Account, BenefitPayment, Contribution, LedgerEntry, Resident
from kiosk.clock import FixedClock
from kiosk.rules.retirement import retirement_date
from kiosk.services import ServiceContext, rule_audit
from tests.cli.test_audit_cli import Cli

TODAY = dt.date(2026, 11, 29)
NOW = dt.datetime(2026, 11, 29, 1, 30)


@pytest.mark.parametrize(("residents", "seed"), [(120, 1), (400, 2026), (250, 77)])
def test_seeded_township_has_no_findings(database: peewee.Database, clock: FixedClock, residents: int,
                                         seed: int) -> None:
    seed_demo(database, residents=residents, seed=seed, today=TODAY, now=NOW)
    report = rule_audit.run_audit(ServiceContext(database, clock))
    assert report.findings == (), [f.as_json() for f in report.findings[:10]]
    assert report.checked > residents * 10


def test_demo_is_still_a_believable_township(database: peewee.Database) -> None:
    seed_demo(database, residents=600, seed=5, today=TODAY, now=NOW)
    kinds = {t for (t,) in BenefitPayment.select(BenefitPayment.benefit_type).distinct().tuples()}
    assert {"pension_resident", "pension_employee", "unemployment", "medical_reimbursement", "maternity"} <= kinds
    # Enterprise retirees: women retire by their category (女工人 50→55, 女干部 55→58), never all at 60y1m.
    first_month = {}
    for rid, period in BenefitPayment.select(BenefitPayment.resident, BenefitPayment.period).where(
            BenefitPayment.benefit_type == "pension_employee").tuples():
        first_month[rid] = min(period, first_month.get(rid, period))
    women = Resident.select().where(Resident.id.in_(list(first_month)) & (Resident.sex == "female"))
    ages = set()
    for woman in women:
        retired = retirement_date(woman.birth_date, woman.retirement_category)
        assert retired < first_month[woman.id] <= TODAY
        ages.add(retired.year - woman.birth_date.year)
    assert ages and max(ages) < 60
    # Resident pensioners have 15 paid years; villagers skip years now and then.
    for rid in {r for (r,) in BenefitPayment.select(BenefitPayment.resident).where(
            BenefitPayment.benefit_type == "pension_resident").tuples()}:
        years = Contribution.select().where((Contribution.resident == rid) & (Contribution.insurance == "pension")
                                            & (Contribution.scheme == "resident")).count()
        assert years >= 15
    # A deceased pensioner: no payment after the month of death, the account settled to 0.
    dead = Resident.get(Resident.death_date.is_null(False))
    assert all(p.period <= dead.death_date for p in BenefitPayment.select().where(BenefitPayment.resident == dead))
    account = Account.get((Account.resident == dead) & (Account.kind == "pension_resident"))
    assert account.balance_fen == 0
    assert LedgerEntry.select().where((LedgerEntry.account == account) & (LedgerEntry.kind == "inheritance")).exists()
    assert Resident.select().where(Resident.hukou_region == "").count() == 0
    assert Resident.select().where(Resident.hukou_region != "360726").exists()  # migrants' 户籍地 elsewhere


def test_cli_seed_demo_then_audit_rules_exits_0(db_url: str, database: peewee.Database, tmp_path: Path) -> None:
    database.close()
    cli = Cli(tmp_path, db_url)
    assert cli("db", "init").returncode == 0
    seeded = cli("db", "seed-demo", "--residents", "300", "--seed", "9")
    assert seeded.returncode == 0, seeded.stderr
    result = cli("audit", "rules")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "未发现违规" in result.stdout


def test_young_workers_never_paid_before_sixteen() -> None:
    # 18-year-old employees and flexible workers get at most the months since they were 16.
    import random

    from db.demo import _Generator, _month_add
    from kiosk.rules.retirement import add_months

    gen = _Generator(random.Random(3), TODAY, NOW)
    young = []
    for index in range(20000):
        plan = gen.person(index, [1, 2, 3])
        if plan.role in ("employee", "flexible") and plan.birth.year >= 2008:
            young.append(plan)
    assert young
    for plan in young:
        first = _month_add(gen.this_month, -plan.months)
        assert first > add_months(plan.birth, 16 * 12), (plan.birth, plan.months)
