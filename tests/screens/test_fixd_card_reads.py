"""A card read at reader speed on every resident screen (attack D4): the characters and the
Enter are all queued before the app handles the first, so digits meant as part of the number
reach the old session's screens after earlier ones opened or closed screens; the read still ends
the session, opens the new card's password prompt and leaves nothing in the attract field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from db.models import Card
from kiosk.clock import FixedClock
from screens.resident.home import CHOICES, ResidentHomeScreen
from screens.resident.password import ServicePasswordScreen
from tests.screens.counter.helpers import until
from tests.screens.test_identity import build
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_ID, Seeded, seed_residents
from tests.support import give_passwords, settle, sign_in

SIZE = (80, 24)
ZERO_CARD = "H70180947"  # the tester's card shape: 7s and 0s that are menu keys on the way
FIRST_ZERO_CARD = "07H018094"  # its 0 is 退出 on the home menu: the rest goes to the attract screen
READS = [LI_ID, ZERO_CARD, FIRST_ZERO_CARD]
#: The home menu and every screen it opens (1-9; 0 is 退出).
SCREENS = ["home", *(key for key, choice in CHOICES if choice != "logout")]


async def reader(pilot: Pilot[Any], number: str) -> None:
    """A card reader: every character of ``number`` and Enter queued at once, before the app has
    handled the first (pilot.press waits for the app to go idle after each key: a person's pace)."""
    app = pilot.app
    for key in (*number, "enter"):
        event = events.Key(key, "\r" if key == "enter" else key)
        event.set_sender(app)
        app.post_message(event)
    await pilot.pause()


@pytest.fixture
def kiosk_db(sqlite_database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    seeded = seed_residents(sqlite_database)
    give_passwords(sqlite_database, LI_ID)
    give_passwords(sqlite_database, ZHANG_ID)
    for number in (ZERO_CARD, FIRST_ZERO_CARD):
        Card.create(resident=seeded.li, card_number=number, issued_on=dt.date(2020, 1, 1),
                    status_changed_at=dt.datetime(2020, 1, 1))
    return sqlite_database, seeded


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("key", SCREENS)
async def test_a_read_on_every_resident_screen_starts_the_new_card(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock, key: str, read: str) -> None:
    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        if key != "home":
            await pilot.press(key)  # a person's key press: the menu choice
            await settle(pilot)
            await until(pilot, lambda: not isinstance(app.screen, ResidentHomeScreen))
            await settle(pilot)
        await _read_opens_li_password_and_attract_is_empty(pilot, read, seeded)
        assert app.session is None


async def _read_opens_li_password_and_attract_is_empty(pilot: Any, read: str, seeded: Seeded) -> None:
    """The reader types ``read``: 李秀英's password prompt opens over identify and the attract
    screen, whose number field holds nothing of it."""
    app = pilot.app
    await reader(pilot, read)
    await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen) and app.screen.claim is not None
                and app.screen.claim.resident_id == seeded.li)
    await settle(pilot, 0.3)
    assert [type(s).__name__ for s in app.screen_stack[1:]] == [
        "AttractScreen", "IdentifyScreen", "ServicePasswordScreen"]
    assert [field.value for field in app.screen_stack[1].query(Input)] == [""]  # the attract screen's field


@pytest.mark.parametrize("read", READS)
async def test_a_read_on_the_attract_screen_leaves_nothing_in_its_field(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock, read: str) -> None:
    """The first read at reader speed: the field's own Enter, once every character is in it."""
    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _read_opens_li_password_and_attract_is_empty(pilot, read, seeded)
