"""Pilot tests: the transfer request — kind, direction, province by number
keys (paged) or typed; a duplicate open transfer is refused calmly."""

from __future__ import annotations

from collections.abc import Callable

import peewee
from textual.widgets import Input

from kiosk.app import KioskApp
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_transfer import TransferRegionScreen
from tests.screens.apply_support import SIZE, applications_of, identify, press, screen_text
from tests.services.resident_factory import LI_ID, ZHANG_CARD, Seeded


async def test_transfer_by_number_keys(make_kiosk: Callable[..., KioskApp],
                                       seeded_db: tuple[peewee.Database, Seeded]) -> None:
    li = seeded_db[1].li
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, LI_ID)
        await press(pilot, "8", "5", "3", "2")  # 居民转职工, 转入
        assert isinstance(app.screen, TransferRegionScreen)
        assert "第1/4页" in screen_text(app)
        await press(pilot, "9", "9", "9")  # pages 2, 3, 4
        assert "第4/4页" in screen_text(app)
        await press(pilot, "9", "9")  # after the last page the first, then page 2 (0 is back, never a page)
        assert "第2/4页" in screen_text(app)
        await press(pilot, "3")  # 浙江省 (the 11th)
        assert isinstance(app.screen, ApplyConfirmScreen)
        assert "从 浙江省 转入到" in screen_text(app)
        await press(pilot, "escape", "escape")  # back to the direction step: the draft is still there
        await press(pilot, "1", "1")  # 转出, 北京市
        assert "转出到：北京市" in screen_text(app)
        await press(pilot, "1", "plus", wait=0.3)
        # 国办发〔2009〕66号: a transfer is applied for at the new place, which sends the 联系函;
        # the self-service terminal of the old place refuses calmly and keeps the draft.
        assert isinstance(app.screen, ApplyConfirmScreen)
        assert "转入地" in screen_text(app) and "转出到：北京市" in screen_text(app)
        assert applications_of(li, "transfer") == []


async def test_typed_region(make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, LI_ID)
        await press(pilot, "8", "5", "1", "1")
        field = app.screen.query_one("#apply-region-input", Input)
        field.focus()
        await press(pilot, "enter")
        assert "请先输入地区名称" in screen_text(app)
        field.value = "广东省深圳市"
        await press(pilot, "enter")
        assert isinstance(app.screen, ApplyConfirmScreen)
        assert "转出到：广东省深圳市" in screen_text(app)


async def test_open_transfer_refused_calmly_and_nothing_lost(make_kiosk: Callable[..., KioskApp],
                                                            seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "5", "1", "1", "1", "1", "plus", wait=0.1)
        assert isinstance(app.screen, ApplyConfirmScreen)  # stays, with the reason
        assert "已有正在办理的养老保险关系转移接续" in screen_text(app)
        assert "转出到：北京市" in screen_text(app)  # the draft is still on screen
        assert [a.number for a in applications_of(zhang, "transfer")] == ["SQ20261101000001"]
