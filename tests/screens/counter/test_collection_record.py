"""凭回执登记 at the counter (issue 15.3), Pilot: where the local policy names the bank and no
counter collection for resident medical, the payment wizard offers no cash — it asks for the
bank's transaction number (focused), confirms with the second key and records the payment
once with its reference; the same reference again is refused with a message. Where the policy
lets the counter collect, the confirm screen offers the counter methods only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import peewee
from textual.widgets import Input

from db.connection import write_transaction
from db.models import Enrolment, Payment
from kiosk.app import KioskApp, make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.policy import DEFAULT_POLICY_FILE
from kiosk.services import ServiceContext
from kiosk.services.registration import ResidentInfo, register_resident
from screens.counter.collection import ChannelRecordScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.payment import PaymentConfirmScreen, PaymentDoneScreen, PaymentScreen
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import id_number, login, message, staff, text_of, type_text, until
from tests.support import RecordingPrinter

COUNTER_MEDICAL = '"resident.medical" = { channel = "tax", counter = true }'


def _app(database: peewee.Database, clock: FixedClock, tmp_path: Path, *, counter: bool) -> KioskApp:
    settings = Settings()
    settings.terminal.mode = "counter"
    settings.terminal.counter = 3
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    assert COUNTER_MEDICAL in text
    if not counter:
        text = text.replace(COUNTER_MEDICAL, '"resident.medical" = { channel = "bank", counter = false }')
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    settings.policy.file = str(policy)
    return make_app(settings, database, RecordingPrinter(), clock, mode="counter")


def _person(database: peewee.Database, clock: FixedClock) -> ResidentInfo:
    ctx = ServiceContext(database=database, clock=clock)
    person = register_resident(ctx, id_number(dt.date(1980, 4, 1)), "钱秀英")
    with database.connection_context(), write_transaction(database):
        Enrolment.create(resident=person.id, insurance="medical", scheme="resident", status="active",
                         start_date=dt.date(2020, 1, 1))
    return person


def _offered(app: Any, purpose: str) -> bool:
    """The payment screen is open and offers ``purpose`` (its choices wait for the records' answer)."""
    return isinstance(app.screen, PaymentScreen) and any(not b.disabled for b in app.screen.query(f"#choice-{purpose}"))


async def test_bank_collected_medical_is_recorded_by_reference(database: peewee.Database, clock: FixedClock,
                                                               tmp_path: Path) -> None:
    staff(database, clock)
    person = _person(database, clock)
    app = _app(database, clock, tmp_path, counter=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        for attempt in ("BK-2026-0001", "bk-2026-0001"):
            app.push_screen(PaymentScreen(person))
            await until(pilot, lambda: _offered(app, "resident_medical"))
            await pilot.press("2")  # 城乡居民医疗保险
            await until(pilot, lambda: isinstance(app.screen, ChannelRecordScreen)
                        and app.focused is app.screen.query_one("#reference"))
            screen = app.screen
            assert "银行代扣" in text_of(app, "#channel-summary") and "窗口不收现金" in text_of(app, "#channel-summary")
            assert not screen.query(".method")  # no cash, no card: the counter does not collect here
            await pilot.press("enter")
            await until(pilot, lambda: "流水号" in message(app))
            await type_text(pilot, attempt)
            assert screen.query_one("#reference", Input).value == attempt
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            await pilot.press("plus")
            if attempt == "BK-2026-0001":
                await until(pilot, lambda: isinstance(app.screen, PaymentDoneScreen))
                assert "银行代扣" in text_of(app, "#payment-receipt")
                await pilot.press("0")
            else:  # the same bank transaction again (typed in lower case): refused, nothing recorded
                await until(pilot, lambda: "已经登记过" in message(app))
                assert app.screen is screen
    with database.connection_context():
        [payment] = list(Payment.select())
        assert (payment.channel, payment.reference, payment.method, payment.amount_fen) == (
            "bank", "BK-2026-0001", "withhold", 40000)


async def test_counter_collection_offers_counter_methods_only(database: peewee.Database, clock: FixedClock,
                                                              tmp_path: Path) -> None:
    staff(database, clock)
    person = _person(database, clock)
    app = _app(database, clock, tmp_path, counter=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        app.push_screen(PaymentScreen(person))
        await until(pilot, lambda: _offered(app, "resident_medical"))
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, PaymentConfirmScreen))
        methods = [b.choice for b in app.screen.query(".method").results(MenuButton)]
        assert methods == ["method-cash", "method-bank", "method-card"]
