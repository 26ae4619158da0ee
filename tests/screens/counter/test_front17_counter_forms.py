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
from typing import Any

import peewee
import pytest
from textual.errors import NoWidget
from textual.widgets import Input

from db.models import Application, Payment
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services.registration import register_resident
from screens.counter.keys import ConfirmActionModal
from screens.counter.reason import ReasonModal
from tests.screens.counter.helpers import (
    clerk_and_resident,
    clerk_ctx,
    id_number,
    login,
    make_counter_app,
    open_application,
    open_payment,
    staff,
    text_of,
    type_text,
    until,
)

BIRTH = dt.date(1975, 6, 1)


async def test_cancelled_payment_keeps_tendered_focused_and_editable(database: peewee.Database,
                                                                     clock: FixedClock) -> None:
    person = clerk_and_resident(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        screen = await open_payment(pilot, person, 400_00)
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


async def test_reason_must_say_something_and_0_is_text(database: peewee.Database, clock: FixedClock) -> None:
    from kiosk.services import applications as apps
    from screens.counter.application import ApplicationScreen

    person = clerk_and_resident(database, clock)
    applied = apps.submit(clerk_ctx(database, clock), person.id, "enrol_resident_pension", {},
                          ["id_card", "hukou", "bank"])
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await open_application(pilot, applied.number)
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
        again = apps.submit(clerk_ctx(database, clock), person.id, "enrol_resident_medical", {}, ["id_card"])
        await open_application(pilot, again.number)
        await pilot.press("9")  # 撤回: a reason too
        await until(pilot, lambda: isinstance(app.screen, ReasonModal))
        await type_text(pilot, "0")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen))
        await pilot.pause(0.2)
    assert Application.get(Application.number == again.number).status == "submitted"
    assert apps.get_application(ServiceContext(database, clock), applied.number).reason == "重复参保"


