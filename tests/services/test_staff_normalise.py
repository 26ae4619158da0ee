"""Staff numbers and PINs through the one normaliser (issue 19, follow-up),
on both backends: a clerk whose input method is in full-width mode, or who
types the number in lower case, logs in (counter and kiosk gate), and such
input is never counted towards the lock-out."""

from __future__ import annotations

import peewee
import pytest

from db.models import AuditEntry, Staff
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, staff


@pytest.fixture
def ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    base = ServiceContext(database, clock, terminal="T01")
    staff.add_staff(base, "S001", "王芳", "clerk", "880375")
    return base


@pytest.mark.parametrize("login", [staff.login, staff.gate_login])
@pytest.mark.parametrize(("number", "pin"), [
    ("Ｓ００１", "880375"),
    ("S001", "８８０３７５"),
    ("s001", "880375"),
    (" ｓ００１ ", " ８８０ ３７５ "),
])
def test_full_width_and_lower_case_log_in(ctx: ServiceContext, login: object, number: str, pin: str) -> None:
    session = login(ctx, number, pin)  # type: ignore[operator]
    assert session.number == "S001"
    row = Staff.get(Staff.number == "S001")
    assert row.failed_attempts == 0
    assert not AuditEntry.select().where(AuditEntry.action.in_(
        ["staff.login_failed", "staff.gate_failed"])).exists()


def test_full_width_pin_is_not_counted_towards_the_lock_out(ctx: ServiceContext) -> None:
    for _ in range(staff.MAX_FAILURES + 1):
        staff.login(ctx, "S001", "８８０３７５")
    row = Staff.get(Staff.number == "S001")
    assert row.failed_attempts == 0 and row.locked_until is None


def test_numbers_are_stored_normalised_and_found_case_blind(ctx: ServiceContext) -> None:
    info = staff.add_staff(ctx, "ｓ００２", "李四", "clerk", "６２９１７４")
    assert info.number == "S002"
    assert staff.login(ctx, "s002", "629174").number == "S002"
    with pytest.raises(staff.Conflict):
        staff.add_staff(ctx, "s001", "重复", "clerk", "629174")
    # A row stored before numbers were normalised is still found.
    Staff.update(number="s003").where(Staff.number == "S002").execute()
    assert staff.login(ctx, "Ｓ００３", "629174").number == "s003"


def test_refused_characters_get_the_unknown_answer(ctx: ServiceContext) -> None:
    with pytest.raises(staff.LoginFailed) as failed:
        staff.login(ctx, "S0\u200b01", "880375")
    assert failed.value.message == staff.WRONG
    assert Staff.get(Staff.number == "S001").failed_attempts == 0
