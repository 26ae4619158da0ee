"""Resident-scheme (annual) contributions in kiosk.services.residents: unpaid
years are found like unpaid months, and a resident-scheme year is shown and
printed as tier / subsidy / personal account, not base / employer."""

from __future__ import annotations

import datetime as dt
import itertools

import peewee
import pytest

from db.models import Contribution, Enrolment, Resident
from kiosk.clock import FixedClock
from kiosk.policy import load_policy
from kiosk.rules.identity import check_digit
from kiosk.services import ServiceContext
from kiosk.services import residents as svc
from printers.document import KeyValue, Note, Table, Title
from tests.services.resident_factory import NOW, Seeded, seed_residents

TIER_FEN, SUBSIDY_FEN = 30_000, 4_500
MEDICAL_FEE_FEN, MEDICAL_SUBSIDY_FEN = 40_000, 67_000


@pytest.fixture
def seeded(database: peewee.Database) -> Seeded:
    return seed_residents(database)


@pytest.fixture
def ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database, clock)


_SEQ = itertools.count(101)


def villager(birth: dt.date, start_year: int, paid: list[int], *, end: dt.date | None = None,
             medical: tuple[int, ...] = ()) -> int:
    """A resident-scheme villager enrolled from ``start_year`` who paid the pension in ``paid``."""
    first17 = f"360726{birth:%Y%m%d}{next(_SEQ):03d}"
    person = Resident.create(id_number=first17 + check_digit(first17), name="欧阳明", sex="male", birth_date=birth,
                             created_at=NOW, updated_at=NOW)
    Enrolment.create(resident=person, insurance="pension", scheme="resident",
                     start_date=dt.date(start_year, 1, 1), end_date=end, status="ended" if end else "active")
    for year in paid:
        Contribution.create(resident=person, insurance="pension", scheme="resident", month=dt.date(year, 1, 1),
                            individual_fen=TIER_FEN, subsidy_fen=SUBSIDY_FEN, paid_at=NOW)
    if medical:
        Enrolment.create(resident=person, insurance="medical", scheme="resident",
                         start_date=dt.date(medical[0], 1, 1))
    for year in medical:
        Contribution.create(resident=person, insurance="medical", scheme="resident", month=dt.date(year, 1, 1),
                            individual_fen=MEDICAL_FEE_FEN, subsidy_fen=MEDICAL_SUBSIDY_FEN, paid_at=NOW)
    return int(person.id)


def test_unpaid_resident_years_are_listed_and_counted(ctx: ServiceContext, seeded: Seeded) -> None:
    paid = [y for y in range(2014, 2027) if y not in (2017, 2022)]
    rid = villager(dt.date(1984, 7, 19), 2014, paid, medical=(2024, 2026))  # medical 2025 unpaid: not arrears
    history = svc.contribution_history(ctx, rid)
    assert history.missing_years == 2
    assert history.missing_months == 0
    assert history.total_pension_months == len(paid) * 12
    assert [y.year for y in history.years] == list(range(2026, 2013, -1))  # the unpaid years are in the list
    for year in (2017, 2022):
        item = history.year(year)
        assert item is not None
        assert item.unpaid == ("pension",) and item.rows == () and item.has_missing and item.annual
    paid_year = history.year(2021)
    assert paid_year is not None and paid_year.unpaid == () and not paid_year.has_missing
    medical_gap = history.year(2025)
    assert medical_gap is not None and medical_gap.unpaid == ()


def test_current_year_is_never_missing(ctx: ServiceContext, seeded: Seeded) -> None:
    rid = villager(dt.date(1984, 7, 19), 2023, [2023, 2024, 2025])  # 2026 not paid yet (clock: 2026-11-29)
    history = svc.contribution_history(ctx, rid)
    assert history.missing_years == 0
    assert history.year(2026) is None
    rid = villager(dt.date(1985, 7, 19), 2023, [2023, 2024])
    assert svc.contribution_history(ctx, rid).missing_years == 1  # 2025 is past and unpaid


def test_no_missing_years_after_sixty_or_after_the_enrolment_ended(ctx: ServiceContext, seeded: Seeded) -> None:
    retiree = villager(dt.date(1960, 3, 1), 2014, list(range(2014, 2020)))  # 60 in 2020: pension, no payment
    assert svc.contribution_history(ctx, retiree).missing_years == 0
    ended = villager(dt.date(1980, 3, 1), 2014, [2014, 2016], end=dt.date(2017, 6, 30))
    history = svc.contribution_history(ctx, ended)
    assert history.missing_years == 2  # 2015 and 2017, nothing after the end
    assert sorted(y.year for y in history.years if y.unpaid) == [2015, 2017]


