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
from db.models import Account, Application, Benefit, BenefitPayment, Contribution, LedgerEntry, Resident
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
    assert {"pension", "unemployment", "medical_reimbursement", "maternity"} <= kinds
    schemes = {s for (s,) in Benefit.select(Benefit.scheme).where(Benefit.kind == "pension").distinct().tuples()}
    assert schemes == {"employee", "resident"}
    # Enterprise retirees: women retire by their category (女工人 50→55, 女干部 55→58), never all at 60y1m.
    first_month = {rid: start for rid, start in Benefit.select(Benefit.resident, Benefit.start_month).where(
        (Benefit.kind == "pension") & (Benefit.scheme == "employee")).tuples()}
    women = Resident.select().where(Resident.id.in_(list(first_month)) & (Resident.sex == "female"))
    ages = set()
    for woman in women:
        retired = retirement_date(woman.birth_date, woman.retirement_category)
        assert retired < first_month[woman.id] <= TODAY
        ages.add(retired.year - woman.birth_date.year)
    assert ages and max(ages) < 60
    # Resident pensioners have 15 paid years; villagers skip years now and then.
    for (rid,) in Benefit.select(Benefit.resident).where(Benefit.scheme == "resident").tuples():
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


def test_every_pensioner_is_a_benefit_the_run_keeps_paying(database: peewee.Database, clock: FixedClock) -> None:
    # Moneyfix 1: a pension in the demo is what the counter and the monthly run make: a claim
    # accepted by one person and approved (复核) by another, a Benefit in payment whose amount is
    # the entitlement service's decision from the records, payments linked to it month by month
    # (the account part out of the personal account), and the run pays the next month.
    from kiosk.services import benefit_run, entitlement

    seed_demo(database, residents=500, seed=7, today=TODAY, now=NOW)
    ctx = ServiceContext(database, clock)
    pensions = list(Benefit.select().where(Benefit.kind == "pension"))
    assert len(pensions) > 20
    assert not BenefitPayment.select().where(BenefitPayment.benefit_type.in_(
        ["pension", "unemployment"]) & BenefitPayment.benefit.is_null()).exists()
    this_month = TODAY.replace(day=1)
    for benefit in pensions:
        claim = Application.get_by_id(benefit.__data__["application"])
        assert claim.status == "paid" and claim.type == "benefit_pension"
        assert claim.accepted_by and claim.approved_by and claim.accepted_by != claim.approved_by
        decision = entitlement.decide(ctx, benefit.__data__["resident"], "pension", on=benefit.start_month,
                                      facts={"scheme": benefit.scheme}, exclude_application=claim.id)
        assert set(decision.reasons) <= {"already_receiving", "duplicate_claim"}, decision.reasons
        assert claim.data["amount_fen"] == benefit.monthly_fen
        periods = [p for (p,) in BenefitPayment.select(BenefitPayment.period)
                   .where(BenefitPayment.benefit == benefit.id).order_by(BenefitPayment.period).tuples()]
        if benefit.start_month == this_month:
            assert periods == []  # entitled from this month: the next run pays it
            continue
        assert periods[0] == benefit.start_month
        if benefit.status == "in_payment":
            assert periods[-1] == benefit_run.add_months(this_month, -1)
            assert len(periods) == len(set(periods))
    employee = [b for b in pensions if b.scheme == "employee"]
    assert len({b.monthly_fen for b in employee}) > len(employee) // 2  # from each person's records
    for benefit in employee:
        assert benefit.account_part_fen > 0
        assert Account.get_or_none((Account.resident == benefit.__data__["resident"])
                                   & (Account.kind == "pension_employee")) is not None
    # The amount is the formula's: decided again without the earlier claim, it is the same.
    sample = employee[0]
    BenefitPayment.delete().where(BenefitPayment.resident == sample.__data__["resident"]).execute()
    again = entitlement.decide(ctx, sample.__data__["resident"], "pension", on=sample.start_month,
                               facts={"scheme": "employee"}, exclude_application=sample.__data__["application"])
    assert again.monthly_fen == sample.monthly_fen
    BenefitPayment.insert(resident=sample.__data__["resident"], benefit_type="pension", period=this_month,
                          amount_fen=1, paid_at=NOW).execute()  # keep that resident out of the run check
    in_payment = Benefit.select().where(Benefit.status == "in_payment").count()
    run = benefit_run.preview(ctx, this_month)
    assert run.paid >= in_payment - 1 and run.skipped.get("no_bank_account", 0) == 0
