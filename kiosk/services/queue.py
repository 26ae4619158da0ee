"""Queue tickets and counter calling (取号、叫号).

Numbers run per local business day and category (A001, A002, …). The next
number comes from ONE atomic statement, ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` on ``day_counter`` (SQLite ≥ 3.35 and PostgreSQL), backed by the
unique index on ``ticket(day, prefix, number)``, so two processes or two
machines never issue the same number. The business day is the hall's local
date; a hall that opens after midnight may move the reset hour with
``ctx.extras["queue.reset_hour"]`` (default 0 = local midnight).

A ticket moves ``waiting → called → serving → done``; a called ticket may be
recalled, held (挂起, set aside until called again), marked no-show (过号) or
transferred to another category (转其他业务), where it gets that category's
next number and a queue place ahead of everyone waiting there. Every change
is one transaction holding the ticket update, its :class:`TicketEvent` and,
for staff actions, its audit entry. "Call next" claims the ticket with a
guarded UPDATE (``… AND status = 'waiting'``) after a ``FOR UPDATE SKIP
LOCKED`` pick on PostgreSQL, so two counters never call the same ticket.

On PostgreSQL every change also sends ``NOTIFY`` (db.notify) in its own
transaction, so boards, counter screens and announcers that ``LISTEN``
refresh at once; taking a ticket and calling the next one are one
server-side function call each (db.queue_functions, schema version 10), the
same statements and guards as the Python path, in one round trip.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import peewee

from db import audit
from db.connection import is_sqlite, write_transaction
from db.models import Counter, DayCounter, QueueCategory, Rating, Resident, Ticket, TicketEvent
from db.notify import publish, supports_push
from kiosk.rules.codes import TICKET_CODE, ticket_code
from kiosk.rules.identity import mask_name
from kiosk.services import Conflict, NotFound, ServiceContext, ServiceError
from printers.spool import enqueue
from printers.templates import Person, ReceiptContext, TicketInput, queue_ticket

DEFAULT_PRIORITY_AGE = 70
#: How many finished tickets today make the "recent service time" estimate.
RECENT_SERVICE_SAMPLE = 10
#: Retries of the guarded claim before giving up (only hit under heavy contention).
CLAIM_RETRIES = 20

STATUSES = ("waiting", "called", "serving", "held", "done", "no_show")
ACTIVE = ("called", "serving")
STATUS_ZH = {
    "waiting": "等候中",
    "called": "已叫号",
    "serving": "办理中",
    "held": "已挂起",
    "done": "已办结",
    "no_show": "已过号",
}
ACTION_ZH = {
    "call": "叫号",
    "recall": "重呼",
    "start": "开始办理",
    "hold": "挂起",
    "no_show": "过号",
    "transfer": "转其他业务",
    "finish": "办结",
}
_SHORT_CODE = re.compile(r"^([A-Z])(\d{1,4})$")
# BaseModel declares ``id: int`` for instances; these are the column objects.
_TICKET_ID: Any = Ticket.id
_EVENT_ID: Any = TicketEvent.id


def _fk(row: peewee.Model, name: str) -> int | None:
    """A foreign key's raw id without loading the row (``row.<name>_id``)."""
    value = row.__data__.get(name)
    return None if value is None else int(value)


# --------------------------------------------------------------------- results


@dataclass(frozen=True)
class CategoryInfo:
    """A queue category as configured for the hall."""

    prefix: str
    name_zh: str
    name_en: str
    counters: tuple[int, ...]  # empty = every counter
    service_minutes: int
    priority: bool
    active: bool


@dataclass(frozen=True)
class TicketInfo:
    """What the resident is told (and the ticket printed) on taking a number."""

    id: int
    code: str  # A007
    prefix: str
    number: int
    day: dt.date
    category_zh: str
    category_en: str
    priority: bool
    ahead: int  # people waiting before this ticket in its category
    wait_minutes: int  # estimated wait
    scan_code: str  # T20261129A007, on the QR code and barcode
    taken_at: dt.datetime  # aware, hall time zone
    counters: tuple[int, ...]  # counters that serve the category (empty = every)
    print_job_id: int | None = None  # the spooled ticket receipt, when one was asked for


@dataclass(frozen=True)
class TicketView:
    """A ticket as a counter or the board sees it (masked name only)."""

    id: int
    code: str
    prefix: str
    status: str
    priority: bool
    counter: int | None
    masked_name: str
    taken_at: dt.datetime  # aware, hall time zone
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    call_count: int

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)


@dataclass(frozen=True)
class WaitingCount:
    """How many are waiting in one category."""

    prefix: str
    name_zh: str
    name_en: str
    waiting: int


@dataclass(frozen=True)
class CounterNow:
    """What one counter is doing now."""

    counter: int
    name: str
    ticket: TicketView | None


@dataclass(frozen=True)
class CallInfo:
    """One call (or recall) shown on the board."""

    event_id: int
    code: str
    counter: int
    masked_name: str
    called_at: dt.datetime  # aware, hall time zone
    recall: bool


@dataclass(frozen=True)
class QueueStatus:
    """Everything the display board and ``kiosk queue status`` show."""

    day: dt.date
    waiting: tuple[WaitingCount, ...]
    counters: tuple[CounterNow, ...]
    recent: tuple[CallInfo, ...]  # newest first, at most 5
    last_call_id: int  # grows with every call; the board announces when it changes

    @property
    def total_waiting(self) -> int:
        return sum(w.waiting for w in self.waiting)


