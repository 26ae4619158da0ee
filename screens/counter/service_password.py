"""服务密码 at the counter: set or reset a resident's self-service password
after checking their ID card, or unlock self-service after too many wrong
entries. Reached from the resident detail (key 7). Both actions are audited
by the service (kiosk.services.service_password) under the clerk's number.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input

from kiosk.services import service_password
from kiosk.services.registration import ResidentInfo
from kiosk.services.service_password import PasswordState
from screens.counter.base import CounterScreen
from screens.widgets.plain import Button, Static


class CounterPasswordScreen(CounterScreen):
    """Set/reset the service password of ``resident``, or unlock it."""

    TITLE_KEY = "identity.counter.title"
    AUTO_FOCUS = "#password-checked"

    def __init__(self, resident: ResidentInfo) -> None:
        super().__init__()
        self.resident = resident
        self.password_state: PasswordState | None = None

    def body(self) -> ComposeResult:
        t = self.t
        r = self.resident
        with Vertical(id="password-form"):
            yield Static(t("identity.counter.who", name=r.masked_name, id=r.masked_id), id="password-who")
            yield Static("", id="password-state")
            yield Checkbox(Text(t("identity.counter.checked")), id="password-checked")
            yield Input(password=True, max_length=6, restrict=r"[0-9０-９]*", id="password-new",
                        placeholder=t("identity.counter.new"))
            yield Input(password=True, max_length=6, restrict=r"[0-9０-９]*", id="password-again",
                        placeholder=t("identity.counter.again"))
            with Horizontal(classes="button-row"):
                yield Button(t("identity.counter.save"), id="password-save", variant="primary")
                yield Button(t("identity.counter.unlock"), id="password-unlock")
                yield Button(t("app.back"), id="nav-back")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        ctx, resident_id = self.host.ctx, self.resident.id
        self.run_service(lambda: service_password.state(ctx, resident_id), self._show_state,
                         lambda message: self.say(message, "error"))

    def _show_state(self, state: PasswordState) -> None:
        self.password_state = state
        key = ("identity.counter.state_locked" if state.locked else
               "identity.counter.state_set" if state.has_password else "identity.counter.state_none")
        self.query_one("#password-state", Static).update(self.t(key))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "password-new":
            self.query_one("#password-again", Input).focus()
        else:
            self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "password-save":
            event.stop()
            self.save()
        elif event.button.id == "password-unlock":
            event.stop()
            self.unlock()
        else:
            super().on_button_pressed(event)

    def save(self) -> None:
        """Check the form, then set the password (the service checks the rules)."""
        first = self.query_one("#password-new", Input)
        second = self.query_one("#password-again", Input)
        password, again = first.value, second.value
        if not self.query_one("#password-checked", Checkbox).value:
            self.say(self.t("identity.counter.need_check"), "error")
            return
        first.value = second.value = ""  # the password never stays on screen
        if password != again:
            self.say(self.t("identity.counter.mismatch"), "error")
            first.focus()
            return
        ctx, resident_id = self.host.ctx, self.resident.id
        self.run_service(
            lambda: service_password.set_password(ctx, resident_id, password, id_card_checked=True),
            lambda _: self._done("identity.counter.saved"),
            lambda message: self.say(message, "error"))

    def unlock(self) -> None:
        ctx, resident_id = self.host.ctx, self.resident.id
        self.run_service(lambda: service_password.unlock(ctx, resident_id),
                         lambda was: self._done("identity.counter.unlocked" if was else "identity.counter.not_locked"),
                         lambda message: self.say(message, "error"))

    def _done(self, key: str) -> None:
        self.say(self.t(key), "ok")
        self.query_one("#password-checked", Checkbox).value = False
        self.reload()
