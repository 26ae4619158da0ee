"""Optional check before records are shown: the last 4 digits of the phone."""

from __future__ import annotations

import unicodedata
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from kiosk.services import residents
from screens.base import KioskScreen
from screens.widgets.card_reader import SECRET_ENTRY
from screens.widgets.keypad import Keypad
from screens.widgets.plain import Button, Static

MAX_TRIES = 3


class PhoneConfirmScreen(KioskScreen):
    """Type the last four digits of the phone number on record."""

    NUMBER_KEYS_TYPE = True

    def __init__(self, resident: Any, purpose: str) -> None:
        super().__init__()
        self._resident = resident
        self._purpose = purpose
        self._tries = 0

    def compose(self) -> ComposeResult:
        t = self.t
        with Horizontal(id="resident-bar"):
            yield Static(t("resident.phone.title"), id="bar-title")
            yield Button(t("app.back"), id="nav-back", classes="nav-button")
            yield Button(t("app.home"), id="nav-home", classes="nav-button")
        with Horizontal(id="identify"):
            with Vertical(id="identify-left"):
                yield Static(t("resident.phone.prompt"), id="identify-prompt")
                yield Input(password=True, max_length=4, restrict=r"[0-9０-９]*", id="phone-input",
                                classes=SECRET_ENTRY)
                yield Static("", id="identify-message", classes="message")
            yield Keypad(t("resident.identify.delete"), t("resident.identify.confirm"))

    def on_mount(self) -> None:
        self.query_one("#phone-input", Input).focus()

    def on_keypad_pressed(self, event: Keypad.Pressed) -> None:
        field = self.query_one("#phone-input", Input)
        if event.key == "delete":
            field.value = field.value[:-1]
        elif event.key == "confirm":
            self._check(field.value)
        elif event.key.isdigit() and len(field.value) < 4:
            field.value += event.key

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._check(event.value)

    def _check(self, digits: str) -> None:
        ctx = self.host.ctx
        resident_id = self._resident.id
        digits = unicodedata.normalize("NFKC", digits)  # full-width digits from an input method
        self.run_service(lambda: residents.confirm_phone(ctx, resident_id, digits), self._checked)

    def _checked(self, ok: bool) -> None:
        if ok:
            self.host.start_session(self._resident)
            return
        self._tries += 1
        self.query_one("#phone-input", Input).value = ""
        if self._tries >= MAX_TRIES:
            self._resident = None
            self.host.end_session()
            return
        self.query_one("#identify-message", Static).update(self.t("resident.phone.wrong"))
