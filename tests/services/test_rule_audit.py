"""稽核 (issue 16): a clean hand-built township has no findings; each kind of violation,
made by corrupting one record by hand, is found and names that record (kind, table, id).
SQLite and PostgreSQL. The CLI's exit codes and JSON are checked in tests/cli/test_rule_audit_cli.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import peewee
import pytest

from db.models import (
    Account,
    Application,
    AuditEntry,
    BenefitPayment,
    Contribution,
    Enrolment,
    LedgerEntry,
    Resident,
    RuleFindingNote,
    Staff,
    Transfer,
)
from kiosk.clock import FixedClock
from kiosk.rules.identity import check_digit
from kiosk.services import ServiceContext, rule_audit

NOW = dt.datetime(2026, 11, 29, 1, 30)


def _id(birth: dt.date, seq: int) -> str:
    first17 = f"360726{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def _month(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def _months(first: dt.date, count: int) -> list[dt.date]:
    out, index = [], first.year * 12 + first.month - 1
    for k in range(count):
        out.append(dt.date((index + k) // 12, (index + k) % 12 + 1, 1))
    return out


@dataclass
class Town:
    """Ids of the records the corruption tests touch."""

    retiree: int  # male, 200 employee months, employee pension paid 2026-01..03
    villager: int  # female born 1980, resident pension + medical, years 2015.. paid in their year
    worker: int  # male flexible worker born 1985, pension 2020-01.. 24 months
    employee: int  # female employee born 1990, five insurances 2024-2025 (no maternity after 2019)
    pension_app: int
    pension_payments: list[int]
    worker_account: int
    staff: tuple[int, int]
    contribution_villager: int


def _resident(seq: int, name: str, sex: str, birth: dt.date, category: str = "") -> int:
    return int(Resident.insert(id_number=_id(birth, seq * 2 + (1 if sex == "male" else 0)), name=name, sex=sex,
                               birth_date=birth, village="龙岗村", retirement_category=category,
                               hukou_region="360726", created_at=NOW, updated_at=NOW).execute())


def _contribution(rid: int, insurance: str, scheme: str, month: dt.date, individual: int, employer: int = 0,
                  paid: dt.datetime | None = None) -> int:
    return int(Contribution.insert(resident=rid, insurance=insurance, scheme=scheme, month=month, base_fen=500000,
                                   individual_fen=individual, employer_fen=employer, subsidy_fen=0,
                                   paid_at=paid or dt.datetime(month.year, month.month, 15, 2)).execute())


def _account(rid: int, kind: str, amounts: list[tuple[dt.date, str, int]]) -> int:
    balance = sum(a[2] for a in amounts)
    account = int(Account.insert(resident=rid, kind=kind, balance_fen=balance, opened_on=amounts[0][0],
                                 updated_at=NOW).execute())
    running = 0
    for seq, (day, entry, amount) in enumerate(amounts, start=1):
        running += amount
        LedgerEntry.insert(account=account, seq=seq, entry_date=day, kind=entry, amount_fen=amount,
                           balance_after_fen=running, reference=f"t:{seq}", created_at=NOW).execute()
    return account


def build_town() -> Town:
    clerk = int(Staff.insert(number="S101", name="钟晓梅", role="clerk", pin_hash="x", created_at=NOW).execute())
    boss = int(Staff.insert(number="S102", name="刘建国", role="supervisor", pin_hash="x", created_at=NOW).execute())
    # A retired enterprise employee: 200 months 1999-2015, retired at 60 in 2020, pension paid in 2026.
    retiree = _resident(1, "王建国", "male", dt.date(1960, 3, 10), "male")
    Enrolment.insert(resident=retiree, insurance="pension", scheme="employee", status="ended",
                     start_date=dt.date(1999, 1, 1), end_date=dt.date(2020, 3, 10)).execute()
    for month in _months(_month(1999, 1), 200):
        _contribution(retiree, "pension", "employee", month, 40000, 80000)
    app = int(Application.insert(number="SQ20251201001", resident=retiree, type="benefit_pension", status="paid",
                                 data={"claim_date": "2025-12-01", "amount_fen": 250000, "scheme": "employee"},
                                 channel="counter", accepted_by=clerk, approved_by=boss,
                                 created_at=dt.datetime(2025, 12, 1, 2), updated_at=NOW).execute())
    payments = [int(BenefitPayment.insert(resident=retiree, application=app, benefit_type="pension",
                                          period=_month(2026, m), amount_fen=250000,
                                          paid_at=dt.datetime(2026, m, 10, 2)).execute()) for m in (1, 2, 3)]
    # A villager in the resident scheme, paying each year in that year.
    villager = _resident(2, "李芳", "female", dt.date(1980, 5, 5))
    Enrolment.insert(resident=villager, insurance="pension", scheme="resident", start_date=dt.date(2015, 1, 1)).execute()
    Enrolment.insert(resident=villager, insurance="medical", scheme="resident", start_date=dt.date(2024, 1, 1)).execute()
    first_year = 0
    for year in range(2015, 2027):
        cid = _contribution(villager, "pension", "resident", dt.date(year, 1, 1), 30000,
                            paid=dt.datetime(year, 3, 15, 2))
        first_year = first_year or cid
    for year in (2024, 2025, 2026):
        _contribution(villager, "medical", "resident", dt.date(year, 1, 1), 40000, paid=dt.datetime(year, 1, 10, 2))
    # A flexible worker with a personal account (ledger adds up).
    worker = _resident(3, "陈强", "male", dt.date(1985, 7, 1), "male")
    Enrolment.insert(resident=worker, insurance="pension", scheme="flexible", start_date=dt.date(2020, 1, 1)).execute()
    entries = []
    for month in _months(_month(2020, 1), 24):
        _contribution(worker, "pension", "flexible", month, 100000)
        entries.append((month.replace(day=15), "contribution", 40000))
    account = _account(worker, "pension_employee", entries)
    # An employee of five insurances in 2024-2025 (maternity only through employee medical).
    employee = _resident(4, "张娟", "female", dt.date(1990, 2, 2), "female_worker")
    for insurance in ("pension", "medical", "unemployment", "injury"):
        Enrolment.insert(resident=employee, insurance=insurance, scheme="employee",
                         start_date=dt.date(2024, 1, 1)).execute()
        for month in _months(_month(2024, 1), 24):
            _contribution(employee, insurance, "employee", month, 0 if insurance == "injury" else 10000, 20000)
    return Town(retiree, villager, worker, employee, app, payments, account, (clerk, boss), first_year)


@pytest.fixture
def town(database: peewee.Database) -> Town:
    with database.atomic():
        return build_town()


@pytest.fixture
def ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database, clock, staff_id=None, staff_number="S102")


def _keys(report: rule_audit.Report) -> set[tuple[str, str, int]]:
    return {f.key for f in report.findings}


def test_clean_town_has_no_findings(ctx: ServiceContext, town: Town) -> None:
    report = rule_audit.run_audit(ctx)
    assert report.findings == (), [f.as_json() for f in report.findings]
    assert report.checked > 300


def _copy_contribution(cid: int, **changes: object) -> int:
    row = Contribution.get_by_id(cid)
    values = {f.name: getattr(row, f.name) for f in Contribution._meta.sorted_fields if f.name != "id"}
    values["resident"] = row.__data__["resident"]
    values["employer"] = row.__data__["employer"]
    values["payment"] = row.__data__["payment"]
    values.update(changes)
    return int(Contribution.insert(**values).execute())


def _payment_to_uninsured(town: Town) -> tuple[str, str, int]:
    # A pension payment moved to a resident with no pension enrolment at all (a student, 17).
    student = _resident(9, "赖明", "male", dt.date(2009, 6, 1))
    payment = town.pension_payments[0]
    BenefitPayment.update(resident=student, application=None).where(BenefitPayment.id == payment).execute()
    return ("benefit_ineligible", "benefit_payment", payment)


def _pension_young(town: Town) -> tuple[str, str, int]:
    # The retiree's birth date moved to make him 38 (the demo's old fault).
    Resident.update(birth_date=dt.date(1988, 3, 10)).where(Resident.id == town.retiree).execute()
    return ("benefit_ineligible", "benefit_payment", town.pension_payments[0])


def _maternity_man(town: Town) -> tuple[str, str, int]:
    app = int(Application.insert(number="SQ20260301001", resident=town.retiree, type="benefit_maternity",
                                 status="paid", data={"claim_date": "2026-03-01", "amount_fen": 3000000},
                                 created_at=dt.datetime(2026, 3, 1, 2), updated_at=NOW).execute())
    pid = int(BenefitPayment.insert(resident=town.retiree, application=app, benefit_type="maternity",
                                    period=_month(2026, 3), amount_fen=3000000, paid_at=NOW).execute())
    return ("benefit_ineligible", "benefit_payment", pid)


def _after_death(town: Town) -> tuple[str, str, int]:
    Resident.update(death_date=dt.date(2026, 1, 20)).where(Resident.id == town.retiree).execute()
    return ("paid_after_death", "benefit_payment", town.pension_payments[1])


def _duplicate(town: Town) -> tuple[str, str, int]:
    pid = int(BenefitPayment.insert(resident=town.retiree, application=town.pension_app, benefit_type="pension",
                                    period=_month(2026, 2), amount_fen=250000, paid_at=NOW).execute())
    return ("duplicate_payment", "benefit_payment", pid)


def _beyond(town: Town) -> tuple[str, str, int]:
    app = int(Application.insert(number="SQ20260101002", resident=town.employee, type="benefit_unemployment",
                                 status="paid", data={"claim_date": "2026-01-05", "months": 2, "amount_fen": 180000},
                                 created_at=dt.datetime(2026, 1, 5, 2), updated_at=NOW).execute())
    ids = [int(BenefitPayment.insert(resident=town.employee, application=app, benefit_type="unemployment",
                                     period=_month(2026, m), amount_fen=180000, paid_at=NOW).execute())
           for m in (1, 2, 3)]
    return ("beyond_months", "benefit_payment", ids[2])


def _overlap(town: Town) -> tuple[str, str, int]:
    eid = int(Enrolment.insert(resident=town.worker, insurance="pension", scheme="resident",
                               start_date=dt.date(2022, 1, 1)).execute())
    return ("coverage_overlap", "enrolment", eid)


def _too_young(town: Town) -> tuple[str, str, int]:
    # The villager's 2015 year copied to 1995, when she was 15.
    cid = _copy_contribution(town.contribution_villager, month=dt.date(1995, 1, 1))
    return ("contribution_age", "contribution", cid)


def _past_retirement(town: Town) -> tuple[str, str, int]:
    cid = _contribution(town.retiree, "pension", "employee", _month(2021, 1), 40000, 80000)
    return ("contribution_age", "contribution", cid)


def _past_year(town: Town) -> tuple[str, str, int]:
    # 2014 (missed) paid in 2026: she is not in the transitional group, a past year cannot be paid.
    cid = _contribution(town.villager, "pension", "resident", dt.date(2014, 1, 1), 30000,
                        paid=dt.datetime(2026, 4, 1, 2))
    return ("contribution_year", "contribution", cid)


def _future_year(town: Town) -> tuple[str, str, int]:
    cid = _contribution(town.villager, "pension", "resident", dt.date(2031, 1, 1), 30000,
                        paid=dt.datetime(2026, 4, 1, 2))
    return ("contribution_year", "contribution", cid)


def _merged(town: Town) -> tuple[str, str, int]:
    cid = _contribution(town.employee, "maternity", "employee", _month(2024, 5), 0, 4000)
    return ("merged_insurance", "contribution", cid)


def _employer_share(town: Town) -> tuple[str, str, int]:
    row = Contribution.get((Contribution.resident == town.worker) & (Contribution.month == _month(2020, 6)))
    Contribution.update(employer_fen=80000).where(Contribution.id == row.id).execute()
    return ("employer_share_personal", "contribution", row.id)


def _balance(town: Town) -> tuple[str, str, int]:
    Account.update(balance_fen=Account.balance_fen + 100).where(Account.id == town.worker_account).execute()
    return ("account_balance", "account", town.worker_account)


def _ledger_row(town: Town) -> tuple[str, str, int]:
    entry = LedgerEntry.get((LedgerEntry.account == town.worker_account) & (LedgerEntry.seq == 5))
    LedgerEntry.update(amount_fen=1).where(LedgerEntry.id == entry.id).execute()
    return ("account_balance", "ledger_entry", entry.id)


def _same_person(town: Town) -> tuple[str, str, int]:
    Application.update(approved_by=town.staff[0]).where(Application.id == town.pension_app).execute()
    return ("same_person_approved", "application", town.pension_app)


def _amount(town: Town) -> tuple[str, str, int]:
    BenefitPayment.update(amount_fen=260000).where(BenefitPayment.id == town.pension_payments[2]).execute()
    return ("amount_differs", "benefit_payment", town.pension_payments[2])


def _transfer(town: Town) -> tuple[str, str, int]:
    account = Account.get_by_id(town.worker_account)
    balance = int(account.balance_fen)
    seq = LedgerEntry.select().where(LedgerEntry.account == account.id).count() + 1
    eid = int(LedgerEntry.insert(account=account.id, seq=seq, entry_date=dt.date(2026, 6, 1), kind="transfer_out",
                                 amount_fen=-balance, balance_after_fen=0, reference="SQ20260601009",
                                 created_at=NOW).execute())
    Account.update(balance_fen=0).where(Account.id == account.id).execute()
    return ("transfer_unarrived", "ledger_entry", eid)


def _deemed(town: Town, months: int, document: str) -> tuple[str, str, int]:
    """Moneyfix 3: deemed months typed on the paid pension claim (born 1960-03: 1976-04 … 1995-12 allowed)."""
    row = Application.get_by_id(town.pension_app)
    Application.update(data={**row.data, "deemed_months": months, "deemed_document": document}).where(
        Application.id == town.pension_app).execute()
    return ("deemed_months", "application", town.pension_app)


def _deemed_beyond(town: Town) -> tuple[str, str, int]:
    return _deemed(town, 300, "安人社档审〔2025〕3号")


def _deemed_unproven(town: Town) -> tuple[str, str, int]:
    return _deemed(town, 12, "")


CORRUPTIONS: dict[str, Callable[[Town], tuple[str, str, int]]] = {
    "payment_to_uninsured": _payment_to_uninsured, "pension_at_38": _pension_young, "maternity_man": _maternity_man,
    "after_death": _after_death, "duplicate": _duplicate, "beyond_months": _beyond, "overlap": _overlap,
    "contribution_at_15": _too_young, "contribution_after_retirement": _past_retirement, "past_year": _past_year,
    "future_year": _future_year, "merged_maternity": _merged, "employer_share": _employer_share,
    "balance": _balance, "ledger_row": _ledger_row, "same_person": _same_person, "amount": _amount,
    "transfer": _transfer, "deemed_beyond": _deemed_beyond, "deemed_unproven": _deemed_unproven,
}


def test_deemed_months_within_the_bounds_are_no_finding(ctx: ServiceContext, town: Town,
                                                          database: peewee.Database) -> None:
    with database.atomic():
        _deemed(town, 237, "安人社档审〔2025〕3号")  # every month from 16 to 1995-12
    assert not [f for f in rule_audit.run_audit(ctx).findings if f.kind == "deemed_months"]


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_each_corruption_is_named(name: str, ctx: ServiceContext, town: Town, database: peewee.Database) -> None:
    with database.atomic():
        expected = CORRUPTIONS[name](town)
    report = rule_audit.run_audit(ctx)
    assert expected in _keys(report), [f.as_json() for f in report.findings]
    finding = next(f for f in report.findings if f.key == expected)
    assert finding.rule and "—" in finding.rule  # the rule and its source
    assert "*" in finding.resident  # masked


def test_transfer_with_arrival_or_record_is_not_a_finding(ctx: ServiceContext, town: Town,
                                                          database: peewee.Database) -> None:
    with database.atomic():
        _transfer(town)
        app = int(Application.insert(number="SQ20260601009", resident=town.worker, type="transfer",
                                     status="continued", data={}, created_at=NOW, updated_at=NOW).execute())
        Transfer.insert(application=app, resident=town.worker, direction="out", kind="employee_interprovincial",
                        account_fen=1, created_at=NOW).execute()
    assert not any(f.kind == "transfer_unarrived" for f in rule_audit.run_audit(ctx).findings)


def test_explained_finding_is_known_not_new(ctx: ServiceContext, town: Town, database: peewee.Database) -> None:
    with database.atomic():
        kind, table, record = _merged(town)
    with pytest.raises(rule_audit.AuditError):  # a clerk may not explain findings away
        rule_audit.explain(dataclasses.replace(ctx, staff_id=town.staff[0]), kind, table, record, "理由")
    ctx = dataclasses.replace(ctx, staff_id=town.staff[1])
    rule_audit.explain(ctx, kind, table, record, "历史数据：2024年县局统一代收，已报备")
    report = rule_audit.run_audit(ctx)
    assert (kind, table, record) not in _keys(report)
    assert [(f.key, f.known, f.explanation) for f in report.known] == [
        ((kind, table, record), True, "历史数据：2024年县局统一代收，已报备")]
    assert RuleFindingNote.select().count() == 1
    entry = AuditEntry.get(AuditEntry.action == "ruleaudit.explain")
    assert (entry.actor, entry.entity, entry.entity_id) == ("S102", table, str(record))
    with pytest.raises(rule_audit.AuditError):
        rule_audit.explain(ctx, kind, table, record, "again")
    with pytest.raises(rule_audit.AuditError):
        rule_audit.explain(ctx, kind, table, record + 999, "  ")


def test_unexplained_findings_for_the_run(ctx: ServiceContext, town: Town, database: peewee.Database) -> None:
    with database.atomic():
        _after_death(town)
    assert rule_audit.unexplained_findings(ctx, resident_ids=[town.villager]) == []
    found = rule_audit.unexplained_findings(ctx, resident_ids=[town.retiree])
    assert {f.kind for f in found} == {"paid_after_death"}
    assert rule_audit.unexplained_findings(ctx, application_ids=[town.pension_app])


def test_since_leaves_older_records_out(ctx: ServiceContext, town: Town, database: peewee.Database) -> None:
    with database.atomic():
        expected = _merged(town)  # a 2024 contribution
    assert expected in _keys(rule_audit.run_audit(ctx))
    assert expected not in _keys(rule_audit.run_audit(ctx, since=dt.date(2026, 1, 1)))


def test_approved_claim_without_payment_is_checked(ctx: ServiceContext, town: Town, database: peewee.Database) -> None:
    # An unemployment claim approved (复核) for the villager, who was never insured against unemployment.
    with database.atomic():
        app = int(Application.insert(number="SQ20261101003", resident=town.villager, type="benefit_unemployment",
                                     status="approved", data={"claim_date": "2026-11-01", "amount_fen": 180000},
                                     created_at=dt.datetime(2026, 11, 1, 2), updated_at=NOW).execute())
    finding = next(f for f in rule_audit.run_audit(ctx).findings if f.key == ("benefit_ineligible", "application", app))
    assert finding.reference == "SQ20261101003" and "not_enrolled" in finding.detail


def test_monthly_run_payment_differs_from_its_benefit(ctx: ServiceContext, town: Town,
                                                      database: peewee.Database) -> None:
    from db.models import Benefit

    with database.atomic():
        benefit = int(Benefit.insert(resident=town.retiree, application=town.pension_app, kind="pension",
                                     scheme="employee", start_month=_month(2026, 1), monthly_fen=250000,
                                     created_at=NOW, updated_at=NOW).execute())
        good = int(BenefitPayment.insert(resident=town.retiree, application=town.pension_app, benefit=benefit,
                                         benefit_type="pension", period=_month(2026, 4), amount_fen=250000,
                                         paid_at=NOW).execute())
        bad = int(BenefitPayment.insert(resident=town.retiree, application=town.pension_app, benefit=benefit,
                                        benefit_type="pension", period=_month(2026, 5), amount_fen=275000,
                                        paid_at=NOW).execute())
    keys = _keys(rule_audit.run_audit(ctx))
    assert ("amount_differs", "benefit_payment", bad) in keys
    assert ("amount_differs", "benefit_payment", good) not in keys
