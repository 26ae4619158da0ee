"""A card or ID read at the counter outside the Find dialog (attack D14): the number's characters
walk the counter's menus before its Enter (nothing tells a reader's digit from a clerk's without
timing), then the counter goes back to where the read started and searches the number in Find.
No menu choice is left behind, nothing is revealed, nothing is written but the audited looks.
Both paces: a person's (pilot.press waits for the app after each key) and a terminal's burst
(every key queued before the first is handled). The full reveal (9) and logging out (0 at home)
ask first; only + does them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from db.models import Application, AuditEntry, Card, Payment
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services.registration import ResidentInfo, register_resident
from screens.counter import session as counter_session
from screens.counter.home import CounterHomeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.login import LoginScreen
from screens.counter.resident_detail import ResidentDetailScreen
from screens.counter.worklist import WorklistScreen
from tests.screens.counter.helpers import (
    clerk_and_resident,
    id_number,
    login,
    make_counter_app,
    message,
    text_of,
    until,
)
from tests.screens.test_fixd_card_reads import reader
from tests.support import settle

SIZE = (120, 36)
#: The tester's read (attack D14): 3, 6, 0 (back), 9 (show in full), 5 … on the way.
READ_ID = "360726196509095729"
#: A card number with no 0 (back) in it: the screen where the read started stays open under Find.
READ_CARD = "H71835947"
#: A read that walks the list, home, the queue console (nobody waiting) and home's 0 on its way.
WALKING_ID = id_number(dt.date(1965, 9, 9), "572")
LOOKS = {"resident.open"}
"""The only audit entries a read may leave: looks at records (Find's, and each detail's)."""


def the_read_resident(database: peewee.Database, clock: FixedClock, number: str = READ_ID) -> ResidentInfo:
    other = register_resident(ServiceContext(database=database, clock=clock), number, "叶国春")
    Card.create(resident=other.id, card_number=READ_CARD, issued_on=dt.date(2020, 1, 1),
                status_changed_at=dt.datetime(2020, 1, 1))
    return other


async def read(pilot: Pilot[Any], pace: str, number: str) -> None:
    if pace == "burst":
        await reader(pilot, number)
    else:
        await pilot.press(*number, "enter")


def shows_detail_of(app: Any, person: ResidentInfo) -> bool:
    """The resident's detail is on top, loaded (its masked name shown)."""
    screen = app.screen
    return (isinstance(screen, ResidentDetailScreen) and screen.resident.id == person.id
            and bool(screen.query("#detail-identity")) and person.masked_name in text_of(app, "#detail-identity"))


async def detail_of(pilot: Pilot[Any], person: ResidentInfo) -> ResidentDetailScreen:
    pilot.app.push_screen(ResidentDetailScreen(person))
    await until(pilot, lambda: shows_detail_of(pilot.app, person))
    await settle(pilot)
    assert isinstance(pilot.app.screen, ResidentDetailScreen)
    return pilot.app.screen


def actions_since(seq: int) -> list[str]:
    return [e.action for e in AuditEntry.select().where(AuditEntry.id > seq).order_by(AuditEntry.id)]


def last_audit() -> int:
    last = AuditEntry.select(peewee.fn.MAX(AuditEntry.id)).scalar()
    return int(last or 0)


@pytest.mark.parametrize("pace", ["person", "burst"])
@pytest.mark.parametrize(("where", "number"), [("home", READ_ID), ("detail", READ_ID), ("list", READ_CARD),
                                               ("confirmation", READ_CARD)])