@dataclass(frozen=True)
class CounterView:
    """The counter console: this counter's ticket, its held tickets, its queue."""

    counter: int
    categories: tuple[CategoryInfo, ...]  # categories this counter serves
    current: TicketView | None
    held: tuple[TicketView, ...]
    waiting: tuple[WaitingCount, ...]  # only the categories served here

    @property
    def total_waiting(self) -> int:
        return sum(w.waiting for w in self.waiting)


@dataclass(frozen=True)
class RatingInfo:
    """A stored satisfaction rating."""

    id: int
    code: str
    score: int
    reason: str
    counter: int | None
    staff_id: int | None


# --------------------------------------------------------------------- helpers


def ticket_day(ctx: ServiceContext) -> dt.date:
    """The queue's business day: the local date, shifted by the reset hour."""
    hour = ctx.extras.get("queue.reset_hour", 0)
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        hour = 0
    if hour == 0:
        return ctx.today()
    return (ctx.clock.now_local() - dt.timedelta(hours=hour)).date()


def format_code(prefix: str, number: int) -> str:
    """A007; four digits once a day passes 999."""
    return f"{prefix}{number:03d}"


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _counter_list(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.replace("，", ",").split(",") if part.strip().isdigit())


def _category_info(row: QueueCategory) -> CategoryInfo:
    return CategoryInfo(row.prefix, row.name_zh, row.name_en, _counter_list(row.counters),
                        row.service_minutes, bool(row.priority), bool(row.active))


def _local(ctx: ServiceContext, moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else ctx.clock.to_local(moment)


def _masked(ticket: Ticket) -> str:
    if _fk(ticket, "resident") is None:
        return ""
    resident = Resident.get_or_none(Resident.id == _fk(ticket, "resident"))
    return mask_name(resident.name) if resident is not None and resident.name else ""


def _joined_masked(ticket: Ticket) -> str:
    """The masked name from a query that joined Resident (no extra query)."""
    resident = ticket.__rel__.get("resident")
    return mask_name(resident.name) if resident is not None and resident.name else ""


def _view(ctx: ServiceContext, ticket: Ticket, masked_name: str | None = None) -> TicketView:
    taken = _local(ctx, ticket.taken_at)
    assert taken is not None
    return TicketView(
        id=ticket.id,
        code=ticket.code,
        prefix=ticket.prefix,
        status=ticket.status,
        priority=bool(ticket.priority),
        counter=ticket.counter,
        masked_name=_masked(ticket) if masked_name is None else masked_name,
        taken_at=taken,
        called_at=_local(ctx, ticket.called_at),
        started_at=_local(ctx, ticket.started_at),
        call_count=ticket.call_count,
    )


def _serves(counter: Counter | None, number: int, category: QueueCategory) -> bool:
    """Does counter ``number`` serve ``category``? The counter's own list wins."""
    if counter is not None and counter.categories:
        return category.prefix in counter.categories
    listed = _counter_list(category.counters)
    return not listed or number in listed


def categories_for_counter(number: int) -> list[QueueCategory]:
    """The active categories counter ``number`` serves, in display order."""
    counter = Counter.get_or_none(Counter.number == number)
    rows = QueueCategory.select().where(QueueCategory.active == True).order_by(QueueCategory.sort)  # noqa: E712
    return [c for c in rows if _serves(counter, number, c)]


def _serving_counter_count(category: QueueCategory, rows: list[Any] | None = None) -> int:
    """Active counters serving ``category``; ``rows`` of (number, categories) when already read."""
    if rows is None:
        rows = _ACTIVE_COUNTERS.execute(Counter._meta.database).fetchall()
    counters = [Counter(number=int(number), categories=served or "") for number, served in rows]
    return max(1, sum(1 for c in counters if _serves(c, c.number, category)))


def _category(prefix: str) -> QueueCategory:
    key = prefix.strip().upper()
    row = None
    if len(key) == 1:
        found = _CATEGORY.execute(QueueCategory._meta.database, prefix=key).fetchone()
        row = None if found is None else _model_from(QueueCategory, _CATEGORY_FIELDS, found)
    if row is None or not row.active:
        known = "、".join(c.prefix for c in QueueCategory.select().where(QueueCategory.active == True)  # noqa: E712
                         .order_by(QueueCategory.sort))
        raise NotFound.keyed("fix17text.queue.unknown_category", "unknown_category", prefix=prefix, known=known)
    return row


def _next_number(day: dt.date, prefix: str) -> int:
    """The day's next number for ``prefix``: one atomic upsert statement."""
    statement = (
        DayCounter.insert(day=day, prefix=prefix, last=1)
        .on_conflict(conflict_target=[DayCounter.day, DayCounter.prefix],
                     update={DayCounter.last: DayCounter.last + 1})
        .returning(DayCounter.last)
    )
    rows = list(statement.execute())
    return int(rows[0].last)


def _publish(ctx: ServiceContext, prefix: str, action: str, counter: int | None, code: str) -> None:
    """NOTIFY listeners of this change, committed with it (PostgreSQL; nothing on SQLite)."""
    publish(ctx.database, hall=ctx.hall_name, terminal=ctx.terminal, category=prefix, event=action,
            counter=counter, code=code)


def _event(ctx: ServiceContext, ticket_id: int, action: str, counter: int | None, note: str = "") -> TicketEvent:
    return TicketEvent.create(ticket=ticket_id, action=action, counter=counter, staff=ctx.staff_id,
                              note=note[:200], created_at=ctx.now())


def _audit(ctx: ServiceContext, action: str, ticket: Ticket, counter: int | None, **detail: Any) -> None:
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action=f"queue.{action}", now=ctx.now(),
                 entity="ticket", entity_id=ticket.id,
                 detail={"code": ticket.code, "day": ticket.day.isoformat(), "counter": counter, **detail})


