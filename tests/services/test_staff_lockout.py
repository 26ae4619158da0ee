"""Staff lock-out that a stranger cannot trigger (issue 19.6), on both backends:
the kiosk's staff gate never counts towards the lock; counter logins count
atomically (16 parallel wrong PINs lock the account); unknown and known
staff numbers get the same message after the same argon2 work."""

from __future__ import annotations

import threading

import peewee
import pytest

from db.models import AuditEntry, Staff
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, staff


@pytest.fixture
def ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    base = ServiceContext(database, clock, terminal="T01")
    staff.add_staff(base, "9001", "赵管理", "admin", "2580")
    return base


def test_gate_failures_never_lock_and_are_audited(ctx: ServiceContext) -> None:
    for _ in range(12):
        with pytest.raises(staff.LoginFailed) as failed:
            staff.gate_login(ctx, "9001", "1357")
        assert failed.value.message == staff.GATE_WRONG
    assert "锁定" not in staff.GATE_WRONG  # the gate never locks, so it never threatens to
    row = Staff.get(Staff.number == "9001")
    assert row.failed_attempts == 0 and row.locked_until is None
    assert staff.gate_login(ctx, "9001", "2580").number == "9001"
    assert staff.login(ctx, "9001", "2580").number == "9001"  # and the counter still lets them in
    gate = list(AuditEntry.select().where(AuditEntry.action == "staff.gate_failed"))
    assert len(gate) == 12 and {e.terminal for e in gate} == {"T01"}


def test_gate_delay_grows_and_is_capped() -> None:
    assert [staff.gate_delay(n) for n in range(6)] == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert staff.gate_delay(30) == staff.GATE_DELAY_CAP
    assert staff.gate_delay(3, base=0.5) == 2.0


@pytest.mark.parametrize("login", [staff.login, staff.gate_login])
def test_unknown_and_known_numbers_get_the_same_answer_after_the_same_work(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, login: object) -> None:
    checked: list[str] = []
    real = staff.verify_pin

    def spy(pin_hash: str, pin: str) -> bool:
        checked.append(pin_hash)
        return real(pin_hash, pin)

    monkeypatch.setattr(staff, "verify_pin", spy)
    answers = []
    for number in ("9001", "8888"):
        with pytest.raises(staff.LoginFailed) as failed:
            login(ctx, number, "1357")  # type: ignore[operator]
        answers.append(failed.value.message)
    assert answers[0] == answers[1] == (staff.WRONG if login is staff.login else staff.GATE_WRONG)
    # One argon2 verification each: the real hash, then the dummy one with the same parameters.
    known = Staff.get(Staff.number == "9001").pin_hash
    assert checked[0] == known and checked[1] == staff._dummy_hash() and len(checked) == 2
    assert checked[1].startswith("$argon2id$") and checked[1].split("$")[3] == known.split("$")[3]


def test_locked_or_inactive_is_told_only_to_the_right_pin(ctx: ServiceContext) -> None:
    for _ in range(staff.MAX_FAILURES):
        with pytest.raises(staff.LoginFailed, match="不正确"):
            staff.login(ctx, "9001", "1357")
    with pytest.raises(staff.LoginFailed) as wrong:
        staff.login(ctx, "9001", "1357")
    assert wrong.value.message == staff.WRONG
    with pytest.raises(staff.LoginFailed, match="已锁定"):
        staff.login(ctx, "9001", "2580")


def test_sixteen_parallel_wrong_counter_logins_lock_the_account(database: peewee.Database,
                                                                ctx: ServiceContext) -> None:
    """On PostgreSQL each login runs on its own connection at the same moment;
    the count is one UPDATE ... SET n = n + 1, so none is lost."""
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait()
            staff.login(ctx, "9001", "1357")
        except staff.LoginFailed:
            pass
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    row = Staff.get(Staff.number == "9001")
    assert row.locked_until is not None
    failed = AuditEntry.select().where(AuditEntry.action == "staff.login_failed").count()
    locked = AuditEntry.select().where(AuditEntry.action == "staff.locked").count()
    assert failed + locked == 16 and locked == 3  # every 5th wrong PIN (re)locks: 5, 10, 15
    assert row.failed_attempts == 1
    with pytest.raises(staff.LoginFailed, match="已锁定"):
        staff.login(ctx, "9001", "2580")
