"""Pilot tests: the annual resident pension contribution — tier choice with the
subsidy shown, a payment-pending 缴费核定 (no money at the kiosk), then the
clerk records the payment at the counter through the same application."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import peewee

from db.models import Account, Contribution, Payment
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.policy import load_policy
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceContext
from kiosk.services import applications as apps
from kiosk.services.staff import add_staff
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_contribution import TierScreen
from screens.resident.apply_done import ApplyDoneScreen
from tests.screens.apply_support import SIZE, applications_of, identify, press, receipt_text, screen_text
from tests.services.resident_factory import LI_ID, ZHANG_CARD, Seeded

TIERS = load_policy(None).policy_for(dt.date(2026, 11, 29)).resident_pension.tiers


async def test_tier_choice_creates_payment_pending_assessment(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, seeded = seeded_db
    third = TIERS[2]  # key 3
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, LI_ID)
        await press(pilot, "8", "3")
        assert isinstance(app.screen, TierScreen)
        text = screen_text(app)
        # Li paid 2026 already and 2027 opens on 1 January (no 预缴): the wizard says so and offers
        # no tier the counter would refuse.
        assert "2026年度" in text and "已经缴费" in text and "2027年1月1日开始" in text
        assert "元档" not in text
    # This year not paid yet: the wizard offers 2026; every tier shows its subsidy and account credit.
    Contribution.delete().where((Contribution.resident == seeded.li)
                                & (Contribution.month == dt.date(2026, 1, 1))).execute()
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, LI_ID)
        await press(pilot, "8", "3")
        assert isinstance(app.screen, TierScreen)
        text = screen_text(app)
        assert "2026年度" in text
        for tier in TIERS:
            assert f"{tier.annual_fen // 100}元档 补贴{tier.subsidy_fen // 100}" in text
        assert "本机不收款" in text
        await press(pilot, "3")
        assert isinstance(app.screen, ApplyConfirmScreen)
        text = screen_text(app)
        assert f"政府缴费补贴：{format_yuan(third.subsidy_fen)}元" in text
        assert f"计入个人账户合计：{format_yuan(third.annual_fen + third.subsidy_fen)}元" in text
        assert not applications_of(seeded.li)
        payments_before = Payment.select().count()
        await press(pilot, "1", "plus", wait=0.3)
        assert isinstance(app.screen, ApplyDoneScreen)
        [row] = applications_of(seeded.li, "assessment")
        assert row.status == "base_determined" and row.data["scheme"] == "resident"
        assert row.data["tier_fen"] == third.annual_fen and row.data["year"] == 2026
        assert row.data["quote"]["subsidy_fen"] == third.subsidy_fen
        assert Payment.select().count() == payments_before  # no money recorded at the kiosk
        assert row.number in screen_text(app) and "到窗口缴费" in screen_text(app)
        assert row.number in receipt_text(row.number)

    # At the counter the clerk walks the same application to 缴费记录: the tier is paid with its subsidy.
    ctx = ServiceContext(database, clock, terminal="C01", extras={"rng": random.Random(3)})
    staff = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    clerk = ctx.as_staff(staff.id, staff.number)
    balance = Account.get(Account.resident == seeded.li).balance_fen
    apps.mark_material(clerk, row.number, "id_card")  # the resident brought the ID card
    for status in ("amount_calculated", "notified"):
        info = apps.advance(clerk, row.number, status)
    assert info.amount_fen == third.annual_fen
    info = apps.advance(clerk, row.number, "recorded", data={"method": "bank"})
    payment = Payment.get(Payment.receipt_code == info.data["receipt_code"])
    assert payment.amount_fen == third.annual_fen and payment.method == "bank"
    assert Contribution.get((Contribution.resident == seeded.li) & (Contribution.month == dt.date(2026, 1, 1))
                            ).subsidy_fen == third.subsidy_fen
    assert Account.get(Account.resident == seeded.li).balance_fen == balance + third.annual_fen + third.subsidy_fen


async def test_not_enrolled_cannot_choose_a_tier(make_kiosk: Callable[..., KioskApp],
                                                 seeded_db: tuple[peewee.Database, Seeded]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "3")
        assert isinstance(app.screen, TierScreen)
        assert "尚未参加城乡居民养老保险" in screen_text(app)
        await press(pilot, "1")
        assert isinstance(app.screen, TierScreen)
        assert applications_of(seeded_db[1].zhang, "assessment") == []
