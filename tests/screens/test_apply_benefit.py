"""Pilot tests: benefit pre-application — conditions from the rules and the
records, unmet conditions block, 失业登记 offered first, medical reimbursement sent."""

from __future__ import annotations

from collections.abc import Callable

import peewee

from kiosk.app import KioskApp
from screens.resident.apply_benefit import BenefitCheckScreen, BenefitTypeScreen
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_done import ApplyDoneScreen
from tests.screens.apply_support import SIZE, applications_of, identify, press, receipt_text, screen_text
from tests.services.resident_factory import LI_ID, ZHANG_CARD, Seeded


async def test_pension_before_retirement_age_cannot_be_sent(make_kiosk: Callable[..., KioskApp],
                                                             seeded_db: tuple[peewee.Database, Seeded]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "4")
        assert isinstance(app.screen, BenefitTypeScreen)
        await press(pilot, "1")
        assert isinstance(app.screen, BenefitCheckScreen)
        text = screen_text(app)
        # Born 1970-03-07, male: 63 under the delay rules → 2031-07-07 (not reached); 247 months ≥ the minimum.
        assert "[未满足] 达到领取年龄" in text and "2031-07-07" in text
        assert "[已满足] 累计缴费满" in text and "暂不符合申领条件" in text
        await press(pilot, "1")
        assert isinstance(app.screen, BenefitCheckScreen)
        assert applications_of(seeded_db[1].zhang, "benefit_pension") == []


async def test_unemployment_needs_registration_first_which_can_be_started(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "4", "2")
        text = screen_text(app)
        assert "[未满足] 须先办理失业登记" in text and not app.screen.query("#choice-next")
        await press(pilot, "2")  # 先办理失业登记
        assert isinstance(app.screen, ApplyConfirmScreen)
        await press(pilot, "1", "plus", wait=0.3)
        assert isinstance(app.screen, ApplyDoneScreen)
        [row] = applications_of(zhang, "unemployment_registration")
        assert row.status == "submitted"
        assert "解除或终止劳动关系证明" in receipt_text(row.number)
        await press(pilot, "1", "4", "2")  # back to the menu, the benefit again: registration now pending
        assert "[未满足] 失业登记正在办理中" in screen_text(app)
        assert not app.screen.query("#choice-register")
        assert applications_of(zhang, "benefit_unemployment")[-1].status == "rejected"  # only the seeded one


async def test_medical_reimbursement_pre_application(make_kiosk: Callable[..., KioskApp],
                                                     seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "4", "4")
        assert "[已满足] 参加基本医疗保险" in screen_text(app)
        await press(pilot, "1")
        assert isinstance(app.screen, ApplyConfirmScreen)
        text = screen_text(app)
        assert "医疗费用发票及清单" in text and "出院小结" in text and "20个工作日" in text
        assert applications_of(zhang, "benefit_medical") == []
        await press(pilot, "1", "plus", wait=0.3)
        [row] = applications_of(zhang, "benefit_medical")
        assert row.status == "applied" and row.channel == "self" and row.data["filed"] is True
        assert row.number in screen_text(app)
        receipt = receipt_text(row.number)
        assert "医疗费用手工报销" in receipt and "20个工作日" in receipt


async def test_records_decide_and_the_reasons_are_shown_in_plain_words(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    """Li (resident pension only, no medical insurance) asks for maternity and medical:
    the entitlement service refuses both from the records; nothing can be sent."""
    li = seeded_db[1].li
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, LI_ID)
        await press(pilot, "8", "4", "3")
        text = screen_text(app)
        assert "[未满足] 参加职工医疗（生育）保险" in text
        assert "未参加该项保险" not in text  # shown once, as the condition
        assert "暂不符合申领条件" in text and not app.screen.query("#choice-next")
        await press(pilot, "0", "4")  # back, then 医疗费用报销
        text = screen_text(app)
        assert "[未满足] 参加基本医疗保险" in text and "暂不符合申领条件" in text
        await press(pilot, "1")
        assert isinstance(app.screen, BenefitCheckScreen)
        assert applications_of(li, "benefit_maternity") == [] and applications_of(li, "benefit_medical") == []


async def test_a_man_is_told_maternity_allowance_does_not_apply(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "4", "3")
        text = screen_text(app)
        assert "[未满足] 该待遇不适用于本人" in text and "暂不符合申领条件" in text
        assert applications_of(seeded_db[1].zhang, "benefit_maternity") == []
