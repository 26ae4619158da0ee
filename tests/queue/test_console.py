"""The counter console (Pilot): number keys drive the queue at this counter."""

from __future__ import annotations

import peewee
from textual.widgets import Static

from db.models import Ticket
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import queue as q
from screens.counter.keys import ConfirmActionModal
from screens.counter.queue_console import CallNumberModal, QueueConsoleScreen, TransferModal
from screens.display.bigtext import BigCode
from screens.widgets.rating import RatingModal

from .helpers import add_staff, make_ctx
from .host import QueueTestHost, until


def _settings(counter: int) -> Settings:
    settings = Settings()
    settings.terminal.counter = counter
    settings.terminal.mode = "counter"
    return settings


def _status(code: str) -> str:
    return str(Ticket.get(Ticket.code == code).status)


async def test_console_calls_starts_and_finishes_with_number_keys(
    database: peewee.Database, clock: FixedClock
) -> None:
    staff = add_staff()
    ctx = make_ctx(database, clock).as_staff(staff, "S001")
    for _ in range(3):
        q.take_ticket(ctx, "A")
    app = QueueTestHost(ctx, QueueConsoleScreen, settings=_settings(2))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueConsoleScreen)
        await until(pilot, lambda: screen.view is not None)
        assert "共 3 人" in str(screen.query_one("#waiting-list", Static).content)
        assert "S001" in str(screen.query_one("#console-staff", Static).content)

        await pilot.press("1")
        await until(pilot, lambda: screen.query_one("#current-code", BigCode).code == "A001")
        assert _status("A001") == "called" and Ticket.get(Ticket.code == "A001").counter == 2
        await pilot.press("2")
        await until(pilot, lambda: Ticket.get(Ticket.code == "A001").call_count == 2)
        await pilot.press("3")
        await until(pilot, lambda: _status("A001") == "serving")
        await pilot.press("7")
        await until(pilot, lambda: _status("A001") == "done")
        # The rating belongs to the resident's side (the kiosk scans the ticket), not the clerk's screen.
        await until(pilot, lambda: screen.query_one("#current-code", BigCode).code == "")
        assert app.screen is screen and not isinstance(app.screen, RatingModal)
        assert Ticket.get(Ticket.code == "A001").staff_id == staff

        await pilot.press("1")
        await until(pilot, lambda: _status("A002") == "called")
        await pilot.press("5")  # 过号 shows what it will do; only the second key (+) does it
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert _status("A002") == "called"
        await pilot.press("plus")
        await until(pilot, lambda: _status("A002") == "no_show")
        await pilot.press("1")
        await until(pilot, lambda: _status("A003") == "called")
        await pilot.press("4")
        await until(pilot, lambda: _status("A003") == "held")
        await until(pilot, lambda: "A003" in str(screen.query_one("#held-list", Static).content))


async def test_console_refuses_illegal_actions_calmly(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")
    app = QueueTestHost(ctx, QueueConsoleScreen, settings=_settings(1))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueConsoleScreen)
        await until(pilot, lambda: screen.view is not None)
        await pilot.press("7")  # finish with nothing called
        await until(pilot, lambda: "当前没有正在办理" in screen.message)
        await pilot.press("1")
        await until(pilot, lambda: _status("A001") == "called")
        await pilot.press("1")  # call next while A001 is still at the counter
        await until(pilot, lambda: "本窗口还有 A001" in screen.message)
        await pilot.press("3")
        await until(pilot, lambda: _status("A001") == "serving")
        await pilot.press("5", "plus")  # no-show, confirmed: not allowed once serving
        await until(pilot, lambda: "不能过号" in screen.message)
        assert _status("A001") == "serving"


async def test_console_refusals_in_english(database: peewee.Database, clock: FixedClock) -> None:
    """Issue 17: the English console shows the queue's refusals in English (catalog keys, not the Chinese text)."""
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")
    app = QueueTestHost(ctx, QueueConsoleScreen, settings=_settings(1), language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueConsoleScreen)
        await until(pilot, lambda: screen.view is not None)
        await pilot.press("7")  # finish with nothing called
        await until(pilot, lambda: "serving no ticket" in screen.message)
        await pilot.press("1")
        await until(pilot, lambda: _status("A001") == "called")
        await pilot.press("1")  # call next while A001 is still at the counter
        await until(pilot, lambda: "still has A001 (called)" in screen.message)
        await pilot.press("3")
        await until(pilot, lambda: _status("A001") == "serving")
        await pilot.press("5", "plus")
        await until(pilot, lambda: "A001 is being served; it cannot be marked no-show" in screen.message)
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in screen.message)


async def test_console_transfer_and_call_specific_modals(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "A")  # A001
    q.take_ticket(ctx, "C")  # C001
    app = QueueTestHost(ctx, QueueConsoleScreen, settings=_settings(1))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueConsoleScreen)
        await until(pilot, lambda: screen.view is not None)
        await pilot.press("1")
        await until(pilot, lambda: screen.view is not None and screen.view.current is not None)
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, TransferModal))
        modal = app.screen
        assert isinstance(modal, TransferModal)
        assert [c.prefix for c in modal.categories][:2] == ["B", "C"]  # A itself is not offered
        await pilot.press("2")  # C 社保卡
        await until(pilot, lambda: "已转为 C002" in screen.message)
        moved = Ticket.get(Ticket.code == "C002")
        assert (moved.status, moved.counter) == ("waiting", None)
        assert q.call_next(ctx, 3).code == "C002"  # ahead of C001

        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, CallNumberModal))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, CallNumberModal))
        await pilot.press(*"c001", "enter")
        await until(pilot, lambda: _status("C001") == "called")
        assert Ticket.get(Ticket.code == "C001").counter == 1
