"""What every screen after identification shares: the resident bar with the
masked person, 首页 and 返回, data loaded off the UI thread, and money,
date and name formatting through the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.rules.money import format_yuan
from screens.base import KioskScreen
from screens.widgets.plain import Static
from screens.widgets.resident_bar import ResidentBar


def yuan(fen: int) -> str:
    """Money on screen: "1,234.56"."""
    return format_yuan(fen)


def day(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


class ResidentScreen(KioskScreen):
    """A screen about the identified resident; ``TITLE_KEY`` names it.

    Subclasses set ``load`` to a service call and build their body from
    ``self.data`` in :meth:`compose_body`; until the data arrives a calm
    "loading" line shows.
    """

    TITLE_KEY = "resident.home.title"

    def __init__(self) -> None:
        super().__init__()
        self.data: Any = None
        self.error = ""

    @property
    def resident(self) -> Any:
        return self.host.session

    def compose(self) -> ComposeResult:
        t = self.t
        person = self.resident
        who = f"{person.masked_name}  {person.masked_id}" if person is not None else ""
        yield ResidentBar(t(self.TITLE_KEY), who, t("app.back"), t("app.home"))
        if self.error:
            yield Static(self.error, classes="message")
        elif self.data is None and self.needs_data():
            yield Static(t("resident.loading"), id="loading")
        else:
            yield from self.compose_body()

    def needs_data(self) -> bool:
        return True

    def compose_body(self) -> ComposeResult:
        yield VerticalScroll()

    def on_mount(self) -> None:
        if self.needs_data() and self.data is None and self.resident is not None:
            ctx = self.host.ctx
            resident_id = self.resident.id
            self.run_service(lambda: self.load(ctx, resident_id), self._loaded, self._failed)

    def load(self, ctx: Any, resident_id: int) -> Any:
        """The service call (runs in a thread)."""
        return None

    def _loaded(self, data: Any) -> None:
        self.data = data
        self.refresh(recompose=True)

    def _failed(self, message: str) -> None:
        self.error = message
        self.refresh(recompose=True)
