"""Every application type walked through every status at the counter, on
SQLite and PostgreSQL, with the real app driven by number keys.

For each type in WORKFLOWS: a first application is accepted with a required
material missing and refused (材料不齐, or a supervisor step a clerk cannot
take), then returned or rejected with a reason; a second one is accepted with
every material and walked to its last status through the step forms by two
people (受审分离): the clerk accepts, reviews and calculates, a supervisor
approves (复核) the computed amount, the clerk pays. Prerequisites (enrolments,
a 失业登记, a 工伤认定 decision recorded from the 人社局, a frozen card) are
made through the services.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from db.models import (
    Account,
    ApplicationEvent,
    AuditEntry,
    Benefit,
    BenefitPayment,
    Card,
    Enrolment,
    Payment,
    Resident,
    Staff,
    Transfer,
)
from kiosk.clock import FixedClock
from kiosk.policy import load_policy
from kiosk.rules.workflows import WORKFLOWS, Workflow
from kiosk.services import ServiceContext, ServiceError, lifecycle
from kiosk.services import applications as apps
from kiosk.services.applications import ApplicationInfo
from kiosk.services.payments import pay_resident_pension, policy
from kiosk.services.registration import ResidentInfo, register_resident
from kiosk.services.staff import PermissionDenied, audit_reveal
from screens.counter.accept import GROUPS, AcceptTypeScreen, MaterialsScreen, number_key
from screens.counter.application import ApplicationScreen
from screens.counter.home import CounterHomeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.login import LoginScreen
from screens.counter.reason import ReasonModal
from screens.counter.resident_detail import ResidentDetailScreen
from screens.counter.steps.base import StepForm
from screens.widgets.menu import MenuButton
from tests.entitlement.township import Records
from tests.screens.counter.helpers import (
    PIN,
    clerk_ctx,
    id_number,
    make_counter_app,
    message,
    staff,
    text_of,
    until,
)

Keys = tuple[str, ...]
SPECIAL = {"enter", "tab", "backspace", "escape"}


def keys(*tokens: str) -> Keys:
    """What the clerk does in a form: single keys and key names pressed, longer text typed into the field."""
    return tokens


async def drive(pilot: Pilot[Any], tokens: Keys) -> None:
    """Press single keys; put longer text into the focused field at once (as a scanner or a
    fast typist does — pressing each character costs the test ~60 ms)."""
    for token in tokens:
        if token in SPECIAL or len(token) == 1:
            await pilot.press(token)
        else:
            field = pilot.app.focused
            assert isinstance(field, Input), f"no text field has the focus for {token!r}: {field!r}"
            field.insert_text_at_cursor(token)
            await pilot.pause()


async def fast_login(pilot: Pilot[Any], number: str) -> None:
    await until(pilot, lambda: bool(pilot.app.screen.query("#staff-number")))
    pilot.app.screen.query_one("#staff-number", Input).focus()
    await drive(pilot, (number, "enter", PIN, "enter"))
    await until(pilot, lambda: isinstance(pilot.app.screen, CounterHomeScreen))


# -- prerequisites through the services -------------------------------------------------

def _walk(ctx: ServiceContext, info: ApplicationInfo, *statuses: str, **data: Any) -> ApplicationInfo:
    for status in statuses:
        info = apps.advance(ctx, info.number, status, expected_version=info.version, data=dict(data) or None)
    return info


def _all_materials(type_: str) -> list[str]:
    return [m.code for m in WORKFLOWS[type_].materials]


def _enrol(clerk: ServiceContext, person: ResidentInfo, type_: str, **data: Any) -> None:
    info = apps.submit(clerk, person.id, type_, data, _all_materials(type_))
    _walk(clerk, info, "reviewed", "account_opened", "card_issued")


def _resident_pension_paid(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    _enrol(clerk, person, "enrol_resident_pension")
    pay_resident_pension(clerk, person.id, 200_000, "cash")


def _flexible_enrolled(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    _enrol(clerk, person, "enrol_employee", scheme="flexible")


def _registered_unemployed(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    info = apps.submit(clerk, person.id, "unemployment_registration", {}, _all_materials("unemployment_registration"))
    _walk(clerk, info, "registered")


def _determined_injury(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    info = apps.submit(clerk, person.id, "injury_determination", {"accident_date": "2026-10-01", "applicant": "worker"},
                       _all_materials("injury_determination"))
    info = _walk(clerk, info, "accepted", "forwarded")
    _walk(clerk, info, "determined", decision_number="人社伤认〔2026〕8号", decision_date="2026-10-20")


def _with_records(clerk: ServiceContext, person: ResidentInfo, build: Callable[[Records, int], None]) -> None:
    """Load enrolments and contributions for ``person`` through the import (the records benefits need)."""
    with tempfile.TemporaryDirectory() as folder:
        records = Records(clerk, Path(folder))
        records.ids[person.id] = person.id_number
        build(records, person.id)
        records.load()


def _resident_pensioner(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    def build(r: Records, who: int) -> None:
        r.enrol(who, "pension", "resident", "2004-01-01")
        r.pay_years(who, range(2005, 2020))  # 15 years, ages 45-59
    _with_records(clerk, person, build)


def _unemployed(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    def build(r: Records, who: int) -> None:
        r.enrol(who, "unemployment", "employee", "2019-01-01", end="2026-10-31", status="终止")
        r.pay_months(who, "unemployment", "employee", "2019-11", 84)
    _with_records(clerk, person, build)
    _registered_unemployed(clerk, sup, person)


def _injured(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    _with_records(clerk, person, lambda r, who: r.enrol(who, "injury", "employee", "2020-01-01"))
    _determined_injury(clerk, sup, person)


def _employee_medical(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    _with_records(clerk, person, lambda r, who: r.enrol(who, "medical", "employee", "2020-01-01"))


def _resident_medical(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    _with_records(clerk, person, lambda r, who: r.enrol(who, "medical", "resident", "2020-01-01"))


def _card_lost(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    apps.submit(clerk, person.id, "card_loss", {}, ["id_card"])


def _nothing(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    pass


# -- what each type's walk checks at the end ----------------------------------------------

def _enrolled(scheme: str, insurance: str = "pension") -> Callable[[ApplicationInfo, int], None]:
    def check(info: ApplicationInfo, resident_id: int) -> None:
        assert Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.scheme == scheme)
                                        & (Enrolment.insurance == insurance)
                                        & (Enrolment.status == "active")).exists()
    return check


def _assessment_paid(info: ApplicationInfo, resident_id: int) -> None:
    payment = Payment.get(Payment.receipt_code == info.data["receipt_code"])
    floor = info.data["base"]["floor_fen"]
    assert info.data["base_fen"] == floor + 100_00  # the base typed in the form, in fen
    assert payment.method == "cash" and payment.amount_fen == info.amount_fen and payment.amount_fen > 0


def _benefit_paid(**expected: Any) -> Callable[[ApplicationInfo, int], None]:
    def check(info: ApplicationInfo, resident_id: int) -> None:
        paid = BenefitPayment.get(BenefitPayment.application == info.id)
        assert paid.amount_fen == info.amount_fen and paid.amount_fen > 0
        for key, value in expected.items():
            assert info.data[key] == value, key
    return check


def _transferred(info: ApplicationInfo, resident_id: int) -> None:
    # Applied here (the new place), 联系函 sent, the old place's transfer recorded and merged (66号).
    moved = Transfer.get(Transfer.application == info.id)
    assert (moved.kind, moved.direction, moved.other_region) == ("employee_interprovincial", "in", "广东省深圳市")
    assert (moved.account_fen, moved.pooled_fen, moved.months) == (3_456_789, 1_234_500, 96)
    assert info.data["letter_number"] == "LXH" + info.number
    accounts = {a.kind: a.balance_fen for a in Account.select().where(Account.resident == resident_id)}
    assert accounts["pension_employee"] == 3_456_789
    _enrolled("flexible")(info, resident_id)


def _status_only(info: ApplicationInfo, resident_id: int) -> None:
    assert info.finished


def _determined(info: ApplicationInfo, resident_id: int) -> None:
    assert info.data["accident_date"] == "2026-10-20" and info.data["applicant"] == "worker"
    assert info.data["deadline"] == "2027-10-20"
    assert info.data["decision_number"] == "人社伤认〔2026〕9号" and info.data["decision_date"] == "2026-11-20"


def _card_status(status: str) -> Callable[[ApplicationInfo, int], None]:
    def check(info: ApplicationInfo, resident_id: int) -> None:
        assert Card.get(Card.card_number == info.data["card_number"]).status == status
    return check


def _replaced(info: ApplicationInfo, resident_id: int) -> None:
    assert Card.get(Card.card_number == info.data["old_card"]).status == "replaced"
    _card_status("active")(info, resident_id)


# -- issue 15 lifecycle events: prerequisites and checks ------------------------------------

def _pension_in_payment(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    Benefit.create(resident=person.id, kind="pension", scheme="resident", start_month=dt.date(2020, 4, 1),
                   monthly_fen=20_000, certified_on=dt.date(2025, 10, 1),
                   created_at=clerk.now(), updated_at=clerk.now())


def _certified(info: ApplicationInfo, resident_id: int) -> None:
    assert Benefit.get(Benefit.resident == resident_id).certified_on == dt.date(2026, 11, 29)


def _death_recorded(info: ApplicationInfo, resident_id: int) -> None:
    assert Resident.get_by_id(resident_id).death_date == dt.date(2026, 11, 20)
    assert info.data["result"]["funeral_grant_fen"] == info.data["preview"]["funeral_grant_fen"]


def _deceased(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    lifecycle.record_death(clerk, person.id, dt.date(2026, 11, 1))


def _inherited(info: ApplicationInfo, resident_id: int) -> None:
    paid = BenefitPayment.get((BenefitPayment.application == info.id) & (BenefitPayment.benefit_type == "funeral"))
    assert paid.amount_fen == info.data["funeral_grant_fen"] > 0


def _resident_pension_enrolled(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    _enrol(clerk, person, "enrol_resident_pension")


def _resident_pension_suspended(clerk: ServiceContext, sup: ServiceContext, person: ResidentInfo) -> None:
    _enrol(clerk, person, "enrol_resident_pension")
    lifecycle.change_enrolment(clerk, person.id, "pension", "resident", "suspend", dt.date(2026, 11, 29))


def _enrolment_status(status: str) -> Callable[[ApplicationInfo, int], None]:
    def check(info: ApplicationInfo, resident_id: int) -> None:
        assert Enrolment.get((Enrolment.resident == resident_id) & (Enrolment.insurance == "pension")).status == status
    return check


def _info_changed(info: ApplicationInfo, resident_id: int) -> None:
    # 信息变更 of the 户籍地 (issue 15.2): the clerk reviews and completes it; the old value is kept.
    assert Resident.get_by_id(resident_id).hukou_region == "360721"
    assert info.data["old_value"] == "110101"


@dataclass(frozen=True)
class Walk:
    """How one type is walked: who, what comes first, the form keys, what to check."""

    setup: Callable[[ServiceContext, ServiceContext, ResidentInfo], None] = _nothing
    birth: dt.date = dt.date(1980, 5, 17)
    female: bool = False
    card: bool = True
    submit_keys: Keys = ()
    step_keys: dict[str, Keys] = field(default_factory=dict)
    check: Callable[[ApplicationInfo, int], None] = _status_only
    live: dict[str, str] = field(default_factory=dict)  # what the form's live line says before the last key


def _base_keys() -> Keys:
    # Flexible (key 2), base = floor + 100 yuan, this month, 1 month.
    floor = load_policy(None).policy_for(dt.date(2026, 11, 29)).wage.base_floor_fen
    return keys("2", str(floor // 100 + 100), "enter", "enter", "enter")


WALKS: dict[str, Walk] = {
    "enrol_resident_pension": Walk(check=_enrolled("resident")),
    "enrol_resident_medical": Walk(check=_enrolled("resident", "medical")),
    # 2 = 职工: enrolled through the employer (its 统一社会信用代码 and name).
    "enrol_employee": Walk(submit_keys=keys("2", "91350100M000100Y43", "enter", "示范镇农机厂", "enter"),
                           check=_enrolled("employee")),
    "assessment": Walk(_flexible_enrolled, submit_keys=_base_keys(),
                       step_keys={"recorded": keys("10000", "enter")}, check=_assessment_paid,
                       live={"recorded": "找零"}),
    "benefit_pension": Walk(_resident_pensioner, birth=dt.date(1960, 3, 8), submit_keys=keys("1", "enter"),
                            check=_benefit_paid(account_kind="pension_resident")),
    # The months come from the records (84 imported), never from the form.
    "benefit_unemployment": Walk(_unemployed, step_keys={"calculated": keys("1", "enter")},
                                 check=_benefit_paid(months=18, involuntary=True, months_on_record=84)),
    "benefit_injury": Walk(_injured,
                           step_keys={"calculated": keys("9", "enter", "鉴〔2026〕5号", "enter", "2026-11-10", "enter",
                                                         "6000", "enter")},
                           check=_benefit_paid(grade=9, own_wage_fen=600_000, accident_date="2026-10-01",
                                               disability_decision_number="鉴〔2026〕5号")),
    "benefit_maternity": Walk(_employee_medical, female=True, birth=dt.date(1995, 2, 3),
                              step_keys={"calculated": keys("6000", "enter", "1", "3", "enter")},
                              check=_benefit_paid(employer_wage_fen=600_000, difficult_birth=True, extra_babies=0)),
    # The bill first (the focus is there), 2 县级, two amounts, Enter on 异地就医 否 (local: never cut), 确认.
    "benefit_medical": Walk(_resident_medical, step_keys={"calculated": keys("100000", "enter", "2", "enter", "enter",
                                                                             "enter", "enter")},
                            check=_benefit_paid(level="county", total_fen=10_000_000, filed=True)),
    "transfer": Walk(_flexible_enrolled, submit_keys=keys("1", "4", "广东省深圳市", "enter"),  # 跨省职工, 转入
                     step_keys={"transferring": keys("34567.89", "enter", "12345", "enter", "96", "enter")},
                     check=_transferred),
    "unemployment_registration": Walk(),
    "injury_determination": Walk(submit_keys=keys("2026-10-20", "enter", "1", "enter"),
                                 step_keys={"determined": keys("人社伤认〔2026〕9号", "enter", "2026-11-20", "enter")},
                                 check=_determined),
    "card_apply": Walk(card=False, check=_card_status("active")),
    "card_loss": Walk(check=_card_status("frozen")),
    "card_unfreeze": Walk(_card_lost, check=_card_status("active")),
    "card_replace": Walk(check=_replaced),
    # issue 15 lifecycle events (kiosk.services.lifecycle_apps)
    "certification": Walk(_pension_in_payment, birth=dt.date(1960, 3, 8), submit_keys=keys("enter", "enter"),
                          check=_certified),
    "death_report": Walk(submit_keys=keys("2026-11-20", "enter", "李四", "enter", "配偶", "enter", "enter"),
                         check=_death_recorded),
    "inheritance": Walk(_deceased, submit_keys=keys("李四", "enter", "36072619880315002X", "enter", "配偶", "enter",
                                                    "6217000012345678", "enter"), check=_inherited),
    "enrolment_suspend": Walk(_resident_pension_enrolled, submit_keys=keys("enter", "enter", "enter"),
                              check=_enrolment_status("suspended")),
    "enrolment_resume": Walk(_resident_pension_suspended, submit_keys=keys("enter", "enter", "enter"),
                             check=_enrolment_status("active")),
    "enrolment_end": Walk(_resident_pension_enrolled, submit_keys=keys("enter", "enter", "enter"),
                          check=_enrolment_status("ended")),
    "info_change": Walk(submit_keys=keys("3", "360721", "enter", "户籍证明 赣户证2026-5", "enter"), check=_info_changed),
}


def test_every_workflow_type_has_a_walk() -> None:
    assert set(WALKS) == set(WORKFLOWS)


# -- driving the screens -----------------------------------------------------------------

def _button(app: Any, to_status: str) -> MenuButton:
    return next(b for b in app.screen.query(MenuButton) if b.choice.endswith(f"-{to_status}"))


async def _key_of(pilot: Pilot[Any], to_status: str) -> MenuButton:
    """The transition's button once the screen shows it (the list is rebuilt after each step)."""
    app = pilot.app
    await until(pilot, lambda: any(b.choice.endswith(f"-{to_status}") for b in app.screen.query(MenuButton)))
    return _button(app, to_status)


