"""The staff key chord's two dialogs: staff number + PIN, then the
maintenance menu (exit, printer test, switch mode). Only a supervisor or an
admin may end the program there (a clerk sees the choice disabled and why):
a self-service terminal left at a shell prompt is a terminal anyone can use.

The gate sits on public terminals, so a wrong PIN here never counts towards
the account's lock-out (:func:`kiosk.services.staff.gate_login`; only counter
logins do). Instead this terminal slows itself down: after each wrong PIN
the next try waits 1, 2, 4, 8 ... seconds (:class:`GateThrottle`): both
fields are closed, keys are ignored and the seconds left are shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Input

from screens.base import KioskModal
from screens.widgets.plain import Button, Static


@dataclass
class GateThrottle:
    """One terminal's memory of wrong staff PINs in a row (kept on the app,
    so closing and reopening the gate does not reset it)."""

    base: float = 1.0
    """Seconds after the first wrong PIN; doubles with each further one (tests make it small)."""
    failures: int = 0
    retry_at: float = 0.0  # time.monotonic() before which the gate takes no PIN

    def wait_left(self) -> float:
        return max(0.0, self.retry_at - time.monotonic())

    def failed(self) -> float:
        """Count a wrong PIN; the seconds until the next try."""
        from kiosk.services.staff import gate_delay

        self.failures += 1
        delay = gate_delay(self.failures, self.base)
        self.retry_at = time.monotonic() + delay
        return delay

    def succeeded(self) -> None:
        self.failures, self.retry_at = 0, 0.0


def throttle_of(app: Any) -> GateThrottle:
    """The terminal's :class:`GateThrottle` (created on first use)."""
    throttle = app.__dict__.get("_staff_gate_throttle")
    if throttle is None:
        throttle = app.__dict__["_staff_gate_throttle"] = GateThrottle()
    return throttle


class StaffPinModal(KioskModal[Any]):
    """Staff number and PIN; dismisses with the StaffSession once they are accepted (None on Esc)."""

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="staff-gate", classes="dialog"):
            yield Static(t("kiosk.staff.title"), classes="dialog-title")
            yield Input(placeholder=t("kiosk.staff.number"), id="staff-number", max_length=20)
            yield Input(placeholder=t("kiosk.staff.pin"), id="staff-pin", password=True, max_length=12,
                        restrict=r"[0-9０-９]*")  # full-width digits too: the service normalises
            yield Static("", id="staff-message", classes="message")

    def __init__(self) -> None:
        super().__init__()
        self._said = ""  # the last answer, shown above the countdown
        self._ticker: Any = None

    def on_mount(self) -> None:
        if throttle_of(self.app).wait_left() > 0:
            self._hold()  # reopened during a wait: the wait goes on
        else:
            self.query_one("#staff-number", Input).focus()

    def on_key(self, event: events.Key) -> None:
        # While the terminal waits, both fields are closed and keys do nothing
        # (without this they would fall into whatever takes focus next).
        if self._ticker is not None and event.key != "escape":
            event.stop()
            event.prevent_default()
            return
        super().on_key(event)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "staff-number":
            self.query_one("#staff-pin", Input).focus()
            return
        throttle = throttle_of(self.app)
        field = self.query_one("#staff-pin", Input)
        if throttle.wait_left() > 0 or field.disabled:
            field.value = ""
            self._say_wait(throttle)
            return
        number = self.query_one("#staff-number", Input).value
        pin = event.value
        field.value = ""
        field.disabled = True  # one check at a time
        ctx = self.host.ctx

        def check() -> Any:
            from kiosk.services import staff

            return staff.gate_login(ctx, number, pin)

        self.run_service(check, self._accepted, self._failed)

    def _accepted(self, session: Any) -> None:
        throttle_of(self.app).succeeded()
        self.dismiss(session)

    def _failed(self, message: str) -> None:
        from kiosk.services.staff import GATE_WRONG

        throttle_of(self.app).failed()
        self._said = self.t("fix19.gate.wrong") if message == GATE_WRONG else message
        self._hold()

    def _hold(self) -> None:
        """Close both fields for the wait, show the seconds left, reopen after."""
        for field in self.query(Input):
            field.disabled = True
        self._tick()
        if self._ticker is None:
            self._ticker = self.set_interval(0.25, self._tick)

    def _tick(self) -> None:
        throttle = throttle_of(self.app)
        if throttle.wait_left() <= 0:
            self._reopen()
            return
        self._say_wait(throttle)

    def _reopen(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        for field in self.query(Input):
            field.disabled = False
        self.query_one("#staff-message", Static).update(self._said)
        number = self.query_one("#staff-number", Input)
        (self.query_one("#staff-pin", Input) if number.value else number).focus()

    def _say_wait(self, throttle: GateThrottle) -> None:
        seconds = max(1, int(throttle.wait_left() + 0.999))
        wait = self.t("fix19.gate.waiting", seconds=seconds)
        self.query_one("#staff-message", Static).update(f"{self._said}\n{wait}" if self._said else wait)


class MaintenanceModal(KioskModal[str]):
    """退出程序 (supervisors and admins only), 打印测试页, switch mode, 返回."""

    def __init__(self, *, may_exit: bool = True) -> None:
        super().__init__()
        self.may_exit = may_exit

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="maintenance", classes="dialog"):
            yield Static(t("kiosk.maintenance.title"), classes="dialog-title")
            with Grid(classes="menu-grid"):
                yield Button(t("kiosk.maintenance.exit"), id="m-exit", disabled=not self.may_exit)
                yield Button(t("kiosk.maintenance.printer_test"), id="m-printer")
                yield Button(t("kiosk.maintenance.mode_self"), id="m-self")
                yield Button(t("kiosk.maintenance.mode_counter"), id="m-counter")
                yield Button(t("kiosk.maintenance.mode_display"), id="m-display")
                yield Button(t("app.back"), id="m-back")
            yield Static("" if self.may_exit else t("frontdesk.maintenance.exit_supervisor"),
                         id="maintenance-message", classes="message")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = (event.button.id or "").removeprefix("m-")
        if choice == "back":
            self.dismiss(None)  # type: ignore[arg-type]
        elif choice == "exit" and not self.may_exit:
            self.query_one("#maintenance-message", Static).update(self.t("frontdesk.maintenance.exit_supervisor"))
        elif choice == "printer":
            self._printer_test()
        else:
            self.dismiss(choice)

    def _printer_test(self) -> None:
        host = self.host
        ctx = host.ctx

        def run() -> str:
            from printers.templates import PrinterTestInput, ReceiptContext, printer_test_page

            receipt = ReceiptContext(hall=ctx.hall_name, terminal=ctx.terminal, time=ctx.clock.now_local())
            data = PrinterTestInput(**_printer_test_fields(host))
            outcome = host.services.print_document(printer_test_page(receipt, data))
            return self.t("kiosk.maintenance.printed") if outcome.printed else outcome.message

        self.run_service(run, self._said, self._said)

    def _said(self, message: str) -> None:
        self.query_one("#maintenance-message", Static).update(message)


def _printer_test_fields(host: Any) -> dict[str, Any]:
    """The printer test page's inputs that this terminal knows."""
    import dataclasses

    from printers.templates import PrinterTestInput

    known = {"url": host.settings.printer_url(), "printer_url": host.settings.printer_url(),
             "paper": host.settings.printer.paper, "encoding": host.settings.printer.encoding,
             "profile": host.settings.printer.profile, "terminal": host.settings.terminal.id}
    return {f.name: known[f.name] for f in dataclasses.fields(PrinterTestInput) if f.name in known}
