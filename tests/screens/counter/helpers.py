"""Builders for the counter screen tests: the real app in counter mode on a
test database, staff accounts, valid ID numbers and a polling wait."""

from __future__ import annotations

import asyncio
import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import peewee
from textual import _time, events
from textual._wait import wait_for_idle
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.widgets import Static

from kiosk.app import KioskApp, make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.rules.identity import check_digit
from kiosk.services import ServiceContext
from kiosk.services.registration import ResidentInfo, register_resident
from kiosk.services.staff import add_staff
from screens.counter.application import ApplicationScreen
from screens.counter.payment import PaymentConfirmScreen, PaymentDraft
from tests.support import RecordingPrinter

PIN = "482916"


def id_number(birth: dt.date, serial: str = "123") -> str:
    """A valid 18-character ID number for a Beijing Dongcheng resident born on ``birth``."""
    first17 = f"110101{birth:%Y%m%d}{serial}"
    return first17 + check_digit(first17)


def make_counter_app(database: peewee.Database, clock: FixedClock, printer: RecordingPrinter | None = None, *,
                     training: bool = False, counter: int = 3, language: str = "zh_CN") -> KioskApp:
    """The real app in counter mode (window ``counter``, ``language``) on this database and clock."""
    settings = Settings()
    settings.terminal.mode = "counter"
    settings.terminal.counter = counter
    settings.terminal.training = training
    settings.terminal.language = language
    return make_app(settings, database, printer or RecordingPrinter(), clock, mode="counter")


def staff(database: peewee.Database, clock: FixedClock, number: str = "S001", name: str = "王芳",
          role: str = "clerk") -> None:
    add_staff(ServiceContext(database=database, clock=clock), number, name, role, PIN)


def clerk_and_resident(database: peewee.Database, clock: FixedClock, birth: dt.date = dt.date(1975, 6, 1),
                       name: str = "赵春梅") -> ResidentInfo:
    """Clerk S001 (:func:`staff`) and a registered resident born on ``birth`` (with a card)."""
    staff(database, clock)
    return register_resident(ServiceContext(database=database, clock=clock), id_number(birth), name)


def clerk_ctx(database: peewee.Database, clock: FixedClock, number: str = "S001") -> ServiceContext:
    """A service context acting as staff member ``number`` (added before, e.g. by :func:`staff`)."""
    from db.models import Staff

    row = Staff.get(Staff.number == number)
    return ServiceContext(database=database, clock=clock).as_staff(int(row.id), number)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds (service calls run in threads).

    The timeout only bounds a failing test: it is long because CI runs four workers on two
    cores, where a screen's first frame can wait seconds behind the other workers.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out; screen is {pilot.app.screen!r}, message: {message(pilot.app)!r}")
        await pilot.pause(0.02)


def message(app: Any) -> str:
    """The counter message line of the current screen ("" when it has none)."""
    found = app.screen.query("#counter-message")
    return str(found.first(Static).render()) if found else ""


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


#: Seconds between a card reader's keystrokes (HID readers type 1-10 ms apart).
READER_GAP = 0.005
#: Seconds between a person's keystrokes at the counter (the tester of attack E16 typed 0.5 s apart).
PERSON_GAP = 0.4


async def keys_at(pilot: Pilot[Any], keys: Iterable[str], gap: float, *, one_by_one: bool = True) -> None:
    """Send ``keys`` (key names or characters, as pilot.press takes them) through the app's driver
    exactly as textual.app.App._press_keys does, each Key event's ``time`` set ``gap`` seconds after
    the one before: the app sees the pace they were typed at (the driver stamps events as the
    bytes arrive), whatever this machine's speed. ``one_by_one``: wait for the app to be idle after
    each key (it keeps up); else every key is queued before the first is handled (it lags behind).
    Returns when the app is idle."""
    app = pilot.app
    driver = app._driver
    assert driver is not None
    start = _time.get_time()
    for index, key in enumerate(keys):
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        char: str | None
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        event.time = start + index * gap  # when the driver would have made it
        driver.send_message(event)
        if one_by_one:
            await wait_for_idle(0)
    await pilot.pause()


async def reader_types(pilot: Pilot[Any], number: str, gap: float = READER_GAP, *, one_by_one: bool = True) -> None:
    """A card reader: ``number`` then Enter, ``gap`` seconds apart (:func:`keys_at`)."""
    await keys_at(pilot, (*number, "enter"), gap, one_by_one=one_by_one)


async def person_types(pilot: Pilot[Any], keys: Iterable[str], gap: float = PERSON_GAP) -> None:
    """A clerk pressing ``keys`` one after the other, ``gap`` seconds apart (:func:`keys_at`)."""
    await keys_at(pilot, keys, gap)


async def login(pilot: Pilot[Any], number: str = "S001", pin: str = PIN) -> None:
    from screens.counter.home import CounterHomeScreen

    await until(pilot, lambda: pilot.app.screen.query("#staff-number"))
    await pilot.click("#staff-number")
    await type_text(pilot, number)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, CounterHomeScreen))


async def open_application(pilot: Pilot[Any], number: str) -> ApplicationScreen:
    """Open application ``number`` on the counter and wait until it shows its step buttons
    (none once it is finished)."""
    app = pilot.app
    app.push_screen(ApplicationScreen(number))

    def shown() -> bool:
        screen = app.screen
        return (isinstance(screen, ApplicationScreen) and screen.number == number and screen.info is not None
                and (screen.info.finished or bool(screen.query("#transitions .menu-button"))))

    await until(pilot, shown)
    assert isinstance(app.screen, ApplicationScreen)
    return app.screen


async def open_payment(pilot: Pilot[Any], person: Any, due_fen: int) -> PaymentConfirmScreen:
    """Open the cash confirmation of ``person``'s resident medical contribution of ``due_fen`` and
    wait until its 实收 (tendered) field has the focus."""
    app = pilot.app
    app.push_screen(PaymentConfirmScreen(PaymentDraft(person, "resident_medical", None, due_fen, lines=["医保"])))
    await until(pilot, lambda: isinstance(app.screen, PaymentConfirmScreen) and bool(app.screen.query("#tendered"))
                and app.focused is app.screen.query_one("#tendered"))
    assert isinstance(app.screen, PaymentConfirmScreen)
    return app.screen
