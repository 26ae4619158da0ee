"""Pilot tests: the transfer request — kind, direction, province by number
keys (paged) or typed; a duplicate open transfer is refused calmly."""

from __future__ import annotations

from collections.abc import Callable

import peewee
from textual.widgets import Input

from db.models import Application
from kiosk.app import KioskApp
from kiosk.rules.workflows import WITHDRAWN
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_transfer import TransferDirectionScreen, TransferRegionScreen
from tests.screens.apply_support import SIZE, applications_of, identify, press, screen_text
from tests.services.resident_factory import ZHANG_CARD, Seeded


def _close_open_transfer(zhang: int) -> None:
    """张建国's seeded transfer is still open (a duplicate would be refused); end it."""
    Application.update(status=WITHDRAWN).where((Application.resident == zhang)
                                               & (Application.type == "transfer")).execute()


async def test_transfer_by_number_keys(make_kiosk: Callable[..., KioskApp],
                                       seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    _close_open_transfer(zhang)
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "5", "1", "2")  # 职工跨省, 转入 (he pays here as an employee)
        assert isinstance(app.screen, TransferRegionScreen)
        assert "第1/4页" in screen_text(app)
        await press(pilot, "9", "9", "9")  # pages 2, 3, 4
        assert "第4/4页" in screen_text(app)
        await press(pilot, "9", "9")  # after the last page the first, then page 2 (0 is back, never a page)
        assert "第2/4页" in screen_text(app)
        await press(pilot, "3")  # 浙江省 (the 11th)
        assert isinstance(app.screen, ApplyConfirmScreen)
        assert "从 浙江省 转入到" in screen_text(app)
        assert app.screen.query_one("#choice-submit").display  # the service would accept it: 1 is offered
        await press(pilot, "escape", "escape")  # back to the direction step: the draft is still there
        await press(pilot, "1")  # 转出
        # 国办发〔2009〕66号: a transfer is applied for at the new place, which sends the 联系函;
        # the self-service terminal says so when 转出 is chosen, before any region or confirmation.
        assert isinstance(app.screen, TransferDirectionScreen)
        assert "请到新参保地申请" in screen_text(app)
        assert [a.status for a in applications_of(zhang, "transfer")] == [WITHDRAWN]


async def test_typed_region(make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    _close_open_transfer(seeded_db[1].zhang)
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "5", "1", "2")
        field = app.screen.query_one("#apply-region-input", Input)
        field.focus()
        await press(pilot, "enter")
        assert "请先输入地区名称" in screen_text(app)
        field.value = "广东省深圳市"
        await press(pilot, "enter")
        assert isinstance(app.screen, ApplyConfirmScreen)
        assert "从 广东省深圳市 转入到" in screen_text(app)


async def test_open_transfer_refused_calmly_and_nothing_lost(make_kiosk: Callable[..., KioskApp],
                                                            seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "5", "1", "2", wait=0.1)
        # The duplicate is said when the direction is chosen: never after a confirmation.
        assert isinstance(app.screen, TransferDirectionScreen)  # stays, with the reason
        assert "已有正在办理的养老保险关系转移接续" in screen_text(app)
        assert [a.number for a in applications_of(zhang, "transfer")] == ["SQ20261101000001"]
