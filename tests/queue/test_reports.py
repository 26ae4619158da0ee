"""Queue reports: counts, average wait and service, no-shows, hours, ratings."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from kiosk.clock import FixedClock
from kiosk.services import ServiceError
from kiosk.services import queue as q
from kiosk.services.queue_reports import queue_report

from .helpers import add_staff, make_ctx


def test_queue_report(database: peewee.Database, clock: FixedClock) -> None:
    staff = add_staff()
    ctx = make_ctx(database, clock).as_staff(staff, "S001")
    clock.set_local(dt.datetime(2026, 11, 29, 9, 0))
    for prefix in "AAB":
        q.take_ticket(ctx, prefix)
    clock.set_local(dt.datetime(2026, 11, 29, 10, 30))
    q.take_ticket(ctx, "A")  # A003, stays waiting
    clock.set_local(dt.datetime(2026, 11, 29, 11, 0))
    q.call_next(ctx, 1)  # A001 waited 120 min
    q.start(ctx, 1)
    clock.advance(minutes=6)
    q.finish(ctx, 1)
    q.rate(ctx, "A001", 5)
    q.call_next(ctx, 1)  # A002 waited 126 min, no-show
    q.no_show(ctx, 1)
    q.call_next(ctx, 3)  # B001 waited 126 min
    q.start(ctx, 3)
    clock.advance(minutes=10)
    q.finish(ctx, 3)
    q.rate(ctx, "B001", 2, "太慢")
    clock.set_local(dt.datetime(2026, 11, 30, 9, 0))
    q.take_ticket(ctx, "A")  # another day: not in the report

    report = queue_report(ctx, dt.date(2026, 11, 29))
    assert (report.total.tickets, report.total.served, report.total.no_shows, report.total.waiting) == (4, 2, 1, 1)
    assert report.total.avg_wait_seconds == round((120 + 126 + 126) * 60 / 3)
    assert report.total.avg_service_seconds == 8 * 60
    a, b = report.by_category
    assert (a.key, a.tickets, a.avg_service_seconds) == ("A", 3, 360)
    assert (b.key, b.avg_wait_seconds, b.avg_service_seconds) == ("B", 126 * 60, 600)
    assert [(r.key, r.tickets) for r in report.by_counter] == [("1", 2), ("3", 1)]
    assert [(r.key, r.tickets) for r in report.by_hour] == [("09", 3), ("10", 1)]
    assert [(r.counter, r.staff_id, r.ratings, r.average, r.low) for r in report.ratings] == [
        (1, staff, 1, 5.0, 0), (3, staff, 1, 2.0, 1)]
    two_days = queue_report(ctx, dt.date(2026, 11, 29), dt.date(2026, 11, 30))
    assert two_days.total.tickets == 5
    with pytest.raises(ServiceError, match="结束日期早于开始日期"):
        queue_report(ctx, dt.date(2026, 11, 30), dt.date(2026, 11, 29))
