"""Contribution assessment (缴费核定), RULES.md §3, §4 and §6.

The four steps of the flow: (1) determine the base — the employee's own
average monthly wage clamped to 60%–300% of the average wage, or the base a
flexible worker chooses inside those bounds; (2) compute each insurance's
individual and employer amount; (3) list every line with base, rate and
amount; (4) the total. Each line is rounded half-up to the fen once and the
totals are sums of lines, so the notice always adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kiosk.rules.errors import RuleError
from kiosk.rules.money import Fen, round_fen
from kiosk.rules.parameters import (
    ContributionRates,
    MedicalParams,
    ResidentPensionParams,
    WageParams,
)
from kiosk.rules.steps import yuan

Insurance = Literal["pension", "medical", "unemployment", "work_injury"]
Payer = Literal["employer", "individual"]
NoticeKind = Literal["employee", "flexible"]


class ContributionError(RuleError):
    """A base or choice the assessment cannot accept; the (Chinese) text says the bounds;
    ``key`` (``refusal.contribution.*``) and ``params`` name the same message in the catalogs."""

    def __init__(self, message: str, key: str = "refusal.contribution.invalid", /, **params: object) -> None:
        super().__init__(message, key, **params)


@dataclass(frozen=True)
class BaseDecision:
    """Step 1: the declared wage and the base actually used."""

    declared_fen: Fen
    base_fen: Fen
    floor_fen: Fen
    cap_fen: Fen

    @property
    def adjustment(self) -> Literal["none", "raised_to_floor", "lowered_to_cap"]:
        """Whether the base was moved to a bound, for the notice's wording."""
        if self.base_fen > self.declared_fen:
            return "raised_to_floor"
        if self.base_fen < self.declared_fen:
            return "lowered_to_cap"
        return "none"


@dataclass(frozen=True)
class AssessmentLine:
    """One line of the notice: an insurance, who pays, base × rate = amount."""

    insurance: Insurance
    payer: Payer
    base_fen: Fen
    rate: Decimal
    amount_fen: Fen

    @property
    def key(self) -> str:
        """i18n key of the line label, e.g. ``rules.insurance.pension``."""
        return f"rules.insurance.{self.insurance}"


@dataclass(frozen=True)
class AssessmentNotice:
    """缴费核定通知: the base decision, every line and the totals (per month)."""

    kind: NoticeKind
    base: BaseDecision
    lines: tuple[AssessmentLine, ...]
    individual_total_fen: Fen
    employer_total_fen: Fen
    total_fen: Fen
    months: int = 1
    """Months the notice covers; amounts are per month × months."""

    def lines_for(self, payer: Payer) -> tuple[AssessmentLine, ...]:
        return tuple(line for line in self.lines if line.payer == payer)


def determine_base(declared_fen: Fen, wage: WageParams) -> BaseDecision:
    """Step 1 for employees: clamp the own average wage to the bounds."""
    if declared_fen < 0:
        raise ContributionError("申报工资不能为负数", "refusal.contribution.negative_wage")
    floor, cap = wage.base_floor_fen, wage.base_cap_fen
    return BaseDecision(declared_fen, min(max(declared_fen, floor), cap), floor, cap)


def choose_flexible_base(chosen_fen: Fen, wage: WageParams) -> BaseDecision:
    """Step 1 for flexible workers: the chosen base must lie inside the bounds."""
    floor, cap = wage.base_floor_fen, wage.base_cap_fen
    if not floor <= chosen_fen <= cap:
        raise ContributionError(
            f"缴费基数{yuan(chosen_fen)}元不在可选范围内：应在{yuan(floor)}元至{yuan(cap)}元之间"
            f"（base {yuan(chosen_fen)} outside {yuan(floor)}-{yuan(cap)}）",
            "refusal.contribution.base_range", base=yuan(chosen_fen), floor=yuan(floor), cap=yuan(cap),
        )
    return BaseDecision(chosen_fen, chosen_fen, floor, cap)


def work_injury_rate(rates: ContributionRates, risk_class: int, step: Decimal = Decimal("1")) -> Decimal:
    """Employer work-injury rate: the class base rate × an allowed floating step."""
    if not 1 <= risk_class <= len(rates.work_injury_class_rates):
        raise ContributionError(f"工伤风险类别应为1-{len(rates.work_injury_class_rates)}，收到{risk_class}",
                                "refusal.contribution.risk_class", count=len(rates.work_injury_class_rates),
                                got=risk_class)
    allowed = rates.work_injury_steps_class1 if risk_class == 1 else rates.work_injury_steps_other
    if step not in allowed:
        shown = "、".join(f"{s:f}" for s in allowed)
        raise ContributionError(f"工伤浮动费率档次{step}不允许；第{risk_class}类可选：{shown}",
                                "refusal.contribution.injury_step", step=step, risk_class=risk_class,
                                shown_zh=shown, shown_en=", ".join(f"{s:f}" for s in allowed))
    return rates.work_injury_class_rates[risk_class - 1] * step


