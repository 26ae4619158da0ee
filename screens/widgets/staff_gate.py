"""The staff key chord's two dialogs: staff number + PIN (checked by the
staff service, with its lockout), then the maintenance menu (exit, printer
test, switch mode)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Button, Input, Static

from screens.base import KioskModal


class StaffPinModal(KioskModal[bool]):
    """Staff number and PIN; dismisses True once they are accepted."""

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="staff-gate", classes="dialog"):
            yield Static(t("kiosk.staff.title"), classes="dialog-title")
            yield Input(placeholder=t("kiosk.staff.number"), id="staff-number", max_length=20)
            yield Input(placeholder=t("kiosk.staff.pin"), id="staff-pin", password=True, max_length=12,
                        restrict=r"[0-9]*")
            yield Static("", id="staff-message", classes="message")

    def on_mount(self) -> None:
        self.query_one("#staff-number", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "staff-number":
            self.query_one("#staff-pin", Input).focus()
            return
        number = self.query_one("#staff-number", Input).value
        pin = event.value
        ctx = self.host.ctx

        def check() -> Any:
            from kiosk.services import staff

            return staff.login(ctx, number, pin)

        self.run_service(check, self._accepted, self._failed)

    def _accepted(self, _session: Any) -> None:
        self.dismiss(True)

    def _failed(self, message: str) -> None:
        self.query_one("#staff-pin", Input).value = ""
        self.query_one("#staff-message", Static).update(message)


class MaintenanceModal(KioskModal[str]):
    """1 退出程序, 2 打印测试页, 3/4/5 switch mode, 0 返回."""

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="maintenance", classes="dialog"):
            yield Static(t("kiosk.maintenance.title"), classes="dialog-title")
            with Grid(classes="menu-grid"):
                yield Button(t("kiosk.maintenance.exit"), id="m-exit")
                yield Button(t("kiosk.maintenance.printer_test"), id="m-printer")
                yield Button(t("kiosk.maintenance.mode_self"), id="m-self")
                yield Button(t("kiosk.maintenance.mode_counter"), id="m-counter")
                yield Button(t("kiosk.maintenance.mode_display"), id="m-display")
                yield Button(t("app.back"), id="m-back")
            yield Static("", id="maintenance-message", classes="message")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = (event.button.id or "").removeprefix("m-")
        if choice == "back":
            self.dismiss(None)  # type: ignore[arg-type]
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
