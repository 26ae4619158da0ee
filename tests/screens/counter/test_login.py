"""Counter login: success shows the home with the clerk in the header;
wrong PINs say how many tries are left; the sixth try meets the lockout."""

from __future__ import annotations

import peewee

from db.models import AuditEntry, Staff
from kiosk.clock import FixedClock
from kiosk.services.staff import WRONG
from screens.counter import session as counter_session
from screens.counter.home import CounterHomeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.login import LoginScreen
from tests.screens.counter.helpers import (
    PIN,
    login,
    make_counter_app,
    message,
    staff,
    text_of,
    type_text,
    until,
)


async def test_login_success_shows_home_with_clerk_counter_and_role(database: peewee.Database,
                                                                   clock: FixedClock) -> None:
    staff(database, clock)
    app = make_counter_app(database, clock, counter=3)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await login(pilot)
        header = text_of(app, "#counter-header")
        assert "王芳" in header and "S001" in header and "3号窗口" in header and "经办员" in header
        assert "培训" not in header
        assert app.ctx.staff_number == "S001" and app.ctx.staff_id is not None
        # 0 asks, + logs out: back at the login screen, the context no longer acts as the clerk.
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.ctx.staff_id is None and counter_session.current(app) is None
        await until(pilot, lambda: AuditEntry.select().where(AuditEntry.action == "staff.logout").exists())


async def test_wrong_pin_gets_one_answer_then_lockout_minutes(database: peewee.Database, clock: FixedClock) -> None:
    """Wrong PINs all get the answer an unknown number gets (no "tries left" that
    would tell a stranger the number exists); the fifth locks the account, and
    only the right PIN then learns the minutes remaining."""
    staff(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query("#staff-number"))
        await pilot.click("#staff-number")
        await type_text(pilot, "S001")
        await pilot.press("enter")
        for attempt in range(1, 6):
            await type_text(pilot, "999999")
            await pilot.press("enter")
            await until(pilot, lambda a=attempt: AuditEntry.select().where(
                AuditEntry.action.in_(["staff.login_failed", "staff.locked"])).count() == a)
            await until(pilot, lambda: message(app) == WRONG)
            assert isinstance(app.screen, LoginScreen)
        assert Staff.get(Staff.number == "S001").locked_until is not None
        # Locked: even the right PIN is refused, with the minutes remaining.
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await until(pilot, lambda: "分钟后再试" in message(app))
        assert not isinstance(app.screen, CounterHomeScreen)
        assert app.ctx.staff_id is None


async def test_empty_fields_are_asked_for_and_unknown_staff_refused(database: peewee.Database,
                                                                     clock: FixedClock) -> None:
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query("#staff-number"))
        await pilot.click("#login")
        await until(pilot, lambda: "工号" in message(app))
        await pilot.click("#staff-number")
        await type_text(pilot, "S404")
        await pilot.press("enter")
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await until(pilot, lambda: "不正确" in message(app))
        assert isinstance(app.screen, LoginScreen)


async def test_training_mode_is_marked_on_login_and_home(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    app = make_counter_app(database, clock, training=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query("#training-banner"))
        assert "培训模式" in text_of(app, "#training-banner")
        await login(pilot)
        assert "培训" in text_of(app, "#counter-header")


async def test_full_width_and_lower_case_input_logs_in(database: peewee.Database, clock: FixedClock) -> None:
    """An input method left in full-width mode (工号 Ｓ００１, PIN in full-width
    digits) or a lower-case staff number is the clerk's own account, not a
    wrong PIN counted towards the lock-out (issue 19 follow-up)."""
    staff(database, clock)
    wide_pin = "".join(chr(ord(c) + 0xFEE0) for c in PIN)
    for number, pin in (("Ｓ００１", PIN), ("S001", wide_pin), ("s001", PIN)):
        app = make_counter_app(database, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, number, pin)
            assert app.ctx.staff_number == "S001"
    assert not AuditEntry.select().where(AuditEntry.action == "staff.login_failed").exists()
    assert Staff.get(Staff.number == "S001").failed_attempts == 0
