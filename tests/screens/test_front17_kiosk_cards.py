"""A card read during an open session at the self-service kiosk (issue 17): an
18-character ID, a legacy 15-digit ID or a 9-character card number with letters
(full-width too), typed fast and ended by Enter on the home menu, a list, the
apply wizard's confirmation or the password prompt, ends the first resident's
session and opens the second card's password prompt; the digits on the way
write nothing, and nothing of the first resident stays in any widget.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import peewee
import pytest
from rich.console import Console

from db.models import Application, Card, PrintJob, Resident, Ticket
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.rules.identity import legacy_15_form
from screens.resident.account import AccountScreen
from screens.resident.home import ResidentHomeScreen
from screens.resident.password import ServicePasswordScreen
from screens.widgets.card_reader import CardSniffer
from tests.screens.counter.helpers import until
from tests.screens.test_identity import build
from tests.screens.test_resident_flows import screen_text
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_ID, ZHANG_NAME, Seeded, seed_residents
from tests.support import SERVICE_PASSWORD, give_passwords, settle, sign_in

SIZE = (80, 24)
LI_CARD = "B2K4M6P8Q"  # a social security card number with letters (kiosk.rules.codes.CARD_NUMBER)
ZHANG_TRACES = (ZHANG_NAME, "张*国", ZHANG_ID, "1101**********4515", ZHANG_CARD, "11,520.00")
NUMBERS = {"id18": LI_ID, "legacy15": legacy_15_form(LI_ID) or "", "card": LI_CARD}
#: Where the first resident is when the second card is read, and how he got there from home.
STARTS: dict[str, tuple[str, ...]] = {
    "home": (),
    "ledger": ("3",),  # 个人账户, a list
    "apply_confirmation": ("8", "6", "1", "1"),  # 社保卡挂失 → both reviews → the + confirmation
    "password": (),  # his own password prompt, before his session opened
}


def _seed(database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    seeded = seed_residents(database)
    give_passwords(database, ZHANG_ID, LI_ID)
    Card.create(resident=seeded.li, card_number=LI_CARD, issued_on=dt.date(2020, 1, 1),
                status_changed_at=dt.datetime(2020, 1, 1))
    return database, seeded


@pytest.fixture
def kiosk_db(database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """The test residents with service passwords; 李秀英 also has a card number with letters."""
    return _seed(database)


@pytest.fixture
def kiosk_sqlite(sqlite_database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """The same on SQLite only: the 12-case key matrix does not depend on the backend (the
    full-width read below, and the card lookups in test_identity, run on both)."""
    return _seed(sqlite_database)


def visible_text(app: KioskApp) -> str:
    """What the terminal shows now, as text (the compositor's full frame)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, force_terminal=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def writes() -> tuple[int, ...]:
    """What a key could have written: applications, print jobs, tickets, frozen cards."""
    return (Application.select().count(), PrintJob.select().count(), Ticket.select().count(),
            Card.select().where(Card.status != "active").count())


def test_numbers_are_what_a_reader_types() -> None:
    assert len(NUMBERS["legacy15"]) == 15 and NUMBERS["legacy15"].isdigit()


def test_sniffer_finds_every_kind_of_number() -> None:
    sniffer = CardSniffer()
    full_width = unicodedata.normalize("NFKC", LI_CARD).translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    for typed, expected in ((LI_CARD, LI_CARD), (LI_CARD.lower(), LI_CARD), (full_width, LI_CARD),
                            ("3" + NUMBERS["legacy15"], NUMBERS["legacy15"]), ("12" + LI_ID, LI_ID)):
        for char in typed:
            assert sniffer.feed(char, char) is None
        assert sniffer.feed("enter", "\r") == expected, typed
        assert not sniffer.misread
    for char in LI_ID[:-1] + "7":  # 18 characters, wrong check digit, and no card number at its end
        sniffer.feed(char, char)
    number = sniffer.feed("enter", "\r")
    assert number == (LI_ID[:-1] + "7")[-9:] or sniffer.misread
    for char in "B2K4":  # too short for any number: a menu key and Enter, not a read
        sniffer.feed(char, char)
    assert sniffer.feed("enter", "\r") is None and not sniffer.misread


@pytest.mark.parametrize("start", list(STARTS))
@pytest.mark.parametrize("kind", list(NUMBERS))
async def test_a_card_read_mid_session_opens_the_new_cards_password(
        kiosk_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock, kind: str, start: str) -> None:
    database, seeded = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        if start == "password":
            await pilot.press(*ZHANG_CARD, "enter")
            await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        else:
            await sign_in(pilot, ZHANG_CARD, home=True)
            for key in STARTS[start]:
                await pilot.press(key)
                await settle(pilot)
            if start == "ledger":
                await until(pilot, lambda: isinstance(app.screen, AccountScreen) and app.screen.data is not None)
                assert "11,520.00" in screen_text(app)
            if start == "apply_confirmation":
                assert type(app.screen).__name__ == "ConfirmActionModal"
        before = writes()
        await pilot.press(*NUMBERS[kind], "enter")  # the reader: fast, then Enter
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen) and app.screen.claim is not None
                    and app.screen.claim.resident_id == seeded.li)
        await settle(pilot)
        assert app.session is None
        assert [type(s).__name__ for s in app.screen_stack[1:]] == [
            "AttractScreen", "IdentifyScreen", "ServicePasswordScreen"]
        text = screen_text(app) + visible_text(app)
        for trace in ZHANG_TRACES:
            assert trace not in text, trace
        assert writes() == before  # the digits on the way wrote nothing
        await pilot.press(*SERVICE_PASSWORD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        assert app.session.id == seeded.li
        # The home screen is pushed before its first frame is composed: wait for the frame.
        await until(pilot, lambda: "李*英" in visible_text(app))


async def test_a_full_width_card_number_over_the_ledger(kiosk_db: tuple[peewee.Database, Seeded],
                                                        clock: FixedClock) -> None:
    database, seeded = kiosk_db
    app = build(database, clock)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in LI_CARD)  # Ｂ２Ｋ４…
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, AccountScreen) and app.screen.data is not None)
        await pilot.press(*full_width, "enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen) and app.screen.claim is not None
                    and app.screen.claim.resident_id == seeded.li)
        assert app.session is None
        assert Resident.get_by_id(seeded.li).id_number == LI_ID