def _info(app: Any) -> ApplicationInfo | None:
    screen = app.screen
    return screen.info if isinstance(screen, ApplicationScreen) else None


async def _fill(pilot: Pilot[Any], presses: Keys) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, StepForm) and pilot.app.screen.ready)
    await drive(pilot, presses)


async def _home(pilot: Pilot[Any]) -> None:
    while not isinstance(pilot.app.screen, CounterHomeScreen):
        await pilot.press("escape")
        await pilot.pause()


async def _find(pilot: Pilot[Any], id_no: str) -> None:
    await _home(pilot)
    await pilot.press("2")
    await until(pilot, lambda: bool(pilot.app.screen.query("#find-input")))
    await drive(pilot, (id_no, "enter"))
    await until(pilot, lambda: isinstance(pilot.app.screen, ResidentDetailScreen))


async def _confirm(pilot: Pilot[Any]) -> None:
    """The confirmation of a harmful action (screens.counter.keys): its second key, +."""
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmActionModal))
    await pilot.press("plus")


async def _accept(pilot: Pilot[Any], wf: Workflow, materials: list[str], form_keys: Keys, *,
                  confirm: bool = True) -> None:
    """From the resident's detail: 4 受理业务 → group → type → tick materials → Enter → the type's
    form → + in the confirmation (unless ``confirm`` is False: the form refuses)."""
    app = pilot.app
    group_index, types = next((i, t) for i, (_g, t) in enumerate(GROUPS) if wf.type in t)
    await pilot.press("4")
    await until(pilot, lambda: isinstance(app.screen, AcceptTypeScreen))
    await pilot.press(number_key(group_index))
    if len(types) > 1:
        await until(pilot, lambda: isinstance(app.screen, AcceptTypeScreen) and app.screen.group is not None)
        await pilot.press(number_key(types.index(wf.type)))
    await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
    codes = [m.code for m in wf.materials]
    await pilot.press(*(number_key(codes.index(code)) for code in materials))
    await pilot.press("enter")
    if form_keys:
        await _fill(pilot, form_keys)
    if confirm:
        await _confirm(pilot)


