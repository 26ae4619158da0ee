"""kiosk.services.service_password on both backends: records open only with
the password; wrong entries count atomically and lock; the counter sets,
resets and unlocks; every step is audited with the terminal and reason."""

from __future__ import annotations

import threading

import peewee
import pytest

from db.audit import verify_chain
from db.models import AuditEntry, Resident
from kiosk.clock import FixedClock
from kiosk.rules.pins import verify_pin
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services import service_password as svc
from kiosk.services.residents import PrintedCode
from kiosk.services.staff import add_staff
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_ID, ZHANG_NAME, Seeded, seed_residents
from tests.support import SERVICE_PASSWORD, give_passwords


@pytest.fixture
def seeded(database: peewee.Database) -> Seeded:
    seeded = seed_residents(database)
    give_passwords(database, ZHANG_ID)
    return seeded


@pytest.fixture
def kiosk_ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database, clock, terminal="T07")


@pytest.fixture
def clerk_ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    base = ServiceContext(database, clock, terminal="C03")
    info = add_staff(base, "1001", "王芳", "clerk", "2580")
    return base.as_staff(info.id, info.number)


def actions() -> list[str]:
    return [e.action for e in AuditEntry.select().order_by(AuditEntry.seq)]


def test_claim_tells_who_without_personal_data(kiosk_ctx: ServiceContext, seeded: Seeded) -> None:
    claim = svc.claim(kiosk_ctx, ZHANG_CARD)
    assert claim == svc.Claim(seeded.zhang, "card_number", True, False)
    assert ZHANG_NAME not in repr(claim) and ZHANG_ID not in repr(claim)
    assert svc.claim(kiosk_ctx, LI_ID) == svc.Claim(seeded.li, "id_number", False, False)
    with pytest.raises(PrintedCode):
        svc.claim(kiosk_ctx, "SQ20261101000001")


def test_right_password_opens_and_is_audited(kiosk_ctx: ServiceContext, seeded: Seeded) -> None:
    summary = svc.open_records(kiosk_ctx, seeded.zhang, SERVICE_PASSWORD, via="card_number")
    assert summary.id == seeded.zhang and summary.name == ZHANG_NAME
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert entry.action == "resident.open" and entry.entity_id == str(seeded.zhang)
    assert entry.terminal == "T07" and entry.detail == {"via": "card_number", "reason": "service_password"}


def test_full_width_digits_are_the_same_password(kiosk_ctx: ServiceContext, seeded: Seeded) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in SERVICE_PASSWORD)
    assert svc.open_records(kiosk_ctx, seeded.zhang, wide, via="id_number").id == seeded.zhang


def test_no_password_opens_nothing(kiosk_ctx: ServiceContext, seeded: Seeded) -> None:
    with pytest.raises(svc.NoServicePassword, match="请到窗口设置服务密码"):
        svc.open_records(kiosk_ctx, seeded.li, "246801", via="id_number")
    assert "resident.open" not in actions()


def test_five_wrong_entries_lock_until_a_clerk_unlocks(kiosk_ctx: ServiceContext, clerk_ctx: ServiceContext,
                                                       seeded: Seeded) -> None:
    for left in (4, 3, 2, 1):
        with pytest.raises(svc.WrongServicePassword) as wrong:
            svc.open_records(kiosk_ctx, seeded.zhang, "135790", via="card_number")
        assert wrong.value.remaining == left
    with pytest.raises(svc.ServicePasswordLocked):
        svc.open_records(kiosk_ctx, seeded.zhang, "135790", via="card_number")
    # Locked: even the right password is refused, without being checked.
    with pytest.raises(svc.ServicePasswordLocked, match="窗口解锁"):
        svc.open_records(kiosk_ctx, seeded.zhang, SERVICE_PASSWORD, via="card_number")
    assert svc.state(kiosk_ctx, seeded.zhang).locked
    with pytest.raises(ServiceError, match="工作人员"):
        svc.unlock(kiosk_ctx, seeded.zhang)  # never from the resident terminal
    assert svc.unlock(clerk_ctx, seeded.zhang) is True
    assert svc.open_records(kiosk_ctx, seeded.zhang, SERVICE_PASSWORD, via="card_number").id == seeded.zhang
    got = actions()
    assert got.count("resident.password_failed") == 5 and got.count("resident.password_locked") == 1
    assert "resident.open_refused" in got and got[-2:] == ["resident.password_unlock", "resident.open"]
    unlock = AuditEntry.get(AuditEntry.action == "resident.password_unlock")
    assert unlock.actor == "1001" and unlock.terminal == "C03"
    assert verify_chain() is None