def test_employee_missing_months_unchanged_and_no_missing_years(ctx: ServiceContext, seeded: Seeded) -> None:
    history = svc.contribution_history(ctx, seeded.zhang)
    assert history.missing_months == 3 and history.missing_years == 0
    y2019 = history.year(2019)
    assert y2019 is not None and not y2019.annual and y2019.has_missing


def test_resident_year_rows_carry_tier_subsidy_and_account(ctx: ServiceContext, seeded: Seeded) -> None:
    rid = villager(dt.date(1984, 7, 19), 2024, [2024, 2025], medical=(2025,))
    year = svc.contribution_history(ctx, rid).year(2025)
    assert year is not None and year.annual
    by_insurance = {r.insurance: r for r in year.rows}
    assert by_insurance["pension"].account_fen == TIER_FEN + SUBSIDY_FEN
    assert by_insurance["medical"].account_fen is None  # resident medical has no personal account
    assert year.subsidy_fen == SUBSIDY_FEN + MEDICAL_SUBSIDY_FEN


def _blocks(doc: object, kind: type) -> list:  # type: ignore[type-arg]
    return [b for b in doc.blocks if isinstance(b, kind)]  # type: ignore[attr-defined]


def test_statement_shows_tier_and_subsidy_for_resident_scheme(ctx: ServiceContext, seeded: Seeded) -> None:
    paid = [2023, 2024, 2026]
    rid = villager(dt.date(1984, 7, 19), 2023, paid)
    doc = svc.statement_document(ctx, rid, years=4)
    tables = _blocks(doc, Table)
    assert len(tables) == 3
    for table in tables:
        assert table.columns == ("年度", "缴费档次", "政府补贴", "计入个人账户")
        assert "基数" not in table.columns and "单位" not in table.columns
        assert table.rows[0][1:] == ("300.00", "45.00", "345.00")
    notes = " ".join(n.text for n in _blocks(doc, Note))
    assert "2025年 城乡居民养老保险" in notes  # the unpaid year is printed
    assert "应缴未缴" in [t.text for t in _blocks(doc, Title)]
    keys = {kv.key: kv.value for kv in _blocks(doc, KeyValue)}
    assert keys["政府补贴合计"] == "135.00元"
    assert "单位缴费合计" not in keys


def test_statement_resident_medical_has_fee_and_subsidy_only(ctx: ServiceContext, seeded: Seeded) -> None:
    rid = villager(dt.date(1984, 7, 19), 2026, [2026], medical=(2026,))
    tables = _blocks(svc.statement_document(ctx, rid, years=1), Table)
    columns = sorted(t.columns for t in tables)
    assert columns == [("年度", "个人缴费", "政府补贴"), ("年度", "缴费档次", "政府补贴", "计入个人账户")]
    medical = next(t for t in tables if len(t.columns) == 3)
    assert medical.rows == (("2026年", "400.00", "670.00"),)


def test_statement_keeps_base_and_employer_for_employees(ctx: ServiceContext, seeded: Seeded) -> None:
    doc = svc.statement_document(ctx, seeded.zhang, years=2)
    tables = _blocks(doc, Table)
    assert tables and all(t.columns == ("月份", "基数", "个人", "单位") for t in tables)
    assert tables[0].rows[0][1:] == ("6,000.00", "480.00", "960.00")
    keys = {kv.key for kv in _blocks(doc, KeyValue)}
    assert "单位缴费合计" in keys and "政府补贴合计" not in keys


def test_estimate_says_how_the_account_is_projected(ctx: ServiceContext, seeded: Seeded) -> None:
    book = load_policy()
    paying = svc.pension_estimate(ctx, villager(dt.date(1984, 7, 19), 2014, list(range(2014, 2027))), book)
    assert paying.basis_year == 2026 and paying.account_per_period_fen == TIER_FEN + SUBSIDY_FEN
    assert paying.future_months == paying.projected_months - paying.paid_months > 0
    assert paying.projected_balance_fen == (paying.account_balance_fen
                                            + paying.account_per_period_fen * paying.future_months // 12)
    stopped = svc.pension_estimate(ctx, villager(dt.date(1985, 7, 19), 2014, [2014, 2015]), book)
    assert stopped.future_months == 0 and stopped.account_per_period_fen == 0 and stopped.basis_year is None
    assert stopped.projected_balance_fen == stopped.account_balance_fen