def _estimate(ctx: ServiceContext, category: QueueCategory, day: dt.date, ahead: int) -> int:
    """Minutes until called: people ahead × recent mean service time ÷ counters."""
    if ahead <= 0:
        return 0
    recent = _RECENT_SERVICE.execute(Ticket._meta.database, day=day, prefix=category.prefix).fetchall()
    pairs = [(Ticket.started_at.python_value(started), Ticket.finished_at.python_value(finished))
             for started, finished in recent]
    durations = [(finished - started).total_seconds() for started, finished in pairs
                 if finished is not None and started is not None]
    durations = [d for d in durations if d > 0]
    per_ticket = sum(durations) / len(durations) if durations else category.service_minutes * 60.0
    return math.ceil(ahead * per_ticket / _serving_counter_count(category) / 60)


def _ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same category that will be called first.

    A priority ticket waits only for earlier priority tickets; any other
    waits for every priority ticket and for the earlier ones.
    """
    statement = _AHEAD_OF_PRIORITY if ticket.priority else _AHEAD_OF_REGULAR
    row = statement.execute(Ticket._meta.database, day=ticket.day, prefix=ticket.prefix, id=ticket.id,
                            key=ticket.queue_key).fetchone()
    return int(row[0])


class _Hole:
    """A named parameter of a :class:`_Statement`, converted by ``field`` when bound."""

    __slots__ = ("field", "name")

    def __init__(self, name: str, field: peewee.Field | None) -> None:
        self.name = name
        self.field = field


class _Statement:
    """A hot statement peewee renders to SQL once per database; each run only binds values.

    :func:`take_ticket` writes three rows while every kiosk and counter in the
    hall waits on the write lock, and building a query in peewee (0.07–0.2 ms)
    costs far more than running it (a few µs on SQLite). The SQL still comes
    from the models and the bound backend; only the rendering is reused.
    """

    def __init__(self, build: Callable[[Callable[..., peewee.Node]], peewee.Query]) -> None:
        self._build = build
        self._rendered: weakref.WeakKeyDictionary[peewee.Database, tuple[str, tuple[Any, ...]]] = (
            weakref.WeakKeyDictionary())

    def _render(self, database: peewee.Database) -> tuple[str, tuple[Any, ...]]:
        rendered = self._rendered.get(database)
        if rendered is None:
            def hole(name: str, field: peewee.Field | None = None) -> peewee.Node:
                return peewee.Value(_Hole(name, field), converter=False)

            sql, params = database.get_sql_context().sql(self._build(hole)).query()
            rendered = self._rendered[database] = (sql, tuple(params))
        return rendered

    def execute(self, database: peewee.Database | peewee.DatabaseProxy, **values: Any) -> Any:
        """Run it with ``values`` for its holes; the driver's cursor."""
        # The models' binding (db.models.bind) is a proxy; the rendering is per real database.
        real = database.obj if isinstance(database, peewee.DatabaseProxy) else database
        sql, params = self._render(real)
        bound = [p if not isinstance(p, _Hole) else
                 p.field.db_value(values[p.name]) if p.field is not None else values[p.name] for p in params]
        return real.execute_sql(sql, bound)


#: The day's next number for a prefix if it is still an active category: the
#: check and the numbering in one atomic ``INSERT … SELECT … ON CONFLICT DO
#: UPDATE … RETURNING``, so a category switched off after take_ticket read it
#: gets no row and no extra query runs inside the write lock.
_TAKE_NUMBER = _Statement(lambda hole: (
    DayCounter.insert_from(
        QueueCategory.select(hole("day", DayCounter.day), QueueCategory.prefix, peewee.Value(1))
        .where((QueueCategory.prefix == hole("prefix")) & (QueueCategory.active == True)),  # noqa: E712
        [DayCounter.day, DayCounter.prefix, DayCounter.last])
    .on_conflict(conflict_target=[DayCounter.day, DayCounter.prefix], update={DayCounter.last: DayCounter.last + 1})
    .returning(DayCounter.last)))
_INSERT_TICKET = _Statement(lambda hole: Ticket.insert({
    getattr(Ticket, name): hole(name, getattr(Ticket, name))
    for name in ("day", "prefix", "number", "code", "resident", "priority", "status", "queue_key", "taken_at",
                 "terminal", "call_count")}).returning(_TICKET_ID))
_INSERT_EVENT = _Statement(lambda hole: TicketEvent.insert({
    getattr(TicketEvent, name): hole(name, getattr(TicketEvent, name))
    for name in ("ticket", "action", "counter", "staff", "note", "created_at")}))

# The reads of take_ticket, outside the lock but on every ticket (4 processes on 2 cores share the CPU).
_CATEGORY_FIELDS: tuple[peewee.Field, ...] = tuple(QueueCategory._meta.sorted_fields)
_CATEGORY = _Statement(lambda hole: QueueCategory.select(*_CATEGORY_FIELDS)
                       .where(QueueCategory.prefix == hole("prefix")))
_ACTIVE_COUNTERS = _Statement(lambda hole: Counter.select(Counter.number, Counter.categories)
                              .where(Counter.active == True))  # noqa: E712
