"""Staff accounts: add, login with lockout in the database, PIN change, roles."""

from __future__ import annotations

import peewee
import pytest

from db.audit import verify_chain
from db.models import AuditEntry, Staff
from kiosk.clock import FixedClock
from kiosk.services import Conflict, ServiceContext, ServiceError, staff


@pytest.fixture
def ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database, clock, terminal="C01")


def test_add_staff_hashes_pin_and_audits(ctx: ServiceContext) -> None:
    info = staff.add_staff(ctx, "0001", "王芳", "clerk", "2580")
    row = Staff.get(Staff.number == "0001")
    assert info.role == "clerk" and info.active
    assert row.pin_hash.startswith("$argon2id$") and "2580" not in row.pin_hash
    assert [e.action for e in AuditEntry.select()] == ["staff.add"]


@pytest.mark.parametrize(("number", "role", "pin", "needle"), [
    ("0002", "boss", "2580", "角色"),
    ("0002", "clerk", "1234", "太简单"),
    ("0002", "clerk", "12a4", "4到12位数字"),
    ("", "clerk", "2580", "工号"),
])
def test_add_staff_refuses_bad_input(ctx: ServiceContext, number: str, role: str, pin: str, needle: str) -> None:
    with pytest.raises(ServiceError, match=needle):
        staff.add_staff(ctx, number, "李四", role, pin)
    assert Staff.select().count() == 0


def test_duplicate_number_is_a_conflict(ctx: ServiceContext) -> None:
    staff.add_staff(ctx, "0001", "王芳", "clerk", "2580")
    with pytest.raises(Conflict, match="已存在"):
        staff.add_staff(ctx, "0001", "李四", "admin", "3691")


def test_login_success_resets_failures(ctx: ServiceContext) -> None:
    staff.add_staff(ctx, "0001", "王芳", "supervisor", "2580")
    with pytest.raises(staff.LoginFailed) as failed:
        staff.login(ctx, "0001", "0000")
    assert failed.value.message == staff.WRONG  # the same words an unknown number gets
    assert Staff.get(Staff.number == "0001").failed_attempts == 1
    session = staff.login(ctx, "0001", "2580")
    assert session.number == "0001" and session.is_supervisor
    assert Staff.get(Staff.number == "0001").failed_attempts == 0
    acting = session.context(ctx)
    assert acting.staff_id == session.staff_id and acting.actor == "0001"


def test_lockout_after_five_failures_for_fifteen_minutes(ctx: ServiceContext, clock: FixedClock) -> None:
    staff.add_staff(ctx, "0001", "王芳", "clerk", "2580")
    for _ in range(4):
        with pytest.raises(staff.LoginFailed, match="不正确"):
            staff.login(ctx, "0001", "9999")
    with pytest.raises(staff.LoginFailed, match="不正确"):  # no hint to a stranger that it exists
        staff.login(ctx, "0001", "9999")
    assert Staff.get(Staff.number == "0001").locked_until is not None
    # Even the right PIN is refused while locked, with the minutes remaining.
    clock.advance(minutes=5)
    with pytest.raises(staff.LoginFailed, match="请 10 分钟后再试"):
        staff.login(ctx, "0001", "2580")
    clock.advance(minutes=10, seconds=1)
    assert staff.login(ctx, "0001", "2580").number == "0001"
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.seq)]
    assert actions.count("staff.login_failed") == 4
    assert actions.count("staff.locked") == 1
    assert actions.count("staff.login_refused_locked") == 1
    assert actions[-1] == "staff.login"
    assert verify_chain() is None


def test_unknown_and_deactivated_staff_cannot_log_in(ctx: ServiceContext) -> None:
    staff.add_staff(ctx, "0001", "王芳", "clerk", "2580")
    with pytest.raises(staff.LoginFailed, match="工号或PIN不正确"):
        staff.login(ctx, "9999", "2580")
    staff.deactivate(ctx, "0001")
    with pytest.raises(staff.LoginFailed, match="已停用"):
        staff.login(ctx, "0001", "2580")


def test_change_pin_needs_old_pin(ctx: ServiceContext) -> None:
    staff.add_staff(ctx, "0001", "王芳", "clerk", "2580")
    with pytest.raises(staff.LoginFailed):
        staff.change_pin(ctx, "0001", "1111", "3691")
    staff.change_pin(ctx, "0001", "2580", "3691")
    with pytest.raises(staff.LoginFailed):
        staff.login(ctx, "0001", "2580")
    assert staff.login(ctx, "0001", "3691").number == "0001"


def test_only_admin_adds_staff_when_logged_in(ctx: ServiceContext) -> None:
    clerk = staff.add_staff(ctx, "0001", "王芳", "clerk", "2580")
    admin = staff.add_staff(ctx, "0009", "赵六", "admin", "3691")
    as_clerk = ctx.as_staff(clerk.id, clerk.number)
    with pytest.raises(staff.PermissionDenied, match="管理员"):
        staff.add_staff(as_clerk, "0002", "李四", "clerk", "4702")
    as_admin = ctx.as_staff(admin.id, admin.number)
    assert staff.add_staff(as_admin, "0002", "李四", "clerk", "4702").number == "0002"
    assert AuditEntry.select().order_by(AuditEntry.seq.desc()).get().actor == "0009"
