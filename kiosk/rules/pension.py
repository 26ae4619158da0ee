"""Pension estimates (RULES.md §4, §5.3-§5.4): the months divisor, the
employee pension (basic + personal account + transitional) and the resident
pension (basic + balance ÷ 139), each with its calculation steps.

Rounding: each component is rounded half-up to the fen once; the monthly
total is the sum of the rounded components, so the shown lines always add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kiosk.rules.errors import RuleError
from kiosk.rules.money import Fen, round_fen
from kiosk.rules.parameters import DivisorRule
from kiosk.rules.steps import CalculationStep, yuan

#: 个人账户养老金计发月数表 (国发〔2005〕38号 attachment), ages 40-70.
#: Age 47 is 208, the majority reading (⚠ 207 in a few calculators).
MONTHS_DIVISOR: dict[int, int] = {
    40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 208,
    48: 204, 49: 199, 50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170,
    56: 164, 57: 158, 58: 152, 59: 145, 60: 139, 61: 132, 62: 125, 63: 117,
    64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65, 70: 56,
}
RESIDENT_DIVISOR = 139

ShortfallOption = Literal["keep_paying", "lump_sum", "transfer_to_resident"]


class PensionError(RuleError):
    """Inputs a pension estimate cannot use; ``str()`` says which and why, in technical English
    (logs, pure callers). ``key`` (``refusal.pension.*``) and ``params`` name the message a screen
    shows, in its language (kiosk/i18n/*/refusals_followup.toml)."""


def months_divisor(age_years: int) -> int:
    """The months divisor for a whole age in years (40-70)."""
    try:
        return MONTHS_DIVISOR[age_years]
    except KeyError:
        raise PensionError(f"no months divisor for age {age_years}; the table covers 40-70",
                           "refusal.pension.no_divisor", age=age_years) from None


def months_divisor_for(age_months: int, rule: DivisorRule = "floor") -> int:
    """The divisor for an age in months (e.g. 60 years 4 months = 724).

    ``floor`` uses the completed year; ``interpolate`` moves linearly towards
    the next year's figure by the extra months and rounds half-up to a whole
    month. Which one applies is a local rule (⚠ unverified nationally).
    """
    years, extra = divmod(age_months, 12)
    low = months_divisor(years)
    if rule == "floor" or extra == 0:
        return low
    if rule != "interpolate":
        raise PensionError(f"unknown divisor rule {rule!r}; use floor or interpolate", "refusal.pension.bad_divisor_rule",
                           rule=str(rule))
    high = months_divisor(years + 1)
    return round_fen(Decimal(low) + Decimal(high - low) * extra / 12)


@dataclass(frozen=True)
class Shortfall:
    """Contributions short of the minimum, and what the person can do."""

    required_months: int
    paid_months: int
    missing_months: int
    options: tuple[ShortfallOption, ...]


def shortfall(paid_months: int, required_months: int) -> Shortfall | None:
    """None when the minimum is met, else the missing months and the options
    (keep paying / extend, pay a lump sum, move to the resident scheme)."""
    if paid_months < 0:
        raise PensionError("contribution months cannot be negative", "refusal.pension.negative_months")
    if paid_months >= required_months:
        return None
    return Shortfall(
        required_months=required_months,
        paid_months=paid_months,
        missing_months=required_months - paid_months,
        options=("keep_paying", "lump_sum", "transfer_to_resident"),
    )


@dataclass(frozen=True)
class PensionEstimate:
    """A monthly pension estimate with the steps that produced it."""

    scheme: Literal["employee", "resident"]
    basic_fen: Fen
    account_fen: Fen
    transitional_fen: Fen
    monthly_fen: Fen
    divisor: int
    steps: tuple[CalculationStep, ...]
    shortfall: Shortfall | None = None
    """Set when contributions are short: the estimate is then what would be
    paid once the missing months are made up."""


def _index_text(index: Decimal) -> str:
    return f"{index.quantize(Decimal('0.0001'))}"


def employee_pension(
    *,
    computation_base_fen: Fen,
    average_index: Decimal,
    contribution_months: int,
    account_balance_fen: Fen,
    retirement_age_months: int,
    divisor_rule: DivisorRule = "floor",
    deemed_months: int = 0,
    transitional_rate: Decimal = Decimal("0"),
    required_months: int | None = None,
) -> PensionEstimate:
    """Employee monthly pension (国发〔2005〕38号).

    basic = C × (1 + I) ÷ 2 × N × 1%, N = ``contribution_months`` ÷ 12
    (including deemed months); account = balance ÷ divisor(age);
    transitional = C × I × deemed years × ``transitional_rate`` [local].
    ``required_months`` (from min_contribution_months) adds a shortfall.
    """
    if computation_base_fen <= 0:
        raise PensionError("the computation base C must be positive", "refusal.pension.base_not_positive")
    if not Decimal("0.6") <= average_index <= Decimal("3"):
        raise PensionError(f"average contribution index {average_index} is outside 0.6-3.0",
                           "refusal.pension.index_range", index=str(average_index), low="0.6", high="3.0")
    if contribution_months < 0 or account_balance_fen < 0 or deemed_months < 0:
        raise PensionError("months and balances cannot be negative", "refusal.pension.negative_amounts")
    if deemed_months > contribution_months:
        raise PensionError("deemed months are part of the contribution months and cannot exceed them",
                           "refusal.pension.deemed_exceeds", deemed=deemed_months, months=contribution_months)
    if transitional_rate < 0:
        raise PensionError("the transitional rate cannot be negative", "refusal.pension.negative_rate")
    divisor = months_divisor_for(retirement_age_months, divisor_rule)
    c, n = computation_base_fen, contribution_months
    basic = round_fen(Decimal(c) * (1 + average_index) / 2 * n / 12 / 100)
    account = round_fen(Decimal(account_balance_fen) / divisor)
    transitional = round_fen(Decimal(c) * average_index * deemed_months / 12 * transitional_rate)
    steps = [
        CalculationStep(
            "rules.pension.step.basic",
            f"{yuan(c)} × (1 + {_index_text(average_index)}) ÷ 2 × {n} ÷ 12 × 1%",
            basic,
        ),
        CalculationStep(
            "rules.pension.step.account", f"{yuan(account_balance_fen)} ÷ {divisor}", account
        ),
    ]
    if transitional_rate and deemed_months:
        steps.append(
            CalculationStep(
                "rules.pension.step.transitional",
                f"{yuan(c)} × {_index_text(average_index)} × {deemed_months} ÷ 12 × {transitional_rate}",
                transitional,
            )
        )
    total = basic + account + transitional
    parts = [yuan(basic), yuan(account)] + ([yuan(transitional)] if len(steps) == 3 else [])
    steps.append(CalculationStep("rules.pension.step.total", " + ".join(parts), total))
    short = shortfall(contribution_months, required_months) if required_months is not None else None
    return PensionEstimate("employee", basic, account, transitional, total, divisor, tuple(steps), short)


def resident_pension(
    *,
    basic_pension_fen: Fen,
    account_balance_fen: Fen,
    contribution_months: int | None = None,
    required_months: int = 180,
) -> PensionEstimate:
    """Resident monthly pension: basic pension + account balance ÷ 139.

    ``basic_pension_fen`` is the national minimum in force plus any local
    extra (PolicyParams.resident_basic_pension_fen). With
    ``contribution_months`` a shortfall below 15 years is reported.
    """
    if basic_pension_fen < 0 or account_balance_fen < 0:
        raise PensionError("amounts cannot be negative", "refusal.pension.negative_amounts")
    account = round_fen(Decimal(account_balance_fen) / RESIDENT_DIVISOR)
    total = basic_pension_fen + account
    steps = (
        CalculationStep("rules.pension.step.resident_basic", yuan(basic_pension_fen), basic_pension_fen),
        CalculationStep(
            "rules.pension.step.account", f"{yuan(account_balance_fen)} ÷ {RESIDENT_DIVISOR}", account
        ),
        CalculationStep("rules.pension.step.total", f"{yuan(basic_pension_fen)} + {yuan(account)}", total),
    )
    short = shortfall(contribution_months, required_months) if contribution_months is not None else None
    return PensionEstimate("resident", basic_pension_fen, account, 0, total, RESIDENT_DIVISOR, steps, short)
