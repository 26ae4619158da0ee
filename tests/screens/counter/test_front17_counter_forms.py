"""Issue 17 (counter forms and flows, Deliver 3 and 4), Pilot tests by keyboard.

- 收费: after a cancelled payment confirmation 实收 has the focus with its
  value intact, and typing edits it as a normal input (the whole amount is
  selected, so typing replaces it; ← → and Backspace edit it); "500" typed as
  the screen opens is 500 in 实收;
- the reason modal (退回/不予受理/撤回): "0" is text, not back; empty,
  digits-only, punctuation-only and one-character reasons are refused with a
  message; Esc cancels;
"""

from __future__ import annotations

import datetime as dt

import peewee
from textual.widgets import Input

from db.models import Application, Payment
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services.registration import register_resident
from screens.counter.keys import ConfirmActionModal
from screens.counter.payment import PaymentConfirmScreen, PaymentDraft
from screens.counter.reason import ReasonModal
from tests.screens.counter.helpers import id_number, login, make_counter_app, staff, text_of, type_text, until

BIRTH = dt.date(1975, 6, 1)


def _ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database=database, clock=clock)


async def test_cancelled_payment_keeps_tendered_focused_and_editable(database: peewee.Database,
                                                                     clock: FixedClock) -> None:
    staff(database, clock)
    person = register_resident(_ctx(database, clock), id_number(BIRTH), "赵春梅")
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(PaymentConfirmScreen(PaymentDraft(person, "resident_medical", None, 400_00, lines=["医保"])))
        await until(pilot, lambda: isinstance(app.screen, PaymentConfirmScreen) and bool(app.screen.query("#tendered"))
                    and app.focused is app.screen.query_one("#tendered"))
        screen = app.screen
        tendered = screen.query_one("#tendered", Input)
        await type_text(pilot, "500")  # typed as the screen opens: money, never menu keys
        assert tendered.value == "500"
        for cancel in ("0", "escape", "enter"):  # 0, Esc, Enter on 取消: each cancels
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            await pilot.press(cancel)
            await until(pilot, lambda: app.screen is screen)
            await pilot.pause()
            assert app.focused is tendered and tendered.value == "500", cancel
        await type_text(pilot, "450")  # the amount was selected again: typing replaces it
        assert tendered.value == "450"
        await pilot.press("backspace", "5")  # and edits as a normal input
        assert tendered.value == "455"
        assert not Payment.select().exists()


def _staff_ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    from db.models import Staff

    return _ctx(database, clock).as_staff(int(Staff.get(Staff.number == "S001").id), "S001")


async def test_reason_must_say_something_and_0_is_text(database: peewee.Database, clock: FixedClock) -> None:
    from kiosk.services import applications as apps
    from screens.counter.application import ApplicationScreen

    staff(database, clock)
    person = register_resident(_ctx(database, clock), id_number(BIRTH), "赵春梅")
    applied = apps.submit(_staff_ctx(database, clock), person.id, "enrol_resident_pension", {},
                          ["id_card", "hukou", "bank"])
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(ApplicationScreen(applied.number))
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen)
                    and bool(app.screen.query("#transitions .menu-button")))
        await pilot.press("8")  # 不予受理 asks for the reason first
        await until(pilot, lambda: isinstance(app.screen, ReasonModal))
        modal = app.screen
        field = modal.query_one("#reason-input", Input)
        await until(pilot, lambda: app.focused is field)
        await pilot.press("0")  # text, not back
        assert app.screen is modal and field.value == "0"
        for typed, words in (("0", "数字"), ("。，！", "标点"), ("", "不能为空"), ("缺", "至少"), ("  ", "不能为空")):
            field.value = typed  # as an input method would leave it (pilot keys have no "。")
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is modal, typed
            assert words in text_of(app, "#reason-message"), (typed, text_of(app, "#reason-message"))
        field.value = ""
        await type_text(pilot, "重复参保")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert "重复参保" in text_of(app, "#confirm-what")
        await pilot.press("plus")
        await until(pilot, lambda: Application.get(Application.number == applied.number).status == "rejected")
        # Esc in the reason modal cancels without a trace.
        again = apps.submit(_staff_ctx(database, clock), person.id, "enrol_resident_medical", {}, ["id_card"])
        app.push_screen(ApplicationScreen(again.number))
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.number == again.number
                    and bool(app.screen.query("#transitions .menu-button")))
        await pilot.press("9")  # 撤回: a reason too
        await until(pilot, lambda: isinstance(app.screen, ReasonModal))
        await type_text(pilot, "0")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen))
        await pilot.pause(0.2)
    assert Application.get(Application.number == again.number).status == "submitted"
    assert apps.get_application(_ctx(database, clock), applied.number).reason == "重复参保"
