"""个人账户: balance and ledger, newest movement first. Every movement is on
one page that scrolls (↑↓ PgUp PgDn Home End, or ▲/▼ in the bar): older
years are never cut off."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.services import residents
from screens.resident.common import ResidentScreen, day, label, yuan
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
        with VerticalScroll(id="account-body"):
            yield from self._accounts()

    async def recompose(self) -> None:
        await super().recompose()
        for body in self.query("#account-body"):  # the keys scroll the page at once
            body.focus()

    def _accounts(self) -> ComposeResult:
        t = self.t
        for account in self.data:
            yield Static(t("resident.account.balance", kind=label(t, "resident.account_kind", account.kind),
                           amount=yuan(account.balance_fen)), classes="balance")
            # Every row at its full height; the page scrolls, not the table (which never takes the focus).
            table: DataTable[str] = DataTable(classes="ledger-table", cursor_type="none", zebra_stripes=True)
            table.can_focus = False
            table.add_columns(t("resident.col.date"), t("resident.col.kind"), t("resident.col.amount"),
                              t("resident.col.balance"))
            for entry in account.entries:
                table.add_row(day(entry.entry_date), label(t, "resident.ledger_kind", entry.kind),
                              yuan(entry.amount_fen), yuan(entry.balance_after_fen))
            yield table
