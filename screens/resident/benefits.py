"""待遇领取: the benefits in payment with their status (suspended and why), then every
payment, newest first, with its month (补差 rows named)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.app import ComposeResult

from kiosk.rules.retirement import add_months
from kiosk.services import residents
from screens.resident.common import ResidentScreen, day, label, yuan
from screens.widgets.plain import DataTable, Static


class BenefitsScreen(ResidentScreen):
    """Benefits in payment and benefit payments."""

    TITLE_KEY = "resident.home.benefits"

    today: dt.date | None = None

    def load(self, ctx: Any, resident_id: int) -> Any:
        self.today = ctx.today()  # the hall's date: a 资格认证 date already past is overdue, not "by"
        return residents.benefit_statuses(ctx, resident_id), residents.benefits(ctx, resident_id)

    def _status_line(self, item: residents.BenefitStatus) -> str:
        t = self.t
        status = t(f"lifecycle.status.{item.status}")
        reason = t(f"lifecycle.reason.{item.reason}") if item.reason else ""
        months = (t("lifecycle.benefit.months", paid=item.paid_months, months=item.months)
                  if item.months is not None else t("lifecycle.benefit.lifelong", paid=item.paid_months))
        line = t("lifecycle.benefit.line", kind=label(t, "resident.benefit_type", item.benefit_type), status=status,
                 reason=f"（{reason}）" if reason else "", amount=yuan(item.monthly_fen), months=months)
        if item.certify_by is not None:
            line += self._certify_text(item, item.certify_by)
        return line

    def _certify_text(self, item: residents.BenefitStatus, due: dt.date) -> str:
        """By when to certify; once the date is past: overdue, and since which month payment is
        suspended (the first run after the due month suspends it), come to the counter."""
        t = self.t
        if self.today is None or due >= self.today:
            return t("lifecycle.benefit.certify_by", date=day(due))
        if item.status == "suspended":
            # The first month not paid: after the due month, and after the months paid so far.
            since = max(add_months(due.replace(day=1), 1), add_months(item.start, item.paid_months))
            return t("fix15money.certify_overdue_suspended", date=day(due), month=f"{since:%Y-%m}")
        return t("fix15money.certify_overdue", date=day(due))

    def compose_body(self) -> ComposeResult:
        t = self.t
        statuses, payments = self.data if isinstance(self.data, tuple) else ([], self.data or [])
        for item in statuses:
            # Text, not markup: the line carries catalog words only, but stays literal all the same.
            yield Static(Text(self._status_line(item)), classes="benefit-status")
        if not payments:
            yield Static(t("resident.benefits.none"), classes="message")
            return
        table: DataTable[str] = DataTable(id="benefits-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(t("resident.col.benefit"), t("resident.col.period"), t("resident.col.amount"),
                          t("resident.col.paid_on"))
        for row in payments:
            period = f"{row.period:%Y-%m}"
            if row.payment_kind == "arrears":
                period += " " + t("lifecycle.payment.arrears")
            table.add_row(label(t, "resident.benefit_type", row.benefit_type), period,
                          yuan(row.amount_fen), day(row.paid_on))
        yield table
