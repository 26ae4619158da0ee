"""Issue 17: reasons the system writes are stored as a catalog code with params and shown in
the reader's language; the Chinese note stays in the event; old rows show what they stored."""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import Application, Staff
from kiosk.clock import FixedClock
from kiosk.i18n import Translator
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext, reasons, residents
from kiosk.services import applications as apps
from kiosk.services.registration import register_resident
from tests.screens.counter.helpers import id_number, staff

TYPE = "enrol_resident_pension"


def _returned(database: peewee.Database, clock: FixedClock) -> tuple[ServiceContext, int, str]:
    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    person = register_resident(ctx, id_number(dt.date(1975, 6, 1)), "赵春梅")
    number = apps.submit(ctx, person.id, TYPE).number
    clerk = ctx.as_staff(int(Staff.get(Staff.number == "S001").id), "S001")
    apps.return_for_correction(clerk, number, note="请带原件")
    return ctx, person.id, number


def test_correction_reason_in_english_names_materials_in_english(database: peewee.Database,
                                                                  clock: FixedClock) -> None:
    ctx, person, number = _returned(database, clock)
    view = next(v for v in residents.applications(ctx, person) if v.number == number)
    info = apps.get_application(ctx, number)
    missing = [m for m in WORKFLOWS[TYPE].materials if m.code in {x.code for x in info.missing_materials}]
    assert missing and view.reason.startswith("请补齐材料：")  # the event keeps the Chinese note
    english = reasons.render(view.reason_code, view.reason, Translator("en"))
    assert english.startswith("Please bring the missing materials: ") and english.endswith(". 请带原件")
    assert all(m.name_en in english for m in missing)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english.replace("请带原件", ""))
    assert reasons.render(view.reason_code, view.reason, Translator("zh_CN")) == view.reason
    assert reasons.render(info.reason_code, info.reason, Translator("en")) == english


def test_old_rows_and_typed_reasons_show_as_stored(database: peewee.Database, clock: FixedClock) -> None:
    ctx, person, number = _returned(database, clock)
    row = Application.get(Application.number == number)
    data = dict(row.data)
    data.pop(reasons.REASON_KEY)
    Application.update(data=data).where(Application.id == row.id).execute()
    view = next(v for v in residents.applications(ctx, person) if v.number == number)
    assert view.reason_code == {}
    assert reasons.render(view.reason_code, view.reason, Translator("en")) == view.reason
    # A code that no longer matches the current reason (a clerk's later words) is not used.
    stale = reasons.fixed_code("fix17text.reason.not_eligible", "不符合申领条件")
    assert reasons.render(stale, "年龄不符", Translator("en")) == "年龄不符"
    assert reasons.render(stale, "不符合申领条件", Translator("en")) == "The conditions for this benefit are not met"