def _visible(app: Any, widget: Any) -> bool:
    """The widget is drawn where it is: the compositor finds it at its own centre."""
    region = widget.region
    if not region.area:
        return False
    try:
        found, _ = app.screen.get_widget_at(region.x + region.width // 2, region.y + region.height // 2)
    except NoWidget:  # the scroll is not painted yet (a busy machine): not visible yet
        return False
    return found is widget or widget in found.ancestors


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_business_type_reachable_by_keys_and_started(database: peewee.Database, clock: FixedClock,
                                                                  size: tuple[int, int]) -> None:
    from screens.counter.accept import GROUPS, AcceptTypeScreen, MaterialsScreen
    from screens.counter.resident_detail import ResidentDetailScreen
    from screens.widgets.menu import MenuButton

    person = clerk_and_resident(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=size) as pilot:
        await login(pilot)
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("4")  # 受理业务: the business groups
        await until(pilot, lambda: isinstance(app.screen, AcceptTypeScreen) and isinstance(app.focused, MenuButton))
        groups = list(app.screen.query(".menu-list MenuButton").results(MenuButton))
        assert len(groups) == len(GROUPS)
        # ↓ walks every row into view, ↑ back; End/Home, PgDn/PgUp jump, the row is shown and focused.
        # Each wait is for the frame that shows the scroll (a busy machine paints it later).
        for expected in groups[1:]:
            await pilot.press("down")
            await until(pilot, lambda e=expected: app.focused is e and _visible(app, e))
        await pilot.press("home")
        await until(pilot, lambda: app.focused is groups[0] and _visible(app, groups[0]))
        await pilot.press("pagedown")
        await until(pilot, lambda: app.focused is not groups[0] and _visible(app, app.focused))
        await pilot.press("pageup")
        await until(pilot, lambda: app.focused is groups[0])
        await pilot.press("end")
        await until(pilot, lambda: app.focused is groups[-1] and _visible(app, groups[-1]))
        await pilot.press("enter")  # the last group → its types (a group of one starts it at once)
        if len(GROUPS[-1][1]) > 1:
            await until(pilot, lambda: isinstance(app.screen, AcceptTypeScreen)
                        and app.screen.group == GROUPS[-1][0] and isinstance(app.focused, MenuButton))
            types = list(app.screen.query(".menu-list MenuButton").results(MenuButton))
            await pilot.press("end")
            await until(pilot, lambda: app.focused is types[-1] and _visible(app, types[-1]))
            await pilot.press("enter")  # the last type is started: its checklist
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        started = app.screen
        assert isinstance(started, MaterialsScreen) and started.draft.type == GROUPS[-1][1][-1]


# -- 待遇计算 (medical reimbursement) form by keyboard -------------------------------------------


def test_local_treatment_is_never_cut_and_only_unfiled_out_of_area_is() -> None:
    from screens.counter.steps.medical import MedicalForm

    form = MedicalForm()
    base = {"total_fen": 100, "level": "county"}
    assert form.build({**base, "out_of_area": "no"})["filed"] is True  # 否: local, the full ratio
    assert form.build({**base, "out_of_area": "yes", "filed": "yes"})["filed"] is True
    assert form.build({**base, "out_of_area": "yes", "filed": "no"})["filed"] is False
    # An older claim that stored only filed=False reopens as out of area, not filed.
    assert MedicalForm({"filed": False}).existing["out_of_area"] is True


async def test_medical_form_by_keyboard_confirms_facts_and_the_rules_amount(database: peewee.Database,
                                                                            clock: FixedClock) -> None:
    from kiosk.rules.medical import reimburse
    from kiosk.rules.money import format_yuan
    from kiosk.services import applications as apps
    from kiosk.services import payments
    from screens.counter.steps.medical import MedicalForm
    from tests.screens.counter.test_every_type import _resident_medical

    staff(database, clock)
    clerk = clerk_ctx(database, clock)
    person = register_resident(clerk, id_number(BIRTH), "赵春梅")
    _resident_medical(clerk, clerk, person)
    info = apps.submit(clerk, person.id, "benefit_medical", {}, ["id_card", "ss_card", "invoices", "discharge"])
    info = apps.advance(clerk, info.number, "reviewed", expected_version=info.version)
    params = payments.policy(clerk).medical
    local = reimburse(1_000_000, "county", params)
    expected = local.pool_fen + local.serious_fen
    cut = reimburse(1_000_000, "county", params, filed=False)
    assert cut.pool_fen + cut.serious_fen != expected  # the old bug would show
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await open_application(pilot, info.number)
        await pilot.press("1")  # 待遇计算 → its form
        await until(pilot, lambda: isinstance(app.screen, MedicalForm) and app.screen.ready)
        form = app.screen
        assert isinstance(form, MedicalForm)
        total = form.query_one("#field-total_fen", Input)
        await until(pilot, lambda: app.focused is total)
        await type_text(pilot, "10000")  # digits typed as the form opens are the bill
        assert total.value == "10000"
        await pilot.press("enter")  # → 医院级别 (no answer yet)
        await pilot.press("7")  # not one of its keys: said, nothing chosen
        assert form.choices["level"] == "" and "医院级别" in text_of(app, "#step-message")
        await pilot.press("2")  # 县级医院 → the focus moves on
        pool = form.query_one("#field-pool_paid_this_year_fen", Input)
        await until(pilot, lambda: app.focused is pool)
        await pilot.press("shift+tab")  # back onto the level row: a digit there is not swallowed
        await until(pilot, lambda: app.focused is not pool)
        await type_text(pilot, "500")
        await until(pilot, lambda: pool.value == "500" and app.focused is pool)
        assert form.choices["level"] == "county"
        await pilot.press("enter", "enter")  # → 本年个人已自付 → 是否异地就医 (否)
        await until(pilot, lambda: form._row_of(app.focused) is not None)
        await pilot.press("escape")  # started: asks before discarding
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("0")  # keep filling in
        await until(pilot, lambda: app.screen is form)
        assert total.value == "10000" and pool.value == "500" and form.choices["out_of_area"] == "no"
        await pilot.press("enter")  # 否 (treated locally) → the focus on 确认
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        shown = text_of(app, "#confirm-what")
        assert "县级医院" in shown and "是否异地就医：否" in shown and "（元）：10,000.00\n" in shown
        assert format_yuan(expected) in shown, shown  # computed by the rules, the local ratio
        await pilot.press("plus")
        await until(pilot, lambda: Application.get(Application.number == info.number).status == "calculated")
    done = apps.get_application(clerk, info.number)
    assert done.amount_fen == expected and done.data["filed"] is True and done.data["out_of_area"] is False


# -- a double tap never skips a confirmation (issue 17.3) ----------------------------------------


async def test_double_taps_never_skip_a_review_or_confirmation(database: peewee.Database,
                                                              clock: FixedClock) -> None:
    from kiosk.services import applications as apps
    from screens.counter.accept import AcceptDraft, MaterialsScreen

    person = clerk_and_resident(database, clock)
    applied = apps.submit(clerk_ctx(database, clock), person.id, "enrol_resident_pension", {},
                          ["id_card", "hukou", "bank"])

    def state() -> tuple[Any, ...]:
        return (sorted(Application.select(Application.number, Application.status, Application.version).tuples()),
                Payment.select().count())

    before = state()
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        screen = await open_application(pilot, applied.number)
        for taps in (("1", "1"), ("1", "enter"), ("enter", "enter"), ("8", "8")):
            await pilot.press(*taps)  # the first opens the confirmation (or the reason); the second never does it
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
            assert state() == before, taps
            if taps[0] == taps[1] != "enter":  # the same key again: the confirmation (reason) is still asking
                assert isinstance(app.screen, ConfirmActionModal | ReasonModal), taps
            while app.screen is not screen:
                await pilot.press("escape")
                await pilot.pause()
        # 受理: Enter twice on the checklist asks, and the second Enter (on 取消) cancels.
        app.push_screen(MaterialsScreen(AcceptDraft(person, "card_apply", {"id_card"})))
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        await pilot.pause(0.2)
        await pilot.press("enter", "enter")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        assert state() == before
        # 收费: Enter twice with an amount typed takes nothing.
        await open_payment(pilot, person, 400_00)
        await type_text(pilot, "500")
        await pilot.press("enter", "enter", "1", "1")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        assert state() == before


async def test_payment_step_form_opens_on_the_money_field(database: peewee.Database, clock: FixedClock) -> None:
    from screens.counter.steps.payment import PaymentForm

    staff(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(PaymentForm(100_00, {}, subject="A"))
        await until(pilot, lambda: isinstance(app.screen, PaymentForm) and app.screen.ready)
        form = app.screen
        assert isinstance(form, PaymentForm)
        tendered = form.query_one("#field-tendered", Input)
        await until(pilot, lambda: app.focused is tendered)
        await type_text(pilot, "500")  # money, never the method keys 1-5
        assert tendered.value == "500" and form.choices["method"] == "cash"
        await pilot.press("shift+tab")  # onto the method row: ↓/↑ leave it, ←→ walk it
        await until(pilot, lambda: form._row_of(app.focused) is not None)
        await pilot.press("down")
        await until(pilot, lambda: app.focused is tendered)
        await pilot.press("escape")  # typed: asks
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")  # discard
        await until(pilot, lambda: app.screen is not form and not isinstance(app.screen, ConfirmActionModal))
