"""Identity at the kiosk (issue 19.2, 19.3, 19.6, 19.7), Pilot tests on SQLite
and PostgreSQL against the real app: printed codes open only what they name,
an ID number without the service password shows nothing personal, five
wrong passwords lock self-service until `kiosk card unlock`, wrong PINs at
the public staff gate never lock the account, the counter sets the password
after the ID check, and idle wipes every trace (clipboard included)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.widgets import Checkbox, Input

from db.models import AuditEntry, Resident, Staff, Ticket, bind
from kiosk.app import KioskApp, make_app
from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.rules.pins import verify_pin
from kiosk.services import ServiceContext
from kiosk.services.staff import add_staff
from screens.counter.home import CounterHomeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.resident_detail import ResidentDetailScreen
from screens.counter.service_password import CounterPasswordScreen
from screens.resident.attract import AttractScreen
from screens.resident.code_progress import CodeProgressScreen
from screens.resident.guide import TopicScreen
from screens.resident.home import ResidentHomeScreen
from screens.resident.identify import IdentifyScreen
from screens.resident.password import ServicePasswordScreen
from screens.resident.rate import TicketRatingScreen
from screens.resident.ticket import TicketScreen
from screens.widgets.staff_gate import MaintenanceModal, StaffPinModal, throttle_of
from tests.screens.counter.helpers import PIN, login, make_counter_app, until
from tests.screens.test_resident_flows import screen_text
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_ID, ZHANG_NAME, Seeded, seed_residents
from tests.support import SERVICE_PASSWORD, RecordingPrinter, give_passwords, sign_in

SIZE = (100, 30)
PERSONAL = (ZHANG_NAME, "张*国", ZHANG_ID, "1101**********4515", "11,520.00", "2031-07-07")


@pytest.fixture
def kiosk_db(database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """The test residents; 张卫国 has the service password, 李秀英 has none yet."""
    seeded = seed_residents(database)
    give_passwords(database, ZHANG_ID)
    return database, seeded


def build(database: peewee.Database, clock: FixedClock, **kwargs: Any) -> KioskApp:
    return make_app(Settings(source="(test)"), database, RecordingPrinter(), clock, **kwargs)


async def to_identify(pilot: Any) -> None:
    await pilot.press("f1")  # 查询: the identify prompt
    await until(pilot, lambda: isinstance(pilot.app.screen, IdentifyScreen) and pilot.app.focused is not None
                and pilot.app.focused.id == "card-input")


async def type_at_identify(pilot: Any, text: str) -> None:
    await to_identify(pilot)
    await pilot.press(*text.lower(), "enter")


def no_home(app: KioskApp) -> bool:
    return app.session is None and not any(isinstance(s, ResidentHomeScreen) for s in app.screen_stack)


async def test_ticket_code_shows_only_the_tickets_place(kiosk_db: tuple[peewee.Database, Seeded],
                                                        clock: FixedClock) -> None:
    database, seeded = kiosk_db
    now = clock.now_utc().replace(tzinfo=None)
    for number, who in ((6, seeded.zhang), (7, seeded.li)):
        Ticket.create(day=dt.date(2026, 11, 29), prefix="A", number=number, code=f"A00{number}", resident=who,
                      queue_key=now + dt.timedelta(seconds=number), taken_at=now)
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_identify(pilot, "T20261129A007")
        await until(pilot, lambda: isinstance(app.screen, TicketRatingScreen) and "A007" in screen_text(app))
        await pilot.app.workers.wait_for_complete()
        text = screen_text(app)
        assert "1" in text and no_home(app)  # one ticket ahead, and nothing else
        for secret in ("李*英", "李秀英", LI_ID, "1101**********002X", *PERSONAL):
            assert secret not in text, secret


async def test_application_number_shows_only_that_application_masked(kiosk_db: tuple[peewee.Database, Seeded],
                                                                    clock: FixedClock) -> None:
    database, _ = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_identify(pilot, "SQ20261101000001")
        await until(pilot, lambda: isinstance(app.screen, CodeProgressScreen) and app.screen.data is not None)
        text = screen_text(app)
        # A bare (sequential) number: the status and the steps, no name (issue 19 follow-up).
        assert "SQ20261101000001" in text and "回执上的核验码" in text
        assert "SQ20261020000007" not in text  # the same person's other application stays closed
        for secret in (ZHANG_NAME, "张*国", ZHANG_ID, "1101**********4515", "11,520.00"):
            assert secret not in text, secret
        assert no_home(app)
        bind(database)
        lookup = AuditEntry.select().where(AuditEntry.action == "application.lookup").get()
        assert lookup.entity_id == "SQ20261101000001" and lookup.terminal == app.ctx.terminal
        assert lookup.detail["full"] is False


async def test_a_guessed_application_number_shows_no_reason_but_the_receipt_code_does(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """Counting through SQ numbers shows no rejection reason and no business
    type; the receipt's random verification code (document.code, RC…) shows
    the masked applicant, the type and the reason."""
    from db.models import PrintJob

    database, seeded = kiosk_db
    bind(database)
    now = clock.now_utc().replace(tzinfo=None)
    PrintJob.create(code="RC7K2M9Q4T1B", kind="acceptance", next_try_at=now, terminal="T01", created_at=now,
                    resident=seeded.zhang, document={"lines": ["受理回执", "业务编号 SQ20261020000007"]})
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_identify(pilot, "SQ20261020000007")
        await until(pilot, lambda: isinstance(app.screen, CodeProgressScreen) and app.screen.data is not None)
        text = screen_text(app)
        assert "SQ20261020000007" in text
        for secret in ("缴费不满1年", "失业", "张*国", ZHANG_NAME):
            assert secret not in text, secret
        app.end_session()
        await type_at_identify(pilot, "RC7K2M9Q4T1B")
        await until(pilot, lambda: isinstance(app.screen, CodeProgressScreen) and app.screen.data is not None
                    and app.screen.data.full)
        text = screen_text(app)
        assert "缴费不满1年" in text and "失业" in text and "张*国" in text and ZHANG_NAME not in text
        assert no_home(app)


async def test_id_number_without_password_shows_nothing_personal(kiosk_db: tuple[peewee.Database, Seeded],
                                                                 clock: FixedClock) -> None:
    database, _ = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*ZHANG_ID, "enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        await pilot.app.workers.wait_for_complete()
        text = screen_text(app)
        assert "服务密码" in text and no_home(app)
        for secret in PERSONAL:
            assert secret not in text, secret
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ServicePasswordScreen))
        app.end_session()
        # 李秀英 has no password yet: the counter message, and what needs none.
        await pilot.press(*LI_ID, "enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        text = screen_text(app)
        assert "请到窗口设置服务密码" in text and "李*英" not in text and no_home(app)
        assert not app.screen.query("#password-input")
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, TopicScreen))
        assert "139" in screen_text(app)  # how the resident pension is worked out
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert no_home(app)
        bind(database)
        assert not AuditEntry.select().where(AuditEntry.action == "resident.open").exists()


async def test_five_wrong_passwords_lock_and_kiosk_card_unlock_opens(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD, "135790")
        assert isinstance(app.screen, ServicePasswordScreen) and "还可再试 4 次" in screen_text(app)
        for _ in range(4):
            await pilot.press(*"135790", "enter")
            await pilot.pause(0.05)
            await pilot.app.workers.wait_for_complete()
        await until(pilot, lambda: "窗口解锁" in screen_text(app))
        assert not app.screen.query("#password-input") and no_home(app)
        app.end_session()
        # Locked for the card: the right password is not even asked for.
        await pilot.press(*ZHANG_CARD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        assert "窗口解锁" in screen_text(app) and not app.screen.query("#password-input")
        app.end_session()
        await pilot.pause()

        monkeypatch.delenv("KIOSK_CONFIG", raising=False)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
        monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
        monkeypatch.setenv("KIOSK_DATABASE_URL", db_url)
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        assert main(["card", "unlock", ZHANG_ID]) == 0
        bind(database)

        await sign_in(pilot, ZHANG_CARD)
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        assert app.session is not None and app.session.id == seeded.zhang
        opened = AuditEntry.select().where(AuditEntry.action == "resident.open").get()
        assert opened.detail == {"via": "card_number", "reason": "service_password"}
        assert opened.terminal == app.ctx.terminal


async def test_six_wrong_pins_at_the_kiosk_gate_leave_counter_login_working(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, _ = kiosk_db
    add_staff(ServiceContext(database, clock), "S001", "王芳", "admin", PIN)
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        throttle_of(app).base = 0.05  # the real gate waits 1, 2, 4 ... s
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, StaffPinModal))
        pin = app.screen.query_one("#staff-pin", Input)
        for attempt in range(6):
            app.screen.query_one("#staff-number", Input).value = "S001"
            await until(pilot, lambda: not pin.disabled and throttle_of(app).wait_left() == 0)
            pin.focus()
            await pilot.press(*"135790", "enter")
            await until(pilot, lambda n=attempt: throttle_of(app).failures == n + 1)
        # The terminal slows down: a try during the wait is not even checked.
        throttle_of(app).base = 60.0
        throttle_of(app).failed()
        before = AuditEntry.select().where(AuditEntry.action == "staff.gate_failed").count()
        pin.disabled = False
        pin.focus()
        await pilot.press(*PIN, "enter")
        await pilot.pause(0.1)
        assert "请等待" in screen_text(app) and not isinstance(app.screen, MaintenanceModal)
        bind(database)
        assert AuditEntry.select().where(AuditEntry.action == "staff.gate_failed").count() == before == 6
    row = Staff.get(Staff.number == "S001")
    assert row.failed_attempts == 0 and row.locked_until is None
    counter = make_counter_app(database, clock)
    async with counter.run_test(size=(120, 40)) as pilot:
        await login(pilot, "S001", PIN)
        assert isinstance(counter.screen, CounterHomeScreen)


async def test_gate_says_the_truth_and_closes_its_fields_while_waiting(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """The gate never locks, so its answer says so (no "账号将锁定"); during the
    wait both fields are closed, typed keys go nowhere (not into 工号) and the
    seconds left are shown; afterwards a full-width PIN is accepted."""
    database, _ = kiosk_db
    add_staff(ServiceContext(database, clock), "S001", "王芳", "admin", PIN)
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        throttle_of(app).base = 30.0
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, StaffPinModal))
        gate = app.screen
        number = gate.query_one("#staff-number", Input)
        pin = gate.query_one("#staff-pin", Input)
        number.value = "S001"
        pin.focus()
        await pilot.press(*"135790", "enter")
        await until(pilot, lambda: throttle_of(app).failures == 1 and "请等待" in screen_text(app))
        said = screen_text(app)
        assert "请稍候再试" in said and "锁定" not in said and "请等待 30 秒" in said
        assert number.disabled and pin.disabled
        await pilot.press(*"000002", "enter")
        await pilot.pause(0.05)
        assert number.value == "S001" and pin.value == "" and throttle_of(app).failures == 1
        throttle_of(app).retry_at = 0.0  # the wait is over
        await until(pilot, lambda: not number.disabled and not pin.disabled and pin.has_focus)
        await pilot.press(*("".join(chr(ord(c) + 0xFEE0) for c in PIN)))
        assert pin.value == "".join(chr(ord(c) + 0xFEE0) for c in PIN)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MaintenanceModal))


async def test_counter_sets_the_password_after_the_id_check(kiosk_db: tuple[peewee.Database, Seeded],
                                                            clock: FixedClock) -> None:
    database, seeded = kiosk_db
    add_staff(ServiceContext(database, clock), "S001", "王芳", "clerk", PIN)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "S001", PIN)
        await pilot.press("2")
        await until(pilot, lambda: bool(app.screen.query("#find-input")))
        await pilot.press(*LI_ID, "enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("7")
        await until(pilot, lambda: isinstance(app.screen, CounterPasswordScreen)
                    and "尚未设置" in screen_text(app))
        screen = app.screen

        async def submit(first: str, second: str, checked: bool) -> None:
            screen.query_one("#password-checked", Checkbox).value = checked
            screen.query_one("#password-new", Input).value = first
            screen.query_one("#password-again", Input).value = second
            screen.save()  # what the 保存密码 button and Enter in the second field do
            await pilot.pause(0.05)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        screen.query_one("#password-new", Input).value = "518273"
        screen.query_one("#password-again", Input).value = "518273"
        await pilot.click("#password-save")
        await until(pilot, lambda: "身份证原件并勾选" in screen_text(app))  # not ticked: nothing saved
        await submit("123456", "123456", True)
        assert "连续" in screen_text(app)
        await submit("518273", "518274", True)
        assert "不一致" in screen_text(app)
        bind(database)
        assert Resident.get_by_id(seeded.li).service_password_hash == ""
        await submit("518273", "518273", True)
        await until(pilot, lambda: "已设置服务密码" in screen_text(app))
        assert screen.query_one("#password-new", Input).value == ""
        assert verify_pin(Resident.get_by_id(seeded.li).service_password_hash, "518273")
        got = {e.action: e for e in AuditEntry.select()}
        assert got["resident.password_set"].actor == "S001"
        # Found by ID number (then the detail screen's own look, reason counter_records).
        opened = [e.detail for e in AuditEntry.select().where(AuditEntry.action == "resident.open")]
        assert {"channel": "counter", "reason": "id_number"} in opened


async def test_counter_reveal_is_audited_with_reason(kiosk_db: tuple[peewee.Database, Seeded],
                                                     clock: FixedClock) -> None:
    database, seeded = kiosk_db
    add_staff(ServiceContext(database, clock), "S001", "王芳", "clerk", PIN)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "S001", PIN)
        await pilot.press("2")
        await until(pilot, lambda: bool(app.screen.query("#find-input")))
        await pilot.press(*ZHANG_CARD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("9")  # asks first: only + reveals (attack D14)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: ZHANG_ID in screen_text(app))
        bind(database)
        reveal = AuditEntry.select().where(AuditEntry.action == "resident.reveal").get()
        assert reveal.detail == {"reason": "counter_detail"} and reveal.terminal == app.ctx.terminal
        assert reveal.entity_id == str(seeded.zhang) and reveal.actor == "S001"


async def test_idle_wipes_clipboard_password_entry_and_every_screen(kiosk_db: tuple[peewee.Database, Seeded],
                                                                     clock: FixedClock) -> None:
    database, _ = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        app.copy_to_clipboard(ZHANG_ID)  # e.g. cut from a wizard's field with ctrl+x
        app.notify(ZHANG_NAME)
        await pilot.press("3")
        await until(pilot, lambda: "11,520.00" in screen_text(app))
        app.idle_seconds = 1.5  # walked away now (not while a busy machine was still getting here)
        await until(pilot, lambda: isinstance(app.screen, AttractScreen), timeout=15)
        assert app.session is None and app.clipboard == "" and not app._notifications
        assert len(app.screen_stack) == 2  # Textual's default screen and the attract screen
        for secret in PERSONAL:
            assert secret not in screen_text(app), secret
        # Half a password typed, then walked away: the entry goes too.
        await pilot.press(*ZHANG_CARD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        entry = app.screen
        await pilot.press(*SERVICE_PASSWORD[:4])
        assert entry.query_one("#password-input", Input).value == SERVICE_PASSWORD[:4]
        await until(pilot, lambda: isinstance(app.screen, AttractScreen), timeout=15)
        assert not any(isinstance(s, ServicePasswordScreen) for s in app.screen_stack)
        assert app.screen.query_one("#card-input", Input).value == "" and app.session is None
