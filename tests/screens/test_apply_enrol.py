"""Pilot tests: the enrolment wizards (resident pension / medical) by number keys at 80x24."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.app import KioskApp
from screens.resident.apply import ApplyMenuScreen
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_done import ApplyDoneScreen
from screens.resident.apply_enrol import EnrolScreen
from screens.resident.home import ResidentHomeScreen
from tests.screens.apply_support import SIZE, applications_of, identify, press, receipt_text, screen_text
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_ID, ZHANG_NAME, Seeded
from tests.support import RecordingPrinter


async def test_medical_enrolment_from_attract_apply(make_kiosk: Callable[..., KioskApp], seeded_db: tuple[object, Seeded],
                                                    printer: RecordingPrinter) -> None:
    seeded = seeded_db[1]
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "f2", wait=0.5)  # F2 办理 on the attract screen → identify
        await identify(pilot, LI_ID)
        assert isinstance(app.screen, ApplyMenuScreen)  # straight to the apply menu
        await press(pilot, "2")
        assert isinstance(app.screen, EnrolScreen)
        assert not applications_of(seeded.li)
        await press(pilot, "1")
        assert isinstance(app.screen, ApplyConfirmScreen)
        text = screen_text(app)
        assert "李*英" in text and "居民身份证" in text and "户口簿" in text and "5个工作日" in text
        assert not applications_of(seeded.li)  # nothing written before confirming
        await press(pilot, "1")  # asks: the confirmation shows what will happen
        assert not applications_of(seeded.li)
        await press(pilot, "plus", wait=0.3)  # + submits (never a digit, never Enter)
        assert isinstance(app.screen, ApplyDoneScreen)
        [row] = applications_of(seeded.li)
        assert row.type == "enrol_resident_medical" and row.status == "submitted" and row.channel == "self"
        text = screen_text(app)
        assert row.number in text and "户口簿" in text and "凭证已打印" in text
        assert "受理编号" in receipt_text(row.number) and "户口簿" in receipt_text(row.number)
        assert [doc.kind for _, doc in printer.jobs] == ["acceptance"]
        await press(pilot, "escape")
        assert isinstance(app.screen, ApplyMenuScreen)  # back to the menu, the wizard is gone


async def test_already_enrolled_is_refused_clearly(make_kiosk: Callable[..., KioskApp],
                                                  seeded_db: tuple[object, Seeded]) -> None:
    seeded = seeded_db[1]
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, LI_ID)
        assert isinstance(app.screen, ResidentHomeScreen)
        await press(pilot, "8", "1")
        assert isinstance(app.screen, EnrolScreen)
        assert "您已参加城乡居民养老保险，无需重复登记" in screen_text(app)
        await press(pilot, "1")  # no 下一步 to press
        assert isinstance(app.screen, EnrolScreen)
        assert not app.screen.query("#choice-next")
        assert applications_of(seeded.li) == []


async def test_employee_pension_blocks_resident_pension(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "1")
        assert "职工养老保险" in screen_text(app) and not app.screen.query("#choice-next")
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, ResidentHomeScreen)
        text = screen_text(app)
        assert ZHANG_NAME not in text and ZHANG_ID not in text
