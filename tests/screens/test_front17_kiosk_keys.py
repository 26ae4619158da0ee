"""The self-service kiosk's keys after identification (issue 17): every resident
screen reachable from the home menu is walked by its digit keys; no single
digit anywhere writes (no application, print job, ticket or card change), and
0 goes back one step on every one of them (logs out on the home menu).
"""

from __future__ import annotations

from typing import Any

import peewee
import pytest
from textual.screen import Screen
from textual.widgets import Input

from db.models import Application, Card, PrintJob, Ticket
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from screens.resident.attract import AttractScreen
from tests.screens.counter.helpers import until
from tests.screens.test_identity import build
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_ID, Seeded, seed_residents
from tests.support import give_passwords, settle, sign_in

DIGITS = "123456789"


@pytest.fixture
def kiosk_db(sqlite_database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """SQLite only: key bindings do not depend on the backend, and the walk presses a few
    hundred keys (the screens' data on PostgreSQL is covered by the other front17 tests)."""
    seeded = seed_residents(sqlite_database)
    give_passwords(sqlite_database, ZHANG_ID, LI_ID)
    return sqlite_database, seeded


def writes() -> tuple[int, ...]:
    return (Application.select().count(), PrintJob.select().count(), Ticket.select().count(),
            Card.select().where(Card.status != "active").count())


class Walk:
    """Depth-first over digit keys; each screen class is explored once."""

    def __init__(self, app: KioskApp, pilot: Any, before: tuple[int, ...]) -> None:
        self.app, self.pilot, self.before = app, pilot, before
        self.explored: set[str] = set()
        self.went_back: set[str] = set()

    async def explore(self, path: str) -> None:
        app, pilot = self.app, self.pilot
        screen = app.screen
        name = type(screen).__name__
        if name in self.explored or len(path) > 6:
            return
        self.explored.add(name)
        for digit in DIGITS:
            if app.screen is not screen:
                return  # a key took this screen away (never expected: 0 is not pressed here)
            depth = len(app.screen_stack)
            await pilot.press(digit)
            await settle(pilot)
            assert writes() == self.before, f"{path + digit}: a single digit wrote"
            if len(app.screen_stack) > depth and app.screen_stack[depth - 1] is screen:
                await self.explore(path + digit)
                await self.back_to(screen, path + digit)

    async def back_to(self, screen: Screen[Any], path: str) -> None:
        """0 on the screen above ``screen`` goes back to it (Escape where digits type into a field)."""
        app, pilot = self.app, self.pilot
        while app.screen is not screen and screen in app.screen_stack:
            top = app.screen
            name = type(top).__name__
            key = "escape" if isinstance(app.focused, Input) or getattr(top, "NUMBER_KEYS_TYPE", False) else "0"
            await pilot.press(key)
            await settle(pilot)
            assert top not in app.screen_stack, f"{path}: {key} on {name} did not go back"
            if key == "0":
                self.went_back.add(name)
        assert app.screen is screen, path


async def test_no_digit_writes_and_zero_goes_back_on_every_resident_screen(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, _ = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        await sign_in(pilot, ZHANG_CARD, home=True)
        await settle(pilot)
        home = app.screen
        walk = Walk(app, pilot, writes())
        await walk.explore("")
        expected = {"EnrolmentsScreen", "YearsScreen", "YearDetailScreen", "AccountScreen", "BenefitsScreen",
                    "ProgressScreen", "EstimateScreen", "StatementScreen", "ApplyMenuScreen", "TicketScreen",
                    "ApplyConfirmScreen", "ConfirmActionModal"}
        assert expected <= walk.explored, sorted(expected - walk.explored)
        # 0 went back on every screen walked (the + confirmation is a modal: 0 cancels it).
        assert walk.explored - {"ResidentHomeScreen"} <= walk.went_back, sorted(
            walk.explored - {"ResidentHomeScreen"} - walk.went_back)
        assert app.screen is home and app.session is not None
        await pilot.press("0")  # on the home menu: 退出
        await until(pilot, lambda: isinstance(app.screen, AttractScreen) and app.session is None)
        assert writes() == walk.before
