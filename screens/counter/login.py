"""Staff login at a counter terminal: staff number and PIN.

The staff service counts failures in the database and locks the account
after five; its messages (tries left, minutes until unlocked) are shown as
they are. On success the staff member's context replaces the app's and the
counter home is pushed on top of this screen; logging out comes back here.
F6 switches the counter between Chinese and English (until the terminal restarts).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from kiosk.services import staff as staff_service
from kiosk.services.staff import StaffSession
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static


class LoginScreen(CounterScreen):
    """The first screen in counter mode (no constructor arguments)."""

    TITLE_KEY = "counter.login.title"
    LEGEND_KEY = ""  # nothing to go back to before login

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def body(self) -> ComposeResult:
        if self.host.settings.terminal.training:
            yield Static(self.t("counter.login.training_banner"), id="training-banner")
        with Vertical(id="login-form", classes="form"):
            yield Static(self.t("counter.login.number"), classes="field-label")
            yield Input(placeholder=self.t("counter.login.number_hint"), id="staff-number", max_length=20)
            yield Static(self.t("counter.login.pin"), classes="field-label")
            yield Input(placeholder=self.t("counter.login.pin_hint"), id="pin", password=True, max_length=12)
            yield Button(self.t("counter.login.submit"), id="login", variant="primary", classes="big-button")
            # The counter's language until the terminal restarts (kiosk.toml [terminal] language
            # is where it starts): F6, as on the self-service screens.
            yield MenuButton("F6", self.t("resident.attract.language"), "language", classes="language-choice")

    def choose(self, choice: str) -> None:
        if choice == "language":
            self.host.toggle_language()  # recomposes every screen; the number field takes the keys again
            self.call_after_refresh(lambda: self.query_one("#staff-number", Input).focus())

    def on_mount(self) -> None:
        self.query_one("#staff-number", Input).focus()

    def on_screen_resume(self) -> None:
        # Back from a logout: nothing of the last clerk stays on the form.
        self.query_one("#pin", Input).value = ""
        self.query_one("#staff-number", Input).value = ""
        self.refresh_header()
        self.query_one("#staff-number", Input).focus()

    def go_back(self) -> None:
        """Esc clears the PIN; there is nothing behind the login."""
        self.query_one("#pin", Input).value = ""
        self.query_one("#staff-number", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "staff-number":
            self.query_one("#pin", Input).focus()
        else:
            self._login()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "login":
            event.stop()
            self._login()

    def _login(self) -> None:
        if self._busy:
            return
        number = self.query_one("#staff-number", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if not number:
            self.say(self.t("counter.login.need_number"), "error")
            self.query_one("#staff-number", Input).focus()
            return
        if not pin:
            self.say(self.t("counter.login.need_pin"), "error")
            self.query_one("#pin", Input).focus()
            return
        self._busy = True
        self.say(self.t("counter.login.checking"))
        ctx = self.host.ctx
        self.run_service(lambda: staff_service.login(ctx, number, pin), self._logged_in, self._failed)

    def _failed(self, message: str) -> None:
        self._busy = False
        self.say(message, "error")
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def _logged_in(self, staff: StaffSession) -> None:
        from screens.counter.home import CounterHomeScreen

        self._busy = False
        counter_session.begin(self.host, staff)
        self.query_one("#pin", Input).value = ""
        self.say("")
        self.app.push_screen(CounterHomeScreen())
