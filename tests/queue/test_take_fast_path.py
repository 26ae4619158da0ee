"""take_ticket's short write transaction, on both backends.

The category is read before the write lock and checked again by the
numbering statement itself; people ahead and the wait estimate are read
after the commit (or inside it when a receipt is spooled). These tests pin
what that must not change: a category switched off in between gets no
number, a failing receipt takes the ticket back with it, and taking a
number writes no audit entry (it is the resident's act, not staff's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
import pytest

from db.models import AuditEntry, DayCounter, PrintJob, QueueCategory, Ticket, TicketEvent
from kiosk.clock import FixedClock
from kiosk.services import NotFound
from kiosk.services import queue as q

from .helpers import add_resident, make_ctx


def test_category_switched_off_after_the_read_gets_no_number(
        database: peewee.Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_ctx(database, clock)
    assert q.take_ticket(ctx, "B").code == "B001"
    day_of = q.ticket_day

    def switch_off_then_day(ctx: Any) -> dt.date:
        # After take_ticket checked the prefix (SQLite: read the active category), before numbering
        # (SQLite: the INSERT … SELECT … WHERE active; PostgreSQL: kiosk_take_ticket).
        QueueCategory.update(active=False).where(QueueCategory.prefix == "B").execute()
        return day_of(ctx)

    monkeypatch.setattr(q, "ticket_day", switch_off_then_day)
    with pytest.raises(NotFound) as refused:
        q.take_ticket(ctx, "B")
    assert refused.value.code == "unknown_category"
    assert Ticket.select().where(Ticket.prefix == "B").count() == 1
    assert DayCounter.get(DayCounter.prefix == "B").last == 1  # no number used up
    monkeypatch.setattr(q, "ticket_day", day_of)
    QueueCategory.update(active=True).where(QueueCategory.prefix == "B").execute()
    assert q.take_ticket(ctx, "B").code == "B002"


def test_failing_receipt_takes_the_ticket_back(
        database: peewee.Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_ctx(database, clock)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("spool full")

    monkeypatch.setattr(q, "enqueue", broken)
    with pytest.raises(OSError):
        q.take_ticket(ctx, "A", receipt=True)
    assert Ticket.select().count() == 0
    assert TicketEvent.select().count() == 0
    assert DayCounter.select().count() == 0


def test_receipt_ticket_carries_people_ahead_and_the_resident(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    resident = add_resident("张三丰", dt.date(1980, 1, 1))
    for _ in range(3):
        q.take_ticket(ctx, "A")
    info = q.take_ticket(ctx, "A", resident, receipt=True)
    assert (info.code, info.ahead, info.wait_minutes) == ("A004", 3, 15)  # 3 × 10 min ÷ counters 1 and 2
    job = PrintJob.get_by_id(info.print_job_id)
    assert q._fk(job, "resident") == resident
    ticket = Ticket.get_by_id(info.id)
    assert (ticket.code, q._fk(ticket, "resident"), ticket.status) == ("A004", resident, "waiting")
    assert [e.action for e in TicketEvent.select().where(TicketEvent.ticket == info.id)] == ["take"]


def test_taking_a_number_writes_no_audit_entry(database: peewee.Database, clock: FixedClock) -> None:
    before = AuditEntry.select().count()
    q.take_ticket(make_ctx(database, clock), "A", receipt=True)
    assert AuditEntry.select().count() == before


def test_ahead_counts_priority_and_earlier_tickets_only(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    elderly = add_resident("李秀英", dt.date(1940, 5, 1))
    first = q.take_ticket(ctx, "A")
    clock.advance(seconds=1)
    priority = q.take_ticket(ctx, "A", elderly)
    clock.advance(seconds=1)
    other_category = q.take_ticket(ctx, "B")
    last = q.take_ticket(ctx, "A")
    assert (first.ahead, priority.ahead, other_category.ahead, last.ahead) == (0, 0, 0, 2)
    # the count is live: once the priority ticket is called, the last one waits only for the first
    assert q.call_next(ctx, 1).code == priority.code
    assert q._ahead(Ticket.get_by_id(last.id)) == 1
    assert q._ahead(Ticket.get_by_id(priority.id)) == 0
