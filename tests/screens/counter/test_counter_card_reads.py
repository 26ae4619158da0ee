"""A card or ID read at the counter outside the Find dialog (attack D14): the number's characters
walk the counter's menus before its Enter, then the counter goes back to where the read started and
searches the number in Find. No menu choice is left behind, nothing is revealed, nothing is written
but the audited looks. A read is a read only at a reader's pace (attack E16): the keys are sent with
explicit times (helpers.keys_at), a reader's 5 ms apart, a clerk's 0.4 s apart, so nothing depends
on this machine's speed. Both ways the app may take a read: keeping up (each key handled before the
next arrives) and lagging (every key queued before the first is handled). Nine digits and Enter at a
person's pace are the clerk's keys (4 3 5, 1 2 3 4 1 1, Enter submits a medical claim's checklist).
The full reveal (9) and logging out (0 at home) ask first; only + does them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from db.models import Application, AuditEntry, Card, Payment
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services.registration import ResidentInfo, register_resident
from screens.counter import session as counter_session
from screens.counter.accept import MaterialsScreen
from screens.counter.find import FindResidentModal
from screens.counter.home import CounterHomeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.login import LoginScreen
from screens.counter.resident_detail import ResidentDetailScreen
from screens.counter.worklist import WorklistScreen
from screens.widgets.card_reader import READER_GAP, CardSniffer
from tests.screens.counter.helpers import (
    PERSON_GAP,
    clerk_and_resident,
    clerk_ctx,
    id_number,
    login,
    make_counter_app,
    message,
    person_types,
    reader_types,
    text_of,
    until,
)
from tests.screens.counter.test_every_type import _resident_medical
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


async def read(pilot: Pilot[Any], handling: str, number: str) -> None:
    """A reader types ``number`` and Enter; the app keeps up with it or lags behind (``handling``)."""
    await reader_types(pilot, number, one_by_one=handling == "keeps_up")


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


@pytest.mark.parametrize("handling", ["keeps_up", "lags"])
@pytest.mark.parametrize(("where", "number"), [("home", READ_ID), ("detail", READ_ID), ("list", READ_CARD),
                                               ("confirmation", READ_CARD)])
async def test_a_read_outside_find_searches_it_where_it_started(database: peewee.Database, clock: FixedClock,
                                                                 where: str, number: str, handling: str) -> None:
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

        await read(pilot, handling, number)

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


@pytest.mark.parametrize("handling", ["keeps_up", "lags"])
async def test_a_read_whose_zeros_go_back_ends_on_the_deepest_screen_left_and_never_logs_out(
        database: peewee.Database, clock: FixedClock, handling: str) -> None:
    """When the app keeps up, the read's first 0 closes the list it started on (0 is back); its
    digits walk the home menu and the queue console, and a 0 at home asks to log out: the counter
    stays signed in, the question closes, Find opens on the home menu (the old counter logged out)."""
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

        await read(pilot, handling, WALKING_ID)

        await until(pilot, lambda: shows_detail_of(app, other))
        await settle(pilot, 0.3)
        left = app.screen_stack[:-1]
        # Lagging, the list's 1 (refresh) is its one choice: the keys sent with it are dropped.
        keeps_up = handling == "keeps_up"
        assert left == (start[:-1] if keeps_up else start), [type(s).__name__ for s in app.screen_stack]
        assert isinstance(left[-1], CounterHomeScreen if keeps_up else WorklistScreen)
        assert counter_session.current(app) is not None
        assert set(actions_since(seq)) <= LOOKS


async def test_zero_at_home_asks_before_logging_out(database: peewee.Database, clock: FixedClock) -> None:
    clerk_and_resident(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        for cancel in ("0", "enter"):
            await person_types(pilot, ["0"])
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            await person_types(pilot, [cancel])
            await until(pilot, lambda: isinstance(app.screen, CounterHomeScreen))
            await settle(pilot)
            assert counter_session.current(app) is not None
        assert not AuditEntry.select().where(AuditEntry.action == "staff.logout").exists()
        await person_types(pilot, ["0"])
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await person_types(pilot, ["plus"])
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
        await person_types(pilot, ["9"])
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        modal = app.screen
        assert isinstance(modal, ConfirmActionModal) and person.masked_name in modal.lines[0]
        await person_types(pilot, [cancel])  # 0 cancels; Enter presses 取消, where the focus sits
        await until(pilot, lambda: app.screen is detail)
        await settle(pilot)
        assert not detail.revealed and person.name not in text_of(app, "#detail-identity")
        assert "未显示完整信息" in message(app)
        assert reveals() == []

        await person_types(pilot, ["9"])
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await person_types(pilot, ["plus"])
        await until(pilot, lambda: app.screen is detail and person.name in text_of(app, "#detail-identity"))
        assert person.id_number in text_of(app, "#detail-identity")
        [entry] = reveals()
        assert entry.detail == {"reason": "counter_detail"} and entry.entity_id == str(person.id)
        assert entry.actor == "S001"


def fed(sniffer: CardSniffer, keys: str, gap: float | None, enter_gap: float | None = None) -> str | None:
    """``keys`` then Enter fed to ``sniffer``, ``gap`` seconds apart (None: no times given) and
    the Enter ``enter_gap`` after the last key (default ``gap``)."""
    for index, key in enumerate(keys):
        sniffer.feed(key, key, at=None if gap is None else index * gap)
    last = (len(keys) - 1) * (gap or 0)
    at = None if gap is None else last + (gap if enter_gap is None else enter_gap)
    return sniffer.feed("enter", "\r", at=at)


def test_the_sniffer_tells_a_readers_pace_from_a_persons() -> None:
    sniffer = CardSniffer()
    assert fed(sniffer, READ_CARD, None) == READ_CARD and sniffer.reader_pace is None  # the kiosk: no times
    assert fed(sniffer, READ_CARD, 0.005) == READ_CARD and sniffer.reader_pace is True
    assert fed(sniffer, READ_CARD, READER_GAP - 0.001) == READ_CARD and sniffer.reader_pace is True
    assert fed(sniffer, READ_CARD, READER_GAP + 0.01) == READ_CARD and sniffer.reader_pace is False
    assert fed(sniffer, "435123411", PERSON_GAP) == "435123411" and sniffer.reader_pace is False
    assert fed(sniffer, READ_CARD, 0.005, enter_gap=PERSON_GAP) == READ_CARD and sniffer.reader_pace is False
    # One slow gap inside the number is enough: a person's keys.
    for index, key in enumerate(READ_CARD):
        sniffer.feed(key, key, at=index * 0.005 + (PERSON_GAP if index >= 4 else 0))
    assert sniffer.feed("enter", "\r", at=1.0) == READ_CARD and sniffer.reader_pace is False
    # One stall of a loaded machine inside a read is still a read (attack F2); two are not.
    for stalls, expected in (((9,), True), ((5, 12), False)):
        for index, key in enumerate(READ_ID):
            sniffer.feed(key, key, at=index * 0.005 + 0.06 * sum(index >= s for s in stalls))
        assert sniffer.feed("enter", "\r", at=len(READ_ID) * 0.005 + 0.06 * len(stalls)) == READ_ID
        assert sniffer.reader_pace is expected, stalls
    # A reader's number after a person's digits: the number is the reader's, from its first character.
    for index, key in enumerate("435"):
        sniffer.feed(key, key, mark="clerk", at=index * PERSON_GAP)
    for index, key in enumerate(READ_ID):
        sniffer.feed(key, key, mark="reader", at=10 + index * 0.005)
    assert sniffer.feed("enter", "\r", at=10 + len(READ_ID) * 0.005) == READ_ID
    assert sniffer.reader_pace is True and sniffer.started == "reader"


def _medical_materials() -> set[str]:
    from kiosk.rules.workflows import WORKFLOWS

    return {material.code for material in WORKFLOWS["benefit_medical"].materials}


#: Attack E16 at the counter home with a resident served: 4 受理业务, 3 待遇申领, 5 医疗费用手工报销,
#: 1 2 3 4 tick the four materials, 1 1 untick and tick the ID card again, Enter submits.
E16_WALK = "435123411"


@pytest.mark.parametrize("handling", ["keeps_up", "lags"])
async def test_a_clerks_nine_digits_and_enter_are_her_own_keys_a_readers_are_a_read(
        database: peewee.Database, clock: FixedClock, handling: str) -> None:
    """Attack E16: the walk at a person's pace keeps the checklist and its Enter asks to submit (+
    submits); the same keys at a reader's pace are a read: Find searches them on the home menu."""
    person = clerk_and_resident(database, clock)
    clerk = clerk_ctx(database, clock)
    _resident_medical(clerk, clerk, person)  # enrolled: the claim can be accepted
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        session = counter_session.current(app)
        assert session is not None and isinstance(app.screen, CounterHomeScreen)
        session.resident = person  # the one served (as Find makes her): 4 受理 is for her
        await settle(pilot)
        applications = Application.select().count()

        await person_types(pilot, [*E16_WALK, "enter"])
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await settle(pilot, 0.3)
        assert not any(isinstance(s, FindResidentModal) for s in app.screen_stack)
        checklist = app.screen_stack[-2]
        assert isinstance(checklist, MaterialsScreen) and checklist.draft.type == "benefit_medical"
        assert checklist.draft.received == _medical_materials()
        await person_types(pilot, ["plus"])  # the confirmation's second key submits
        await until(pilot, lambda: Application.select().count() == applications + 1)
        await settle(pilot)
        submitted = Application.select().order_by(Application.id.desc()).first()
        assert submitted.type == "benefit_medical" and submitted.resident_id == person.id

        while not isinstance(app.screen, CounterHomeScreen):
            app.pop_screen()
        await settle(pilot)
        await reader_types(pilot, E16_WALK, one_by_one=handling == "keeps_up")
        await until(pilot, lambda: isinstance(app.screen, FindResidentModal))
        await settle(pilot, 0.3)
        assert app.screen.query_one("#find-input", Input).value == E16_WALK
        assert isinstance(app.screen_stack[-2], CounterHomeScreen)  # the walk's screens closed
        assert not any(isinstance(s, MaterialsScreen) for s in app.screen_stack)
        assert Application.select().count() == applications + 1
