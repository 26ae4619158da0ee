"""居民养老保险年度缴费, step 1: the tiers of the resident pension, each with
the government subsidy and what reaches the personal account.

Choosing a tier and confirming starts a 缴费核定 application (scheme
resident) — nothing is paid here: the resident pays at a counter or by bank
and the clerk records it. The year is the oldest one the enrolment rules let
the resident pay now (this year, or a transitional 补缴 year); when this year
is paid and nothing else is payable the screen says so instead of offering a
year the counter would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from kiosk.rules.money import format_yuan
from kiosk.services import enrolment, payments, residents
from kiosk.services.payments import ResidentPensionQuote
from screens.resident.apply_common import ApplyStep
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.widgets.cjk_wrap import Prose
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


@dataclass(frozen=True)
class TierChoices:
    """What the tier step shows."""

    enrolled: bool
    year: int
    """The year to pay for; when nothing is payable, the year already paid."""
    quotes: tuple[ResidentPensionQuote, ...]
    payable: bool = True
    """False when every year the rules allow now is already paid."""


def whole_yuan(fen: int) -> str:
    """Tiers and subsidies are whole yuan: "1000", not "1,000.00" (labels must fit 80 columns)."""
    return str(fen // 100) if fen % 100 == 0 else format_yuan(fen)


def number_key(index: int) -> str:
    """1 … 9, then 0 for the tenth choice."""
    return str((index + 1) % 10)


def load_tiers(ctx: Any, resident_id: int) -> TierChoices:
    """Enrolment, the year to pay for and a quote per tier (runs in a worker thread)."""
    enrolled = any(r.insurance == "pension" and r.scheme == "resident" and r.status == "active"
                   for r in residents.enrolments(ctx, resident_id))
    today = ctx.today()
    years = enrolment.payable_resident_years(ctx, resident_id)
    if not enrolled:
        return TierChoices(False, years[0] if years else today.year, ())
    if not years:
        return TierChoices(True, today.year, (), payable=False)
    year = years[0]
    quotes = tuple(payments.quote_resident_pension(ctx, resident_id, tier.annual_fen, year)
                   for tier in payments.resident_pension_tiers(ctx))
    return TierChoices(True, year, quotes[:10])


class TierScreen(ApplyStep):
    """Numbered tiers: 档次, 政府补贴, 计入个人账户."""

    TITLE_KEY = "resident.apply.tier.title"

    def needs_data(self) -> bool:
        return True

    def load(self, ctx: Any, resident_id: int) -> Any:
        return load_tiers(ctx, resident_id)

    def yuan(self, fen: int) -> str:
        return self.t("resident.apply.yuan", amount=format_yuan(fen))

    def compose_body(self) -> ComposeResult:
        t = self.t
        choices: TierChoices = self.data
        if not choices.enrolled:
            yield Static(t("resident.apply.tier.not_enrolled"), classes="warning", id="apply-blocked")
            with Grid(classes="menu-grid apply-actions"):
                yield MenuButton("0", t("app.back"), "back")
            return
        if not choices.payable:
            yield Static(t("resident.apply.tier.year_paid", year=choices.year, next=choices.year + 1),
                         classes="warning", id="apply-blocked")
            with Grid(classes="menu-grid apply-actions"):
                yield MenuButton("0", t("app.back"), "back")
            return
        yield Prose(t("resident.apply.tier.hint", year=choices.year), classes="note", id="apply-hint")
        if choices.quotes and choices.quotes[0].difficult:
            yield Static(t("resident.apply.tier.difficult"), classes="message")
        with VerticalScroll(id="apply-tiers"), Grid(classes="menu-grid"):
            for i, quote in enumerate(choices.quotes):
                yield MenuButton(number_key(i), t("resident.apply.tier.option", tier=whole_yuan(quote.tier_fen),
                                                  subsidy=whole_yuan(quote.subsidy_fen),
                                                  credit=whole_yuan(quote.account_credit_fen)),
                                 f"tier-{i}")
        yield Static(t("resident.apply.tier.pay_note"), classes="warning", id="apply-pay-note")

    def choose(self, choice: str) -> None:
        if choice == "back":
            self.go_back()
            return
        if not choice.startswith("tier-"):
            return
        quote = self.data.quotes[int(choice.removeprefix("tier-"))]
        t = self.t
        self.draft.data.update(scheme="resident", tier_fen=quote.tier_fen, year=quote.year)
        self.draft.lines = [
            t("resident.apply.tier.year", year=quote.year),
            t("resident.apply.tier.tier", tier=whole_yuan(quote.tier_fen)),
            t("resident.apply.tier.pays", amount=self.yuan(quote.individual_pays_fen)),
        ]
        if quote.government_pays_fen:
            self.draft.lines.append(t("resident.apply.tier.government", amount=self.yuan(quote.government_pays_fen)))
        self.draft.lines += [
            t("resident.apply.tier.subsidy", amount=self.yuan(quote.subsidy_fen)),
            t("resident.apply.tier.credit", amount=self.yuan(quote.account_credit_fen)),
        ]
        self.draft.notes = [t("resident.apply.tier.pay_note")]
        self.draft.business = t("resident.apply.tier.business")
        self.app.push_screen(ApplyConfirmScreen(self.draft))
