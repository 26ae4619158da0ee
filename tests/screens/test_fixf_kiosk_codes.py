"""Attack E5: a code the kiosk printed (a ticket, an application receipt, a receipt's check
code), scanned during a session, is no card: it is never looked up as one. Its last nine
characters used to be taken for a card number, which ended the session and said the card was
unknown. (Its digits still reach the menus on the way, as a resident's keys do: a 0 there is
退出.) On the attract screen the same scan still opens what it names (test_identity)."""

from __future__ import annotations

import peewee
import pytest
from textual.widgets import Input

from kiosk.clock import FixedClock
from screens.resident.identify import IdentifyScreen
from screens.widgets.card_reader import CardSniffer
from tests.screens.test_front17_kiosk_cards import kiosk_sqlite  # noqa: F401  (fixture)
from tests.screens.test_identity import build
from tests.services.resident_factory import ZHANG_CARD, Seeded
from tests.support import settle, sign_in

CODES = {"ticket": "T20261129A003", "application": "SQ20261129000001", "receipt": "RCJFDZVTN8S6"}


@pytest.mark.parametrize("code", CODES.values(), ids=CODES.keys())
def test_a_printed_code_is_no_card_number(code: str) -> None:
    sniffer = CardSniffer()
    for char in code:
        sniffer.feed(char, char)
    assert sniffer.feed("enter", "\r") is None and sniffer.misread


@pytest.mark.parametrize("code", CODES.values(), ids=CODES.keys())
async def test_a_printed_code_scanned_during_a_session_keeps_it(
        kiosk_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock, code: str) -> None:  # noqa: F811
    database, seeded = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        await pilot.press(*code, "enter")  # the scanner: fast, then Enter
        await settle(pilot, 0.2)
        # Never identified by its last nine characters (E5: "61201A003" in the identify field).
        looked_up = [screen for screen in app.screen_stack if isinstance(screen, IdentifyScreen)
                     and screen.query_one("#card-input", Input).value == code[-9:]]
        assert not looked_up
        assert app.session is None or app.session.id == seeded.zhang


@pytest.mark.parametrize("pace", ["reader", "person"])
async def test_a_key_left_on_the_attract_screen_does_not_spoil_the_next_read(
        kiosk_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock, pace: str) -> None:  # noqa: F811
    """Attack E8: a 7 left in the attract field, then a reader's card number: the read replaces
    the 7 (the card's password prompt opens). Typed by hand, the field keeps what was typed."""
    from screens.resident.password import ServicePasswordScreen
    from tests.screens.counter.helpers import PERSON_GAP, keys_at, until

    database, seeded = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.screen.query("#card-input")))
        await keys_at(pilot, ["7"], PERSON_GAP)  # someone's key, left there
        await pilot.pause(0.5)  # a while later, the next resident
        await keys_at(pilot, [*ZHANG_CARD, "enter"], 0.005 if pace == "reader" else PERSON_GAP)
        if pace == "reader":
            await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen)
                        and app.screen.claim is not None and app.screen.claim.resident_id == seeded.zhang)
        else:
            await until(pilot, lambda: isinstance(app.screen, IdentifyScreen))
            await settle(pilot, 0.2)
            assert app.screen.query_one("#card-input", Input).value == "7" + ZHANG_CARD
            assert not any(isinstance(screen, ServicePasswordScreen) for screen in app.screen_stack)
