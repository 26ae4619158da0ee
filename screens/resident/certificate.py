"""参保证明 at the self-service kiosk (issue 15), beside 打印凭证: a resident who
opened her records with the service password prints her own certificate.

The screen shows what will be printed for the period chosen (2 近一年,
3 近三年 — the default —, 4 近五年: from January of the first year to this
month) as a text preview without a code; 1 打印 asks the same confirmation
(+, never a digit or Enter) as every print, and only then is the certificate
issued (stored, audited ``certificate.issue`` as the resident's terminal) and
printed through the spool; the message names the verification code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from kiosk.services import certificates
from screens.resident.common import ResidentScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

#: Menu key → years the period covers (ending this month).
PERIODS = {"2": 1, "3": 3, "4": 5}
DEFAULT_YEARS = 3


def period(today: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """January of the first of ``years`` years up to this month (first days of months)."""
    return dt.date(today.year - years + 1, 1, 1), today.replace(day=1)


class CertificateScreen(ResidentScreen):
    """Preview, confirm (+) and print the resident's 参保证明; ``data`` is (years, start, end, lines)."""

    TITLE_KEY = "certificate15.resident.title"

    def __init__(self, years: int = DEFAULT_YEARS) -> None:
        super().__init__()
        self.years = years
        self.outcome: Any = None

    def load(self, ctx: Any, resident_id: int) -> Any:
        from printers.preview import preview_text

        start, end = period(ctx.today(), self.years)
        document = certificates.preview_certificate(ctx, resident_id, start, end)
        # The code is made when the certificate is issued: the preview shows none.
        lines = [line.replace(document.code, "—") for line in preview_text(document, self.host.services.paper)]
        return self.years, start, end, lines

    def compose_body(self) -> ComposeResult:
        t = self.t
        years, start, end, lines = self.data
        status = (self.outcome.message if self.outcome is not None
                  else t("certificate15.resident.ask", first=f"{start:%Y-%m}", last=f"{end:%Y-%m}"))
        yield Static(status, id="certificate-status", classes="balance")
        with VerticalScroll(id="receipt-preview"):
            yield Static("\n".join(lines), id="receipt-text")
        with Grid(classes="menu-grid apply-actions"):
            if self.outcome is None:
                yield MenuButton("1", t("certificate15.resident.print"), "print")
                for key, count in PERIODS.items():
                    if count != years:
                        yield MenuButton(key, t(f"certificate15.resident.years{count}"), f"years{count}")
            yield MenuButton("0", t("app.back"), "back")

    def choose(self, choice: str) -> None:
        from screens.counter.keys import ConfirmActionModal

        if choice == "back":
            self.go_back()
        elif choice.startswith("years") and self.outcome is None:
            self.years, self.data = int(choice[5:]), None
            self.refresh(recompose=True)
            self.on_mount()  # load the preview of the new period
        elif choice == "print" and self.data is not None and self.outcome is None:
            _, start, end, _ = self.data
            self.app.push_screen(ConfirmActionModal(
                self.t("certificate15.resident.confirm_title"),
                [self.t("certificate15.resident.confirm_what", first=f"{start:%Y-%m}", last=f"{end:%Y-%m}")]),
                self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if not yes or self.data is None or self.outcome is not None or not self._current():
            return
        _, start, end, _ = self.data
        ctx, services, resident_id = self.host.ctx, self.host.services, self.resident.id

        def issue() -> Any:
            job, _document = certificates.issue_certificate(ctx, resident_id, start, end)
            return services.flush(job)

        self.run_service(issue, self._printed, self._failed, writes=True)

    def _printed(self, outcome: Any) -> None:
        if not self._current():
            return
        self.outcome = outcome
        self.refresh(recompose=True)
