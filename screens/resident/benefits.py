"""待遇领取: benefits paid, newest first."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from kiosk.services import residents
from screens.resident.common import ResidentScreen, day, label, yuan
from screens.widgets.plain import DataTable, Static


class BenefitsScreen(ResidentScreen):
    """Benefit payments."""

    TITLE_KEY = "resident.home.benefits"

    def load(self, ctx: Any, resident_id: int) -> Any:
        return residents.benefits(ctx, resident_id)

    def compose_body(self) -> ComposeResult:
        t = self.t
        if not self.data:
            yield Static(t("resident.benefits.none"), classes="message")
            return
        table: DataTable[str] = DataTable(id="benefits-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(t("resident.col.benefit"), t("resident.col.period"), t("resident.col.amount"),
                          t("resident.col.paid_on"))
        for row in self.data:
            table.add_row(label(t, "resident.benefit_type", row.benefit_type), f"{row.period:%Y-%m}",
                          yuan(row.amount_fen), day(row.paid_on))
        yield table
