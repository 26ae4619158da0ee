"""The bar at the top of every resident screen: masked name and ID (only
what a bystander may see), a 返回 and a 首页 button."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from screens.widgets.plain import Button, Static


class ResidentBar(Horizontal):
    """Title of the screen, the masked resident, 返回 and 首页."""

    def __init__(self, title: str, who: str, back: str, home: str) -> None:
        super().__init__(id="resident-bar")
        self._title = title
        self._who = who
        self._back = back
        self._home = home

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="bar-title")
        yield Static(self._who, id="bar-who")
        yield Button(self._back, id="nav-back", classes="nav-button")
        yield Button(self._home, id="nav-home", classes="nav-button")
