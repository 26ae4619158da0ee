"""Unemployment, maternity and work-injury benefits (RULES.md §7-§9).

Amounts are integer fen, computed with Decimal and rounded half-up once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kiosk.rules.errors import RuleError
from kiosk.rules.money import Fen, round_fen
from kiosk.rules.retirement import add_months
from kiosk.rules.steps import CalculationStep, pct, yuan


class BenefitError(RuleError):
    """Inputs a benefit rule cannot use; ``str()`` says which, in technical English (logs, pure
    callers). ``key`` (``refusal.benefit.*``) and ``params`` name the message a screen shows, in
    its language (kiosk/i18n/*/refusals_followup.toml)."""


# --- Unemployment (失业保险) ------------------------------------------------

UnemploymentReason = Literal["too_few_months", "voluntary", "not_registered"]


def unemployment_benefit_months(contribution_months: int) -> int:
    """Longest benefit period: 0 under 1 year paid, 12 for 1-<5 years,
    18 for 5-<10 years, 24 from 10 years (SIL Art. 46)."""
    if contribution_months < 0:
        raise BenefitError("contribution months cannot be negative", "refusal.benefit.negative_months")
    if contribution_months < 12:
        return 0
    if contribution_months < 60:
        return 12
    if contribution_months < 120:
        return 18
    return 24


@dataclass(frozen=True)
class UnemploymentDecision:
    """Whether unemployment benefit is due, for how long, and how much."""

    eligible: bool
    reasons: tuple[UnemploymentReason, ...]
    """Why not (i18n keys ``rules.unemployment.reason.<reason>``); empty when eligible."""
    months: int
    monthly_fen: Fen
    steps: tuple[CalculationStep, ...]


def unemployment_monthly_amount(minimum_wage_fen: Fen, ratio: Decimal = Decimal("0.9")) -> Fen:
    """Monthly benefit: the local minimum wage × ratio (90% by current policy) [local]."""
    if minimum_wage_fen < 0 or not Decimal(0) <= ratio <= Decimal(1):
        raise BenefitError("minimum wage must be ≥ 0 and the ratio between 0 and 1", "refusal.benefit.bad_minimum_wage")
    return round_fen(minimum_wage_fen * ratio)


def unemployment_decision(
    contribution_months: int,
    *,
    involuntary: bool,
    registered: bool,
    minimum_wage_fen: Fen,
    ratio: Decimal = Decimal("0.9"),
    carried_over_months: int = 0,
) -> UnemploymentDecision:
    """Eligibility (≥1 year paid, involuntary, registered), duration and amount.

    ``carried_over_months`` are unused months from a previous claim; they are
    added on, with the total capped at 24 (SIL Art. 46).
    """
    reasons: list[UnemploymentReason] = []
    if contribution_months < 12:
        reasons.append("too_few_months")
    if not involuntary:
        reasons.append("voluntary")
    if not registered:
        reasons.append("not_registered")
    if reasons:
        return UnemploymentDecision(False, tuple(reasons), 0, 0, ())
    months = min(24, unemployment_benefit_months(contribution_months) + max(0, carried_over_months))
    monthly = unemployment_monthly_amount(minimum_wage_fen, ratio)
    steps = (
        CalculationStep("rules.unemployment.step.monthly", f"{yuan(minimum_wage_fen)} × {pct(ratio)}", monthly),
        CalculationStep("rules.unemployment.step.total", f"{yuan(monthly)} × {months}", monthly * months),
    )
    return UnemploymentDecision(True, (), months, monthly, steps)


# --- Maternity (生育) --------------------------------------------------------

BASIC_MATERNITY_DAYS = 98
DIFFICULT_BIRTH_DAYS = 15
EXTRA_BABY_DAYS = 15


def maternity_leave_days(
    difficult_birth: bool,
    extra_babies: int,
    miscarriage_months: int | None = None,
    local_extra_days: int = 0,
) -> int:
    """Maternity leave days (女职工规定 Art. 7).

    Birth: 98, +15 for a difficult birth, +15 per extra baby, + local extra
    days. Miscarriage (``miscarriage_months`` given): 15 days before 4 months
    of pregnancy, 42 from 4 months; local birth extras do not apply.
    """
    if extra_babies < 0 or local_extra_days < 0:
        raise BenefitError("extra babies and local extra days cannot be negative", "refusal.benefit.negative_days")
    if miscarriage_months is not None:
        if miscarriage_months < 0:
            raise BenefitError("months of pregnancy cannot be negative", "refusal.benefit.negative_pregnancy")
        return 15 if miscarriage_months < 4 else 42
    days = BASIC_MATERNITY_DAYS + EXTRA_BABY_DAYS * extra_babies + local_extra_days
    return days + (DIFFICULT_BIRTH_DAYS if difficult_birth else 0)


def maternity_allowance(employer_average_monthly_wage_fen: Fen, days: int) -> Fen:
    """生育津贴: employer's average monthly wage ÷ 30 × leave days, rounded once."""
    if employer_average_monthly_wage_fen < 0 or days < 0:
        raise BenefitError("wage and days cannot be negative", "refusal.benefit.negative_wage_days")
    return round_fen(Decimal(employer_average_monthly_wage_fen) / 30 * days)


def maternity_steps(employer_average_monthly_wage_fen: Fen, days: int) -> tuple[CalculationStep, ...]:
    """The allowance as one displayable step."""
    amount = maternity_allowance(employer_average_monthly_wage_fen, days)
    formula = f"{yuan(employer_average_monthly_wage_fen)} ÷ 30 × {days}"
    return (CalculationStep("rules.maternity.step.allowance", formula, amount),)


# --- Work injury (工伤) -------------------------------------------------------

Applicant = Literal["employer", "worker"]

#: One-time disability subsidy in months of own wage, grade 1..10 (工伤条例 Art. 35-37).
_LUMP_SUM_MONTHS = (27, 25, 23, 21, 18, 16, 13, 11, 9, 7)
#: Monthly disability allowance as a share of own wage, grades 1-6 (grade 5-6
#: only when the employer cannot arrange work); grades 7-10 have none.
_MONTHLY_RATIO = (
    Decimal("0.90"), Decimal("0.85"), Decimal("0.80"), Decimal("0.75"), Decimal("0.70"), Decimal("0.60"),
)


def _check_grade(grade: int) -> None:
    if not 1 <= grade <= 10:
        raise BenefitError(f"disability grade {grade} is not 1-10", "refusal.benefit.bad_grade", grade=grade)


def injury_lump_sum_months(grade: int) -> int:
    """One-time disability subsidy in months of own wage, grade 1 (27) … 10 (7)."""
    _check_grade(grade)
    return _LUMP_SUM_MONTHS[grade - 1]


def injury_monthly_ratio(grade: int) -> Decimal | None:
    """Monthly allowance share of own wage (grades 1-6), None for 7-10."""
    _check_grade(grade)
    return _MONTHLY_RATIO[grade - 1] if grade <= 6 else None


def injury_own_wage(actual_average_fen: Fen, regional_average_fen: Fen) -> Fen:
    """本人工资: the 12-month average before the injury, bounded to 60%-300%
    of the regional average (Art. 64)."""
    if actual_average_fen < 0 or regional_average_fen <= 0:
        raise BenefitError("wages must be positive", "refusal.benefit.bad_wages")
    low = round_fen(regional_average_fen * Decimal("0.6"))
    high = regional_average_fen * 3
    return min(max(actual_average_fen, low), high)


@dataclass(frozen=True)
class InjuryBenefit:
    """Disability benefits by grade on the bounded own wage."""

    grade: int
    own_wage_fen: Fen
    lump_sum_months: int
    lump_sum_fen: Fen
    monthly_ratio: Decimal | None
    monthly_allowance_fen: Fen | None
    steps: tuple[CalculationStep, ...]


def injury_benefit(
    grade: int, actual_average_fen: Fen, regional_average_fen: Fen, *, minimum_wage_fen: Fen = 0
) -> InjuryBenefit:
    """One-time disability subsidy and monthly allowance for ``grade``.

    For grades 1-4 an allowance below ``minimum_wage_fen`` is made up to it
    by the fund (Art. 35).
    """
    own = injury_own_wage(actual_average_fen, regional_average_fen)
    months = injury_lump_sum_months(grade)
    ratio = injury_monthly_ratio(grade)
    steps = [CalculationStep("rules.injury.step.lump_sum", f"{yuan(own)} × {months}", own * months)]
    monthly = None
    if ratio is not None:
        monthly = round_fen(own * ratio)
        steps.append(CalculationStep("rules.injury.step.monthly", f"{yuan(own)} × {pct(ratio)}", monthly))
        if grade <= 4 and monthly < minimum_wage_fen:
            steps.append(CalculationStep(
                "rules.injury.step.minimum_top_up", f"max({yuan(monthly)}, {yuan(minimum_wage_fen)})",
                minimum_wage_fen,
            ))
            monthly = minimum_wage_fen
    return InjuryBenefit(grade, own, months, own * months, ratio, monthly, tuple(steps))


@dataclass(frozen=True)
class InjuryDeadline:
    """Whether an injury-determination application is in time, and which rule."""

    applicant: Applicant
    deadline: dt.date
    in_time: bool
    rule_key: str
    """i18n key: ``rules.injury.deadline.employer`` (30 days) or ``.worker`` (1 year)."""


def injury_application_deadline(event_date: dt.date, applicant: Applicant) -> dt.date:
    """Last day to apply: employer 30 days, worker/relatives/union 1 year after
    the accident or diagnosis (工伤条例 Art. 17)."""
    if applicant == "employer":
        return event_date + dt.timedelta(days=30)
    if applicant == "worker":
        return add_months(event_date, 12)
    raise BenefitError(f"unknown applicant {applicant!r}; use employer or worker", "refusal.benefit.bad_applicant",
                       applicant=str(applicant)[:20])


def check_injury_application(event_date: dt.date, application_date: dt.date, applicant: Applicant) -> InjuryDeadline:
    """Say whether ``application_date`` meets the deadline that applies to ``applicant``.

    A late employer application is still accepted, but the employer bears the
    costs incurred before it (Art. 17 para. 4); screens show that via the key.
    """
    if application_date < event_date:
        raise BenefitError("the application cannot be dated before the accident or diagnosis",
                           "refusal.benefit.applied_before_event", event=event_date.isoformat(),
                           applied=application_date.isoformat())
    deadline = injury_application_deadline(event_date, applicant)
    return InjuryDeadline(applicant, deadline, application_date <= deadline, f"rules.injury.deadline.{applicant}")
