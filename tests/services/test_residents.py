"""kiosk.services.residents on both backends: identify and the home views."""

from __future__ import annotations

import datetime as dt
import time

import peewee
import pytest

from db.models import AuditEntry, PrintJob, Ticket
from kiosk.clock import FixedClock
from kiosk.policy import load_policy
from kiosk.services import NotFound, ServiceContext
from kiosk.services import residents as svc
from tests.services.resident_factory import (
    BASE_FEN,
    FROZEN_CARD,
    INDIVIDUAL_FEN,
    LI_ID,
    MISSING_2019,
    UNREGISTERED_ID,
    ZHANG_CARD,
    ZHANG_ID,
    ZHANG_NAME,
    Seeded,
    seed_residents,
)


@pytest.fixture
def seeded(database: peewee.Database) -> Seeded:
    return seed_residents(database)


@pytest.fixture
def ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database, clock)


def test_identify_by_id_number_card_and_lowercase_x(ctx: ServiceContext, seeded: Seeded) -> None:
    by_id = svc.identify(ctx, ZHANG_ID)
    assert by_id.id == seeded.zhang and by_id.name == ZHANG_NAME
    assert by_id.masked_name == "张*国" and by_id.masked_id.startswith("1101") and ZHANG_ID not in by_id.masked_id
    assert svc.identify(ctx, f" {ZHANG_CARD}\n").id == seeded.zhang
    assert svc.identify(ctx, LI_ID.lower()).id == seeded.li


@pytest.mark.parametrize(
    ("text", "reason", "word"),
    [
        ("110101197003074514", "check_digit", "校验"),
        ("110101197002304515", "date", "出生日期"),
        ("11010119700307451", "length", "位"),
        ("", "empty", "没有读到"),
    ],
)
def test_identify_bad_input_names_the_problem(ctx: ServiceContext, seeded: Seeded, text: str, reason: str,
                                              word: str) -> None:
    with pytest.raises(svc.InvalidInput) as info:
        svc.identify(ctx, text)
    assert info.value.code == reason
    assert word in info.value.message


def test_identify_unregistered_carries_the_number(ctx: ServiceContext, seeded: Seeded) -> None:
    with pytest.raises(svc.NotRegistered) as info:
        svc.identify(ctx, UNREGISTERED_ID)
    assert info.value.id_number == UNREGISTERED_ID
    assert UNREGISTERED_ID not in info.value.message  # masked in what the screen shows


def test_identify_frozen_card_sends_to_counter_c(ctx: ServiceContext, seeded: Seeded) -> None:
    with pytest.raises(svc.CardBlocked) as info:
        svc.identify(ctx, FROZEN_CARD)
    assert "C窗口" in info.value.message
    with pytest.raises(NotFound):
        svc.identify(ctx, "999999999")


def test_printed_codes_name_no_resident(ctx: ServiceContext, seeded: Seeded) -> None:
    """A ticket code (announced aloud) or an application number opens only
    what it names: identify refuses them as a person's identity."""
    now = ctx.now()
    Ticket.create(day=dt.date(2026, 11, 29), prefix="A", number=7, code="A007", resident=seeded.li,
                  queue_key=now, taken_at=now)
    for code, kind in (("SQ20261101000001", "application"), ("T20261129A007", "ticket")):
        with pytest.raises(svc.PrintedCode) as refused:
            svc.identify(ctx, code)
        assert refused.value.kind == kind and refused.value.value == code


def test_application_number_shows_only_status_and_steps(ctx: ServiceContext, seeded: Seeded) -> None:
    """Application numbers are sequential (anyone can count through them): a
    bare number shows the status and the timeline, never the applicant's
    (masked) name, the business type or the clerk's reason (issue 19 follow-up)."""
    found = svc.progress_by_code(ctx, "application", "SQ20261101000001")
    assert found.application.number == "SQ20261101000001" and not found.full
    assert found.masked_name == "" and found.application.steps and found.application.status_zh
    assert ZHANG_NAME not in repr(found) and ZHANG_ID not in repr(found) and "张*国" not in repr(found)
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert entry.action == "application.lookup" and entry.entity_id == "SQ20261101000001"
    assert entry.terminal == ctx.terminal and entry.detail["reason"] == "printed_code"
    assert entry.detail["full"] is False
    rejected = svc.progress_by_code(ctx, "application", "SQ20261020000007")
    view = rejected.application
    assert view.reason == "" and view.events == () and view.name_zh == "" and view.type == ""
    assert "缴费不满1年" not in repr(rejected) and "失业" not in repr(rejected)
    with pytest.raises(NotFound):
        svc.progress_by_code(ctx, "application", "SQ20261101000099")


def test_receipt_code_shows_only_the_application_it_names(ctx: ServiceContext, seeded: Seeded) -> None:
    now = ctx.now()
    common = {"next_try_at": now, "terminal": "T01", "created_at": now, "resident": seeded.zhang}
    PrintJob.create(code="RC7K2M9Q4T1B", kind="acceptance",
                    document={"lines": ["受理回执", "业务编号 SQ20261101000001"]}, **common)
    PrintJob.create(code="RC7K2M9Q4T1C", kind="payment", document={"lines": ["收据 100.00"]}, **common)
    with pytest.raises(svc.PrintedCode):
        svc.identify(ctx, "RC7K2M9Q4T1B")
    found = svc.progress_by_code(ctx, "receipt", "RC7K2M9Q4T1B")
    assert found.application.number == "SQ20261101000001" and found.masked_name == "张*国" and found.full
    assert found.application.name_zh and ZHANG_NAME not in repr(found)
    with pytest.raises(NotFound):
        svc.progress_by_code(ctx, "receipt", "RC7K2M9Q4T1C")  # a payment receipt names no application


