"""Push, not poll, on PostgreSQL (issue 18.2): queue changes NOTIFY with their
commit; boards, counter consoles and the announcer LISTEN and refresh at once.

Every screen here polls only once a minute, so a change that shows within
the (generous) wait came through the push, not the poll.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Sequence
from typing import Any

import peewee
import pytest
from textual.widgets import Static

from db.connection import is_sqlite
from db.notify import QueueListener
from kiosk.clock import FixedClock
from kiosk.services import queue as q
from kiosk.services import queue_events
from kiosk.services.announce import Announcer
from screens.counter.queue_console import QueueConsoleScreen
from screens.display.bigtext import BigCode
from screens.display.board import BoardScreen

from .helpers import add_resident, make_ctx
from .host import QueueTestHost, until

POLL = 60.0  # far longer than any wait below
WAIT = 20.0  # generous: a busy shared machine must not fail these


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> object:
        self.calls.append(list(argv))
        return None


def _listening(screen: Any) -> bool:
    return screen.listener is not None and screen.listener.connected.is_set()


async def test_board_on_postgresql_shows_a_call_without_waiting_for_its_poll(
        pg_database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(pg_database, clock)
    q.take_ticket(ctx, "A", add_resident("张三丰", dt.date(1980, 1, 1)))
    announcer = Announcer(["espeak-ng", "-v", "cmn"], Recorder())
    app = QueueTestHost(ctx, lambda: BoardScreen(announcer, refresh_seconds=POLL, fallback_seconds=POLL))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        await until(pilot, lambda: screen.status is not None and _listening(screen), WAIT)
        assert screen.query_one("#newest-code", BigCode).code == ""

        q.call_next(ctx, 1)  # another terminal calls A001: one NOTIFY with the commit
        await until(pilot, lambda: screen.query_one("#newest-code", BigCode).code == "A001", WAIT)
        assert screen.pushed >= 1
        assert screen.announced == [("A001", 1)]

        q.take_ticket(ctx, "C")  # a take changes the waiting counts: pushed too
        await until(pilot, lambda: screen.status is not None and screen.status.total_waiting == 1, WAIT)


async def test_board_listens_on_postgresql_and_polls_on_sqlite(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    app = QueueTestHost(ctx, lambda: BoardScreen(Announcer([], Recorder())))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        await until(pilot, lambda: screen.status is not None, WAIT)
        # SQLite: no listener and today's quick poll; PostgreSQL: a listener and only the slow fallback.
        assert (screen.listener is None) == is_sqlite(database)
        expected = screen.refresh_seconds if is_sqlite(database) else queue_events.FALLBACK_POLL_SECONDS
        assert queue_events.poll_seconds(ctx, screen.refresh_seconds) == expected


async def test_counter_console_on_postgresql_sees_a_new_ticket_at_once(
        pg_database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(pg_database, clock)
    app = QueueTestHost(ctx, lambda: QueueConsoleScreen(refresh_seconds=POLL, fallback_seconds=POLL))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueConsoleScreen)
        await until(pilot, lambda: screen.view is not None and _listening(screen), WAIT)
        assert screen.view is not None and screen.view.total_waiting == 0
        q.take_ticket(make_ctx(pg_database, clock, terminal="K02"), "A")  # a kiosk elsewhere in the hall
        await until(pilot, lambda: screen.view is not None and screen.view.total_waiting == 1, WAIT)
        assert "1" in str(screen.query_one("#waiting-list", Static).content)


def test_every_queue_change_notifies_with_its_commit_and_a_rollback_sends_nothing(
        pg_database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(pg_database, clock)
    events: list[dict[str, Any]] = []
    got = threading.Condition()

    def heard(event: dict[str, Any]) -> None:
        with got:
            events.append(event)
            got.notify_all()

    listener = QueueListener(pg_database, heard).start()
    try:
        assert listener.connected.wait(WAIT)

        def wait_for(n: int) -> None:
            with got:
                assert got.wait_for(lambda: len(events) >= n, WAIT), events

        q.take_ticket(ctx, "A")
        q.take_ticket(ctx, "A")
        q.call_next(ctx, 1)
        q.recall(ctx, 1)
        q.start(ctx, 1)
        q.hold(ctx, 1)
        q.call_specific(ctx, 1, "A001")
        q.transfer(ctx, 1, "C")
        q.call_next(ctx, 2)
        q.no_show(ctx, 2)
        q.call_next(ctx, 3)
        q.finish(ctx, 3)
        wait_for(12)
        assert [e["event"] for e in events] == ["take", "take", "call", "recall", "start", "hold", "call",
                                                "transfer", "call", "no_show", "call", "finish"]
        assert events[2] == {"hall": ctx.hall_name, "terminal": "T01", "category": "A", "event": "call",
                             "counter": 1, "code": "A001"}
        assert events[7]["code"] == "C001" and events[7]["category"] == "C"

        with pytest.raises(RuntimeError), pg_database.atomic():  # rolled back: nothing delivered
            q.take_ticket(ctx, "B")
            raise RuntimeError("change of mind")
        q.take_ticket(ctx, "D")
        wait_for(13)
        assert [e["category"] for e in events[12:]] == ["D"]
    finally:
        listener.stop()


def test_announcer_follows_calls_pushed_by_postgresql(pg_database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(pg_database, clock)
    runner = Recorder()
    announcer = Announcer(["espeak-ng", "-v", "cmn"], runner)
    listener = announcer.follow(ctx)
    assert listener is not None
    try:
        assert listener.connected.wait(WAIT)
        q.take_ticket(ctx, "B")
        q.call_next(ctx, 3)
        q.recall(ctx, 3)
        for _ in range(int(WAIT / 0.05)):
            if len(runner.calls) == 2:
                break
            threading.Event().wait(0.05)
        assert announcer.heard == [("B001", 3), ("B001", 3)]
        assert runner.calls[0] == ["espeak-ng", "-v", "cmn", "请 B 零零一 号，到 3 号窗口"]
    finally:
        listener.stop()


def test_listener_reconnects_after_its_connection_is_killed(pg_database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(pg_database, clock)
    events: list[dict[str, Any]] = []
    listener = QueueListener(pg_database, events.append, wait=0.2).start()
    try:
        assert listener.connected.wait(WAIT)
        pid = listener._conn.info.backend_pid
        pg_database.execute_sql("SELECT pg_terminate_backend(%s)", (pid,))  # as a server restart does
        for _ in range(int(WAIT / 0.05)):
            if listener.reconnects and listener.connected.is_set():
                break
            threading.Event().wait(0.05)
        assert listener.reconnects == 1
        assert {} in events  # told to re-read everything it may have missed
        q.take_ticket(ctx, "A")
        for _ in range(int(WAIT / 0.05)):
            if any(e.get("event") == "take" for e in events):
                break
            threading.Event().wait(0.05)
        assert [json.dumps(e, sort_keys=True) for e in events if e.get("event") == "take"]
    finally:
        listener.stop()