async def _opened(pilot: Pilot[Any]) -> ApplicationInfo:
    await until(pilot, lambda: _info(pilot.app) is not None and bool(pilot.app.screen.query("#transitions .menu-button")
                                                                      or _info(pilot.app).finished))  # type: ignore[union-attr]
    info = _info(pilot.app)
    assert info is not None
    return info


async def _relogin(pilot: Pilot[Any], number: str, application: str) -> None:
    await _home(pilot)
    await pilot.press("0")  # 退出登录 (asks: + confirms)
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmActionModal))
    await pilot.press("plus")
    await until(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
    await fast_login(pilot, number)
    pilot.app.push_screen(ApplicationScreen(application))
    await _opened(pilot)


async def _advance(pilot: Pilot[Any], to_status: str, form_keys: Keys, live: str = "") -> ApplicationInfo:
    app = pilot.app
    # The screen reloads after the last step (a service call, then its menu is built again): a key
    # pressed on the menu being replaced is lost (CI, once). Let the reload finish first.
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press((await _key_of(pilot, to_status)).key)
    if form_keys and live:
        await _fill(pilot, form_keys[:-1])
        await until(pilot, lambda: live in text_of(app, "#step-live"))
        await pilot.press(form_keys[-1])
    elif form_keys:
        await _fill(pilot, form_keys)
    await _confirm(pilot)
    await until(pilot, lambda: _info(app) is not None and _info(app).status == to_status)  # type: ignore[union-attr]
    return await _opened(pilot)


@pytest.mark.parametrize("type_", list(WORKFLOWS))
async def test_every_type_walks_every_status(type_: str, database: peewee.Database, clock: FixedClock) -> None:
    wf, walk = WORKFLOWS[type_], WALKS[type_]
    staff(database, clock)
    staff(database, clock, "Z01", "赵主管", "supervisor")
    clerk, sup = clerk_ctx(database, clock, "S001"), clerk_ctx(database, clock, "Z01")
    id_no = id_number(walk.birth, "124" if walk.female else "123")
    person = register_resident(clerk, id_no, "李秀英", issue_card=walk.card)
    walk.setup(clerk, sup, person)
    required = [m.code for m in wf.materials if m.required]
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await fast_login(pilot, "S001")
        await _find(pilot, id_no)

        # 1. Accepted with a required material missing: refused, then returned or rejected with a reason.
        first: ApplicationInfo | None = None
        if wf.can_return or wf.can_reject:
            await _accept(pilot, wf, required[1:], walk.submit_keys)
            first = await _opened(pilot)
            assert first.missing_materials and first.status == wf.first
            nxt = wf.steps[1]
            button = await _key_of(pilot, nxt.code)
            if nxt.supervisor:
                # A clerk cannot take a supervisor step: the key is shown disabled and does nothing.
                assert button.disabled and "需主管" in str(button.label)
                await pilot.press(button.key)
                await pilot.pause(0.1)
            else:
                # Not offered while a required material is missing: shown disabled, saying so.
                assert button.disabled and "缺材料" in str(button.label)
                await pilot.press(button.key)
                await pilot.pause(0.1)
            assert apps.get_application(clerk, first.number).status == wf.first
            end = "returned" if wf.can_return else "rejected"
            await pilot.press(_button(app, end).key)
            if end == "rejected":
                await until(pilot, lambda: isinstance(app.screen, ReasonModal))
                await drive(pilot, ("缺少材料请补齐后再来", "enter"))
            await _confirm(pilot)  # 退回补正 names the missing materials itself
            await until(pilot, lambda: _info(app) is not None and _info(app).status == end)  # type: ignore[union-attr]
            missing_name = next(m.name_zh for m in wf.materials if m.code == required[0])
            expected = "缺少材料请补齐后再来" if end == "rejected" else missing_name
            assert expected in text_of(app, "#application-steps")
            first = apps.get_application(clerk, first.number)
            assert expected in first.reason
            await pilot.press("escape")  # back to the resident
            await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))

        # 2. Accepted with every material and walked to the last status.
        await _accept(pilot, wf, [m.code for m in wf.materials], walk.submit_keys)
        info = await _opened(pilot)
        assert first is None or info.number != first.number
        assert info.status == wf.first and not info.missing_materials
        for step in wf.steps[1:]:
            if step.supervisor:
                button = await _key_of(pilot, step.code)
                assert button.disabled
                await pilot.press(button.key)
                await pilot.pause(0.1)
                assert apps.get_application(clerk, info.number).status == info.status
                await _relogin(pilot, "Z01", info.number)
                info = await _advance(pilot, step.code, walk.step_keys.get(step.code, ()))
                await _relogin(pilot, "S001", info.number)
            else:
                info = await _advance(pilot, step.code, walk.step_keys.get(step.code, ()), walk.live.get(step.code, ""))
        assert info.status == wf.last and info.finished
        await until(pilot, lambda: not app.screen.query("#transitions .menu-button"))

        if type_ == "card_loss":
            # A second loss report is refused: the card is already frozen.
            await _find(pilot, id_no)
            await _accept(pilot, wf, ["id_card"], ())
            await until(pilot, lambda: "没有可挂失" in message(app))
            assert isinstance(app.screen, MaterialsScreen)

    events = list(ApplicationEvent.select().where(ApplicationEvent.application == info.id)
                  .order_by(ApplicationEvent.id))
    assert [e.to_status for e in events] == [s.code for s in wf.steps]
    # 受审分离: every approval by the supervisor, every other step by the clerk who accepted.
    numbers = {s.id: s.number for s in Staff.select()}
    assert [numbers[e.__data__["staff"]] for e in events] == ["Z01" if s.supervisor else "S001" for s in wf.steps]
    walk.check(apps.get_application(clerk, info.number), Resident.get(Resident.id_number == id_no).id)