async def test_a_read_outside_find_searches_it_where_it_started(database: peewee.Database, clock: FixedClock,
                                                                 where: str, number: str, pace: str) -> None:
    person = clerk_and_resident(database, clock)
    other = the_read_resident(database, clock)
    app = make_counter_app(database, clock, language="en")
    answers: list[bool | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        if where in ("detail", "confirmation"):
            await detail_of(pilot, person)
        if where == "list":
            app.push_screen(WorklistScreen())
            await until(pilot, lambda: isinstance(app.screen, WorklistScreen))
        if where == "confirmation":
            app.push_screen(ConfirmActionModal("Take payment", ["200.00 yuan"]), answers.append)
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await settle(pilot)
        start: list[Screen[Any]] = list(app.screen_stack)
        seq, applications, payments = last_audit(), Application.select().count(), Payment.select().count()

        await read(pilot, pace, number)

        await until(pilot, lambda: shows_detail_of(app, other))
        await settle(pilot, 0.3)
        assert app.screen_stack[:-1] == start, [type(s).__name__ for s in app.screen_stack]
        assert other.name not in text_of(app, "#detail-identity")  # masked: nothing revealed
        session = counter_session.current(app)
        assert session is not None and session.resident is not None and session.resident.id == other.id
        actions = actions_since(seq)
        assert set(actions) <= LOOKS and "resident.open" in actions, actions
        assert (Application.select().count(), Payment.select().count()) == (applications, payments)
        assert True not in answers  # the confirmation under it was never confirmed


@pytest.mark.parametrize("pace", ["person", "burst"])
async def test_a_read_whose_zeros_go_back_ends_on_the_deepest_screen_left_and_never_logs_out(
        database: peewee.Database, clock: FixedClock, pace: str) -> None:
    """At a person's pace the read's first 0 closes the list it started on (0 is back); its digits
    walk the home menu and the queue console, and a 0 at home asks to log out: the counter stays
    signed in, the question closes, Find opens on the home menu (the old counter logged out)."""
    clerk_and_resident(database, clock)
    other = the_read_resident(database, clock, WALKING_ID)
    app = make_counter_app(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.push_screen(WorklistScreen())
        await until(pilot, lambda: isinstance(app.screen, WorklistScreen))
        await settle(pilot)
        start = list(app.screen_stack)
        seq = last_audit()

        await read(pilot, pace, WALKING_ID)

        await until(pilot, lambda: shows_detail_of(app, other))
        await settle(pilot, 0.3)
        left = app.screen_stack[:-1]
        # In a burst the list's 1 (refresh) is its one choice: the keys sent with it are dropped.
        assert left == (start[:-1] if pace == "person" else start), [type(s).__name__ for s in app.screen_stack]
        assert isinstance(left[-1], CounterHomeScreen if pace == "person" else WorklistScreen)
        assert counter_session.current(app) is not None
        assert set(actions_since(seq)) <= LOOKS


async def test_zero_at_home_asks_before_logging_out(database: peewee.Database, clock: FixedClock) -> None:
    clerk_and_resident(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        for cancel in ("0", "enter"):
            await pilot.press("0")
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            await pilot.press(cancel)
            await until(pilot, lambda: isinstance(app.screen, CounterHomeScreen))
            await settle(pilot)
            assert counter_session.current(app) is not None
        assert not AuditEntry.select().where(AuditEntry.action == "staff.logout").exists()
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert counter_session.current(app) is None


def reveals() -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == "resident.reveal"))


@pytest.mark.parametrize("cancel", ["0", "enter"])
async def test_nine_asks_and_only_plus_reveals(database: peewee.Database, clock: FixedClock, cancel: str) -> None:
    person = clerk_and_resident(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        detail = await detail_of(pilot, person)
        await pilot.press("9")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        modal = app.screen
        assert isinstance(modal, ConfirmActionModal) and person.masked_name in modal.lines[0]
        await pilot.press(cancel)  # 0 cancels; Enter presses 取消, where the focus sits
        await until(pilot, lambda: app.screen is detail)
        await settle(pilot)
        assert not detail.revealed and person.name not in text_of(app, "#detail-identity")
        assert "未显示完整信息" in message(app)
        assert reveals() == []

        await pilot.press("9")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: app.screen is detail and person.name in text_of(app, "#detail-identity"))
        assert person.id_number in text_of(app, "#detail-identity")
        [entry] = reveals()
        assert entry.detail == {"reason": "counter_detail"} and entry.entity_id == str(person.id)
        assert entry.actor == "S001"
