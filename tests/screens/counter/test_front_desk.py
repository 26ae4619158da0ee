"""Issue 17, the counter side (Pilot, keyboard only, SQLite and PostgreSQL):

- the closed loop: a kiosk application reaches the counter, the clerk calls the
  ticket (typing "A001"), finds the application, marks materials, prints the
  一次性告知单 for the missing one and returns it; the resident reads the named
  material in 办理进度; the clerk marks it received later and the application
  completes — at 80x24 in Chinese and at 160x48 in English;
- typing "500" on the payment screen enters 500 in 实收;
- no single key on any counter screen submits, withdraws, marks a no-show,
  refuses or takes money;
- every counter screen renders without a raw catalog key, in both languages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from db.models import Application, ApplicationMaterial, Enrolment, Payment, Resident, Ticket
from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import ServiceContext, residents
from kiosk.services import applications as apps
from kiosk.services import queue as q
from kiosk.services.registration import register_resident
from printers.document import Document
from printers.preview import preview_text
from screens.counter.accept import AcceptDraft, AcceptTypeScreen, MaterialsScreen
from screens.counter.application import ApplicationScreen
from screens.counter.home import CounterHomeScreen
from screens.counter.info_change import InfoChangeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.materials import MaterialsCheckScreen
from screens.counter.payment import PaymentConfirmScreen, PaymentDraft, PaymentScreen, TierScreen
from screens.counter.queue_console import QueueConsoleScreen
from screens.counter.reason import ReasonModal
from screens.counter.register import RegisterResidentScreen
from screens.counter.reprint import ReprintScreen
from screens.counter.resident_detail import ResidentDetailScreen
from screens.counter.steps.info_change import InfoChangeForm
from screens.counter.steps.medical import MedicalForm
from screens.counter.steps.payment import PaymentForm
from screens.counter.worklist import WorklistScreen
from screens.resident.progress import ProgressScreen
from tests.screens.counter.helpers import id_number, login, make_counter_app, message, staff, type_text, until
from tests.services.resident_factory import ZHANG_ID, seed_residents
from tests.support import RecordingPrinter, give_passwords, sign_in

BIRTH = dt.date(1975, 6, 1)
COUNTER = 1  # serves category A (参保登记)
#: A raw catalog key on a screen: dotted lower-case words from a known catalog section.
RAW_KEY = re.compile(r"\b(?:counter|counterdesk|counter_steps|queue|identity|resident|common|app|rating|robust|"
                     r"printing|enrolment|entitlement|normalise|rules|apply|audit|dbfaults)\.[a-z_]+(?:\.[a-z_0-9]+)*\b")


def _ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database=database, clock=clock)


def _text(document: Document) -> str:
    """What a printed document says: the printer preview's text at 80 mm."""
    return "\n".join(preview_text(document, 80))


def _screen_text(app: Any) -> str:
    parts = [str(w.render()) for w in app.screen.query(Static)]
    for table in app.screen.query(DataTable):
        parts += [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]
    return "\n".join(parts)


async def _confirm(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmActionModal))
    await pilot.press("plus")


