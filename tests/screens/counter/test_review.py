"""Supervisor approval (复核, after the amount exists; never by the clerk who accepted)
and the concurrent-advance conflict, on both backends."""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import ApplicationEvent, Contribution, Enrolment, Staff
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services import applications as application_service
from kiosk.services import residents as resident_service
from kiosk.services.applications import ApplicationInfo
from kiosk.services.registration import ResidentInfo, register_resident
from screens.counter.application import ApplicationScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.reason import ReasonModal
from screens.staff.review import ReviewQueueScreen
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import id_number, login, make_counter_app, message, staff, text_of, until


def _button(app: object, to_status: str) -> MenuButton:
    screen = app.screen  # type: ignore[attr-defined]
    return next(b for b in screen.query(MenuButton) if b.choice.endswith(f"-{to_status}"))


def _calculated_claim(database: peewee.Database, clock: FixedClock) -> tuple[ServiceContext, ResidentInfo,
                                                                             ApplicationInfo]:
    """A maternity claim a clerk (S001) accepted, reviewed and calculated: waiting for 复核."""
    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    clerk = ctx.as_staff(Staff.get(Staff.number == "S001").id, "S001")
    resident = register_resident(clerk, id_number(dt.date(1995, 2, 3), "124"), "孙秀兰")
    for insurance in ("medical", "maternity"):
        Enrolment.create(resident=resident.id, insurance=insurance, scheme="employee", status="active",
                         start_date=dt.date(2024, 1, 1))
    for month in range(1, 13):
        Contribution.create(resident=resident.id, insurance="medical", scheme="employee", month=dt.date(2025, month, 1),
                            base_fen=600_000, individual_fen=12_000, employer_fen=36_000, paid_at=dt.datetime(2025, 12, 1))
    claim = application_service.submit(clerk, resident.id, "benefit_maternity",
                                       {"employer_wage_fen": 600_000, "birth_date": "2026-11-01"},
                                       ["id_card", "birth_cert", "medical_records"])
    application_service.advance(clerk, claim.number, "reviewed")
    claim = application_service.advance(clerk, claim.number, "calculated")
    assert claim.amount_fen
    return ctx, resident, claim


async def test_supervisor_rejects_benefit_with_reason(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock, "Z01", "赵主管", "supervisor")
    ctx, resident, claim = _calculated_claim(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "Z01")
        assert "审核" in str(app.screen.query_one("#choice-worklist", MenuButton).label)
        await pilot.press("5")
        await until(pilot, lambda: app.screen.query("#choice-review"))
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, ReviewQueueScreen) and "共1件" in message(app))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen)
                    and bool(app.screen.query("#transitions .menu-button")))
        await pilot.click(_button(app, "rejected"))
        await until(pilot, lambda: isinstance(app.screen, ReasonModal))
        await pilot.press("enter")  # empty reason is refused
        await until(pilot, lambda: "不能为空" in text_of(app, "#reason-message"))
        await pilot.press(*"出生医学证明与身份信息不符")
        await pilot.press("enter")
        # Refusing is harmful: the confirmation shows the reason and needs its second key.
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert "出生医学证明与身份信息不符" in text_of(app, "#confirm-what")
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and "未通过" in message(app))
        assert "出生医学证明与身份信息不符" in text_of(app, "#application-steps")
    event = ApplicationEvent.select().order_by(ApplicationEvent.id.desc()).first()
    assert event.to_status == "rejected" and event.note == "出生医学证明与身份信息不符"
    assert event.staff_id == Staff.get(Staff.number == "Z01").id
    info = application_service.get_application(ctx, claim.number)
    assert info.status == "rejected" and info.reason == "出生医学证明与身份信息不符"
    # The resident sees the reason under 办理进度.
    views = resident_service.applications(ctx, resident.id)
    assert any(v.number == claim.number and v.reason == "出生医学证明与身份信息不符" for v in views)


async def test_clerk_cannot_approve_supervisor_step(database: peewee.Database, clock: FixedClock) -> None:
    ctx, _resident, claim = _calculated_claim(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        assert not app.screen.query("#choice-review")
        app.push_screen(ApplicationScreen(claim.number))
        await until(pilot, lambda: bool(app.screen.query("#transitions .menu-button")))
        approve = _button(app, "approved")
        assert approve.disabled and "需主管" in str(approve.label)
        await pilot.press(approve.key)
        await pilot.pause(0.2)
    assert application_service.get_application(ctx, claim.number).status == "calculated"


async def test_concurrent_advance_shows_conflict_and_reloads(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    staff(database, clock, "S002", "刘洋")
    ctx = ServiceContext(database=database, clock=clock)
    resident = register_resident(ctx, id_number(dt.date(1980, 5, 17)), "李秀英")
    info = application_service.submit(ctx, resident.id, "enrol_resident_pension", {}, ["id_card", "hukou", "bank"])
    other = ctx.as_staff(Staff.get(Staff.number == "S002").id, "S002")
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(ApplicationScreen(info.number))
        await until(pilot, lambda: bool(app.screen.query("#transitions .menu-button")))
        screen = app.screen
        assert isinstance(screen, ApplicationScreen) and screen.info is not None and screen.info.version == 1
        # Another clerk advances the same application first.
        application_service.advance(other, info.number, "reviewed", expected_version=1)
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: "其他工作人员" in message(app))
        assert "建立个人账户" not in message(app)
        await until(pilot, lambda: screen.info is not None and screen.info.status == "reviewed")
        assert "当前状态：审核" in text_of(app, "#application-summary")
        # The reloaded screen now offers the next step, and it works.
        await until(pilot, lambda: "建立个人账户" in str(screen.query(MenuButton).first().label))
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: screen.info is not None and screen.info.status == "account_opened")
    events = [e.staff_id for e in ApplicationEvent.select().order_by(ApplicationEvent.id)]
    assert len(events) == 3  # submit, the other clerk's step, ours: the losing attempt wrote nothing
