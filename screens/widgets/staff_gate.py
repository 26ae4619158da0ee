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

import logging
import threading
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
        # Esc is KioskModal.on_key's (Textual runs the base class's handler too: calling it
        # here as well dismissed twice and took the attract screen with it).
        if self._ticker is not None and event.key != "escape":
            event.stop()
            event.prevent_default()

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
    """退出程序 and the mode switches (supervisors and admins only), 打印测试页, 返回.

    Dismisses with the choice ("exit", "self", "counter", "display") once
    :func:`kiosk.services.maintenance.record` has audited it, or None when
    left (返回 or Esc, also audited). A clerk sees the supervised choices
    disabled and the reason; the service refuses them too.
    """

    def __init__(self, session: Any = None, *, may_exit: bool | None = None) -> None:
        from kiosk.services import maintenance

        super().__init__()
        self.session = session
        self.may_exit = maintenance.may(session, "quit") if may_exit is None else may_exit
        self._left = False  # the leaving is audited once (返回, Esc, or closed by the idle watchdog)

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="maintenance", classes="dialog"):
            yield Static(t("kiosk.maintenance.title"), classes="dialog-title")
            with Grid(classes="menu-grid"):
                yield Button(t("kiosk.maintenance.exit"), id="m-exit", disabled=not self.may_exit)
                yield Button(t("kiosk.maintenance.printer_test"), id="m-printer")
                for mode in ("self", "counter", "display"):
                    yield Button(t(f"kiosk.maintenance.mode_{mode}"), id=f"m-{mode}", disabled=not self.may_exit)
                yield Button(t("app.back"), id="m-back")
            yield Static("" if self.may_exit else t("maint17.supervisor_only"),
                         id="maintenance-message", classes="message")

    def on_mount(self) -> None:
        self._record("enter")

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":  # KioskModal's own Esc would dismiss without the audit
            event.stop()
            event.prevent_default()
            self._leave("escape")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = (event.button.id or "").removeprefix("m-")
        if choice == "back":
            self._leave("back")
        elif choice in ("exit", "self", "counter", "display") and not self.may_exit:
            self._said(self.t("maint17.supervisor_only"))
        elif choice == "printer":
            self._record("printer_test", then=lambda: self._printer_test())
        elif choice == "exit":
            self._record("quit", then=lambda: self._choose(choice))
        else:
            self._record("mode", then=lambda: self._choose(choice), mode=choice,
                         previous=getattr(self.host, "mode_name", ""))

    def _record(self, action: str, then: Any = None, **detail: Any) -> None:
        """Audit ``action``, then ``then()``; a refusal or a failed write is
        shown and nothing happens (an unaudited quit or switch is no quit)."""
        if self.session is None:  # a test host opened the menu without a gate
            if then is not None:
                then()
            return
        ctx, session = self.host.ctx, self.session

        def write() -> bool:
            from kiosk.services import maintenance
            from kiosk.services.staff import PermissionDenied

            try:
                maintenance.record(ctx, session, action, **detail)
            except PermissionDenied as exc:
                if exc.code == maintenance.REFUSED:
                    return False  # audited as maintenance.refused
                raise
            return True

        def done(allowed: bool) -> None:
            if not allowed:
                self._said(self.t("maint17.supervisor_only"))
            elif then is not None:
                then()

        self.run_service(write, done, lambda reason: self._said(self.t("maint17.not_recorded", reason=reason)),
                         writes=action != "enter")

    def _choose(self, choice: str) -> None:
        """Dismiss with an audited choice; the leaving is audited too."""
        self._left = True
        self._record_detached("leave", via=choice)
        self.dismiss(choice)

    def _leave(self, via: str) -> None:
        if self._left:
            return
        self._left = True
        # Leaving is never held up by the audit write: a menu that cannot be
        # closed is a terminal stuck in maintenance.
        self._record_detached("leave", via=via)
        self.dismiss(None)  # type: ignore[arg-type]

    def on_unmount(self) -> None:
        if not self._left:  # closed from outside (the idle watchdog, a mode switch, quit)
            self._left = True
            self._record_detached("leave", via="closed")

    def _record_detached(self, action: str, **detail: Any) -> None:
        """Audit on the app's service executor without waiting for the answer
        (the menu is going away); a failure goes to the log."""
        if self.session is None:
            return
        ctx, session = self.host.ctx, self.session

        def write() -> None:
            from kiosk.services import maintenance

            try:
                maintenance.record(ctx, session, action, **detail)
            except Exception:  # the log keeps it; the terminal goes on
                logging.getLogger(__name__).exception("maintenance %s not audited", action)

        executor = getattr(self.host, "executor", None)
        if executor is not None:
            executor.submit(write)
        else:
            threading.Thread(target=write, daemon=True).start()

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
