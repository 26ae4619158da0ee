"""Queue service on both backends: numbering, priority, calling, transitions, estimates, status, ratings."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from db.defaults import DEFAULT_CATEGORIES, ensure_defaults
from db.models import AuditEntry, QueueCategory, Rating, Ticket, TicketEvent
from kiosk.clock import FixedClock
from kiosk.services import Conflict, NotFound, ServiceError
from kiosk.services import queue as q

from .helpers import add_resident, add_staff, make_ctx


def test_fresh_database_has_default_categories_and_counters(database: peewee.Database) -> None:
    prefixes = [c.prefix for c in q.list_categories(make_ctx(database, FixedClock()))]
    assert prefixes == ["A", "B", "C", "D", "E", "F", "G", "H", "Q", "V"]
    v = QueueCategory.get_by_id("V")
    assert v.priority and v.name_zh == "优先窗口"
    assert q.categories_for_counter(6) and all(c.prefix in "FGHV" for c in q.categories_for_counter(6))


def test_ensure_defaults_is_idempotent_and_keeps_local_edits(database: peewee.Database) -> None:
    QueueCategory.update(name_zh="参保登记（本地）", service_minutes=3).where(QueueCategory.prefix == "A").execute()
    QueueCategory.delete().where(QueueCategory.prefix == "H").execute()
    with database.atomic():
        added = ensure_defaults()
    assert added == 1  # only H came back
    assert ensure_defaults() == 0
    a = QueueCategory.get_by_id("A")
    assert (a.name_zh, a.service_minutes) == ("参保登记（本地）", 3)
    assert QueueCategory.select().count() == len(DEFAULT_CATEGORIES)


def test_numbers_run_per_category_and_day(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    codes = [q.take_ticket(ctx, p).code for p in "AABAb"]
    assert codes == ["A001", "A002", "B001", "A003", "B002"]
    info = q.take_ticket(ctx, "C")
    assert info.scan_code == "T20261129C001"
    assert info.category_zh == "社保卡"
    assert info.taken_at.utcoffset() == dt.timedelta(hours=8)


def test_numbers_restart_at_local_midnight(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    clock.set_local(dt.datetime(2026, 11, 29, 23, 59, 58))
    q.take_ticket(ctx, "A")
    clock.set_local(dt.datetime(2026, 11, 29, 23, 59, 59))
    late = q.take_ticket(ctx, "A")
    clock.set_local(dt.datetime(2026, 11, 30, 0, 0, 1))
    early = q.take_ticket(ctx, "A")
    assert (late.code, late.day) == ("A002", dt.date(2026, 11, 29))
    assert (early.code, early.day) == ("A001", dt.date(2026, 11, 30))
    assert early.scan_code == "T20261130A001"
    # 16:00:01 UTC is already the next day in Shanghai: the local date decides
    assert clock.now_utc().date() == dt.date(2026, 11, 29)


def test_reset_hour_moves_the_business_day(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    ctx.extras["queue.reset_hour"] = 3
    clock.set_local(dt.datetime(2026, 11, 30, 1, 0))
    assert q.take_ticket(ctx, "A").day == dt.date(2026, 11, 29)
    clock.set_local(dt.datetime(2026, 11, 30, 3, 0))
    assert q.take_ticket(ctx, "A").code == "A001"


def test_unknown_category_is_refused(database: peewee.Database, clock: FixedClock) -> None:
    with pytest.raises(NotFound, match="没有业务类别「Z」"):
        q.take_ticket(make_ctx(database, clock), "Z")
    QueueCategory.update(active=False).where(QueueCategory.prefix == "B").execute()
    with pytest.raises(NotFound):
        q.take_ticket(make_ctx(database, clock), "B")


def test_priority_for_elderly_disabled_and_v(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    seventy = add_resident("李秀英", dt.date(1956, 11, 29))  # 70 today
    almost = add_resident("赵四", dt.date(1956, 11, 30))  # 70 tomorrow
    disabled = add_resident("钱五", dt.date(1990, 1, 1), disabled=True)
    assert q.take_ticket(ctx, "A", seventy).priority
    assert not q.take_ticket(ctx, "A", almost).priority
    assert q.take_ticket(ctx, "A", almost, priority_age=60).priority
    assert q.take_ticket(ctx, "A", disabled).priority
    assert q.take_ticket(ctx, "V").priority
    assert not q.take_ticket(ctx, "A").priority
    with pytest.raises(NotFound):
        q.take_ticket(ctx, "A", 999_999)


def test_call_next_priority_first_then_first_come(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    elderly = add_resident("李秀英", dt.date(1940, 5, 1))
    q.take_ticket(ctx, "A")  # A001
    clock.advance(seconds=1)
    q.take_ticket(ctx, "B")  # B001 (counter 2 serves A and B)
    clock.advance(seconds=1)
    q.take_ticket(ctx, "A", elderly)  # A002, priority
    clock.advance(seconds=1)
    q.take_ticket(ctx, "A")  # A003
    order = []
    for _ in range(4):
        order.append(q.call_next(ctx, 2).code)
        q.finish(ctx, 2)
    assert order == ["A002", "A001", "B001", "A003"]
    with pytest.raises(NotFound, match="没有等候"):
        q.call_next(ctx, 2)


def test_call_next_only_serves_the_counters_categories(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")
    with pytest.raises(NotFound):
        q.call_next(ctx, 6)  # window 6: F, G, H, V
    assert q.call_next(ctx, 1).code == "A001"


def test_call_next_refused_while_counter_busy(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")
    q.take_ticket(ctx, "A")
    q.call_next(ctx, 1)
    with pytest.raises(Conflict, match="本窗口还有 A001"):
        q.call_next(ctx, 1)


def test_stage_times_events_and_audit(database: peewee.Database, clock: FixedClock) -> None:
    staff = add_staff()
    ctx = make_ctx(database, clock).as_staff(staff, "S001")
    q.take_ticket(ctx, "A")
    clock.advance(minutes=5)
    called = q.call_next(ctx, 1)
    clock.advance(minutes=1)
    q.start(ctx, 1)
    clock.advance(minutes=7)
    done = q.finish(ctx, 1)
    row = Ticket.get_by_id(done.id)
    assert row.status == "done"
    assert (row.called_at - row.taken_at) == dt.timedelta(minutes=5)
    assert (row.started_at - row.called_at) == dt.timedelta(minutes=1)
    assert (row.finished_at - row.started_at) == dt.timedelta(minutes=7)
    assert row.staff_id == staff
    actions = [e.action for e in TicketEvent.select().where(TicketEvent.ticket == called.id).order_by(TicketEvent.id)]
    assert actions == ["take", "call", "start", "finish"]
    audited = [a.action for a in AuditEntry.select().order_by(AuditEntry.seq)]
    assert audited == ["queue.call", "queue.start", "queue.finish"]
    assert {a.actor for a in AuditEntry.select()} == {"S001"}


def test_hold_recall_and_no_show(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    for _ in range(3):
        q.take_ticket(ctx, "A")
    first = q.call_next(ctx, 1)
    again = q.recall(ctx, 1)
    assert (again.code, again.call_count) == (first.code, 2)
    held = q.hold(ctx, 1)
    assert held.status == "held"
    assert q.counter_view(ctx, 1).held[0].code == "A001"
    # a held ticket frees the counter but is not picked by call-next
    assert q.call_next(ctx, 1).code == "A002"
    gone = q.no_show(ctx, 1)
    assert gone.status == "no_show"
    back = q.call_specific(ctx, 1, "A001")
    assert (back.status, back.call_count) == ("called", 3)
    q.start(ctx, 1)
    q.finish(ctx, 1)
    assert q.call_next(ctx, 1).code == "A003"


def test_illegal_transitions_are_refused_in_chinese(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")
    q.take_ticket(ctx, "A")
    with pytest.raises(Conflict, match="A001 当前等候中，不能开始办理"):
        q.start(ctx, 1, "A001")
    with pytest.raises(NotFound, match="当前没有正在办理"):
        q.finish(ctx, 1)
    q.call_next(ctx, 1)
    with pytest.raises(Conflict, match="不在本窗口"):
        q.start(ctx, 2, "A001")
    q.start(ctx, 1)
    with pytest.raises(Conflict, match="A001 当前办理中，不能过号"):
        q.no_show(ctx, 1)
    with pytest.raises(Conflict, match="不能重呼"):
        q.recall(ctx, 1)
    q.finish(ctx, 1)
    with pytest.raises(Conflict, match="A001 当前已办结，不能叫号"):
        q.call_specific(ctx, 2, "A001")
    with pytest.raises(NotFound, match="今天没有 A009"):
        q.call_specific(ctx, 2, "A009")
    with pytest.raises(NotFound, match="不是排队号码"):
        q.find_ticket(ctx, "hello")
    assert Ticket.get(Ticket.code == "A001").status == "done"


def test_transfer_goes_ahead_of_the_target_queue(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")  # A001, earliest
    clock.advance(minutes=1)
    q.take_ticket(ctx, "C")  # C001
    clock.advance(minutes=1)
    q.take_ticket(ctx, "C")  # C002
    clock.advance(minutes=10)
    assert q.call_next(ctx, 1).code == "A001"
    moved = q.transfer(ctx, 1, "C")
    assert (moved.code, moved.status, moved.counter) == ("C003", "waiting", None)
    assert q.take_ticket(ctx, "C").ahead == 3
    order = []
    for _ in range(3):
        order.append(q.call_next(ctx, 4).code)
        q.no_show(ctx, 4)
    assert order == ["C003", "C001", "C002"]
    q.call_specific(ctx, 3, "C004")
    with pytest.raises(Conflict, match="已经是「社保卡」业务"):
        q.transfer(ctx, 3, "C")
    note = TicketEvent.get(TicketEvent.action == "transfer").note
    assert note == "A001→C003"


def test_transfer_ahead_even_of_an_earlier_target_ticket(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "C")  # C001, taken before A001
    clock.advance(minutes=1)
    q.take_ticket(ctx, "A")
    q.call_next(ctx, 1)
    q.transfer(ctx, 1, "C")
    assert q.call_next(ctx, 3).code == "C002"


def test_wait_estimate_from_defaults_then_recent_service(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    first = q.take_ticket(ctx, "A")
    assert (first.ahead, first.wait_minutes) == (0, 0)
    for _ in range(2):
        q.take_ticket(ctx, "A")
    fourth = q.take_ticket(ctx, "A")
    # 3 ahead × 10 default minutes ÷ 2 counters (1 and 2 serve A)
    assert (fourth.ahead, fourth.wait_minutes) == (3, 15)
    q.call_next(ctx, 1)
    q.start(ctx, 1)
    clock.advance(minutes=2)
    q.finish(ctx, 1)
    fifth = q.take_ticket(ctx, "A")
    # 3 ahead (A002-A004) × 2 recent minutes ÷ 2 counters
    assert (fifth.ahead, fifth.wait_minutes) == (3, 3)
    QueueCategory.update(counters="1").where(QueueCategory.prefix == "A").execute()
    assert q.take_ticket(ctx, "A").wait_minutes == 8  # 4 × 2 ÷ 1


def test_priority_ticket_counts_only_priority_ahead(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    elderly = add_resident("李秀英", dt.date(1940, 5, 1))
    for _ in range(4):
        q.take_ticket(ctx, "A")
    assert q.take_ticket(ctx, "A", elderly).ahead == 0
    assert q.take_ticket(ctx, "A").ahead == 5


def test_queue_status_masks_names_and_lists_last_five(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    zhang = add_resident("张三丰", dt.date(1980, 1, 1))
    q.take_ticket(ctx, "A", zhang)
    for _ in range(7):
        q.take_ticket(ctx, "B")
    q.take_ticket(ctx, "C")
    assert q.call_next(ctx, 1).masked_name == "张*丰"
    for _ in range(5):
        clock.advance(seconds=30)
        q.call_next(ctx, 3)
        q.finish(ctx, 3)
    q.recall(ctx, 1)
    status = q.queue_status(ctx)
    waiting = {w.prefix: w.waiting for w in status.waiting}
    assert waiting["A"] == 0 and waiting["B"] == 2 and waiting["C"] == 1 and waiting["V"] == 0
    assert status.total_waiting == 3
    now = {c.counter: c.ticket for c in status.counters}
    assert now[1] is not None and now[1].code == "A001" and now[1].masked_name == "张*丰"
    assert now[3] is None and len(now) == 6
    assert [c.code for c in status.recent] == ["A001", "B005", "B004", "B003", "B002"]
    assert status.recent[0].recall and status.recent[0].counter == 1
    assert "张三丰" not in repr(status)
    assert status.last_call_id == status.recent[0].event_id
    q.call_next(ctx, 2)
    assert q.queue_status(ctx).last_call_id > status.last_call_id


def test_ratings(database: peewee.Database, clock: FixedClock) -> None:
    staff = add_staff()
    ctx = make_ctx(database, clock).as_staff(staff, "S001")
    q.take_ticket(ctx, "A")
    q.call_next(ctx, 2)
    resident_ctx = make_ctx(database, clock)
    with pytest.raises(Conflict, match="还没有办结"):
        q.rate(resident_ctx, "A001", 5)
    q.start(ctx, 2)
    q.finish(ctx, 2)
    with pytest.raises(ServiceError, match="1 到 5"):
        q.rate(resident_ctx, "A001", 6)
    info = q.rate(resident_ctx, "T20261129A001", 4, "  等得有点久 ")
    assert (info.counter, info.staff_id, info.reason) == (2, staff, "等得有点久")
    with pytest.raises(Conflict, match="已经评价"):
        q.rate(resident_ctx, "A001", 5)
    assert Rating.select().count() == 1
