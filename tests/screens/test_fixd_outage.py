"""A database outage at the kiosk and the display board (attack D11, fixer FS).

The database "goes down" and comes back: while :class:`Outage` is down every statement fails as
the driver's lost connection does (peewee's OperationalError, what psycopg's "server closed the
connection" or "connection refused" becomes), on SQLite and PostgreSQL alike; the shared server is
never stopped.

- 取号 shows the fault, retries on a slow timer and shows the categories once the database answers;
- the display board marks its data "数据暂未更新 (HH:MM)" while its reads fail and drops the mark
  once one succeeds.
"""

from __future__ import annotations

from typing import Any

import peewee
import pytest

from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services.announce import Announcer
from screens.display.board import BoardScreen
from screens.resident.attract import AttractScreen
from screens.resident.ticket import TicketScreen
from screens.widgets.plain import Static
from tests.screens.counter.helpers import until
from tests.support import RecordingPrinter


class Outage:
    """Makes ``database``'s statements fail while :attr:`down` (installed with ``monkeypatch``)."""

    def __init__(self, database: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        self.failed = 0
        real = database.execute_sql

        def execute_sql(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
            if self.down:
                self.failed += 1
                raise peewee.OperationalError("server closed the connection unexpectedly")
            return real(sql, params, *args, **kwargs)

        monkeypatch.setattr(database, "execute_sql", execute_sql)


async def test_ticket_screen_shows_the_categories_again_once_the_database_answers(
        database: peewee.Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    outage = Outage(database, monkeypatch)
    monkeypatch.setattr(TicketScreen, "RETRY_SECONDS", 0.2, raising=False)  # the hall's 15 s, shortened
    settings = Settings(source="(test)")
    app = make_app(settings, database, RecordingPrinter(), clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        outage.down = True
        await pilot.press("f3")  # 取号
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and bool(app.screen.error))
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert "数据库" in screen.error and not screen.query("#ticket-menu")
        await until(pilot, lambda: outage.failed >= 3)  # it keeps trying (slowly), shows the fault meanwhile
        assert screen.error and not screen.query("#ticket-menu")
        outage.down = False  # the database is back: no key pressed
        await until(pilot, lambda: bool(screen.query("#ticket-menu MenuButton")))
        assert screen.error == "" and app.screen is screen
        await pilot.press("f1")  # and a ticket can be taken
        await until(pilot, lambda: screen.ticket is not None)


async def test_board_marks_stale_data_while_reads_fail(database: peewee.Database, clock: FixedClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.services import queue as q
    from tests.queue.helpers import make_ctx
    from tests.queue.host import QueueTestHost

    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")
    outage = Outage(database, monkeypatch)
    app = QueueTestHost(ctx, lambda: BoardScreen(Announcer([], lambda argv: None), refresh_seconds=0.1,
                                                 fallback_seconds=0.1))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.status is not None)
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        mark = screen.query_one("#board-error", Static)
        assert str(mark.render()) == "" and not mark.display
        shown_at = f"{clock.now_local():%H:%M}"
        outage.down = True
        await until(pilot, lambda: bool(str(mark.render())))
        # Time passes only once the reads fail (a read in flight could otherwise finish after
        # the clock moved and be the last good one): the mark keeps the last good read's time.
        clock.advance(minutes=7)
        await pilot.pause(0.5)
        assert str(mark.render()) == f"数据暂未更新 ({shown_at})"
        region = mark.region  # in the head line, on screen
        assert region.area and region.bottom <= app.size.height
        assert screen.get_widget_at(region.x + 1, region.y + region.height // 2)[0] is mark
        outage.down = False
        await until(pilot, lambda: str(mark.render()) == "" and not mark.display)


def test_only_an_unanswering_database_is_called_so() -> None:
    from screens.base import database_fault_kind

    assert database_fault_kind(peewee.OperationalError("server closed the connection unexpectedly")) == "db"
    assert database_fault_kind(peewee.InterfaceError("connection already closed")) == "db"
    assert database_fault_kind(peewee.OperationalError("connection to server at \"127.0.0.1\", port 55999 failed: "
                                                       "Connection refused")) == "db"
    assert database_fault_kind(peewee.OperationalError("database is locked")) == "busy"
    assert database_fault_kind(peewee.OperationalError("no such table: resident")) is None
    assert database_fault_kind(ValueError("a bug")) is None and database_fault_kind(None) is None
