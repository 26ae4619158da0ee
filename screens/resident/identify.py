"""Identify: swipe, scan or type the number (with an on-screen keypad).

A bad number gets a message naming the problem and the screen stays; a
valid number that is not registered offers, in one touch, a ticket for
enrolment (queue category A); a frozen card sends the resident to counter C.
A card or ID number leads to the service password (screens.resident.password),
never straight to the records; a code the kiosk printed opens only what it
names: a ticket its place in the queue, an application receipt that
application's progress (screens.resident.code_progress).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from kiosk.services import ServiceError, residents, service_password
from screens.base import KioskScreen
from screens.widgets.card_reader import CARD_ENTRY
from screens.widgets.keypad import Keypad
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static


class IdentifyScreen(KioskScreen):
    """Asks who the resident is; ``purpose`` says where to go next."""

    NUMBER_KEYS_TYPE = True  # digits are the number, never a menu key
    CARD_FIELD = "#card-input"

    def __init__(self, purpose: str = "query", initial: str = "", submit: bool = False) -> None:
        super().__init__()
        self.purpose = purpose
        self._initial = initial
        self._submit = submit
        self._message = ""
        self._unregistered: str | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        t = self.t
        with Horizontal(id="resident-bar"):
            yield Static(t("resident.identify.title"), id="bar-title")
            yield Button(t("app.back"), id="nav-back", classes="nav-button")
            yield Button(t("app.home"), id="nav-home", classes="nav-button")
        with Horizontal(id="identify"):
            with Vertical(id="identify-left"):
                yield Static(t("resident.identify.prompt"), id="identify-prompt")
                # No character filter: full-width digits, spaces between groups and a
                # lower-case x are what readers and input methods send; the service
                # runs everything through the one normaliser (kiosk.rules.text).
                yield Input(value=self._initial, placeholder=t("resident.identify.placeholder"), max_length=40,
                            id="card-input", select_on_focus=False, classes=CARD_ENTRY)
                yield Static(getattr(self.app, "name_counters", str)(self._message), id="identify-message",
                             classes="message")
                if self._unregistered:
                    yield MenuButton("F1", t("frontdesk.identify.enrol_ticket"), "enrol-ticket",
                                     classes="wide-button")
            yield Keypad(t("resident.identify.delete"), t("resident.identify.confirm"))

    def on_mount(self) -> None:
        field = next(iter(self.query("#card-input").results(Input)), None)
        if field is None:
            # A card read while the previous session's screens were being unwound can mount
            # this screen after it was already taken off the stack (its children never
            # composed): there is nothing to show or identify; the newest screen does that.
            return
        field.focus()
        if self._submit and self._initial:
            self._submit = False
            self._identify(self._initial)

    def on_keypad_pressed(self, event: Keypad.Pressed) -> None:
        field = self.query_one("#card-input", Input)
        if event.key == "delete":
            field.value = field.value[:-1]
        elif event.key == "confirm":
            self._identify(field.value)
        elif len(field.value) < 20:
            field.value += event.key
        field.cursor_position = len(field.value)
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._identify(event.value)

    def choose(self, choice: str) -> None:
        if choice == "enrol-ticket" and self._unregistered:
            from screens.resident.ticket import TicketScreen

            self.app.push_screen(TicketScreen(prefix="A"))

    def _identify(self, text: str) -> None:
        if self._busy:
            return
        self._busy = True
        self._show(self.t("resident.identify.checking"))
        ctx = self.host.ctx
        self.run_service(lambda: service_password.claim(ctx, text), self._found, self._failed_text, deadline=True)

    def _found(self, claim: Any) -> None:
        """A card or ID number names a resident: the records open only with the
        service password (screens.resident.password), never on the number alone."""
        from screens.resident.password import ServicePasswordScreen

        self._busy = False
        self.query_one("#card-input", Input).value = ""
        self._show("")  # back here (Esc on the password prompt) is never a stale 正在查询
        self.app.push_screen(ServicePasswordScreen(claim, self.purpose))

    def _open_code(self, error: residents.PrintedCode) -> None:
        """A code the kiosk printed opens only what it names."""
        self._busy = False
        self.query_one("#card-input", Input).value = ""
        self._show("")
        if error.kind == "ticket":
            from screens.resident.rate import TicketRatingScreen

            self.app.push_screen(TicketRatingScreen(error.value))
        else:
            from screens.resident.code_progress import CodeProgressScreen

            self.app.push_screen(CodeProgressScreen(error.kind, error.value))

    def _failed_text(self, message: str) -> None:
        self._busy = False
        self._show(message)
        self.query_one("#card-input", Input).focus()

    def on_worker_state_changed(self, event: Any) -> None:
        # NotRegistered needs its parsed number; read it before the generic handler.
        event.prevent_default()  # the base handler runs only through super() below
        error = event.worker.error
        if isinstance(error, residents.NotRegistered):
            self._unregistered = error.id_number
            self._message = error.message
            self._busy = False
            self.refresh(recompose=True)
            self.call_after_refresh(lambda: self.query_one("#card-input", Input).focus())
            self._service_callbacks().pop(event.worker, None)
            return
        if isinstance(error, residents.PrintedCode):
            self._service_callbacks().pop(event.worker, None)
            self._unregistered = None
            self._open_code(error)
            return
        if isinstance(error, ServiceError):
            self._unregistered = None
        super().on_worker_state_changed(event)

    def _show(self, message: str) -> None:
        # Service messages name counters by category letter too (到C窗口): the hall's numbers instead.
        message = getattr(self.app, "name_counters", str)(message)
        self._message = message
        self.query_one("#identify-message", Static).update(message)
