"""Queue reports for supervisors: tickets, waits, service times, no-shows, ratings.

Figures are computed in Python from the stage times stored on each ticket
(taken → called = wait, started → finished = service), so SQLite and
PostgreSQL give identical results with no backend-specific date functions.
Hours are the hall's local hours. Rows are plain dataclasses; exporting them
(xlsx) is the report helper's job.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from db.models import Rating, Ticket
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.queue import _fk


@dataclass(frozen=True)
class QueueRow:
    """Tickets of one group (a category, a counter or an hour)."""

    key: str  # "A", "3", "09"
    tickets: int
    served: int  # finished (办结)
    no_shows: int
    waiting: int  # still waiting or held at the end of the period
    avg_wait_seconds: int | None  # taken → first call of the final queue
    avg_service_seconds: int | None  # started → finished


@dataclass(frozen=True)
class RatingRow:
    """Ratings of one counter and clerk."""

    counter: int | None
    staff_id: int | None
    ratings: int
    average: float  # 1.0-5.0, two decimals
    low: int  # scores of 1 or 2, worth a supervisor's look


@dataclass(frozen=True)
class QueueReport:
    """Everything for one period (local days, inclusive)."""

    first_day: dt.date
    last_day: dt.date
    total: QueueRow
    by_category: tuple[QueueRow, ...]
    by_counter: tuple[QueueRow, ...]
    by_hour: tuple[QueueRow, ...]  # by the local hour the ticket was taken
    ratings: tuple[RatingRow, ...]


def _mean(values: list[float]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def _row(key: str, tickets: Iterable[Ticket]) -> QueueRow:
    items = list(tickets)
    waits = [(t.called_at - t.taken_at).total_seconds() for t in items if t.called_at is not None]
    services = [(t.finished_at - t.started_at).total_seconds() for t in items
                if t.status == "done" and t.finished_at is not None and t.started_at is not None]
    return QueueRow(
        key=key,
        tickets=len(items),
        served=sum(1 for t in items if t.status == "done"),
        no_shows=sum(1 for t in items if t.status == "no_show"),
        waiting=sum(1 for t in items if t.status in ("waiting", "held")),
        avg_wait_seconds=_mean(waits),
        avg_service_seconds=_mean(services),
    )


def _group(tickets: list[Ticket], key: Callable[[Ticket], Hashable]) -> tuple[QueueRow, ...]:
    groups: dict[Hashable, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        value = key(ticket)
        if value is not None:
            groups[value].append(ticket)
    return tuple(_row(str(k), groups[k]) for k in sorted(groups, key=str))


def queue_report(ctx: ServiceContext, first_day: dt.date, last_day: dt.date | None = None) -> QueueReport:
    """The queue report for local days ``first_day`` … ``last_day`` (default one day)."""
    last = last_day or first_day
    if last < first_day:
        raise ServiceError("结束日期早于开始日期，请重新选择", code="bad_period")
    tickets = list(Ticket.select().where((Ticket.day >= first_day) & (Ticket.day <= last)).order_by(Ticket.id))
    ratings = list(Rating.select().join(Ticket).where((Ticket.day >= first_day) & (Ticket.day <= last)))
    by_staff: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
    for rating in ratings:
        by_staff[(rating.counter, _fk(rating, "staff"))].append(rating.score)
    rating_rows = tuple(
        RatingRow(counter, staff, len(scores), round(sum(scores) / len(scores), 2), sum(1 for s in scores if s <= 2))
        for (counter, staff), scores in sorted(by_staff.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0))
    )
    return QueueReport(
        first_day=first_day,
        last_day=last,
        total=_row("total", tickets),
        by_category=_group(tickets, lambda t: t.prefix),
        by_counter=_group(tickets, lambda t: t.counter),
        by_hour=_group(tickets, lambda t: f"{ctx.clock.to_local(t.taken_at).hour:02d}"),
        ratings=rating_rows,
    )
