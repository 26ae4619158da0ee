"""Kiosk and counter fields accept what the one normaliser accepts (issue 19.5):
full-width digits from an input method left in full-width mode, ID numbers
typed in groups, padded names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import peewee
import pytest

from db.models import Resident
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.services import residents
from screens.counter.home import CounterHomeScreen
from screens.counter.register import RegisterResidentScreen
from screens.counter.resident_detail import ResidentDetailScreen
from screens.resident.identify import IdentifyScreen
from tests.screens.counter.helpers import id_number, login, make_counter_app, message, staff, text_of, until
from tests.services.resident_factory import ZHANG_ID

SIZE = (80, 24)


def full_width(text: str) -> str:
    """ASCII digits and letters as their full-width forms (what a Chinese IME types)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def moved_on(app: KioskApp, identified: list[Any], count: int) -> Callable[[], bool]:
    """The identify screen found one more resident and gave way (home, or a password step)."""
    return lambda: len(identified) > count and not isinstance(app.screen, IdentifyScreen)


@pytest.fixture
def identified(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every resident the identify service found, in order (the screens call it through the module)."""
    found: list[Any] = []
    real = residents.identify

    def spy(ctx: Any, text: str) -> Any:
        result = real(ctx, text)
        found.append(result)
        return result

    monkeypatch.setattr(residents, "identify", spy)
    return found


async def test_full_width_or_grouped_id_identifies_the_same_resident(
        make_kiosk: Callable[..., KioskApp], identified: list[Any]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        for typed in (ZHANG_ID, full_width(ZHANG_ID), f"{ZHANG_ID[:6]} {ZHANG_ID[6:14]} {ZHANG_ID[14:]}",
                      full_width(f"{ZHANG_ID[:6]} {ZHANG_ID[6:14]} {ZHANG_ID[14:]}")):
            app.push_screen(IdentifyScreen(purpose="query"))
            await until(pilot, lambda: getattr(app.focused, "id", None) == "card-input")
            count = len(identified)
            await pilot.press(*typed, "enter")
            await until(pilot, moved_on(app, identified, count))
            while len(app.screen_stack) > 2:
                app.pop_screen()
                await pilot.pause()
        assert len(identified) == 4
        assert {r.id_number for r in identified} == {ZHANG_ID}
        assert len({r.id for r in identified}) == 1


async def test_full_width_card_typed_at_the_attract_screen(make_kiosk: Callable[..., KioskApp],
                                                          identified: list[Any]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*full_width(ZHANG_ID), "enter")
        await until(pilot, lambda: bool(identified))
        assert identified[0].id_number == ZHANG_ID


async def test_counter_registers_and_finds_with_full_width_and_grouped_input(
        database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    app = make_counter_app(database, clock)
    number = id_number(dt.date(1980, 5, 17))
    grouped = f"{number[:6]} {number[6:14]} {number[14:]}"
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        await pilot.press(*full_width(grouped))
        await until(pilot, lambda: "1980-05-17" in text_of(app, "#id-check"))
        await pilot.press("enter", *" 张\u3000三 ", "enter", *full_width("138 0013 8000"), "enter")
        await pilot.press(*"欣山镇", "enter", *"龙岗村", "enter")
        await pilot.click("#register-submit")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        resident = Resident.get(Resident.id_number == number)
        assert (resident.name, resident.phone) == ("张三", "13800138000")

        # Back home, 2 finds the resident by the full-width number.
        while not isinstance(app.screen, CounterHomeScreen):
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("2")
        await until(pilot, lambda: bool(app.screen.query("#find-input")))
        await pilot.press(*full_width(number), "enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen), timeout=10)
        assert "张*" in text_of(app, "#detail-identity"), message(app)


async def test_counter_registration_refuses_an_invisible_character_in_the_name(
        database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        await pilot.press(*id_number(dt.date(1981, 2, 3)), "enter")
        app.screen.query_one("#name").value = "王五\u200b"  # type: ignore[attr-defined]
        await pilot.click("#register-submit")
        await until(pilot, lambda: "U+200B" in message(app))
        assert "第3个字符" in message(app) and "姓名" in message(app)
        assert Resident.select().count() == 0
