"""Queue reports for supervisors: tickets, waits, service times, no-shows, ratings.

Figures are computed in Python from the stage times stored on each ticket
(taken → called = wait, started → finished = service), so SQLite and
PostgreSQL give identical results with no backend-specific date functions.
Hours are the hall's local hours. Rows are plain dataclasses;
:func:`export_queue_xlsx` writes them to an .xlsx workbook (one sheet per
grouping, Chinese headers, minutes with one decimal).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from db.models import Counter, QueueCategory, Rating, Staff, Ticket
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.queue import _fk

# BaseModel declares ``id: int`` for instances; this is the column object.
_STAFF_ID: Any = Staff.id

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
    name: str = ""  # the category's or counter's name, when it has one


@dataclass(frozen=True)
class RatingRow:
    """Ratings of one counter and clerk."""

    counter: int | None
    staff_id: int | None
    ratings: int
    average: float  # 1.0-5.0, two decimals
    low: int  # scores of 1 or 2, worth a supervisor's look
    staff_number: str = ""
    staff_name: str = ""
    scores: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # how many 1s, 2s, … 5s


@dataclass(frozen=True)
class ReasonRow:
    """How often one reason was given with a rating (low scores mostly)."""

    reason: str
    count: int


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
    reasons: tuple[ReasonRow, ...] = ()  # most frequent first


def _mean(values: list[float]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def _row(key: str, tickets: Iterable[Ticket], name: str = "") -> QueueRow:
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
        name=name,
    )


def _group(tickets: list[Ticket], key: Callable[[Ticket], Hashable],
           names: dict[Any, str] | None = None) -> tuple[QueueRow, ...]:
    groups: dict[Any, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        value = key(ticket)
        if value is not None:
            groups[value].append(ticket)
    # Keys of one grouping share a type: counters sort as numbers (2 before 10).
    return tuple(_row(str(k), groups[k], (names or {}).get(k, "")) for k in sorted(groups))


def queue_report(ctx: ServiceContext, first_day: dt.date, last_day: dt.date | None = None) -> QueueReport:
    """The queue report for local days ``first_day`` … ``last_day`` (default one day)."""
    last = last_day or first_day
    if last < first_day:
        raise ServiceError.keyed("refusal.queue_reports.bad_period", "bad_period")
    tickets = list(Ticket.select().where((Ticket.day >= first_day) & (Ticket.day <= last)).order_by(Ticket.id))
    ratings = list(Rating.select().join(Ticket).where((Ticket.day >= first_day) & (Ticket.day <= last)))
    by_staff: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
    reasons: Tally[str] = Tally()
    for rating in ratings:
        by_staff[(rating.counter, _fk(rating, "staff"))].append(rating.score)
        if rating.reason:
            reasons[rating.reason] += 1
    staff_ids = [k[1] for k in by_staff if k[1] is not None]
    staff = {s.id: s for s in Staff.select().where(_STAFF_ID.in_(staff_ids))} if staff_ids else {}
    rating_rows = tuple(
        RatingRow(counter, staff_id, len(scores), round(sum(scores) / len(scores), 2),
                  sum(1 for s in scores if s <= 2),
                  staff_number=staff[staff_id].number if staff_id in staff else "",
                  staff_name=staff[staff_id].name if staff_id in staff else "",
                  scores=(scores.count(1), scores.count(2), scores.count(3), scores.count(4), scores.count(5)))
        for (counter, staff_id), scores in sorted(by_staff.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0))
    )
    categories = {c.prefix: c.name_zh for c in QueueCategory.select()}
    counters = {c.number: c.name for c in Counter.select()}
    return QueueReport(
        first_day=first_day,
        last_day=last,
        total=_row("total", tickets),
        by_category=_group(tickets, lambda t: t.prefix, categories),
        by_counter=_group(tickets, lambda t: t.counter, counters),
        by_hour=_group(tickets, lambda t: f"{ctx.clock.to_local(t.taken_at).hour:02d}"),
        ratings=rating_rows,
        reasons=tuple(ReasonRow(r, n) for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


# --------------------------------------------------------------------- export

#: Columns shared by the 按业务 / 按窗口 / 按时段 sheets, after the group's own.
_QUEUE_COLUMNS = ("取号数", "办结数", "过号数", "未办（等候/挂起）", "平均等候（分钟）", "平均办理（分钟）")
_MINUTES = "0.0"


def minutes(seconds: int | None) -> float | None:
    """Seconds as minutes with one decimal (half up); None stays empty."""
    if seconds is None:
        return None
    return float((Decimal(seconds) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _period(report: QueueReport) -> str:
    if report.first_day == report.last_day:
        return f"{report.first_day:%Y-%m-%d}"
    return f"{report.first_day:%Y-%m-%d} 至 {report.last_day:%Y-%m-%d}"


def _header(sheet: Any, titles: tuple[str, ...]) -> None:
    from openpyxl.styles import Font

    sheet.append(titles)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _queue_sheet(book: Any, title: str, first: tuple[str, ...], rows: Iterable[tuple[tuple[Any, ...], QueueRow]],
                 total: QueueRow | None) -> Any:
    sheet = book.create_sheet(title)
    _header(sheet, first + _QUEUE_COLUMNS)
    width = len(first)

    def add(lead: tuple[Any, ...], row: QueueRow) -> None:
        sheet.append((*lead, row.tickets, row.served, row.no_shows, row.waiting,
                      minutes(row.avg_wait_seconds), minutes(row.avg_service_seconds)))
        for column in (width + 5, width + 6):
            sheet.cell(sheet.max_row, column).number_format = _MINUTES

    for lead, row in rows:
        add(lead, row)
    if total is not None:
        from openpyxl.styles import Font

        add(("合计",) + ("",) * (width - 1), total)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index in range(1, width + len(_QUEUE_COLUMNS) + 1):
        sheet.column_dimensions[chr(64 + index)].width = 16
    return sheet


def export_queue_xlsx(report: QueueReport, path: Path | str) -> Path:
    """Write the queue report: sheets 按业务, 按窗口, 按时段 and 评价.

    Wait and service times are minutes with one decimal; a group with no
    call (or no finished service) leaves its cell empty rather than 0.
    """
    # openpyxl is imported only when exporting (it is slow to import; see reports.export_xlsx).
    from openpyxl import Workbook

    target = Path(path)
    book = Workbook()
    default = book.active
    assert default is not None
    book.remove(default)
    period = _period(report)
    by_category = _queue_sheet(book, "按业务", ("业务类别", "业务名称"),
                               (((r.key, r.name), r) for r in report.by_category), report.total)
    _queue_sheet(book, "按窗口", ("窗口", "窗口名称"),
                 (((int(r.key), r.name or f"{r.key}号窗口"), r) for r in report.by_counter), None)
    _queue_sheet(book, "按时段", ("时段",),
                 (((f"{r.key}:00-{int(r.key) + 1:02d}:00",), r) for r in report.by_hour), None)
    by_category.append(())
    by_category.append((f"统计期间：{period}",))

    ratings = book.create_sheet("评价")
    _header(ratings, ("窗口", "工号", "经办人", "评价数", "平均分", "低分（1-2分）",
                      "5分", "4分", "3分", "2分", "1分"))
    for r in report.ratings:
        ratings.append((r.counter, r.staff_number, r.staff_name, r.ratings, r.average, r.low,
                        *reversed(r.scores)))
        ratings.cell(ratings.max_row, 5).number_format = "0.00"
    if report.reasons:
        ratings.append(())
        ratings.append(("原因", "次数"))
        for reason in report.reasons:
            ratings.append((reason.reason, reason.count))
    for index in range(1, 12):
        ratings.column_dimensions[chr(64 + index)].width = 12
    book.save(target)  # the folder must exist (the command says so when it does not)
    return target
