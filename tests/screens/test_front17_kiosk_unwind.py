"""Card reads while screens come and go (issue 17): after visiting each home
menu and backing out, a card read opens the identify flow; a second read
while the first is still unwinding the session (its identify screen popped
before it mounted) and a read while a screen is being popped never crash
(``NoMatches #card-input`` in IdentifyScreen.on_mount, seen by a tester) and
end on the last card's password prompt."""

from __future__ import annotations

from typing import Any

import peewee
import pytest
from textual import events

from kiosk.clock import FixedClock
from screens.resident.home import ResidentHomeScreen
from screens.resident.password import ServicePasswordScreen
from tests.screens.counter.helpers import until
from tests.screens.test_identity import build
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_ID, Seeded, seed_residents
from tests.support import give_passwords, sign_in


@pytest.fixture
def kiosk_db(database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    seeded = seed_residents(database)
    give_passwords(database, ZHANG_ID, LI_ID)
    return database, seeded


async def _password_for(pilot: Any, resident_id: int) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen) and app.screen.claim is not None
                and app.screen.claim.resident_id == resident_id)
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app.is_running and app.session is None
    assert [type(s).__name__ for s in app.screen_stack[1:]] == ["AttractScreen", "IdentifyScreen",
                                                                 "ServicePasswordScreen"]


@pytest.mark.parametrize("menu", list("123456"))
async def test_a_card_read_after_visiting_a_menu_and_backing_out(kiosk_db: tuple[peewee.Database, Seeded],
                                                                 clock: FixedClock, menu: str) -> None:
    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        await pilot.press(menu)
        await until(pilot, lambda: not isinstance(app.screen, ResidentHomeScreen))
        await pilot.press("escape")  # back out at once, the screen possibly still loading
        await pilot.press(*LI_ID, "enter")
        await _password_for(pilot, seeded.li)


async def test_a_second_read_while_the_first_unwinds(kiosk_db: tuple[peewee.Database, Seeded],
                                                     clock: FixedClock) -> None:
    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        await pilot.press("3")  # a list loading
        # Two reads in one burst, as a terminal delivers them: every key is queued before the
        # first is handled, so the first read's identify screen is pushed and, before it
        # mounts, popped again by the second read's end of session.
        for character in ZHANG_CARD + "\r" + LI_ID + "\r":
            key = "enter" if character == "\r" else character
            app.post_message(events.Key(key, character))
        await _password_for(pilot, seeded.li)


async def test_two_reads_handled_before_any_screen_mounts(kiosk_db: tuple[peewee.Database, Seeded],
                                                          clock: FixedClock) -> None:
    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        app.start_card_read(ZHANG_CARD)  # no await between: the first identify screen never mounts
        app.start_card_read(LI_ID)
        await _password_for(pilot, seeded.li)


async def test_a_read_while_a_screen_is_popped(kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        await pilot.press("2")
        await until(pilot, lambda: not isinstance(app.screen, ResidentHomeScreen))
        app.pop_screen()  # being popped (no await): the read arrives meanwhile
        await pilot.press(*LI_ID, "enter")
        await _password_for(pilot, seeded.li)
