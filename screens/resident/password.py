"""服务密码: the second step of identification at the self-service terminal.

After a card or ID number names a resident (screens.resident.identify), the
records open only with the resident's 6-digit service password, typed on
the keypad or keyboard and shown as ●. Without a password yet, or with
self-service locked after too many wrong entries, the screen says to go to
the counter and offers what needs no password: a ticket, the policy guide
and how a pension is estimated. Nothing personal is shown on this screen.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Input

from kiosk.services import service_password
from kiosk.services.service_password import Claim
from screens.base import KioskScreen
from screens.widgets.card_reader import SECRET_ENTRY
from screens.widgets.cjk_wrap import Prose, paragraph
from screens.widgets.keypad import Keypad
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static

LENGTH = 6


class MaskedDigits(Input):
    """A password field that shows each digit as ● (large and clear on a touchscreen)."""

    @property
    def _value(self) -> Text:
        return Text("●" * len(self.value), no_wrap=True, overflow="ignore", end="")


class ServicePasswordScreen(KioskScreen):
    """Enter the service password for the resident ``claim`` names."""

    NUMBER_KEYS_TYPE = True

    def __init__(self, claim: Claim, purpose: str = "query") -> None:
        super().__init__()
        self.claim: Claim | None = claim
        self.purpose = purpose
        self.state = "locked" if claim.locked else ("entry" if claim.has_password else "none")
        self._message = ""
        self._busy = False
        # Digits never choose here: the fall-back menu has function keys (a card
        # swiped again must not take a ticket).

    def compose(self) -> ComposeResult:
        t = self.t
        with Horizontal(id="resident-bar"):
            yield Static(t("identity.password.title"), id="bar-title")
            yield Button(t("app.back"), id="nav-back", classes="nav-button")
            yield Button(t("app.home"), id="nav-home", classes="nav-button")
        if self.state == "entry":
            with Horizontal(id="identify"):
                with Vertical(id="identify-left"):
                    yield Static(t("identity.password.prompt"), id="identify-prompt")
                    yield MaskedDigits(password=True, max_length=LENGTH, restrict=r"[0-9０-９]*", id="password-input",
                                       classes=SECRET_ENTRY)
                    yield Static(self._message, id="identify-message", classes="message")
                yield Keypad(t("resident.identify.delete"), t("resident.identify.confirm"))
            return
        with Vertical(id="password-fallback"):
            key = "identity.password.locked" if self.state == "locked" else "identity.password.none"
            yield paragraph(t(key), id="identify-message", classes="message")
            yield paragraph(t("identity.password.without"), id="password-without")
            with Grid(id="password-menu", classes="menu-grid"):
                # Function keys: a card swiped again here must not press a choice (menu.py).
                yield MenuButton("F1", t("identity.password.ticket"), "ticket")
                yield MenuButton("F2", t("identity.password.guide"), "guide")
                yield MenuButton("F3", t("identity.password.estimate"), "estimate")

    def on_mount(self) -> None:
        for field in self.query("#password-input").results(Input):
            field.focus()

    # -- entry ---------------------------------------------------------------------

    def on_keypad_pressed(self, event: Keypad.Pressed) -> None:
        field = self.query_one("#password-input", Input)
        if event.key == "delete":
            field.value = field.value[:-1]
        elif event.key == "confirm":
            self._check(field.value)
        elif event.key.isdigit() and len(field.value) < LENGTH:
            field.value += event.key
        field.cursor_position = len(field.value)
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._check(event.value)

    def _check(self, password: str) -> None:
        if self._busy or self.claim is None:
            return
        self.query_one("#password-input", Input).value = ""  # never kept on screen
        if not password:
            self._show(self.t("identity.password.empty"))
            return
        self._busy = True
        self._show(self.t("resident.identify.checking"))
        ctx, claim = self.host.ctx, self.claim

        def attempt() -> tuple[str, Any]:
            try:
                return "ok", service_password.open_records(ctx, claim.resident_id, password, via=claim.via)
            except service_password.WrongServicePassword as exc:
                return "wrong", exc.remaining
            except service_password.ServicePasswordLocked:
                return "locked", None
            except service_password.NoServicePassword:
                return "none", None

        self.run_service(attempt, self._answered, self._failed)

    def _answered(self, outcome: tuple[str, Any]) -> None:
        self._busy = False
        kind, value = outcome
        if kind == "ok":
            self.claim = None
            if self.host.settings.terminal.confirm_phone and value.has_phone:
                from screens.resident.phone import PhoneConfirmScreen

                self.app.push_screen(PhoneConfirmScreen(value, self.purpose))
                return
            self.host.start_session(value)
        elif kind == "wrong":
            self._show(self.t("identity.password.wrong", remaining=value))
        else:
            self.state = kind
            self.refresh(recompose=True)

    def _failed(self, message: str) -> None:
        self._busy = False
        self._show(message)

    def card_misread(self) -> None:
        """A card read on the prompt that is no number (the app's card sniffer): no attempt."""
        self._show(self.t("fix17kiosk.card.misread"))

    def _show(self, message: str) -> None:
        self._message = message
        for widget in self.query("#identify-message").results(Static):
            if isinstance(widget, Prose):
                widget.set_text(message)
                continue
            widget.update(message)

    # -- without a password ----------------------------------------------------------

    def choose(self, choice: str) -> None:
        if choice == "ticket":
            from screens.resident.ticket import TicketScreen

            self.app.push_screen(TicketScreen())
        elif choice == "guide":
            from screens.resident.guide import GuideScreen

            self.app.push_screen(GuideScreen())
        elif choice == "estimate":
            from kiosk.guide import load_guide
            from screens.resident.guide import TopicScreen

            # How a pension is worked out (the guide's pension topic); no personal figures.
            self.app.push_screen(TopicScreen(load_guide().topic("pension")))
