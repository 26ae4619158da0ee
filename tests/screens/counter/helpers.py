"""Builders for the counter screen tests: the real app in counter mode on a
test database, staff accounts, valid ID numbers and a polling wait."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import peewee
from textual.pilot import Pilot
from textual.widgets import Static

from kiosk.app import KioskApp, make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.rules.identity import check_digit
from kiosk.services import ServiceContext
from kiosk.services.staff import add_staff
from tests.support import RecordingPrinter

PIN = "482916"


def id_number(birth: dt.date, serial: str = "123") -> str:
    """A valid 18-character ID number for a Beijing Dongcheng resident born on ``birth``."""
    first17 = f"110101{birth:%Y%m%d}{serial}"
    return first17 + check_digit(first17)


def make_counter_app(database: peewee.Database, clock: FixedClock, printer: RecordingPrinter | None = None, *,
                     training: bool = False, counter: int = 3) -> KioskApp:
    settings = Settings()
    settings.terminal.mode = "counter"
    settings.terminal.counter = counter
    settings.terminal.training = training
    return make_app(settings, database, printer or RecordingPrinter(), clock, mode="counter")


def staff(database: peewee.Database, clock: FixedClock, number: str = "S001", name: str = "王芳",
          role: str = "clerk") -> None:
    add_staff(ServiceContext(database=database, clock=clock), number, name, role, PIN)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (service calls run in threads)."""
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


async def login(pilot: Pilot[Any], number: str = "S001", pin: str = PIN) -> None:
    from screens.counter.home import CounterHomeScreen

    await until(pilot, lambda: pilot.app.screen.query("#staff-number"))
    await pilot.click("#staff-number")
    await type_text(pilot, number)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, CounterHomeScreen))
