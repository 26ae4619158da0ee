"""SVG snapshots of every main resident screen, in Chinese and in English, at 80x24.

Deterministic: the fixed clock and the hand-made seeded data of
tests.services.resident_factory; receipt codes from a seeded random source;
no blinking cursor. Update with ``pytest tests/screens/test_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.app import KioskApp
from tests.screens.test_resident_flows import settle
from tests.services.resident_factory import LI_ID, ZHANG_CARD
from tests.support import sign_in

SIZE = (80, 24)
BAD_CHECK_DIGIT = "110101197003074514"

#: screen name → (who identifies, keys after that). "" = stay on the attract screen.
ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "attract": ("", ()),
    "identify_error": ("", ("f1", *BAD_CHECK_DIGIT, "enter")),
    "home": (ZHANG_CARD, ()),
    "enrolments": (ZHANG_CARD, ("1",)),
    "contribution_years": (ZHANG_CARD, ("2",)),
    "year_detail": (ZHANG_CARD, ("2", "8")),
    "resident_year_detail": (LI_ID, ("2", "2")),  # a resident-scheme year: tier, subsidy, account
    "account": (ZHANG_CARD, ("3",)),
    "benefits": (ZHANG_CARD, ("4",)),
    "progress": (ZHANG_CARD, ("5",)),
    "estimate": (ZHANG_CARD, ("6",)),
    "statement": (ZHANG_CARD, ("7",)),
    "ticket": ("", ("f3",)),
    "guide": ("", ("f4",)),
    "apply_menu": (LI_ID, ("8",)),
    "apply_confirm": (ZHANG_CARD, ("8", "6")),  # card loss: what will happen, before the second confirm
    "apply_year_paid": (LI_ID, ("8", "3")),  # this year paid, no 预缴: says when the next year opens
}


def route(who: str, keys: tuple[str, ...]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Identify (if ``who``), press ``keys``, let every worker finish, and stop the
    cursor blinking. No key waits for anything: the attract and identify screens'
    choices are function keys, digits there always type the number."""

    async def run_before(pilot: Pilot[Any]) -> None:
        if who:
            await sign_in(pilot, who)
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, 0.02)
        await settle(pilot, 0.1)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("name", list(ROUTES))
def test_resident_screen(name: str, language: str, snap_compare: Any, make_kiosk: Callable[..., KioskApp],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Receipt verification codes (statement preview) come from SystemRandom: make them repeatable.
    monkeypatch.setattr("printers.document.random.SystemRandom", lambda: random.Random(20261129))
    app = make_kiosk(language=language)
    who, keys = ROUTES[name]
    assert snap_compare(app, terminal_size=SIZE, run_before=route(who, keys))