def test_confirm_phone_last_four(ctx: ServiceContext, seeded: Seeded) -> None:
    assert svc.confirm_phone(ctx, seeded.zhang, "5678")
    assert not svc.confirm_phone(ctx, seeded.zhang, "1234")
    assert not svc.confirm_phone(ctx, seeded.li, "0000")  # no phone on record


def test_enrolments(ctx: ServiceContext, seeded: Seeded) -> None:
    rows = svc.enrolments(ctx, seeded.zhang)
    assert [(r.insurance, r.scheme, r.status) for r in rows] == [("pension", "employee", "active"),
                                                                  ("medical", "employee", "active")]
    assert rows[0].start_date == dt.date(2006, 1, 1)


def test_contribution_history_totals_and_missing_months(ctx: ServiceContext, seeded: Seeded) -> None:
    history = svc.contribution_history(ctx, seeded.zhang)
    assert history.years[0].year == 2026 and history.years[-1].year == 2006
    assert history.total_pension_months == seeded.paid_months == 247
    assert history.missing_months == 3  # November 2026 is not due yet
    y2019 = history.year(2019)
    assert y2019 is not None
    assert y2019.missing == MISSING_2019
    assert len(y2019.rows) == 9
    assert y2019.individual_fen == 9 * INDIVIDUAL_FEN
    assert all(r.base_fen == BASE_FEN for r in y2019.rows)
    y2026 = history.year(2026)
    assert y2026 is not None and y2026.missing == () and len(y2026.rows) == 10


def test_resident_scheme_counts_years_as_twelve_months(ctx: ServiceContext, seeded: Seeded) -> None:
    history = svc.contribution_history(ctx, seeded.li)
    assert history.total_pension_months == 11 * 12
    assert history.missing_months == 0


def test_accounts_ledger_newest_first(ctx: ServiceContext, seeded: Seeded) -> None:
    [account] = svc.accounts(ctx, seeded.zhang)
    assert account.kind == "pension_employee"
    assert account.balance_fen == seeded.balance_fen == account.entries[0].balance_after_fen
    assert [e.seq for e in account.entries[:3]] == [20, 19, 18]


def test_benefits_and_application_timelines(ctx: ServiceContext, seeded: Seeded) -> None:
    [benefit] = svc.benefits(ctx, seeded.zhang)
    assert benefit.amount_fen == 180_000 and benefit.paid_on == dt.date(2019, 5, 20)
    apps = svc.applications(ctx, seeded.zhang)
    assert [a.number for a in apps] == ["SQ20261101000001", "SQ20261020000007"]
    transfer, rejected = apps
    assert [s.state for s in transfer.steps] == ["done", "done", "current", "todo"]
    assert transfer.status_zh == "审核申请" and not transfer.finished
    assert rejected.finished and rejected.reason == "缴费不满1年"
    assert [s.state for s in rejected.steps] == ["done", "stopped", "todo", "todo", "todo"]  # …计算, 复核, 支付
    assert svc.applications(ctx, seeded.li) == []


def test_pension_estimate_employee_uses_delayed_retirement(ctx: ServiceContext, seeded: Seeded) -> None:
    book = load_policy()
    view = svc.pension_estimate(ctx, seeded.zhang, book)
    # Born 1970-03 (male): 16 months of delay → 60 y 4 m... computed by the rules.
    from kiosk.rules.retirement import min_contribution_months, retirement_date

    assert view.retirement_date == retirement_date(dt.date(1970, 3, 7), "male") == dt.date(2031, 7, 7)
    assert view.required_months == min_contribution_months(2031) == 192
    assert view.paid_months == 247
    assert view.projected_months == 247 + 56  # Dec 2026 .. Jul 2031 still to come
    assert view.projected_balance_fen > view.account_balance_fen
    steps = view.estimate.steps
    assert steps[-1].result_fen == view.estimate.monthly_fen > 0
    assert sum(s.result_fen for s in steps[:-1]) == view.estimate.monthly_fen


def test_pension_estimate_resident_scheme_at_sixty(ctx: ServiceContext, seeded: Seeded) -> None:
    view = svc.pension_estimate(ctx, seeded.li, load_policy())
    assert view.scheme == "resident" and view.retirement_date == dt.date(2050, 3, 7)
    assert view.estimate.divisor == 139


def test_statement_document_masks_the_person(ctx: ServiceContext, seeded: Seeded) -> None:
    doc = svc.statement_document(ctx, seeded.zhang, years=2)
    assert doc.kind == "statement"
    assert ZHANG_ID not in str(doc.to_dict() if hasattr(doc, "to_dict") else doc)
    assert "张*国" in (doc.identity or "")


def test_views_are_fast_for_twenty_years(ctx: ServiceContext, seeded: Seeded) -> None:
    svc.contribution_history(ctx, seeded.zhang)  # warm up the connection
    started = time.perf_counter()
    for _ in range(5):
        svc.contribution_history(ctx, seeded.zhang)
        svc.accounts(ctx, seeded.zhang)
    per_view = (time.perf_counter() - started) / 10
    assert per_view < 0.05, f"{per_view * 1000:.1f} ms per view"
