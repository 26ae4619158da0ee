"""打印凭证: the contribution statement's text preview first; it goes to the
printer only when the resident asks (1 打印, then + on the confirmation
that says what will be printed). A digit alone never prints: a card read's
digits walk through this screen without leaving paper with one resident's
records for the next (issue 17). The preview printer also keeps .png/.bin/.txt
files of what was printed."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from kiosk.services import residents
from screens.resident.common import ResidentScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


class StatementScreen(ResidentScreen):
    """Builds the statement and its preview in one service call; prints on confirmation.

    ``data`` is ``(document, preview lines)``; ``outcome`` the PrintOutcome once printed.
    """

    TITLE_KEY = "resident.home.statement"

    def __init__(self) -> None:
        super().__init__()
        self.outcome: Any = None

    def load(self, ctx: Any, resident_id: int) -> Any:
        from printers.preview import preview_text

        document = residents.statement_document(ctx, resident_id)
        return document, preview_text(document, self.host.services.paper)

    def compose_body(self) -> ComposeResult:
        t = self.t
        _, lines = self.data
        status = self.outcome.message if self.outcome is not None else t("kiosk17.statement.ask")
        yield Static(status, id="statement-status", classes="balance")
        with VerticalScroll(id="receipt-preview"):
            yield Static("\n".join(lines), id="receipt-text")
        with Grid(classes="menu-grid apply-actions"):
            if self.outcome is None:
                yield MenuButton("1", t("kiosk17.statement.print"), "print")
            yield MenuButton("2", t("certificate15.resident.menu"), "certificate")  # 参保证明 (issue 15)
            yield MenuButton("0", t("app.back"), "back")

    def choose(self, choice: str) -> None:
        from screens.counter.keys import ConfirmActionModal

        if choice == "back":
            self.go_back()
        elif choice == "certificate":
            from screens.resident.certificate import CertificateScreen

            self.app.push_screen(CertificateScreen())
        elif choice == "print" and self.data is not None and self.outcome is None:
            # The same confirmation (+, never a digit or Enter) as every write at the counter.
            self.app.push_screen(ConfirmActionModal(self.t("kiosk17.statement.confirm_title"),
                                                    [self.t("kiosk17.statement.confirm_what")]), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if not yes or self.data is None or self.outcome is not None or not self._current():
            return
        document, _ = self.data
        services = self.host.services
        self.run_service(lambda: services.print_document(document), self._printed, self._failed, writes=True)

    def _printed(self, outcome: Any) -> None:
        if not self._current():
            return
        self.outcome = outcome
        self.refresh(recompose=True)