_RECENT_SERVICE = _Statement(lambda hole: (
    Ticket.select(Ticket.started_at, Ticket.finished_at)
    .where((Ticket.day == hole("day", Ticket.day)) & (Ticket.prefix == hole("prefix")) & (Ticket.status == "done")
           & Ticket.started_at.is_null(False) & Ticket.finished_at.is_null(False))
    .order_by(Ticket.finished_at.desc()).limit(RECENT_SERVICE_SAMPLE)))


def _ahead_statement(priority: bool) -> _Statement:
    def build(hole: Callable[..., peewee.Node]) -> peewee.Query:
        key = hole("key", Ticket.queue_key)
        same = ((Ticket.day == hole("day", Ticket.day)) & (Ticket.prefix == hole("prefix"))
                & (Ticket.status == "waiting") & (hole("id") != _TICKET_ID))
        earlier = (Ticket.queue_key < key) | ((Ticket.queue_key == key) & (hole("id") > _TICKET_ID))
        ahead = (Ticket.priority == True) & earlier if priority else (Ticket.priority == True) | earlier  # noqa: E712
        return Ticket.select(peewee.fn.COUNT(_TICKET_ID)).where(same & ahead)
    return _Statement(build)


_AHEAD_OF_PRIORITY = _ahead_statement(True)
_AHEAD_OF_REGULAR = _ahead_statement(False)


def _model_from(model: type[peewee.Model], fields: tuple[peewee.Field, ...], row: tuple[Any, ...]) -> Any:
    """A model instance from a raw row of ``fields`` (as peewee would build it)."""
    return model(**{field.name: field.python_value(value) for field, value in zip(fields, row, strict=True)})


# --------------------------------------------------------------------- taking


def list_categories(ctx: ServiceContext, *, include_inactive: bool = False) -> list[CategoryInfo]:
    """The hall's queue categories in display order."""
    query = QueueCategory.select().order_by(QueueCategory.sort, QueueCategory.prefix)
    if not include_inactive:
        query = query.where(QueueCategory.active == True)  # noqa: E712
    return [_category_info(c) for c in query]


def take_ticket(ctx: ServiceContext, prefix: str, resident_id: int | None = None, *,
                priority_age: int | None = None, receipt: bool = False) -> TicketInfo:
    """Issue the next number of ``prefix`` for today.

    An identified resident aged ``priority_age`` or more, or flagged
    disabled, gets priority; so does every ticket of a priority category (V).
    With ``receipt`` the printed ticket is stored in the print spool in the
    same transaction (``print_job_id``); the caller wakes or runs the spool.

    The write transaction holds only what must be atomic: the number, the
    ticket, its "take" event and (with ``receipt``) the print job. Every
    kiosk and counter in the hall queues on that lock, so the category and
    resident are read before it and, without a receipt, people ahead and the
    wait estimate after the commit (read-only; WAL readers do not block).
    No audit entry: taking a number is the resident's own act, not a staff
    action, and the ticket with its "take" event is already its record.
    """
    if priority_age is None:
        priority_age = _policy_priority_age(ctx)
    key = prefix.strip().upper()
    if supports_push(ctx.database) and len(key) == 1:
        return _take_on_server(ctx, key, resident_id, priority_age, receipt)
    category = _category(prefix)
    day = ticket_day(ctx)
    resident_priority, person = _resident_priority(ctx, resident_id, priority_age)
    priority = bool(category.priority) or resident_priority
    with write_transaction(ctx.database):
        row = _TAKE_NUMBER.execute(ctx.database, day=day, prefix=category.prefix).fetchone()
        if row is None:  # switched off (or removed) since it was read above
            raise NotFound.keyed("fix17text.queue.inactive", "unknown_category", prefix=category.prefix)
        number = int(row[0])
        now = ctx.now()
        code = format_code(category.prefix, number)
        ticket_id = int(_INSERT_TICKET.execute(
            ctx.database, day=day, prefix=category.prefix, number=number, code=code, resident=resident_id,
            priority=priority, status="waiting", queue_key=now, taken_at=now, terminal=ctx.terminal,
            call_count=0).fetchone()[0])
        _INSERT_EVENT.execute(ctx.database, ticket=ticket_id, action="take", counter=None, staff=ctx.staff_id,
                              note="priority" if priority else "", created_at=now)
        _publish(ctx, category.prefix, "take", None, code)
        ticket = Ticket(id=ticket_id, day=day, prefix=category.prefix, priority=priority, queue_key=now)
        if receipt:  # the printed ticket shows the estimate, and its job commits with the ticket
            info = _ticket_info(ctx, category, ticket, number, code, now)
            return replace(info, print_job_id=_spool_ticket(ctx, info, resident_id, person))
    return _ticket_info(ctx, category, ticket, number, code, now)


def _resident_priority(ctx: ServiceContext, resident_id: int | None, priority_age: int) -> tuple[bool, Person | None]:
    """Whether an identified resident gets priority (age or disability), and who prints on the ticket."""
    if resident_id is None:
        return False, None
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None:
        raise NotFound.keyed("fix17text.queue.unknown_resident", "unknown_resident")
    priority = bool(resident.disabled) or age_on(resident.birth_date, ctx.today()) >= priority_age
    return priority, Person(resident.name, resident.id_number)


_TAKE_ON_SERVER = "SELECT * FROM kiosk_take_ticket(%s, %s, %s, %s, %s, %s, %s, %s)"


