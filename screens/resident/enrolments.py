"""我的参保: enrolments by insurance and scheme, with status and start date."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from kiosk.services import residents
from screens.resident.common import ResidentScreen, day
from screens.widgets.plain import DataTable, Static


class EnrolmentsScreen(ResidentScreen):
    """One row per insurance and scheme."""

    TITLE_KEY = "resident.home.enrolments"

    def load(self, ctx: Any, resident_id: int) -> Any:
        return residents.enrolments(ctx, resident_id)

    def compose_body(self) -> ComposeResult:
        t = self.t
        if not self.data:
            yield Static(t("resident.enrolments.none"), classes="message")
            return
        table: DataTable[str] = DataTable(id="enrolments-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(t("resident.col.insurance"), t("resident.col.scheme"), t("resident.col.status"),
                          t("resident.col.start"), t("resident.col.employer"))
        for row in self.data:
            table.add_row(t(f"resident.insurance.{row.insurance}"), t(f"resident.scheme.{row.scheme}"),
                          t(f"resident.status.{row.status}"), day(row.start_date), row.employer)
        yield table
