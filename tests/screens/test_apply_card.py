"""Pilot tests: the card loss report (two confirmations, frozen at once) and
the idle watchdog in the middle of a wizard."""

from __future__ import annotations

from collections.abc import Callable

import peewee

from db.models import Application, Card
from kiosk.app import KioskApp
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_done import ApplyDoneScreen
from screens.resident.apply_transfer import TransferDirectionScreen
from screens.resident.attract import AttractScreen
from tests.screens.apply_support import SIZE, applications_of, identify, press, receipt_text, screen_text
from tests.screens.counter.helpers import until
from tests.services.resident_factory import ZHANG_CARD, ZHANG_ID, ZHANG_NAME, Seeded


async def test_card_loss_cancelled_at_second_confirm_writes_nothing(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "6")
        assert isinstance(app.screen, ApplyConfirmScreen) and not app.screen.second
        await press(pilot, "1")
        assert isinstance(app.screen, ApplyConfirmScreen) and app.screen.second
        assert "请再次确认" in screen_text(app)
        await press(pilot, "0")
        assert isinstance(app.screen, ApplyConfirmScreen) and not app.screen.second
        assert applications_of(zhang, "card_loss") == []
        assert Card.get(Card.card_number == ZHANG_CARD).status == "active"


async def test_card_loss_confirmed_twice_freezes_the_card(make_kiosk: Callable[..., KioskApp],
                                                          seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "6", "1")
        await press(pilot, "1", "plus", wait=0.3)
        assert isinstance(app.screen, ApplyDoneScreen)
        [row] = applications_of(zhang, "card_loss")
        assert row.status == "reported"
        assert Card.get(Card.card_number == ZHANG_CARD).status == "frozen"
        text = screen_text(app)
        assert row.number in text and "即时办结" in text
        assert "社保卡挂失" in receipt_text(row.number)


async def test_idle_timeout_mid_wizard_writes_nothing_and_clears(make_kiosk: Callable[..., KioskApp],
                                                                 seeded_db: tuple[peewee.Database, Seeded]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        before = Application.select().count()
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "5", "1")  # mid-wizard: the direction step (his open transfer is said at 转出/转入)
        assert isinstance(app.screen, TransferDirectionScreen)
        # The resident walks away only now: a short idle from the start could run out while a
        # busy machine was still getting here.
        app.idle_seconds = 1.0
        await until(pilot, lambda: isinstance(app.screen, AttractScreen), timeout=15)
        assert app.session is None
        assert Application.select().count() == before
        text = screen_text(app)
        for secret in (ZHANG_NAME, "张*国", ZHANG_ID, ZHANG_CARD, "1101**********4515", "北京市"):
            assert secret not in text
