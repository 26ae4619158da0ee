"""参保证明 at the counter (issue 15): the clerk chooses the period (first and last month,
YYYY-MM) and an optional purpose (用途), and the certificate is issued
(:func:`kiosk.services.certificates.issue_certificate`, audited under the
clerk's number) and printed at once through the spool. Reached from the
resident detail (key 3); the message names the verification code that
``kiosk verify`` checks. A wrong month keeps what was typed and says what
to fix.

One request, one certificate: the issue runs as a write (a repeated Enter
while it runs is not a second issue), and once issued the form is locked
and says what was issued; 另开一份 (``#certificate-again``) unlocks it for
a deliberate second certificate.
"""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from kiosk.services import ServiceError
from kiosk.services.benefit_run import parse_month
from kiosk.services.certificates import issue_certificate
from kiosk.services.registration import ResidentInfo
from screens.counter.base import CounterScreen
from screens.counter.printing import flush_job
from screens.widgets.plain import Button, Static


def default_period(today: dt.date) -> tuple[str, str]:
    """The period offered first: January two years back to this month (YYYY-MM, YYYY-MM)."""
    return f"{today.year - 2}-01", f"{today:%Y-%m}"


class CertificateScreen(CounterScreen):
    """Issue and print a 参保证明 of ``resident`` for a chosen period."""

    TITLE_KEY = "certificate15.counter.title"
    AUTO_FOCUS = "#certificate-from"

    def __init__(self, resident: ResidentInfo) -> None:
        super().__init__()
        self.resident = resident
        self.issued_code = ""
        self.locked = False

    def body(self) -> ComposeResult:
        t, r = self.t, self.resident
        first, last = default_period(self.host.ctx.today())
        with Vertical(id="certificate-form"):
            yield Static(t("certificate15.counter.who", name=r.masked_name, id=r.masked_id), id="certificate-who")
            yield Static(t("certificate15.counter.period_hint"), classes="hint")
            yield Input(first, max_length=7, id="certificate-from", placeholder=t("certificate15.counter.from"))
            yield Input(last, max_length=7, id="certificate-to", placeholder=t("certificate15.counter.to"))
            yield Input("", max_length=40, id="certificate-purpose", placeholder=t("certificate15.counter.purpose"))
            with Horizontal(classes="button-row"):
                yield Button(t("certificate15.counter.issue"), id="certificate-issue", variant="primary")
                again = Button(t("fixd.certificate.again"), id="certificate-again")
                again.display = False
                yield again
                yield Button(t("app.back"), id="nav-back")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        following = {"certificate-from": "#certificate-to", "certificate-to": "#certificate-purpose"}
        if event.input.id in following:
            self.query_one(following[event.input.id], Input).focus()
        else:
            self.issue()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "certificate-issue":
            event.stop()
            self.issue()
        elif event.button.id == "certificate-again":
            event.stop()
            self._lock(False)
            self.say("")
            self.query_one("#certificate-from", Input).focus()
        else:
            super().on_button_pressed(event)

    def issue(self) -> None:
        """Check the months, then issue and print (in the service thread); nothing while
        an issue runs or after one was issued (the form is locked)."""
        if self.locked:
            return
        values = [self.query_one(f"#certificate-{name}", Input).value for name in ("from", "to", "purpose")]
        try:
            start, end = parse_month(values[0]), parse_month(values[1])
        except ServiceError as exc:
            self.say(self.service_message(exc), "error")  # in the counter's language
            return
        host, resident_id = self.host, self.resident.id
        purpose = values[2]  # normalised (or refused with a message) by the service

        def work() -> tuple[str, str]:
            job, document = issue_certificate(host.ctx, resident_id, start, end, purpose=purpose)
            return document.code, flush_job(host, job)

        if self.run_service(work, self._issued, lambda message: self.say(message, "error"), writes=True) is not None:
            self.say(self.t("certificate15.counter.working"))

    def _issued(self, result: tuple[str, str]) -> None:
        code, printed = result
        self.issued_code = code
        self._lock(True)
        period = f"{self.query_one('#certificate-from', Input).value} – {self.query_one('#certificate-to', Input).value}"
        self.say(self.t("certificate15.counter.done", code=code) + "\n" + self.t("fixd.certificate.locked", period=period)
                 + (f"  {printed}" if printed else ""), "ok")

    def _lock(self, locked: bool) -> None:
        """Issued: the fields and 出具 are disabled (a later Enter issues nothing); 另开一份 shows."""
        self.locked = locked
        for widget in self.query("#certificate-form Input"):
            widget.disabled = locked
        self.query_one("#certificate-issue", Button).disabled = locked
        self.query_one("#certificate-again", Button).display = locked
        if locked:
            self.set_focus(None)