def test_parallel_wrong_entries_all_count(database: peewee.Database, kiosk_ctx: ServiceContext,
                                          seeded: Seeded) -> None:
    """Sixteen wrong entries at once (several kiosks, one stolen card) lose no count."""
    barrier = threading.Barrier(16)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            svc.open_records(kiosk_ctx, seeded.zhang, "135790", via="card_number")
        except svc.WrongServicePassword:
            outcomes.append("wrong")
        except svc.ServicePasswordLocked:
            outcomes.append("locked")
        finally:
            database.close()

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    row = Resident.get_by_id(seeded.zhang)
    # Each counted entry got its own number: exactly four heard "wrong", the rest "locked"
    # (an entry that arrives after the lock is refused without being counted).
    assert sorted(outcomes) == ["locked"] * 12 + ["wrong"] * 4
    assert 5 <= row.service_password_failures <= 16 and row.service_password_locked_at is not None
    assert actions().count("resident.password_failed") == row.service_password_failures
    assert actions().count("resident.password_locked") == 1


def test_counter_sets_and_resets_after_the_id_check(clerk_ctx: ServiceContext, kiosk_ctx: ServiceContext,
                                                    seeded: Seeded) -> None:
    with pytest.raises(ServiceError, match="身份证"):
        svc.set_password(clerk_ctx, seeded.li, "518273", id_card_checked=False)
    for weak, needle in (("000000", "同一个数字"), ("123456", "连续"), ("900307", "出生日期"),
                         ("07002X", "6位数字"), ("12345", "6位数字")):
        with pytest.raises(ServiceError, match=needle):
            svc.set_password(clerk_ctx, seeded.li, weak, id_card_checked=True)
    svc.set_password(clerk_ctx, seeded.li, "518273", id_card_checked=True)
    row = Resident.get_by_id(seeded.li)
    assert row.service_password_hash.startswith("$argon2id$") and "518273" not in row.service_password_hash
    assert verify_pin(row.service_password_hash, "518273")
    svc.set_password(clerk_ctx, seeded.li, "730619", id_card_checked=True)  # a reset
    assert svc.open_records(kiosk_ctx, seeded.li, "730619", via="id_number").id == seeded.li
    entries = list(AuditEntry.select().where(AuditEntry.action == "resident.password_set").order_by(AuditEntry.seq))
    assert [e.detail for e in entries] == [{"id_card_checked": True, "channel": "counter", "reset": False},
                                           {"id_card_checked": True, "channel": "counter", "reset": True}]
    assert {e.actor for e in entries} == {"1001"} and {e.terminal for e in entries} == {"C03"}
    with pytest.raises(ServiceError, match="工作人员"):
        svc.set_password(kiosk_ctx, seeded.li, "518273", id_card_checked=True)


def test_id_tail_refused(clerk_ctx: ServiceContext, seeded: Seeded) -> None:
    with pytest.raises(ServiceError, match="后六位"):
        svc.set_password(clerk_ctx, seeded.zhang, ZHANG_ID[-6:], id_card_checked=True)


def test_resident_id_for(kiosk_ctx: ServiceContext, seeded: Seeded) -> None:
    assert svc.resident_id_for(kiosk_ctx, LI_ID.lower()) == seeded.li
    with pytest.raises(NotFound):
        svc.resident_id_for(kiosk_ctx, "110101198001010037")
    with pytest.raises(ServiceError, match="校验"):
        svc.resident_id_for(kiosk_ctx, "110101197003074514")