def _take_on_server(ctx: ServiceContext, prefix: str, resident_id: int | None, priority_age: int,
                    receipt: bool) -> TicketInfo:
    """take_ticket on PostgreSQL: one call of ``kiosk_take_ticket`` (numbering, ticket, event,
    NOTIFY, then people ahead and what the wait estimate needs), its own transaction unless
    a receipt's print job must commit with it."""
    priority, person = _resident_priority(ctx, resident_id, priority_age)
    day = ticket_day(ctx)
    now = ctx.now()
    database = ctx.database.obj if isinstance(ctx.database, peewee.DatabaseProxy) else ctx.database
    args = (day, prefix, resident_id, priority, now, ctx.terminal, ctx.staff_id, ctx.hall_name)
    if not receipt:
        row = database.execute_sql(_TAKE_ON_SERVER, args).fetchone()
        return _server_ticket_info(ctx, prefix, day, now, row)
    with write_transaction(database):
        row = database.execute_sql(_TAKE_ON_SERVER, args).fetchone()
        info = _server_ticket_info(ctx, prefix, day, now, row)
        return replace(info, print_job_id=_spool_ticket(ctx, info, resident_id, person))


def _server_ticket_info(ctx: ServiceContext, prefix: str, day: dt.date, now: dt.datetime,
                        row: tuple[Any, ...] | None) -> TicketInfo:
    if row is None:  # unknown or switched off: name the categories there are
        _category(prefix)
        raise NotFound.keyed("fix17text.queue.inactive", "unknown_category", prefix=prefix)
    (ticket_id, number, code, priority, ahead, recent_seconds, counters, name_zh, name_en, category_counters,
     service_minutes) = row
    category = QueueCategory(prefix=prefix, name_zh=name_zh, name_en=name_en, counters=category_counters or "",
                             service_minutes=service_minutes)
    ahead = int(ahead)
    wait = 0
    if ahead > 0:
        per_ticket = float(recent_seconds) if recent_seconds else service_minutes * 60.0
        wait = math.ceil(ahead * per_ticket / _serving_counter_count(category, list(counters or [])) / 60)
    taken = _local(ctx, now)
    assert taken is not None
    return TicketInfo(
        id=int(ticket_id), code=str(code), prefix=prefix, number=int(number), day=day, category_zh=name_zh,
        category_en=name_en, priority=bool(priority), ahead=ahead, wait_minutes=wait,
        scan_code=ticket_code(day, str(code)), taken_at=taken, counters=_counter_list(category.counters),
    )


def _ticket_info(ctx: ServiceContext, category: QueueCategory, ticket: Ticket, number: int, code: str,
                 now: dt.datetime) -> TicketInfo:
    """The issued ticket with people ahead and the wait estimate (read-only)."""
    ahead = _ahead(ticket)
    taken = _local(ctx, now)
    assert taken is not None
    return TicketInfo(
        id=ticket.id, code=code, prefix=category.prefix, number=number, day=ticket.day,
        category_zh=category.name_zh, category_en=category.name_en, priority=bool(ticket.priority),
        ahead=ahead, wait_minutes=_estimate(ctx, category, ticket.day, ahead),
        scan_code=ticket_code(ticket.day, code), taken_at=taken, counters=_counter_list(category.counters),
    )


def _policy_priority_age(ctx: ServiceContext) -> int:
    """The priority age in force today (policy ``priority_age``), else 70."""
    book = ctx.extras.get("policy")
    policy_for = getattr(book, "policy_for", None)
    return int(policy_for(ctx.today()).priority_age) if policy_for else DEFAULT_PRIORITY_AGE


def _spool_ticket(ctx: ServiceContext, info: TicketInfo, resident_id: int | None, person: Person | None) -> int:
    """Store the ticket receipt as a pending print job (inside the ticket's transaction)."""
    counters = "、".join(str(n) for n in info.counters) + "号窗口" if info.counters else ""
    document = queue_ticket(
        ReceiptContext(hall=ctx.hall_name, terminal=ctx.terminal, time=info.taken_at, training=ctx.training),
        TicketInput(number=info.code, category=info.category_zh + ("（优先）" if info.priority else ""),
                    ticket_code=info.scan_code, people_ahead=info.ahead, wait_minutes=info.wait_minutes,
                    counters=counters, person=person),
    )
    return enqueue(document, ctx.clock, resident_id=resident_id)


# --------------------------------------------------------------------- lookups


def _parse_code(ctx: ServiceContext, code: str) -> tuple[dt.date, str]:
    text = re.sub(r"\s+", "", code).upper()
    full = TICKET_CODE.match(text)
    if full:
        try:
            day = dt.datetime.strptime(full.group(1), "%Y%m%d").date()
        except ValueError:
            raise NotFound.keyed("fix17text.queue.bad_date", "bad_ticket", code=code) from None
        return day, format_code(full.group(2), int(full.group(3)))
    short = _SHORT_CODE.match(text)
    if short:
        return ticket_day(ctx), format_code(short.group(1), int(short.group(2)))
    raise NotFound.keyed("fix17text.queue.bad_ticket", "bad_ticket", code=code)


def _find(ctx: ServiceContext, code: str) -> Ticket:
    day, short = _parse_code(ctx, code)
    ticket = Ticket.get_or_none((Ticket.day == day) & (Ticket.code == short))
    if ticket is None:
        raise NotFound.keyed("fix17text.queue.unknown_ticket", "unknown_ticket", code=short)
    return ticket


