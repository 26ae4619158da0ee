"""补打: reprint any receipt by its code (scan it or type it). The copy is a
new print job with its own code, marked 补打, and the reprint is audited."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input

from kiosk.rules.text import InvalidText, normalise_number
from kiosk.services import payments as payment_service
from kiosk.services.payments import ReprintInfo
from screens.counter.base import CounterScreen
from screens.counter.printing import flush_job
from screens.widgets.plain import Button, Static


class ReprintScreen(CounterScreen):
    """One field for the code; Enter reprints."""

    TITLE_KEY = "counter.reprint.title"

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def body(self) -> ComposeResult:
        yield Static(self.t("counter.reprint.hint"), classes="hint")
        yield Input(id="reprint-code", max_length=20, placeholder=self.t("counter.reprint.placeholder"))
        with Horizontal(classes="action-row"):
            yield Button(self.t("counter.reprint.submit"), id="reprint-go", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#reprint-code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.reprint()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.reprint()

    def reprint(self) -> None:
        try:  # full-width or spaced codes from an input method: the one normaliser
            code = normalise_number(self.query_one("#reprint-code", Input).value)
        except InvalidText as exc:
            self.say(exc.describe(self.t), "error")
            return
        if not code:
            self.say(self.t("counter.reprint.empty"), "error")
            return
        if self._busy:
            return
        self._busy = True
        ctx, host = self.host.ctx, self.host

        def call() -> tuple[ReprintInfo, str]:
            info = payment_service.reprint_receipt(ctx, code)
            try:
                return info, flush_job(host, info.job_id)
            except Exception:  # the copy stays in the spool
                return info, ""

        self.run_service(call, self._done, self._failed, writes=True)

    def _failed(self, message: str) -> None:
        self._busy = False
        self.say(message, "error")

    def _done(self, result: tuple[ReprintInfo, str]) -> None:
        self._busy = False
        info, print_message = result
        self.query_one("#reprint-code", Input).value = ""
        text = self.t("counter.reprint.done", code=info.code, original=info.original_code)
        self.say(f"{text}\n{print_message}" if print_message else text, "ok")
