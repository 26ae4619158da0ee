"""The bar at the top of every resident screen: masked name and ID (only
what a bystander may see), a 返回 and a 首页 button, and on screens with
lists or pages ▲/▼ buttons that scroll them (the same as PgUp/PgDn; the
buttons never take the focus, so the keys keep working too)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from screens.widgets.plain import Button, Static


class PageButton(Button, can_focus=False):
    """▲ or ▼: scrolls the screen's list or page (screens.base.KioskScreen.scroll_target)."""


class ResidentBar(Horizontal):
    """Title of the screen, the masked resident, 返回 and 首页 (and ▲/▼ when ``pages`` labels them)."""

    def __init__(self, title: str, who: str, back: str, home: str, pages: tuple[str, str] | None = None) -> None:
        super().__init__(id="resident-bar")
        self._title = title
        self._who = who
        self._back = back
        self._home = home
        self._pages = pages

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="bar-title")
        yield Static(self._who, id="bar-who")
        if self._pages is not None:
            yield PageButton(self._pages[0], id="page-up", classes="nav-button page-button")
            yield PageButton(self._pages[1], id="page-down", classes="nav-button page-button")
        yield Button(self._back, id="nav-back", classes="nav-button")
        yield Button(self._home, id="nav-home", classes="nav-button")