def find_ticket(ctx: ServiceContext, code: str) -> TicketView:
    """A ticket by its short (A007, today) or scanned (T20261129A007) code."""
    return _view(ctx, _find(ctx, code))


def is_ticket_number(text: str) -> bool:
    """True for a ticket number as the board calls it (A001, a 1, Ａ００１ after the normaliser)."""
    return _SHORT_CODE.match(re.sub(r"\s+", "", text).upper()) is not None


def ticket_resident(ctx: ServiceContext, code: str) -> int | None:
    """The resident who identified when taking ticket ``code`` (A001 today, or the
    printed T20261129A001), None for an anonymous ticket (取号 without identifying).

    Raises NotFound for a code that is no ticket number or no ticket of that day.
    """
    with ctx.database.connection_context():
        return _fk(_find(ctx, code), "resident")


def _current(counter: int, day: dt.date) -> Ticket | None:
    return (Ticket.select().where((Ticket.day == day) & (Ticket.counter == counter) & Ticket.status.in_(ACTIVE))
            .order_by(Ticket.called_at.desc(), _TICKET_ID.desc()).first())


def _require_free(counter: int, day: dt.date) -> None:
    busy = _current(counter, day)
    if busy is not None:
        raise _busy(busy.code, busy.status)


# --------------------------------------------------------------------- calling


def _claim(ctx: ServiceContext, ticket_id: int, counter: int, allowed: tuple[str, ...]) -> bool:
    """Move one ticket to ``called`` at ``counter`` if it is still in ``allowed``."""
    return bool(
        Ticket.update(status="called", counter=counter, staff=ctx.staff_id, called_at=ctx.now(),
                      started_at=None, call_count=Ticket.call_count + 1)
        .where((Ticket.id == ticket_id) & Ticket.status.in_(allowed))
        .execute()
    )


def call_next(ctx: ServiceContext, counter: int) -> TicketView:
    """Call the next ticket for ``counter``: priority first, then first come.

    Only the categories this counter serves are considered. The claim is a
    guarded update, retried if another counter took the same ticket first.
    """
    if supports_push(ctx.database):
        return _call_next_on_server(ctx, counter)
    with write_transaction(ctx.database):
        day = ticket_day(ctx)
        _require_free(counter, day)
        prefixes = [c.prefix for c in categories_for_counter(counter)]
        if not prefixes:
            raise NotFound.keyed("fix17text.queue.no_categories", "no_categories", counter=counter)
        for _ in range(CLAIM_RETRIES):
            pick = (Ticket.select(Ticket.id)
                    .where((Ticket.day == day) & (Ticket.status == "waiting") & Ticket.prefix.in_(prefixes))
                    .order_by(Ticket.priority.desc(), Ticket.queue_key, Ticket.id)
                    .limit(1))
            if not is_sqlite(ctx.database):
                pick = pick.for_update(skip_locked=True)
            row = pick.first()
            if row is None:
                raise NotFound.keyed("fix17text.queue.queue_empty", "queue_empty")
            if _claim(ctx, row.id, counter, ("waiting",)):
                break
        else:
            raise Conflict.keyed("fix17text.queue.busy", "busy")
        ticket = Ticket.get_by_id(row.id)
        _event(ctx, ticket.id, "call", counter)
        _publish(ctx, ticket.prefix, "call", counter, ticket.code)
        _audit(ctx, "call", ticket, counter)
        return _view(ctx, ticket)


_CALL_ON_SERVER = "SELECT * FROM kiosk_call_next(%s, %s, %s, %s, %s, %s, %s)"


def _call_next_on_server(ctx: ServiceContext, counter: int) -> TicketView:
    """call_next on PostgreSQL: ``kiosk_call_next`` checks the counter is free, picks
    (SKIP LOCKED), claims (guarded update), writes the event and notifies in one
    round trip; the audit entry (keyed in the app) joins the same transaction."""
    database = ctx.database.obj if isinstance(ctx.database, peewee.DatabaseProxy) else ctx.database
    with write_transaction(database):
        day = ticket_day(ctx)
        prefixes = [c.prefix for c in categories_for_counter(counter)]
        row = database.execute_sql(_CALL_ON_SERVER, (day, counter, prefixes, ctx.staff_id, ctx.now(),
                                                     ctx.hall_name, ctx.terminal)).fetchone()
        (outcome, ticket_id, code, prefix, status, priority, taken_at, called_at, started_at, call_count,
         resident_name) = row
        if outcome == "busy":
            raise _busy(code, status)
        if outcome == "empty" and not prefixes:
            raise NotFound.keyed("fix17text.queue.no_categories", "no_categories", counter=counter)
        if outcome == "empty":
            raise NotFound.keyed("fix17text.queue.queue_empty", "queue_empty")
        if outcome != "called":
            raise Conflict.keyed("fix17text.queue.busy", "busy")
        ticket = Ticket(id=ticket_id, day=day, prefix=prefix, code=code, status=status, priority=priority,
                        counter=counter, staff=ctx.staff_id, taken_at=taken_at, called_at=called_at,
                        started_at=started_at, call_count=call_count)
        _audit(ctx, "call", ticket, counter)
        return _view(ctx, ticket, mask_name(resident_name) if resident_name else "")


