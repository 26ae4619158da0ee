"""Attack E21: on the transfer request's region step (8 → 5 → 1 → 2 转入) what a person types
goes into the "或在此输入地区" field and Enter submits it, by keyboard alone; number keys still
pick the provinces; markup typed there is shown literally on the review."""

from __future__ import annotations

from collections.abc import Callable

import peewee
from textual.widgets import Input

from db.models import Application
from kiosk.app import KioskApp
from kiosk.rules.workflows import WITHDRAWN
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_transfer import TransferRegionScreen
from tests.screens.apply_support import SIZE, identify, press, screen_text
from tests.services.resident_factory import ZHANG_CARD, Seeded

TYPED = "[@click=app.quit]广东省[/][b]深圳"


async def test_typing_on_the_region_step_goes_into_the_field(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    zhang = seeded_db[1].zhang
    Application.update(status=WITHDRAWN).where((Application.resident == zhang)
                                               & (Application.type == "transfer")).execute()
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await identify(pilot, ZHANG_CARD)
        await press(pilot, "8", "5", "1", "2")  # 职工跨省, 转入
        screen = app.screen
        assert isinstance(screen, TransferRegionScreen)
        await press(pilot, *TYPED, wait=0)  # no click, no Tab: just typing
        assert screen.query_one("#apply-region-input", Input).value == TYPED
        await press(pilot, "enter")
        assert isinstance(app.screen, ApplyConfirmScreen)
        assert f"从 {TYPED} 转入到" in screen_text(app)  # literally, markup and all
