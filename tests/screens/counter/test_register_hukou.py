"""新参保登记 asks 户籍地 (filled from the ID's region code, confirmed or changed) and, for a
woman, the retirement category (女干部/女工人); 户口性质 is no longer asked. Both backends."""

from __future__ import annotations

import datetime as dt

import peewee
from textual.widgets import Input, Select

from db.models import Resident
from kiosk.clock import FixedClock
from screens.counter.register import RegisterResidentScreen
from screens.counter.resident_detail import ResidentDetailScreen
from tests.screens.counter.helpers import id_number, login, make_counter_app, message, staff, type_text, until


async def test_woman_needs_a_category_and_keeps_a_changed_region(database: peewee.Database,
                                                                 clock: FixedClock) -> None:
    staff(database, clock)
    number = id_number(dt.date(1978, 4, 9), "124")  # 110101…, even sequence: a woman
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        screen = app.screen
        assert not screen.query("#hukou")  # 户口性质 is gone
        category = screen.query_one("#retirement-category", Select)
        assert not category.display  # asked of women only, once the ID says so
        await type_text(pilot, number)
        region = screen.query_one("#hukou-region", Input)
        await until(pilot, lambda: region.value == "110101" and category.display)
        await pilot.press("enter")
        await type_text(pilot, "王秀兰")
        await pilot.press("enter", "enter", "enter", "enter")  # phone, address, village left empty
        assert app.focused is region
        region.value = ""
        await type_text(pilot, "360726")  # she moved her 户口 to this township
        await pilot.press("enter")
        await until(pilot, lambda: app.focused is category)
        await pilot.click("#register-submit")
        await until(pilot, lambda: "退休类别" in message(app))
        assert not Resident.select().exists()
        category.value = "female_cadre"
        # Choosing a category moves the focus to 登记 (and scrolls it into view at 80x24): wait for
        # that, then register by keyboard, so the press never races the scroll.
        submit = screen.query_one("#register-submit")
        # Textual's Button ignores a press while its press effect from the refused first try
        # still shows ("-active", 0.2 s), as a double tap would be.
        await until(pilot, lambda: app.focused is submit and not submit.has_class("-active"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
    row = Resident.get(Resident.id_number == number)
    assert (row.hukou_region, row.retirement_category, row.hukou) == ("360726", "female_cadre", "")


async def test_man_gets_the_id_region_without_a_category(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    number = id_number(dt.date(1978, 4, 9), "123")
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        await type_text(pilot, number)
        await until(pilot, lambda: app.screen.query_one("#hukou-region", Input).value == "110101")
        await pilot.press("enter")
        await type_text(pilot, "王大山")
        await pilot.click("#register-submit")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
    row = Resident.get(Resident.id_number == number)
    assert (row.hukou_region, row.retirement_category) == ("110101", "male")