def call_specific(ctx: ServiceContext, counter: int, code: str) -> TicketView:
    """Call one named ticket (waiting or held), e.g. a resident who came back."""
    with write_transaction(ctx.database):
        day = ticket_day(ctx)
        _require_free(counter, day)
        ticket = _find(ctx, code)
        if ticket.status not in ("waiting", "held"):
            raise _illegal(ticket, "call")
        if not _claim(ctx, ticket.id, counter, ("waiting", "held")):
            raise Conflict.keyed("fix17text.queue.taken", "taken", code=ticket.code)
        ticket = Ticket.get_by_id(ticket.id)
        _event(ctx, ticket.id, "call", counter, "specific")
        _publish(ctx, ticket.prefix, "call", counter, ticket.code)
        _audit(ctx, "call", ticket, counter, specific=True)
        return _view(ctx, ticket)


def _illegal(ticket: Ticket, action: str) -> Conflict:
    return Conflict.keyed("fix17text.queue.illegal", "illegal", code=ticket.code,
                          status_key=f"fix17text.queue.status.{ticket.status}",
                          action_key=f"fix17text.queue.action.{action}")


def _busy(code: str, status: str) -> Conflict:
    """The counter still has ``code``; the screen names its status in its own language (``status_key``)."""
    return Conflict.keyed("fix17text.queue.counter_busy", "counter_busy", code=code,
                          status_key=f"fix17text.queue.status.{status}")


def _at_counter(ctx: ServiceContext, counter: int, code: str | None, action: str,
                allowed: tuple[str, ...]) -> Ticket:
    """The ticket an action applies to: ``code``, or this counter's current one."""
    if code is None:
        ticket = _current(counter, ticket_day(ctx))
        if ticket is None and "held" in allowed:
            ticket = (Ticket.select().where((Ticket.day == ticket_day(ctx)) & (Ticket.counter == counter)
                                            & (Ticket.status == "held"))
                      .order_by(Ticket.called_at.desc()).first())
        if ticket is None:
            raise NotFound.keyed("fix17text.queue.no_current", "no_current")
    else:
        ticket = _find(ctx, code)
    if ticket.status not in allowed:
        raise _illegal(ticket, action)
    if ticket.counter != counter:
        raise Conflict.keyed("fix17text.queue.other_counter", "other_counter", code=ticket.code,
                             counter=ticket.counter or "-")
    return ticket


Updates = dict[Any, Any] | Callable[[Ticket], dict[Any, Any]]


def _transition(ctx: ServiceContext, counter: int, code: str | None, action: str, allowed: tuple[str, ...],
                updates: Updates, note: str = "") -> TicketView:
    with write_transaction(ctx.database):
        ticket = _at_counter(ctx, counter, code, action, allowed)
        values = updates(ticket) if callable(updates) else updates
        changed = Ticket.update(values).where((Ticket.id == ticket.id) & Ticket.status.in_(allowed)).execute()
        if not changed:
            raise _illegal(Ticket.get_by_id(ticket.id), action)
        ticket = Ticket.get_by_id(ticket.id)
        _event(ctx, ticket.id, action, counter, note)
        _publish(ctx, ticket.prefix, action, counter, ticket.code)
        _audit(ctx, action, ticket, counter)
        return _view(ctx, ticket)


def recall(ctx: ServiceContext, counter: int, code: str | None = None) -> TicketView:
    """Call the same ticket again (the board shows and announces it anew)."""
    return _transition(ctx, counter, code, "recall", ("called",),
                       {Ticket.call_count: Ticket.call_count + 1, Ticket.called_at: ctx.now()})


def start(ctx: ServiceContext, counter: int, code: str | None = None) -> TicketView:
    """The resident arrived at the counter: service starts."""
    return _transition(ctx, counter, code, "start", ("called",),
                       {Ticket.status: "serving", Ticket.started_at: ctx.now(), Ticket.staff: ctx.staff_id})


def hold(ctx: ServiceContext, counter: int, code: str | None = None, note: str = "") -> TicketView:
    """Set the ticket aside (e.g. to fetch materials); call it again by number."""
    return _transition(ctx, counter, code, "hold", ("called", "serving"), {Ticket.status: "held"}, note)


def no_show(ctx: ServiceContext, counter: int, code: str | None = None) -> TicketView:
    """Nobody came after calling: 过号."""
    return _transition(ctx, counter, code, "no_show", ("called",),
                       {Ticket.status: "no_show", Ticket.finished_at: ctx.now()})


def finish(ctx: ServiceContext, counter: int, code: str | None = None) -> TicketView:
    """Service done: 办结. Finishing a called ticket counts service from the call."""
    def values(ticket: Ticket) -> dict[Any, Any]:
        started = ticket.started_at or ticket.called_at or ctx.now()
        return {Ticket.status: "done", Ticket.finished_at: ctx.now(), Ticket.started_at: started}

    return _transition(ctx, counter, code, "finish", ("called", "serving"), values)