async def test_step_form_refuses_bad_input_with_a_message(database: peewee.Database, clock: FixedClock) -> None:
    """An impossible date and a base outside the policy bounds are refused in the form, nothing is stored."""
    staff(database, clock)
    clerk = clerk_ctx(database, clock, "S001")
    id_no = id_number(dt.date(1980, 5, 17))
    person = register_resident(clerk, id_no, "李秀英")
    _flexible_enrolled(clerk, clerk, person)
    floor = policy(clerk).wage.base_floor_fen
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await fast_login(pilot, "S001")
        await _find(pilot, id_no)
        wf = WORKFLOWS["injury_determination"]
        await _accept(pilot, wf, [m.code for m in wf.materials], keys("2026-02-30", "enter", "1", "enter"), confirm=False)
        await until(pilot, lambda: "不是有效日期" in text_of(app, "#step-message"))
        form = app.screen
        assert isinstance(form, StepForm)
        # The focus went back to the date: correct it, Enter, 0.
        assert app.focused is form.query_one("#field-accident_date")
        form.query_one("#field-accident_date", Input).value = "2026-12-01"
        # Textual ignores Enter on a button for 0.2 s after it was pressed (its "-active" look):
        # the option 1 chose above must be a person's moment ago, not a test's millisecond.
        await until(pilot, lambda: not form.query(".-active"))
        await drive(pilot, ("enter", "enter", "enter"))
        await until(pilot, lambda: "晚于今天" in text_of(app, "#step-message"))
        await pilot.press("escape")  # a started form asks before it is discarded: + discards
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        assert not apps.list_applications(clerk, resident_id=person.id, type_="injury_determination")

        # The worker's one year has passed: the form is fine, the service refuses with its deadline.
        await pilot.press("enter")
        await _fill(pilot, keys("2025-10-01", "enter", "1", "enter"))
        await _confirm(pilot)
        await until(pilot, lambda: "1年内" in message(app))

        await _find(pilot, id_no)
        wf = WORKFLOWS["assessment"]
        await _accept(pilot, wf, ["id_card"], keys("2", str(floor // 100 - 1), "enter", "enter", "enter"), confirm=False)
        await until(pilot, lambda: "之间" in text_of(app, "#step-message"))
        assert isinstance(app.screen, StepForm)
        assert "下限" in text_of(app, "#step-intro")
    assert not apps.list_applications(clerk, resident_id=person.id, type_="assessment")


async def test_reveal_is_audited(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    clerk = clerk_ctx(database, clock, "S001")
    id_no = id_number(dt.date(1980, 5, 17))
    person = register_resident(clerk, id_no, "李秀英")
    with pytest.raises(PermissionDenied):
        audit_reveal(ServiceContext(database=database, clock=clock), person.id)
    with pytest.raises(ServiceError, match="没有这位参保人"):
        audit_reveal(clerk, person.id + 999)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await fast_login(pilot, "S001")
        await _find(pilot, id_no)
        assert not AuditEntry.select().where(AuditEntry.action == "resident.reveal").exists()
        await pilot.press("9")  # asks first: only + reveals (attack D14)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: "李秀英" in text_of(app, "#detail-identity"))
    entries = list(AuditEntry.select().where(AuditEntry.action == "resident.reveal"))
    assert [(e.actor, e.entity, e.entity_id) for e in entries] == [("S001", "resident", str(person.id))]
