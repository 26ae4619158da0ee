"""Supervisor review and the concurrent-advance conflict, on both backends."""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import ApplicationEvent, Staff
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services import applications as application_service
from kiosk.services import residents as resident_service
from kiosk.services.registration import register_resident
from screens.counter.application import ApplicationScreen
from screens.counter.reason import ReasonModal
from screens.staff.review import ReviewQueueScreen
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import id_number, login, make_counter_app, message, staff, text_of, until


def _button(app: object, to_status: str) -> MenuButton:
    screen = app.screen  # type: ignore[attr-defined]
    return next(b for b in screen.query(MenuButton) if b.choice.endswith(f"-{to_status}"))


async def test_supervisor_rejects_benefit_with_reason(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock, "Z01", "赵主管", "supervisor")
    ctx = ServiceContext(database=database, clock=clock)
    resident = register_resident(ctx, id_number(dt.date(1960, 3, 8)), "孙老汉")
    claim = application_service.submit(ctx, resident.id, "benefit_pension", {},
                                       ["id_card", "ss_card", "claim_form", "bank"])
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
        await pilot.press(*"缺少退休审批表原件")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and "未通过" in message(app))
        assert "缺少退休审批表原件" in text_of(app, "#application-steps")
    event = ApplicationEvent.select().order_by(ApplicationEvent.id.desc()).first()
    assert event.to_status == "rejected" and event.note == "缺少退休审批表原件"
    assert event.staff_id == Staff.get(Staff.number == "Z01").id
    info = application_service.get_application(ctx, claim.number)
    assert info.status == "rejected" and info.reason == "缺少退休审批表原件"
    # The resident sees the reason under 办理进度.
    views = resident_service.applications(ctx, resident.id)
    assert any(v.number == claim.number and v.reason == "缺少退休审批表原件" for v in views)


async def test_clerk_cannot_approve_supervisor_step(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    resident = register_resident(ctx, id_number(dt.date(1960, 3, 8)), "孙老汉")
    claim = application_service.submit(ctx, resident.id, "benefit_pension", {},
                                       ["id_card", "ss_card", "claim_form", "bank"])
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        assert not app.screen.query("#choice-review")
        app.push_screen(ApplicationScreen(claim.number))
        await until(pilot, lambda: bool(app.screen.query("#transitions .menu-button")))
        approve = _button(app, "reviewed")
        assert approve.disabled and "需主管" in str(approve.label)
        await pilot.press("1")
        await pilot.pause(0.2)
    assert application_service.get_application(ctx, claim.number).status == "applied"


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
        await until(pilot, lambda: "其他工作人员" in message(app))
        assert "建立个人账户" not in message(app)
        await until(pilot, lambda: screen.info is not None and screen.info.status == "reviewed")
        assert "当前状态：审核" in text_of(app, "#application-summary")
        # The reloaded screen now offers the next step, and it works.
        await until(pilot, lambda: "建立个人账户" in str(screen.query(MenuButton).first().label))
        await pilot.press("1")
        await until(pilot, lambda: screen.info is not None and screen.info.status == "account_opened")
    events = [e.staff_id for e in ApplicationEvent.select().order_by(ApplicationEvent.id)]
    assert len(events) == 3  # submit, the other clerk's step, ours: the losing attempt wrote nothing
