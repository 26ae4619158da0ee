"""养老金测算: the retirement date under the delay rules and the monthly
estimate with every calculation step. A resident who already draws a
pension (a pension Benefit row) gets that pension instead: the amount paid,
since when, its status and the contribution months that made it — never a
projection of a retirement in the past (kiosk.services.estimate.pension_in_payment)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.services import residents
from kiosk.services.entitlement import render_steps
from kiosk.services.estimate import PensionInPayment, pension_in_payment, screen_notes
from screens.resident.common import ResidentScreen, day, label, yuan
from screens.widgets.cjk_wrap import paragraph
from screens.widgets.plain import Static


class EstimateScreen(ResidentScreen):
    """Estimate with its assumptions and steps."""

    TITLE_KEY = "resident.home.estimate"

    def load(self, ctx: Any, resident_id: int) -> Any:
        drawing = pension_in_payment(ctx, resident_id)
        if drawing is not None:
            return drawing  # already retired: her pension, not an estimate
        book = self.host.services.policy
        if book is None:
            raise residents.policy_unavailable()
        return residents.pension_estimate(ctx, resident_id, book)

    def compose_body(self) -> ComposeResult:
        t = self.t
        view = self.data
        if isinstance(view, PensionInPayment):
            with VerticalScroll(id="estimate"):
                yield from self._in_payment(view)
            return
        years, months = divmod(view.retirement_age_months, 12)
        with VerticalScroll(id="estimate"):
            # A date already past is no forecast: say the age was reached (and the records then say why
            # no pension is paid, e.g. too few years).
            reached = view.retirement_date <= self.host.ctx.today()
            yield Static(t("frontdesk.estimate.reached" if reached else "resident.estimate.retire",
                           date=day(view.retirement_date), years=years, months=months),
                         id="retirement-date", classes="balance")
            if view.future_months:
                yield Static(t("resident.estimate.months", paid=view.paid_months, projected=view.projected_months,
                               required=view.required_months), id="estimate-months")
            else:
                yield Static(t("resident.estimate.months_stopped", paid=view.paid_months,
                               required=view.required_months), id="estimate-months")
            yield Static(self._account_basis(view), id="estimate-account")
            yield Static(t(f"resident.estimate.scheme_{view.scheme}"))
            for step in view.estimate.steps:
                yield Static(step.render(t(step.key)), classes="calc-step")
            yield Static(t("resident.estimate.monthly", amount=yuan(view.estimate.monthly_fen)),
                         id="estimate-total", classes="balance")
            short = view.estimate.shortfall
            if short is not None:
                yield Static(t("rules.pension.shortfall.missing", required=short.required_months,
                               paid=short.paid_months, missing=short.missing_months), classes="warning")
            # What is not counted and the options of this scheme (the one estimate's steps).
            for line in render_steps(screen_notes(view.notes), t):
                yield paragraph(line, classes="note estimate-option")
            yield paragraph(t("resident.estimate.note"), classes="note")

    def _in_payment(self, view: PensionInPayment) -> ComposeResult:
        """Her pension as paid, and the months behind it (kiosk17.estimate)."""
        t = self.t
        kind = label(t, "resident.benefit_type", f"pension_{view.scheme}" if view.scheme else "pension")
        yield Static(t("kiosk17.estimate.since", kind=kind, month=f"{view.start_month:%Y-%m}",
                       status=t(f"lifecycle.status.{view.status}")), id="retirement-date", classes="balance")
        if view.last_paid is not None:
            amount = t("kiosk17.estimate.paid", amount=yuan(view.monthly_fen), month=f"{view.last_paid:%Y-%m}")
        else:
            amount = t("kiosk17.estimate.decided", amount=yuan(view.monthly_fen))
        yield Static(amount, id="estimate-total", classes="balance")
        years, months = divmod(view.months, 12)
        yield Static(t("kiosk17.estimate.months", total=view.months, years=years, months=months)
                     if view.months else t("kiosk17.estimate.no_months"), id="estimate-months", classes="calc-step")
        yield paragraph(t("frontdesk.estimate.retired_note"), classes="note")

    def _account_basis(self, view: Any) -> str:
        """Say how the personal account in the formula was reached: today's
        balance plus the same contributions to retirement, or today's balance."""
        t = self.t
        if not view.future_months:
            return t("resident.estimate.account_current", balance=yuan(view.account_balance_fen))
        if view.scheme == "resident":
            return t("resident.estimate.account_resident", balance=yuan(view.account_balance_fen),
                     year=view.basis_year, per=yuan(view.account_per_period_fen), n=view.future_months // 12,
                     projected=yuan(view.projected_balance_fen))
        return t("resident.estimate.account_employee", balance=yuan(view.account_balance_fen),
                 per=yuan(view.account_per_period_fen), n=view.future_months,
                 projected=yuan(view.projected_balance_fen))
