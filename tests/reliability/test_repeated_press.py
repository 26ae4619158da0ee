"""A key pressed three times while the printer hangs does a write once
(issue 19.4): the ticket, an application's submission, a reprint, a rating. The printer blocks until the test releases it, so the presses all
land while the first action is still running."""

from __future__ import annotations

import threading
from typing import Any

import peewee
from textual.widgets import Input

from db.models import Application, PrintJob, Rating, Staff, Ticket
from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import ServiceContext, queue, residents
from screens.counter.keys import ConfirmActionModal
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.ticket import TicketScreen
from screens.widgets.menu import MenuButton
from screens.widgets.rating import RatingModal
from tests.screens.counter.helpers import make_counter_app, staff, until
from tests.screens.counter.test_every_type import fast_login
from tests.services.resident_factory import ZHANG_ID, Seeded, seed_residents
from tests.support import RecordingPrinter

RELEASE_TIMEOUT = 30.0


class HangingPrinter(RecordingPrinter):
    """Takes a job only after :attr:`release` is set (a printer that hangs)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.waiting = threading.Event()

    def send(self, data: bytes, *, document: Any = None) -> None:
        self.waiting.set()
        self.release.wait(RELEASE_TIMEOUT)
        super().send(data, document=document)


def _key_of(pilot: Any, choice: str) -> str:
    """The key that makes the numbered choice ``choice`` on the current screen ("1", "f1", ...)."""
    [button] = [b for b in pilot.app.screen.query(MenuButton) if b.choice == choice]
    return str(button.key).lower()


async def _press_three_times(pilot: Any, key: str, printer: HangingPrinter) -> None:
    await pilot.press(key)
    await until(pilot, printer.waiting.is_set)  # the first action is at the printer
    await pilot.press(key)
    await pilot.press(key)
    await pilot.pause(0.2)
    printer.release.set()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_ticket_taken_once(database: peewee.Database, clock: FixedClock) -> None:
    seed_residents(database)
    printer = HangingPrinter()
    app = make_app(Settings(source="(test)"), database, printer, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        app.push_screen(TicketScreen())
        await until(pilot, lambda: bool(app.screen.query("#ticket-menu")))
        await _press_three_times(pilot, _key_of(pilot, "take-A"), printer)
        await until(pilot, lambda: bool(app.screen.query("#ticket-number")))
        assert app.is_running
    assert Ticket.select().count() == 1


async def test_application_submitted_once(database: peewee.Database, clock: FixedClock) -> None:
    seeded: Seeded = seed_residents(database)
    printer = HangingPrinter()
    app = make_app(Settings(source="(test)"), database, printer, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        app.start_session(residents.identify(ServiceContext(database=database, clock=clock), ZHANG_ID))
        await pilot.pause()
        for key in ("8", "6", "1"):  # 办理, 社保卡挂失, first confirmation
            await pilot.press(key)
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
        await until(pilot, lambda: isinstance(app.screen, ApplyConfirmScreen))
        await pilot.press(_key_of(pilot, "submit"))  # asks; + submits (issue 17)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await _press_three_times(pilot, "plus", printer)
        assert app.is_running
    assert Application.select().where(Application.resident == seeded.zhang, Application.type == "card_loss").count() == 1


async def test_reprint_made_once(database: peewee.Database, clock: FixedClock) -> None:
    seed_residents(database)
    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    original = queue.take_ticket(ctx, "A", receipt=True)
    code = PrintJob.get_by_id(original.print_job_id).code
    # Printed once: 补打 of a receipt still waiting in the spool is refused (attack D2).
    PrintJob.update(status="printed").where(PrintJob.id == original.print_job_id).execute()
    printer = HangingPrinter()
    app = make_counter_app(database, clock, printer)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 36)) as pilot:
        await fast_login(pilot, "S001")
        await pilot.press(_key_of(pilot, "reprint"))
        await until(pilot, lambda: bool(app.screen.query("#reprint-code")))
        field = app.screen.query_one("#reprint-code", Input)
        field.focus()
        field.value = code
        await _press_three_times(pilot, "enter", printer)
        assert app.is_running
    assert PrintJob.select().where(PrintJob.reprint_of == original.print_job_id).count() == 1


async def test_rating_saved_once(database: peewee.Database, clock: FixedClock) -> None:
    seed_residents(database)
    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    clerk = ctx.as_staff(Staff.get(Staff.number == "S001").id, "S001")
    ticket = queue.take_ticket(ctx, "A")
    queue.call_next(clerk, 1)
    queue.start(clerk, 1)
    queue.finish(clerk, 1)
    printer = HangingPrinter()
    printer.release.set()  # a rating prints nothing; the three presses land before the first is saved
    app = make_app(Settings(source="(test)"), database, printer, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        app.push_screen(RatingModal(ticket.code))
        await until(pilot, lambda: bool(app.screen.query(MenuButton)))
        await pilot.press("5")  # chooses; + saves (issue 17)
        await until(pilot, lambda: isinstance(app.screen, RatingModal) and app.screen.stage == "confirm")
        await pilot.press("plus", "plus", "plus")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
    assert Rating.select().count() == 1
