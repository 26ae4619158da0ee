"""信息变更 at the counter (issue 15.2), driven by keys on SQLite and PostgreSQL: resident detail
key 2 → the current values and the history (masked) → a field → the form (new value, document)
→ the confirmation shows old → new and only ``+`` accepts → the application screen drives
审核 (a supervisor for a name) and 办结; the history then shows the old value, masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
from textual.pilot import Pilot
from textual.widgets import Input

from db.models import Application, InfoChangeHistory, Resident, Staff
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, info_change
from kiosk.services import applications as apps
from kiosk.services.registration import register_resident
from screens.counter.application import ApplicationScreen
from screens.counter.info_change import InfoChangeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.resident_detail import ResidentDetailScreen
from screens.counter.steps.info_change import InfoChangeForm
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import id_number, login, make_counter_app, staff, text_of, until


def _as(database: peewee.Database, clock: FixedClock, number: str) -> ServiceContext:
    row = Staff.get(Staff.number == number)
    return ServiceContext(database=database, clock=clock).as_staff(row.id, number)


async def _form(pilot: Pilot[Any], key: str) -> InfoChangeForm:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, InfoChangeForm) and pilot.app.screen.ready)
    form = pilot.app.screen
    assert isinstance(form, InfoChangeForm)
    return form


async def _type(pilot: Pilot[Any], name: str, text: str) -> None:
    """Type ``text`` into the form's field ``name`` once it has the focus (focus moves after a
    refresh), then Enter."""
    await until(pilot, lambda: isinstance(pilot.app.focused, Input) and pilot.app.focused.id == f"field-{name}")
    field = pilot.app.focused
    assert isinstance(field, Input)
    field.insert_text_at_cursor(text)
    await pilot.pause()
    await pilot.press("enter")


async def test_name_change_from_the_resident_detail(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    staff(database, clock, "Z01", "赵主管", "supervisor")
    clerk = _as(database, clock, "S001")
    person = register_resident(clerk, id_number(dt.date(1970, 1, 2)), "张三丰")
    earlier = info_change.request(clerk, person.id, "hukou_region", "360721", "户籍证明 赣户证2026-5")
    info_change.complete(clerk, earlier.number)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await login(pilot)
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InfoChangeScreen) and app.screen.file is not None)
        current, history = text_of(app, "#infochange-current"), text_of(app, "#infochange-history")
        assert "姓名：张*丰" in current and "户籍地：360721" in current and person.id_number not in current
        assert "户籍地：110101 → 360721" in history and earlier.number in history

        # A bad value is refused in the form; Esc leaves it and nothing is written.
        form = await _form(pilot, "4")
        await _type(pilot, "value", "12ab")
        await _type(pilot, "document", "银行卡")
        await until(pilot, lambda: "银行账户" in str(form.query_one("#step-message").render()))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, (InfoChangeScreen, ConfirmActionModal)))
        if isinstance(app.screen, ConfirmActionModal):  # typed text is only dropped after + (step forms)
            await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, InfoChangeScreen))

        form = await _form(pilot, "1")
        assert "张*丰" in str(form.query_one("#step-intro").render())
        await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "field-value")
        form.query_one("#field-value", Input).insert_text_at_cursor("李 四")
        await until(pilot, lambda: "张*丰 → 李*" in str(form.query_one("#step-live").render()))
        await pilot.press("enter")
        await _type(pilot, "document", "公安机关证明 东派字2026-12")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        what = text_of(app, "#confirm-what")
        assert "姓名：张*丰 → 李*" in what and "公安机关证明 东派字2026-12" in what and "主管" in what
        await pilot.press("enter")  # Enter never confirms: it cancels
        await until(pilot, lambda: isinstance(app.screen, InfoChangeScreen))
        assert not Application.select().where(Application.status == "accepted").exists()

        await _form(pilot, "1")
        await _type(pilot, "value", "李四")
        await _type(pilot, "document", "公安机关证明 东派字2026-12")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None)
        screen = app.screen
        assert isinstance(screen, ApplicationScreen) and screen.info is not None
        number = screen.info.number
        assert screen.info.type == "info_change" and screen.info.status == "accepted"
        assert not screen.info.missing_materials  # the ID card and the document were checked in the form

        # 审核 of a name change is a supervisor's: the clerk's key is shown disabled and does nothing.
        await until(pilot, lambda: any(b.choice.endswith("-reviewed") for b in app.screen.query(MenuButton)))
        review = next(b for b in app.screen.query(MenuButton) if b.choice.endswith("-reviewed"))
        assert review.disabled and "主管" in str(review.label)
        await pilot.press(review.key)
        await pilot.pause(0.2)
        assert isinstance(app.screen, ApplicationScreen)
        assert Application.get(Application.number == number).status == "accepted"
        info = apps.advance(_as(database, clock, "Z01"), number, "reviewed")  # at the supervisor's counter
        assert info.status == "reviewed"
        await pilot.press("escape")  # the application opened again shows it reviewed
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        app.push_screen(ApplicationScreen(number))
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None
                    and app.screen.info.status == "reviewed" and bool(app.screen.query("#transitions .menu-button")))
        screen = app.screen

        await pilot.press("1")  # 办结
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: screen.info is not None and screen.info.status == "done")
        assert Resident.get_by_id(person.id).name == "李四"
        assert [(h.old_value, h.new_value) for h in InfoChangeHistory.select().where(InfoChangeHistory.field == "name")] \
            == [("张三丰", "李四")]

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InfoChangeScreen) and app.screen.file is not None
                    and "李*" in text_of(app, "#infochange-current"))
        history = text_of(app, "#infochange-history")
        assert "姓名：张*丰 → 李*" in history and number in history and "张三丰" not in history