def _line(insurance: Insurance, payer: Payer, base: Fen, rate: Decimal, months: int) -> AssessmentLine:
    # Round the monthly amount once, then multiply: the same monthly figure
    # is what each month's bill shows.
    return AssessmentLine(insurance, payer, base, rate, round_fen(base * rate) * months)


def _notice(kind: NoticeKind, base: BaseDecision, lines: list[AssessmentLine], months: int) -> AssessmentNotice:
    kept = tuple(line for line in lines if line.rate > 0)
    individual = sum(line.amount_fen for line in kept if line.payer == "individual")
    employer = sum(line.amount_fen for line in kept if line.payer == "employer")
    return AssessmentNotice(kind, base, kept, individual, employer, individual + employer, months)


def assess_employee(
    declared_wage_fen: Fen,
    wage: WageParams,
    rates: ContributionRates,
    *,
    risk_class: int = 1,
    injury_step: Decimal = Decimal("1"),
    months: int = 1,
) -> AssessmentNotice:
    """Assess an enterprise employee's monthly contributions on all insurances."""
    if months < 1:
        raise ContributionError("months must be at least 1", "refusal.contribution.months")
    base = determine_base(declared_wage_fen, wage)
    b = base.base_fen
    lines = [
        _line("pension", "individual", b, rates.pension.individual, months),
        _line("medical", "individual", b, rates.medical.individual, months),
        _line("unemployment", "individual", b, rates.unemployment.individual, months),
        _line("pension", "employer", b, rates.pension.employer, months),
        _line("medical", "employer", b, rates.medical.employer, months),
        _line("unemployment", "employer", b, rates.unemployment.employer, months),
        _line("work_injury", "employer", b, work_injury_rate(rates, risk_class, injury_step), months),
    ]
    return _notice("employee", base, lines, months)


def assess_flexible(
    chosen_base_fen: Fen,
    wage: WageParams,
    rates: ContributionRates,
    *,
    months: int = 1,
) -> AssessmentNotice:
    """Assess a flexible worker's pension (20% of the chosen base, all paid by
    the person; 8 points of it go to the personal account)."""
    if months < 1:
        raise ContributionError("months must be at least 1", "refusal.contribution.months")
    base = choose_flexible_base(chosen_base_fen, wage)
    lines = [_line("pension", "individual", base.base_fen, rates.flexible_pension_rate, months)]
    return _notice("flexible", base, lines, months)


def flexible_account_part(notice: AssessmentNotice, rates: ContributionRates) -> Fen:
    """How much of a flexible worker's pension goes to the personal account (8 of 20 points)."""
    return round_fen(notice.base.base_fen * rates.flexible_account_rate) * notice.months


@dataclass(frozen=True)
class ResidentPensionAssessment:
    """Resident pension for one year: the tier, who pays it, the subsidy."""

    tier_fen: Fen
    individual_pays_fen: Fen
    government_pays_fen: Fen
    """Paid by government for difficult groups (part or all of the minimum tier)."""
    subsidy_fen: Fen
    """Government contribution subsidy (入口补贴) credited to the account."""
    account_credit_fen: Fen
    """What reaches the personal account: tier + subsidy."""


def assess_resident_pension(
    tier_fen: Fen, params: ResidentPensionParams, *, difficult: bool = False
) -> ResidentPensionAssessment:
    """Resident pension contribution at a chosen tier; ``difficult`` groups
    have the minimum tier (or part of it) paid by government."""
    tier = params.tier(tier_fen)
    if tier is None:
        offered = "、".join(yuan(t.annual_fen) for t in params.tiers)
        raise ContributionError(f"没有{yuan(tier_fen)}元这一档次；可选档次（元/年）：{offered}",
                                "refusal.contribution.tier", tier=yuan(tier_fen), offered_zh=offered,
                                offered_en=", ".join(yuan(t.annual_fen) for t in params.tiers))
    government = min(params.difficult_paid_fen, tier.annual_fen) if difficult else 0
    return ResidentPensionAssessment(
        tier_fen=tier.annual_fen,
        individual_pays_fen=tier.annual_fen - government,
        government_pays_fen=government,
        subsidy_fen=tier.subsidy_fen,
        account_credit_fen=tier.annual_fen + tier.subsidy_fen,
    )


@dataclass(frozen=True)
class ResidentMedicalAssessment:
    """Resident medical insurance for one year: individual fee and subsidy."""

    individual_fen: Fen
    subsidy_fen: Fen


def assess_resident_medical(params: MedicalParams) -> ResidentMedicalAssessment:
    """The resident medical annual fee (individual) and the government subsidy."""
    return ResidentMedicalAssessment(params.resident_annual_fee_fen, params.resident_subsidy_fen)