def transfer(ctx: ServiceContext, counter: int, to_prefix: str, code: str | None = None) -> TicketView:
    """Send the resident to another category, ahead of everyone waiting there.

    The ticket takes the target category's next number (numbers stay unique
    per category) and a queue place just before that queue's first ticket.
    """
    with write_transaction(ctx.database):
        ticket = _at_counter(ctx, counter, code, "transfer", ("called", "serving", "held"))
        target = _category(to_prefix)
        if target.prefix == ticket.prefix:
            raise Conflict.keyed("fix17text.queue.same_category", "same_category", code=ticket.code,
                                 name_zh=target.name_zh, name_en=target.name_en)
        first = (Ticket.select(peewee.fn.MIN(Ticket.queue_key))
                 .where((Ticket.day == ticket.day) & (Ticket.prefix == target.prefix) & (Ticket.status == "waiting"))
                 .scalar())
        first_key = _as_datetime(first)
        key = ticket.queue_key if first_key is None else min(ticket.queue_key, first_key - dt.timedelta(seconds=1))
        number = _next_number(ticket.day, target.prefix)
        old_code = ticket.code
        new_code = format_code(target.prefix, number)
        Ticket.update(prefix=target.prefix, number=number, code=new_code, status="waiting", queue_key=key,
                      counter=None, called_at=None, started_at=None).where(Ticket.id == ticket.id).execute()
        ticket = Ticket.get_by_id(ticket.id)
        _event(ctx, ticket.id, "transfer", counter, f"{old_code}→{new_code}")
        _publish(ctx, target.prefix, "transfer", counter, ticket.code)
        _audit(ctx, "transfer", ticket, counter, old_code=old_code)
        return _view(ctx, ticket)


def _as_datetime(value: Any) -> dt.datetime | None:
    """MIN() over a DateTimeField comes back as text on SQLite."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


# --------------------------------------------------------------------- views


def counter_view(ctx: ServiceContext, counter: int) -> CounterView:
    """What the counter console shows."""
    day = ticket_day(ctx)
    categories = categories_for_counter(counter)
    current = _current(counter, day)
    held = (Ticket.select().where((Ticket.day == day) & (Ticket.counter == counter) & (Ticket.status == "held"))
            .order_by(Ticket.called_at))
    counts = _waiting_counts(day)
    return CounterView(
        counter=counter,
        categories=tuple(_category_info(c) for c in categories),
        current=_view(ctx, current) if current is not None else None,
        held=tuple(_view(ctx, t) for t in held),
        waiting=tuple(WaitingCount(c.prefix, c.name_zh, c.name_en, counts.get(c.prefix, 0)) for c in categories),
    )


def _waiting_counts(day: dt.date) -> dict[str, int]:
    rows: Any = (Ticket.select(Ticket.prefix, peewee.fn.COUNT(_TICKET_ID).alias("n"))
                 .where((Ticket.day == day) & (Ticket.status == "waiting")).group_by(Ticket.prefix).tuples())
    return {str(prefix): int(n) for prefix, n in rows}


def queue_status(ctx: ServiceContext, recent: int = 5) -> QueueStatus:
    """Waiting counts per category, now serving per counter, the last calls."""
    day = ticket_day(ctx)
    counts = _waiting_counts(day)
    categories = QueueCategory.select().where(QueueCategory.active == True).order_by(QueueCategory.sort)  # noqa: E712
    waiting = tuple(WaitingCount(c.prefix, c.name_zh, c.name_en, counts.get(c.prefix, 0)) for c in categories)

    names: dict[int, str] = {}
    active = (Ticket.select(Ticket, Resident).join(Resident, peewee.JOIN.LEFT_OUTER)
              .where((Ticket.day == day) & Ticket.status.in_(ACTIVE))
              .order_by(Ticket.called_at))
    by_counter: dict[int, TicketView] = {}
    for ticket in active:
        masked = _joined_masked(ticket)
        names[ticket.id] = masked
        if ticket.counter is not None:
            by_counter[ticket.counter] = _view(ctx, ticket, masked)
    counters = tuple(CounterNow(c.number, c.name, by_counter.get(c.number))
                     for c in Counter.select().where(Counter.active == True).order_by(Counter.number))  # noqa: E712

    events = (TicketEvent.select(TicketEvent, Ticket, Resident)
              .join(Ticket).join(Resident, peewee.JOIN.LEFT_OUTER)
              .where((Ticket.day == day) & TicketEvent.action.in_(("call", "recall")))
              .order_by(_EVENT_ID.desc()).limit(recent * 4))
    calls: list[CallInfo] = []
    seen: set[int] = set()
    last_id = 0
    for event in events:
        last_id = max(last_id, event.id)
        ticket = event.ticket
        if ticket.id in seen or len(calls) >= recent:
            continue
        seen.add(ticket.id)
        called_at = _local(ctx, event.created_at)
        assert called_at is not None
        calls.append(CallInfo(event.id, ticket.code, event.counter or 0, _joined_masked(ticket),
                              called_at, event.action == "recall"))
    return QueueStatus(day, waiting, counters, tuple(calls), last_id)


# --------------------------------------------------------------------- ratings


def rate(ctx: ServiceContext, code: str, score: int, reason: str = "") -> RatingInfo:
    """A resident's 1–5 rating of a finished ticket, tied to its counter and clerk."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ServiceError.keyed("fix17text.queue.bad_score", "bad_score")
    with write_transaction(ctx.database):
        ticket = _find(ctx, code)
        if ticket.status != "done":
            raise Conflict.keyed("fix17text.queue.not_done", "not_done", code=ticket.code)
        if Rating.select().where(Rating.ticket == ticket.id).exists():
            raise Conflict.keyed("fix17text.queue.rated", "rated", code=ticket.code)
        row = Rating.create(ticket=ticket.id, counter=ticket.counter, staff=_fk(ticket, "staff"), score=score,
                            reason=reason.strip()[:200], created_at=ctx.now())
        _event(ctx, ticket.id, "rated", ticket.counter, str(score))
        return RatingInfo(row.id, ticket.code, score, row.reason, ticket.counter, _fk(ticket, "staff"))
