"""What every screen after identification shares: the resident bar with the
masked person, 首页 and 返回, data loaded off the UI thread, and money,
date and name formatting through the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Button

from kiosk.rules.money import format_yuan
from screens.base import KioskScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static
from screens.widgets.resident_bar import ResidentBar


def yuan(fen: int) -> str:
    """Money on screen: "1,234.56"."""
    return format_yuan(fen)


def label(t: Any, prefix: str, value: str) -> str:
    """The catalog's name for ``value`` under ``prefix`` (``resident.benefit_type``); a
    value the catalog lacks falls back to its first word (``pension_x`` → pension),
    then to ``prefix.other`` — never a raw key on screen."""
    for key in (f"{prefix}.{value}", f"{prefix}.{value.split('_')[0]}", f"{prefix}.other"):
        text = t(key)
        if text != key:
            return str(text)
    return value


def pension_in_payment(ctx: Any, resident_id: int) -> Any:
    """The newest pension payment (kiosk.services.residents.BenefitRow) of a resident
    who already draws a pension, else None. A retiree gets her pension and the
    record behind it, never an estimate of a retirement that lies in the past."""
    from kiosk.services import residents

    rows = [row for row in residents.benefits(ctx, resident_id) if row.benefit_type.startswith("pension")]
    return max(rows, key=lambda row: row.period) if rows else None


def day(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


class ResidentScreen(KioskScreen):
    """A screen about the identified resident; ``TITLE_KEY`` names it.

    Subclasses set ``load`` to a service call and build their body from
    ``self.data`` in :meth:`compose_body`; until the data arrives a calm
    "loading" line shows.
    """

    TITLE_KEY = "resident.home.title"
    PAGED = True
    """Show ▲/▼ in the bar: the body may hold more than fits (lists, pages)."""
    PERSONAL = True
    """About the identified resident: without one (the session ended or changed
    while this screen was being opened) it never shows, the app goes home."""

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
        pages = (t("resident.page.up"), t("resident.page.down")) if self.PAGED else None
        yield ResidentBar(t(self.TITLE_KEY), who, t("app.back"), t("app.home"), pages)
        if self.PERSONAL and person is None:
            return  # on_mount sends the app home: no screen is left waiting for a resident
        if self.error:
            yield Static(self.error, classes="message")
        elif self.data is None and self.needs_data():
            yield Static(t("resident.loading"), id="loading")
        else:
            yield from self.compose_body()

    def showing(self) -> bool:
        """True while this is the screen on top (the one the resident sees)."""
        return self.is_attached and self.app.screen is self

    async def _on_message(self, message: Message) -> None:
        """A key or a button press that arrives after this screen stopped showing does nothing
        (neither this class's handlers nor a subclass's, nor the bubbling). A card reader types
        faster than screens handle keys: a digit sent here while this screen showed may arrive
        after an earlier one opened another screen or went back; it was meant for this screen
        only, and acting on it now would walk or pop whatever shows, e.g. the next card's
        password prompt, or type into the attract screen (attack D4)."""
        if isinstance(message, events.Key | Button.Pressed) and not self.showing():
            message.stop()
            message.prevent_default()
            return
        await super()._on_message(message)

    def on_key(self, event: events.Key) -> None:
        """0 is back (exit on the home menu) on every resident screen, also where no
        "0" choice is shown (lists, pages, the ledger). Digits typed into a field never
        arrive here (the field takes them); a screen whose digits type sets NUMBER_KEYS_TYPE."""
        if self.NUMBER_KEYS_TYPE or event.character not in ("0", "０"):
            return
        if any(button.key == "0" and button.display and not button.disabled for button in self.query(MenuButton)):
            return  # its own 0 choice (退出, 返回, 取消) is pressed by KioskScreen.on_key
        event.stop()
        event.prevent_default()
        self.go_back()

    def needs_data(self) -> bool:
        return True

    def compose_body(self) -> ComposeResult:
        yield VerticalScroll()

    def on_mount(self) -> None:
        if self.PERSONAL and self.resident is None:
            # Only while showing: a screen opened by a key that arrived after the session ended
            # (a card read's digits) must not send home the next card's prompt above it.
            self.call_later(self._home_if_showing)
            return
        if self.needs_data() and self.data is None and self.resident is not None:
            ctx = self.host.ctx
            resident = self.resident
            self._loaded_for = resident.id
            self.run_service(lambda: self.load(ctx, resident.id), self._loaded, self._failed)

    def _home_if_showing(self) -> None:
        if self.showing():
            self.host.go_home()

    def load(self, ctx: Any, resident_id: int) -> Any:
        """The service call (runs in a thread)."""
        return None

    def _current(self) -> bool:
        """Still on screen for the resident it loaded for (a session may have ended or changed)."""
        if not self.is_attached or self not in self.app.screen_stack:
            return False
        loaded_for = getattr(self, "_loaded_for", None)
        return loaded_for is None or (self.resident is not None and self.resident.id == loaded_for)

    def _loaded(self, data: Any) -> None:
        if not self._current():
            return  # the session ended or changed meanwhile: never show one resident's data to another
        self.data = data
        self.refresh(recompose=True)

    def _failed(self, message: str) -> None:
        if not self._current():
            return
        self.error = message
        self.refresh(recompose=True)
