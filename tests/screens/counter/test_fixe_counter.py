"""Attack E3 and E6 at the English counter: a control character already in a staff name never
reaches the terminal (the header shows �); Enter on the register form's last field says at
once what is wrong; 信息变更's name refusal is in the form's language."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import peewee
import pytest
from textual.widgets import Input

from db.models import Staff
from kiosk.clock import FixedClock
from kiosk.i18n import Translator
from screens.counter.register import RegisterResidentScreen
from screens.counter.steps.base import FormError
from screens.counter.steps.info_change import InfoChangeForm
from tests.screens.counter.helpers import (
    id_number,
    login,
    make_counter_app,
    message,
    staff,
    text_of,
    type_text,
    until,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_info_change_name_refusal_is_in_the_forms_language(clock: FixedClock) -> None:
    class EnglishForm(InfoChangeForm):
        host: Any = SimpleNamespace(t=Translator("en"), ctx=SimpleNamespace(today=clock.today))

    form = EnglishForm(field="name", old="朱明")
    with pytest.raises(FormError) as caught:
        form.build({"value": "07199489", "document": "6"})
    assert "Character 1 of the name" in caught.value.message and not CJK.search(caught.value.message)


async def test_a_control_character_in_a_staff_name_and_enter_on_the_last_field(database: peewee.Database,
                                                                              clock: FixedClock) -> None:
    staff(database, clock)
    # A row stored before names passed the name rule (attack E6): ESC [31m would colour the terminal red.
    Staff.update(name="王\x1b[31m五").where(Staff.number == "S001").execute()
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        header = text_of(app, "#counter-header")
        assert "\x1b" not in header and "王\ufffd[31m五" in header
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        await type_text(pilot, id_number(dt.date(1978, 4, 9), "123"))  # a man: no category to choose
        await until(pilot, lambda: app.screen.query_one("#hukou-region", Input).value == "110101")
        await pilot.press("enter")
        await type_text(pilot, "王五2")
        await pilot.press("enter", "enter", "enter", "enter")  # phone, address, village: 户籍地 has the focus
        await pilot.press("enter")  # the first Enter on the last field says what is wrong
        await until(pilot, lambda: "Character 3 of the name" in message(app))
        assert app.focused is app.screen.query_one("#name", Input)