async def _open_application_from_detail(pilot: Pilot[Any]) -> None:
    """On the resident's detail: Shift+Tab to the applications table, Enter on the newest."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen)
                and app.screen.query_one(DataTable).row_count > 0)
    for _ in range(8):
        if isinstance(app.focused, DataTable):
            break
        await pilot.press("shift+tab")
    assert isinstance(app.focused, DataTable)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None)


async def _find(pilot: Pilot[Any], text: str) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, CounterHomeScreen))
    await pilot.press("2")
    await until(pilot, lambda: bool(app.screen.query("#find-input")))
    await type_text(pilot, text)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))


async def _home(pilot: Pilot[Any]) -> None:
    while not isinstance(pilot.app.screen, CounterHomeScreen):
        await pilot.press("escape")
        await pilot.pause()


@pytest.mark.parametrize(("size", "language"), [((80, 24), "zh_CN"), ((160, 48), "en")])
async def test_kiosk_application_returned_for_a_material_and_completed(
        database: peewee.Database, clock: FixedClock, size: tuple[int, int], language: str) -> None:
    staff(database, clock)
    ctx = _ctx(database, clock)
    id_no = id_number(BIRTH)
    resident = register_resident(ctx, id_no, "赵春梅")
    give_passwords(database, id_no)
    # The resident applies at the kiosk (no staff: channel self, nothing received yet) and takes a ticket.
    applied = apps.submit(ctx, resident.id, "enrol_resident_pension")
    assert applied.channel == "self" and {m.code for m in applied.missing_materials} == {"id_card", "hukou", "bank"}
    ticket = q.take_ticket(ctx, "A", resident.id)
    assert ticket.code == "A001"
    wf_names = {"zh_CN": "银行账户", "en": "Bank account"}
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer, counter=COUNTER)
    async with app.run_test(size=size) as pilot:
        await login(pilot)
        if language == "en":
            app.set_language("en")
        # 1 排队叫号 → 1 call next (A001) → 0 back.
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, QueueConsoleScreen) and app.screen.view is not None)
        await pilot.press("1")
        await until(pilot, lambda: Ticket.get(Ticket.code == "A001").status == "called")
        await pilot.press("0")
        # 2 find: the ticket number as called.
        await _find(pilot, "A001")
        await _open_application_from_detail(pilot)
        assert app.screen.info.number == applied.number  # type: ignore[attr-defined]
        # 2 材料清单: 1 and 2 received (ID card, household register); the bank account is missing.
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, MaterialsCheckScreen))
        legend = str(app.screen.query_one("#materials-legend", Static).render())
        assert "1-4" in legend and "1-5" not in legend and "6" in legend and "7" in legend  # four materials
        await pilot.press("1")
        await until(pilot, lambda: ApplicationMaterial.get(code="id_card").received)
        await pilot.press("2")
        await until(pilot, lambda: ApplicationMaterial.get(code="hukou").received)
        assert wf_names[language] in message(app)
        # 6: the 一次性告知单 for the missing one, with where to get it.
        await pilot.press("6")
        await until(pilot, lambda: any(d.kind == "notice" for d in printer.documents))
        notice = _text(next(d for d in printer.documents if d.kind == "notice"))
        assert "一次性告知单" in notice and "银行账户" in notice and "合作银行" in notice
        assert "居民身份证" not in notice and applied.number in notice
        # 7 退回补正: the confirmation lists the material; one key does nothing more.
        await pilot.press("7")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert wf_names[language] in str(app.screen.query_one("#confirm-what", Static).render())
        assert Application.get(Application.number == applied.number).status == "submitted"
        await pilot.press("plus")
        await until(pilot, lambda: Application.get(Application.number == applied.number).status == "returned")
        await until(pilot, lambda: sum(d.kind == "notice" for d in printer.documents) == 2)
    returned = apps.get_application(ctx, applied.number)
    assert "银行账户" in returned.reason and "居民身份证" not in returned.reason

    # The resident reads the named material (and where to get it) under 办理进度 at the kiosk.
    settings = Settings()
    settings.terminal.language = language
    kiosk = make_app(settings, database, RecordingPrinter(), clock, mode="self")
    async with kiosk.run_test(size=size) as pilot:
        await sign_in(pilot, id_no)
        await until(pilot, lambda: bool(kiosk.screen.query("#choice-progress")))
        kiosk.screen.query_one("#choice-progress").press()
        await until(pilot, lambda: isinstance(kiosk.screen, ProgressScreen) and kiosk.screen.data is not None)
        await until(pilot, lambda: wf_names[language] in _screen_text(kiosk))
        shown = _screen_text(kiosk)
        assert "合作银行" in shown or "partner bank" in shown

    # The resident comes back with it: marked received, 1 重新受理, then every step (+ each time).
    app = make_counter_app(database, clock, RecordingPrinter(), counter=COUNTER)
    async with app.run_test(size=size) as pilot:
        await login(pilot)
        if language == "en":
            app.set_language("en")
        await _find(pilot, id_no)
        await _open_application_from_detail(pilot)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, MaterialsCheckScreen))
        await pilot.press("3")
        await until(pilot, lambda: ApplicationMaterial.get(code="bank").received)
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen))
        for status in ("submitted", "reviewed", "account_opened", "card_issued"):
            await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None
                        and bool(app.screen.query("#transitions .menu-button")))
            await pilot.press("1")
            await _confirm(pilot)
            await until(pilot, lambda s=status: Application.get(Application.number == applied.number).status == s)
    done = apps.get_application(ctx, applied.number)
    assert done.finished and done.status == "card_issued" and not done.missing_materials


async def test_typing_500_on_the_payment_screen_enters_500(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    resident = register_resident(_ctx(database, clock), id_number(BIRTH), "赵春梅")
    # Enrolled: 收费 offers the resident pension only to a member (issue 17 fix, counter_payable).
    Enrolment.create(resident=resident.id, insurance="pension", scheme="resident", status="active",
                     start_date=dt.date(2020, 1, 1))
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(PaymentScreen(resident))
        await until(pilot, lambda: isinstance(app.screen, PaymentScreen) and bool(app.screen.query(
            "#choice-resident_pension")) and not app.screen.query_one("#choice-resident_pension").disabled)
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, TierScreen) and bool(app.screen.quotes))
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, PaymentConfirmScreen))
        await type_text(pilot, "500")
        await pilot.pause(0.2)
        assert app.screen.query_one("#tendered", Input).value == "500"
        assert isinstance(app.screen, PaymentConfirmScreen) and not Payment.select().exists()
        await pilot.press("enter")  # asks; the confirmation shows the amount handed over
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert "500" in str(app.screen.query_one("#confirm-what", Static).render())
        await pilot.press("enter")  # a second Enter cancels (the focus is on 取消), never takes money
        await pilot.pause(0.2)
        assert not Payment.select().exists()


# -- every screen, every single key ----------------------------------------------------------

def _setup(database: peewee.Database, clock: FixedClock) -> tuple[ServiceContext, dict[str, Any]]:
    staff(database, clock)
    ctx = _ctx(database, clock)
    seed_residents(database)
    zhang = Resident.get(Resident.id_number == ZHANG_ID)
    from kiosk.services.registration import get_resident

    person = register_resident(ctx, id_number(BIRTH), "赵春梅")
    clerk = ctx.as_staff(_staff_id(), "S001")
    complete = apps.submit(clerk, person.id, "enrol_resident_pension", {}, ["id_card", "hukou", "bank"])
    partial = apps.submit(clerk, person.id, "enrol_resident_medical", {}, ["id_card"])
    q.take_ticket(ctx, "A", person.id)
    q.call_next(clerk, COUNTER)  # A001 called at this counter: 5 would mark it no-show
    return ctx, {"person": person, "zhang": get_resident(ctx, zhang.id), "complete": complete, "partial": partial}


def _staff_id() -> int:
    from db.models import Staff

    return int(Staff.get(Staff.number == "S001").id)


SCREENS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "queue": lambda d: QueueConsoleScreen(),
    "detail": lambda d: ResidentDetailScreen(d["zhang"]),
    "application": lambda d: ApplicationScreen(d["complete"].number),
    "application_partial": lambda d: ApplicationScreen(d["partial"].number),
    "materials_check": lambda d: MaterialsCheckScreen(apps.get_application(d["ctx"], d["partial"].number)),
    "accept_type": lambda d: AcceptTypeScreen(AcceptDraft(d["person"])),
    "accept_materials": lambda d: MaterialsScreen(AcceptDraft(d["person"], "card_apply", {"id_card"})),
    "payment": lambda d: PaymentScreen(d["person"]),
    "payment_confirm": lambda d: PaymentConfirmScreen(PaymentDraft(d["person"], "resident_medical", None, 400_00,
                                                                   lines=["医保"])),
    "register": lambda d: RegisterResidentScreen(),
    "worklist": lambda d: WorklistScreen(),
    "reprint": lambda d: ReprintScreen(),
    # The modals and forms the application screen opens (issue 17: a reason's 0 is text, a form's
    # Esc/0 asks; none of them writes by itself).
    "reason": lambda d: ReasonModal("不予受理"),
    "tier": lambda d: TierScreen(PaymentDraft(d["person"])),
    "step_form_medical": lambda d: MedicalForm({}, subject="A"),
    "step_form_payment": lambda d: PaymentForm(100_00, {}, subject="A"),
    # 信息变更 (issue 15.2): keys 1-4 only open the form; nothing is accepted without its +.
    "info_change": lambda d: InfoChangeScreen(d["zhang"]),
    "step_form_info_change": lambda d: InfoChangeForm({}, subject="A", field="name", old="张三"),
}
SINGLE_KEYS = [*"1234567890", "enter", "space", "plus", "escape"]


async def _show(pilot: Pilot[Any], depth: int, build: Callable[[], Any]) -> Any:
    """Close whatever is above ``depth`` screens, open a fresh ``build()`` and let it load."""
    app = pilot.app
    while len(app.screen_stack) > depth:
        app.pop_screen()
        await pilot.pause()
    app.push_screen(build())
    await until(pilot, lambda: len(app.screen_stack) == depth + 1)
    await pilot.pause(0.2)  # its data loaded
    await app.workers.wait_for_complete()
    await pilot.pause()
    return app.screen


def _harmful() -> tuple[Any, ...]:
    """What a harmful key would change: applications (status, version), payments, no-shows."""
    return (sorted(Application.select(Application.number, Application.status, Application.version).tuples()),
            Payment.select().count(),
            Ticket.select().where(Ticket.status == "no_show").count())


#: The screens in four groups, each its own test (its own app), so parallel workers share the
#: 168 presses instead of one worker taking a minute over them.
HARM_GROUPS = 4


@pytest.mark.parametrize("group", range(HARM_GROUPS))
async def test_no_single_key_on_any_counter_screen_does_harm(sqlite_database: peewee.Database,
                                                              clock: FixedClock, group: int) -> None:
    # Key bindings do not depend on the backend: SQLite only (the closed-loop and payment
    # tests above run on both databases).
    database = sqlite_database
    screens = list(SCREENS.items())[group::HARM_GROUPS]
    ctx, data = _setup(database, clock)
    data["ctx"] = ctx
    before = _harmful()
    app = make_counter_app(database, clock, counter=COUNTER)
    pressed = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        depth = len(app.screen_stack)
        for name, build in screens:
            screen = None
            for key in SINGLE_KEYS:
                # The screen again (fresh) whenever the last key left it; on the console the
                # ticket is called again first, so 5 (过号) always has something to mark.
                if name == "queue" and Ticket.get(Ticket.code == "A001").status != "called":
                    Ticket.update(status="called", counter=COUNTER).where(Ticket.code == "A001").execute()
                    screen = None
                if screen is None or app.screen is not screen or len(app.screen_stack) != depth + 1:
                    screen = await _show(pilot, depth, lambda b=build: b(data))
                await pilot.press(key)
                await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                await pilot.pause(0.05)
                pressed += 1
                assert _harmful() == before, f"key {key!r} on {name} changed something"
    assert screens and pressed == len(screens) * len(SINGLE_KEYS)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_counter_screens_show_no_raw_catalog_key(database: peewee.Database, clock: FixedClock,
                                                        language: str) -> None:
    ctx, data = _setup(database, clock)
    data["ctx"] = ctx
    app = make_counter_app(database, clock, counter=COUNTER)
    async with app.run_test(size=(160, 48)) as pilot:
        await login(pilot)
        app.set_language(language)
        await pilot.pause()
        depth = len(app.screen_stack)
        for name, build in SCREENS.items():
            await _show(pilot, depth, lambda b=build: b(data))
            await until(pilot, lambda: bool(_screen_text(app).strip()))
            raw = RAW_KEY.findall(_screen_text(app))
            assert not raw, f"{name} shows raw catalog keys {raw}"
            if name == "detail":  # the records panel: months paid, balances, benefits from the records
                months = residents.contribution_history(ctx, data["zhang"].id).total_pension_months
                assert months > 200  # twenty years of records (the old panel said 暂无缴费)
                await until(pilot, lambda m=months: f" {m} " in text_of_id(app, "#detail-contributions"))
                assert not RAW_KEY.findall(_screen_text(app))
                assert text_of_id(app, "#detail-benefits") and text_of_id(app, "#detail-accounts")


def text_of_id(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


# -- the registration form by keyboard (17.4) ---------------------------------------------------


async def test_register_form_by_keyboard_keeps_what_was_typed(database: peewee.Database, clock: FixedClock) -> None:
    from textual.widgets import Select

    staff(database, clock)
    number = id_number(dt.date(1978, 4, 9), "124")  # a woman: the category list is asked
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        screen = app.screen
        await type_text(pilot, number)
        await pilot.press("tab")
        assert app.focused is screen.query_one("#name", Input)
        await type_text(pilot, "王秀兰")
        await pilot.press("shift+tab", "tab")  # back and forth: nothing typed is lost
        assert screen.query_one("#id-number", Input).value == number
        assert screen.query_one("#name", Input).value == "王秀兰"
        for _ in range(5):  # name → phone, address, village, 户籍地 (filled from the ID), the list
            await pilot.press("enter")
        category = screen.query_one("#retirement-category", Select)
        await until(pilot, lambda: app.focused is category)
        assert not category.expanded  # the Enter that arrived here did not open the list
        await pilot.press("enter")  # nothing chosen yet: Enter opens the list
        await until(pilot, lambda: category.expanded)
        await pilot.press("escape")  # closes the list only
        await until(pilot, lambda: not category.expanded)
        assert app.screen is screen and screen.query_one("#name", Input).value == "王秀兰"
        await pilot.press("enter", "down", "enter")  # open, the first category, choose
        await until(pilot, lambda: category.value == "female_worker" and not category.expanded)
        await pilot.press("escape")  # a started form asks before discarding
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("0")  # keep filling in
        await until(pilot, lambda: app.screen is screen)
        assert screen.query_one("#name", Input).value == "王秀兰" and category.value == "female_worker"
        screen.query_one("#register-submit").focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
    row = Resident.get(Resident.id_number == number)
    assert (row.name, row.retirement_category) == ("王秀兰", "female_worker")


async def test_correction_state_is_named_in_the_notice_and_the_reason(database: peewee.Database,
                                                                       clock: FixedClock) -> None:
    from db.models import AuditEntry
    from kiosk.services import ServiceError
    from kiosk.services.staff import PermissionDenied

    staff(database, clock)
    ctx = _ctx(database, clock)
    person = register_resident(ctx, id_number(BIRTH), "赵春梅")
    clerk = ctx.as_staff(_staff_id(), "S001")
    info = apps.submit(ctx, person.id, "enrol_resident_medical")
    with pytest.raises(PermissionDenied):
        apps.mark_material(ctx, info.number, "id_card")  # nobody logged in
    apps.mark_material(clerk, info.number, "id_card", state="received")
    marked = apps.mark_material(clerk, info.number, "hukou", state="correction", problem="户主页缺页")
    assert [(m.code, m.state) for m in marked.materials] == [("id_card", "received"), ("hukou", "correction")]
    assert [m.code for m in marked.missing_materials] == ["hukou"]
    printed = apps.print_notice(clerk, info.number)
    assert printed.print_job_id is not None
    returned = apps.return_for_correction(clerk, info.number)
    assert returned.status == "returned" and "户口簿（需补正：户主页缺页）" in returned.reason
    assert apps.missing_by_application(ctx, person.id)[info.number][0].correction == "户主页缺页"
    # Brought back corrected: received, 重新受理, and the checklist is complete.
    apps.mark_material(clerk, info.number, "hukou", state="received")
    again = apps.advance(clerk, info.number, "submitted")
    assert not again.missing_materials and again.reason == ""
    with pytest.raises(ServiceError, match="无需打印"):
        apps.print_notice(clerk, info.number)
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.entity_id == info.number)]
    assert actions.count("application.material") == 3 and "application.notice" in actions
