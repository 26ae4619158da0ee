"""个人账户: balance and ledger, newest movement first."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from kiosk.services import residents
from screens.resident.common import ResidentScreen, day, yuan
from screens.widgets.plain import DataTable, Static


class AccountScreen(ResidentScreen):
    """Each personal account's balance and its movements."""

    TITLE_KEY = "resident.home.account"

    def load(self, ctx: Any, resident_id: int) -> Any:
        return residents.accounts(ctx, resident_id)

    def compose_body(self) -> ComposeResult:
        t = self.t
        if not self.data:
            yield Static(t("resident.account.none"), classes="message")
            return
        for account in self.data:
            yield Static(t("resident.account.balance", kind=t(f"resident.account_kind.{account.kind}"),
                           amount=yuan(account.balance_fen)), classes="balance")
            table: DataTable[str] = DataTable(classes="ledger-table", cursor_type="row", zebra_stripes=True)
            table.add_columns(t("resident.col.date"), t("resident.col.kind"), t("resident.col.amount"),
                              t("resident.col.balance"))
            for entry in account.entries:
                table.add_row(day(entry.entry_date), t(f"resident.ledger_kind.{entry.kind}"),
                              yuan(entry.amount_fen), yuan(entry.balance_after_fen))
            yield table
