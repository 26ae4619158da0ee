"""Issue 17 fixes at the counter, found by a hostile new clerk (both backends):

1. the materials checklist keeps the 补正说明 typed after marking (Tab from the row, spaces
   type, full-width digits folded) and saves it with that material; the legend counts the
   list; the 退回 confirmation shows the note;
2. 实收 is checked on Enter (a swiped card number is refused there, 实收 keeps the focus);
   the confirmation shows 应收, 实收 and 找零;
3. 收费 offers only what the records allow; 办理下一步 is not offered while materials lack;
4. the resident detail's applications are reached by key 1, Enter on arrival starts nothing;
5. a returned application says 退回补正 (never 办结 / 未通过); a stale materials refusal goes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
import pytest
from rich.text import Text
from textual.widgets import Input

from db.models import Benefit, Enrolment, Payment
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, ServiceError, payments, residents
from kiosk.services import applications as apps
from kiosk.services.registration import ResidentInfo, register_resident
from screens.counter.application import ApplicationScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.materials import MaterialsCheckScreen
from screens.counter.payment import PaymentScreen
from screens.counter.resident_detail import ResidentDetailScreen
from screens.resident.progress import append_timeline
from screens.widgets.menu import MenuButton
from screens.widgets.plain import DataTable
from tests.screens.counter.helpers import (
    clerk_and_resident,
    clerk_ctx,
    id_number,
    login,
    make_counter_app,
    message,
    open_application,
    open_payment,
    staff,
    text_of,
    until,
)

BIRTH = dt.date(1975, 6, 1)


def _submitted(database: peewee.Database, clock: FixedClock) -> tuple[ServiceContext, ResidentInfo, str]:
    """Clerk S001, and 赵春梅 with a resident pension enrolment submitted at the kiosk (nothing received)."""
    ctx, person = ServiceContext(database, clock), clerk_and_resident(database, clock)
    return ctx, person, apps.submit(ctx, person.id, "enrol_resident_pension").number


def _state(ctx: ServiceContext, number: str, code: str) -> tuple[str, str]:
    material = next(m for m in apps.get_application(ctx, number).materials if m.code == code)
    return material.state, material.correction


async def test_materials_note_typed_after_marking_is_kept_and_saved(database: peewee.Database,
                                                                   clock: FixedClock) -> None:
    ctx, _, number = _submitted(database, clock)  # at the kiosk: all 未收
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(MaterialsCheckScreen(apps.get_application(ctx, number)))
        await until(pilot, lambda: isinstance(app.screen, MaterialsCheckScreen)
                    and bool(app.screen.query("#materials-legend")))
        screen = app.screen
        assert isinstance(screen, MaterialsCheckScreen)
        # Four materials: the legend says 1-4, never 1-5.
        legend = text_of(app, "#materials-legend")
        assert "1-4" in legend and "1-5" not in legend
        await pilot.press("2")  # 户口簿 received
        await until(pilot, lambda: _state(ctx, number, "hukou")[0] == "received")
        await pilot.press("3")
        await until(pilot, lambda: _state(ctx, number, "bank")[0] == "received" and not screen._busy)
        await pilot.press("3")  # 银行账户 需补正
        await until(pilot, lambda: _state(ctx, number, "bank")[0] == "correction" and not screen._busy)
        await pilot.press("tab")
        note = screen.query_one("#material-problem", Input)
        assert app.focused is note
        await pilot.press(*"invoice lacks stamp ", "３")  # spaces type; a full-width digit too
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        assert note.value == "invoice lacks stamp ３"
        assert _state(ctx, number, "hukou")[0] == "received"  # the spaces never cycled item 2
        await pilot.press("enter")
        await until(pilot, lambda: _state(ctx, number, "bank") == ("correction", "invoice lacks stamp 3"))
        assert _state(ctx, number, "hukou")[0] == "received"
        # Space on the note's field would type; on a row it cycles only that focused row.
        await until(pilot, lambda: not screen._busy)
        assert isinstance(app.focused, MenuButton) and app.focused.choice == "row-bank"
        # 7 退回补正: the confirmation shows the note that will be sent.
        await pilot.press("7")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert "invoice lacks stamp 3" in "\n".join(app.screen.lines)  # type: ignore[attr-defined]


async def test_tendered_checked_on_enter_and_confirmation_shows_change(database: peewee.Database,
                                                                       clock: FixedClock) -> None:
    person = clerk_and_resident(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        screen = await open_payment(pilot, person, 300_00)
        tendered = screen.query_one("#tendered", Input)
        assert "0" in text_of(app, "#counter-keys")  # the hint says 0 is a digit here
        await pilot.press(*"60000236726640", "enter")  # a card swiped into 实收
        await pilot.pause(0.2)
        assert app.screen is screen and "过大" in message(app)
        assert app.focused is tendered
        await pilot.press(*"500", "enter")  # typed over the selected amount
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        shown = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        assert "300.00" in shown and "500.00" in shown and "找零：200.00" in shown
        assert not Payment.select().exists()


async def test_payment_offers_only_what_the_records_allow(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    ctx = ServiceContext(database, clock)
    employee = register_resident(ctx, id_number(BIRTH, "124"), "钱多多")
    retiree = register_resident(ctx, id_number(dt.date(1955, 3, 1), "125"), "孙秀英")
    now = clock.now_utc().replace(tzinfo=None)
    Enrolment.create(resident=retiree.id, insurance="pension", scheme="resident", status="active",
                     start_date=dt.date(2012, 1, 1))
    Enrolment.create(resident=retiree.id, insurance="medical", scheme="resident", status="active",
                     start_date=dt.date(2012, 1, 1))
    Benefit.create(resident=retiree.id, kind="pension", scheme="resident", start_month=dt.date(2020, 4, 1),
                   monthly_fen=150_00, created_at=now, updated_at=now)
    assert payments.counter_payable(ctx, employee.id) == {"resident_pension": "not_enrolled",
                                                         "resident_medical": "not_enrolled"}
    assert payments.counter_payable(ctx, retiree.id) == {"resident_pension": "drawing", "resident_medical": ""}
    with pytest.raises(ServiceError):  # the payment itself refuses a pensioner too
        payments.pay_resident_pension(clerk_ctx(database, clock), retiree.id, 500_00, "cash")
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        for person, pension_reason, medical_open in ((employee, "尚未参加", False), (retiree, "已在领取", True)):
            app.push_screen(PaymentScreen(person))
            await until(pilot, lambda: isinstance(app.screen, PaymentScreen) and bool(message(app)))
            pension = app.screen.query_one("#choice-resident_pension", MenuButton)
            medical = app.screen.query_one("#choice-resident_medical", MenuButton)
            assert pension.disabled and "不可缴" in str(pension.label) and pension_reason in message(app)
            assert medical.disabled is not medical_open
            await pilot.press("1")  # not offered: nothing opens
            await pilot.pause(0.2)
            assert isinstance(app.screen, PaymentScreen)
            app.pop_screen()


async def test_next_step_not_offered_while_materials_lack_and_stale_refusal_cleared(
        database: peewee.Database, clock: FixedClock) -> None:
    _, _, number = _submitted(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        screen = await open_application(pilot, number)
        nxt = next(b for b in screen.query(".menu-button").results(MenuButton) if b.choice.endswith("-reviewed"))
        assert nxt.disabled and "缺材料" in str(nxt.label)
        await pilot.press("1")
        await pilot.pause(0.2)
        assert app.screen is screen  # no confirmation for a step that would be refused
        screen._failed("材料不齐，缺少：身份证。请补齐后再办理，或退回")  # as refused before the fix
        clerk = clerk_ctx(database, clock)
        for code in ("id_card", "hukou", "bank"):
            apps.mark_material(clerk, number, code, state="received")
        screen.reload()
        await until(pilot, lambda: "材料不齐" not in message(app))
        await until(pilot, lambda: any(not b.disabled and b.choice.endswith("-reviewed")
                                       for b in screen.query(".menu-button").results(MenuButton)))


async def test_returned_application_says_returned_not_finished_or_refused(database: peewee.Database,
                                                                          clock: FixedClock) -> None:
    ctx, person, number = _submitted(database, clock)
    apps.return_for_correction(clerk_ctx(database, clock), number)
    for english in (False, True):
        view = next(v for v in residents.applications(ctx, person.id) if v.number == number)
        text = Text()
        labels = {"zh": {"resident.progress.state.done": "完成", "fix17counter.progress.returned": "退回补正"},
                  "en": {"resident.progress.state.done": "done",
                         "fix17counter.progress.returned": "returned for correction"}}["en" if english else "zh"]

        def t(key: str, **_: Any) -> str:
            return labels.get(key, key)  # noqa: B023 - used at once

        append_timeline(text, view, t, english)
        assert ("returned for correction" if english else "退回补正") in text.plain
        assert "resident.progress.state.stopped" not in text.plain
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(ApplicationScreen(number))
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None
                    and bool(app.screen.query("#transitions .hint")))
        shown = " ".join(str(s.render()) for s in app.screen.query("#transitions .hint"))
        assert "退回补正" in shown and "已办结" not in shown


async def test_detail_applications_by_key_1_and_enter_on_arrival_starts_nothing(
        database: peewee.Database, clock: FixedClock) -> None:
    _, person, number = _submitted(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen)
                    and bool(app.screen.query("#detail-applications"))
                    and app.screen.query_one("#detail-applications", DataTable).row_count > 0)
        screen = app.screen
        keys = [b.key for b in screen.query(".action-row .menu-button").results(MenuButton)]
        assert keys == sorted(keys) and keys[0] == "1"  # read in order, starting at 1
        await pilot.press("enter")  # on arrival: no action starts (the focus goes to the table)
        await pilot.pause(0.2)
        assert app.screen is screen
        await pilot.press("1")
        assert app.focused is screen.query_one("#detail-applications", DataTable)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen))
        assert app.screen.number == number  # type: ignore[attr-defined]
