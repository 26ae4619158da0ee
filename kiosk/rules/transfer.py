"""Transfers of pension relations (RULES.md §10).

- Employee → employee across provinces (国办发〔2009〕66号): what moves (the
  whole personal account, plus 12% of the actual contribution bases of every
  month paid since 1998-01-01), where the pension will be paid (the four
  cases of Art. 6), and when a temporary account is opened instead.
- Resident ↔ employee (人社部发〔2014〕17号): which way, what moves and how the
  years count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kiosk.rules.errors import RuleError
from kiosk.rules.money import Fen, round_fen
from kiosk.rules.steps import CalculationStep, yuan

POOLED_TRANSFER_RATE = Decimal("0.12")
POOLED_FROM_YEAR = 1998
TEN_YEARS = 120


class TransferError(RuleError):
    """Inputs a transfer rule cannot use; ``str()`` says which, in technical English (logs, pure
    callers). ``key`` (``refusal.transfer.*``) and ``params`` name the message a screen shows, in
    its language (kiosk/i18n/*/refusals_followup.toml)."""


@dataclass(frozen=True)
class YearBase:
    """One year of contributions: the monthly base and months actually paid."""

    year: int
    monthly_base_fen: Fen
    months: int = 12


@dataclass(frozen=True)
class TransferAmount:
    """Funds that move with an employee-to-employee transfer."""

    personal_account_fen: Fen
    pooled_fen: Fen
    total_fen: Fen
    steps: tuple[CalculationStep, ...]


def transfer_amount(account_balance_fen: Fen, years: Sequence[YearBase]) -> TransferAmount:
    """The whole personal account plus 12% of the bases of months paid since 1998.

    Partial years count their actual months; years before 1998 move no pooled funds.
    """
    if account_balance_fen < 0:
        raise TransferError("the account balance cannot be negative", "refusal.transfer.negative_balance")
    steps = [CalculationStep("rules.transfer.step.account", yuan(account_balance_fen), account_balance_fen)]
    pooled_exact = Decimal(0)
    for item in years:
        if not 0 <= item.months <= 12 or item.monthly_base_fen < 0:
            raise TransferError(f"{item.year}: months must be 0-12 and the base not negative", "refusal.transfer.bad_year",
                                year=item.year)
        if item.year < POOLED_FROM_YEAR:
            continue
        part = item.monthly_base_fen * item.months * POOLED_TRANSFER_RATE
        pooled_exact += part
        steps.append(CalculationStep(
            "rules.transfer.step.year",
            f"{item.year}: {yuan(item.monthly_base_fen)} × {item.months} × 12%",
            round_fen(part),
        ))
    pooled = round_fen(pooled_exact)  # the per-year lines are shown; the sum is rounded once
    steps.append(CalculationStep("rules.transfer.step.pooled", "Σ", pooled))
    total = account_balance_fen + pooled
    steps.append(CalculationStep("rules.transfer.step.total", f"{yuan(account_balance_fen)} + {yuan(pooled)}", total))
    return TransferAmount(account_balance_fen, pooled, total, tuple(steps))


@dataclass(frozen=True)
class PlaceRecord:
    """Months of employee-pension contributions at one place, in the order paid."""

    place: str
    months: int


PaymentCase = Literal[1, 2, 3, 4]


@dataclass(frozen=True)
class PaymentPlace:
    """Where the pension will be paid and which case of Art. 6 decided it."""

    place: str
    case: PaymentCase
    rule_key: str


def pension_payment_place(hukou_place: str, places: Sequence[PlaceRecord]) -> PaymentPlace:
    """The 待遇领取地 (国办发〔2009〕66号 Art. 6); ``places`` in order, the last
    is where the relation is now.

    1. relation at the 户籍地 → there; 2. ≥10 years at the current place →
    there; 3. else the last earlier place with ≥10 years; 4. else the 户籍地.
    """
    if not places:
        raise TransferError("at least one place of contributions is needed", "refusal.transfer.no_places")
    current = places[-1]

    def decided(place: str, case: PaymentCase) -> PaymentPlace:
        return PaymentPlace(place, case, f"rules.transfer.place.case{case}")

    if current.place == hukou_place:
        return decided(hukou_place, 1)
    totals: dict[str, int] = {}
    for record in places:
        totals[record.place] = totals.get(record.place, 0) + record.months
    if totals[current.place] >= TEN_YEARS:
        return decided(current.place, 2)
    for record in reversed(places[:-1]):
        if record.place != current.place and totals[record.place] >= TEN_YEARS:
            return decided(record.place, 3)
    return decided(hukou_place, 4)


def needs_temporary_account(sex: Literal["male", "female"], age_years: int, destination_is_hukou: bool) -> bool:
    """Men ≥50 and women ≥40 moving to a place that is not their 户籍地 keep
    the relation where it is; the new place opens a temporary account."""
    limit = 50 if sex == "male" else 40
    return age_years >= limit and not destination_is_hukou


@dataclass(frozen=True)
class SchemeLink:
    """A resident ↔ employee transfer decision (城乡养老保险制度衔接)."""

    direction: Literal["resident_to_employee", "employee_to_resident"]
    balance_moves_fen: Fen
    """The whole personal account balance of the scheme being left."""
    counted_months: int
    """Contribution months the receiving scheme counts."""
    rule_key: str


def link_schemes(
    *,
    employee_months: int,
    resident_months: int,
    employee_balance_fen: Fen,
    resident_balance_fen: Fen,
    overlap_months: int = 0,
) -> SchemeLink:
    """On reaching pension age: with ≥15 years employee contributions the
    resident account moves into the employee scheme (resident years are not
    converted); otherwise the employee account moves to the resident scheme
    and the employee years are added (the pooled part does not move).
    Overlapping months count once, as employee months (the resident money for
    them is refunded).
    """
    if min(employee_months, resident_months, employee_balance_fen, resident_balance_fen, overlap_months) < 0:
        raise TransferError("months and balances cannot be negative", "refusal.transfer.negative_amounts")
    if overlap_months > min(employee_months, resident_months):
        raise TransferError("overlap cannot exceed either scheme's months", "refusal.transfer.overlap_exceeds")
    if employee_months >= 180:
        return SchemeLink("resident_to_employee", resident_balance_fen, employee_months,
                          "rules.transfer.link.resident_to_employee")
    return SchemeLink("employee_to_resident", employee_balance_fen,
                      employee_months + resident_months - overlap_months,
                      "rules.transfer.link.employee_to_resident")
