"""A name made of markup (attack D5): registration (service and counter form) and the roster
import apply the name rule of 信息变更 (kiosk.rules.text.check_name): letters, the middle dot and
spaces of foreign names; no digits, brackets, @, = or other symbols. The refusal says which
character, in the reader's language; nothing is stored. SQLite and PostgreSQL (the service and
the import); the counter form on SQLite (Pilot)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import peewee
import pytest
from textual.widgets import Input

from db.models import Resident
from db.roster import import_residents
from kiosk.clock import FixedClock
from kiosk.i18n import Translator, translate_message
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.registration import register_resident
from screens.counter.register import RegisterResidentScreen
from screens.counter.resident_detail import ResidentDetailScreen
from tests.screens.counter.helpers import id_number, login, make_counter_app, message, staff, type_text, until

MARKUP = "[@click=app.quit]张[/]"


@pytest.mark.parametrize("name", [MARKUP, "张三1", "张=三", "王@芳", "李<b>四"])
def test_registration_refuses_a_name_no_person_has(database: peewee.Database, clock: FixedClock, name: str) -> None:
    ctx = ServiceContext(database=database, clock=clock)
    with pytest.raises(ServiceError) as refused:
        register_resident(ctx, id_number(dt.date(1990, 1, 1)), name)
    error = refused.value
    assert error.code == "name_symbol"
    assert "姓名" in error.message and "不是姓名用字" in error.message, error.message
    english = translate_message(Translator("en"), error.key, error.params)
    assert "not part of a name" in english, english
    with database.connection_context():
        assert not Resident.select().exists()


@pytest.mark.parametrize("name", ["张三", "阿卜杜·热合曼", "Mary-Jane O'Neil", "欧阳 凤红"])
def test_registration_keeps_real_names(database: peewee.Database, clock: FixedClock, name: str) -> None:
    ctx = ServiceContext(database=database, clock=clock)
    info = register_resident(ctx, id_number(dt.date(1990, 1, 1)), name)
    assert info.name.replace(" ", "") == name.replace(" ", "") or info.name == name


def test_roster_import_refuses_a_markup_name(database: peewee.Database, clock: FixedClock,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    good, bad = id_number(dt.date(1980, 2, 2)), id_number(dt.date(1981, 3, 3))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)"])
        writer.writerow(["张三", good, "13800001234", "东村1组", "东村"])
        writer.writerow([MARKUP, bad, "13800001234", "东村2组", "东村"])
    report = import_residents(database, path, today=clock.today(), now=clock.now_utc())
    with database.connection_context():
        assert Resident.select().where(Resident.id_number == bad).count() == 0
        stored = [row.name for row in Resident.select()]
    assert MARKUP not in stored
    assert report.invalid == 1
    problems = "\n".join(str(problem) for problem in report.errors)
    assert "不是姓名用字" in problems and "“[”" in problems, problems


async def test_counter_registration_form_refuses_a_markup_name_and_keeps_the_form(database: peewee.Database,
                                                                                   clock: FixedClock) -> None:
    staff(database, clock)
    number = id_number(dt.date(1990, 1, 1))
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        screen = app.screen
        await type_text(pilot, number)
        await until(pilot, lambda: screen.query_one("#hukou-region", Input).value == "110101")
        name = screen.query_one("#name", Input)
        name.value = MARKUP
        await pilot.click("#register-submit")
        await until(pilot, lambda: "not part of a name" in message(app))
        assert "“[”" in message(app) and name.value == MARKUP and app.focused is name
        with database.connection_context():
            assert not Resident.select().exists()
        name.value = "张三"
        submit = screen.query_one("#register-submit")
        await until(pilot, lambda: not submit.has_class("-active"))
        await pilot.click("#register-submit")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
