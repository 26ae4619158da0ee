"""A minimal app implementing screens.base.KioskHost, for Pilot tests of one screen.

Reusable by other screen tests: ``QueueTestHost(ctx, screen_factory)`` shows
the screen the factory builds on mount; ``settings``, ``translator``,
``services`` and ``t`` behave like the real app's; ``go_home`` is recorded.
:func:`until` waits for a condition in a Pilot test.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from kiosk.config import Settings
from kiosk.i18n import Translator
from kiosk.services import ServiceContext


class QueueTestHost(App[None]):
    """Hosts one screen with injected settings, context and services."""

    def __init__(self, ctx: ServiceContext, screen: Callable[[], Screen[Any]], *,
                 settings: Settings | None = None, language: str = "zh_CN", services: Any = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.settings = settings or Settings()
        self.translator = Translator(language)
        self.services = services if services is not None else SimpleNamespace()
        self.home_calls = 0
        self._make_screen = screen

    def t(self, key: str, /, **params: object) -> str:
        return self.translator(key, **params)

    def go_home(self) -> None:
        self.home_calls += 1

    def on_mount(self) -> None:
        self.push_screen(self._make_screen())


async def until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Pause in 50 ms steps until ``condition()`` holds; fail after ``seconds``."""
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("condition not reached")
