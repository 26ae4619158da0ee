"""Personal-account interest (个人账户记账利率): the yearly rates and the year's interest.

An employee personal account is credited once a year with the 记账利率 that
MOHRSS and MOF announce for that year (国发〔2005〕38号; 人社部发〔2017〕31号
unified the rate from 2016); a resident account earns the rate its province
sets [local]. The rates come from the policy file, one per year and account
kind, each with its source and a ``verify`` flag (RULES.md §13.1).

How a year's interest is counted (《职工基本养老保险个人账户管理暂行办法》,
劳办发〔1997〕116号), chosen by the policy's ``method``:

``monthly`` (月积数法, the default)::

    interest = opening × r + Σ amount_m × r × (13 − m) ÷ 12

  ``opening`` is the balance at the end of the previous year (principal and
  interest already credited); ``amount_m`` is each movement posted in month
  ``m`` of the year (1-12), so a January contribution earns the whole year and
  a December one one month. Movements out (a pension payout) earn negative
  interest the same way, so money paid out stops earning from its month.

``annual`` (年度计算法, the simplified method)::

    interest = opening × r + (Σ amount) × r × 1.083 × ½

  1.083 × ½ ≈ 6.5 ÷ 12 is the average months a monthly contribution earns.

Everything is Decimal and the interest is rounded once, half-up, to the fen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kiosk.rules.money import Fen, round_fen
from kiosk.rules.steps import CalculationStep, pct, yuan

InterestMethod = Literal["monthly", "annual"]
INTEREST_METHODS: tuple[InterestMethod, ...] = ("monthly", "annual")
ANNUAL_FACTOR = Decimal("1.083") / 2
"""年度计算法: this year's contributions earn r × 1.083 × ½ (劳办发〔1997〕116号)."""


class InterestError(ValueError):
    """No rate for the year asked, or a movement outside the year."""


@dataclass(frozen=True)
class InterestRate:
    """The 记账利率 of one year for one kind of account, and where it comes from."""

    year: int
    rate: Decimal
    """A fraction: 0.0262 = 2.62%."""
    source: str
    verify: bool = True
    """True while the figure has not been checked against the notice ([verify])."""


@dataclass(frozen=True)
class AccountInterestParams:
    """The policy's interest table: method and yearly rates per account kind."""

    method: InterestMethod = "monthly"
    employee: tuple[InterestRate, ...] = ()
    """Rates of ``pension_employee`` accounts (employee and flexible workers)."""
    resident: tuple[InterestRate, ...] = ()
    """Rates of ``pension_resident`` accounts [local]."""

    def rate_for(self, account_kind: str, year: int) -> InterestRate | None:
        """The rate of ``year`` for an account kind (``pension_employee`` or
        ``pension_resident``); None when the policy has none (not announced yet,
        or an account that earns no 记账利率, such as ``medical``)."""
        table = {"pension_employee": self.employee, "pension_resident": self.resident}.get(account_kind, ())
        for item in table:
            if item.year == year:
                return item
        return None

    def latest_for(self, account_kind: str, year: int) -> InterestRate | None:
        """The newest rate of a year ≤ ``year``: used for a year whose rate is not
        announced yet (an estimate, never a credit)."""
        table = {"pension_employee": self.employee, "pension_resident": self.resident}.get(account_kind, ())
        best: InterestRate | None = None
        for item in table:
            if item.year <= year and (best is None or item.year > best.year):
                best = item
        return best


@dataclass(frozen=True)
class YearInterest:
    """One year's interest on one account: the amount and how it was reached."""

    year: int
    rate: Decimal
    method: InterestMethod
    opening_fen: Fen
    movements_fen: Fen
    interest_fen: Fen
    steps: tuple[CalculationStep, ...]


def year_interest(year: int, opening_fen: Fen, movements: Iterable[tuple[int, Fen]], rate: Decimal,
                  method: InterestMethod = "monthly", *, through_month: int = 12) -> YearInterest:
    """Interest of ``year`` on an account.

    ``opening_fen`` is the balance at the end of the previous year;
    ``movements`` are ``(month 1-12, amount_fen)`` pairs posted during the year
    (contributions, subsidies, transfers in positive; payouts and transfers
    out negative; never the interest itself). ``through_month`` < 12 counts
    only part of the year (an estimate at retirement or transfer in the year):
    the opening balance earns ``through_month``/12 of a year and a movement of
    month m earns (through_month + 1 − m)/12. Raises InterestError for a
    month outside 1..through_month or an unknown method. Rounded once.
    """
    if method not in INTEREST_METHODS:
        raise InterestError(f"unknown interest method {method!r}; allowed: {', '.join(INTEREST_METHODS)}")
    if not 1 <= through_month <= 12:
        raise InterestError(f"through_month {through_month} must be 1-12")
    items = list(movements)
    for month, _ in items:
        if not 1 <= month <= through_month:
            raise InterestError(f"movement month {month} outside 1-{through_month} of {year}")
    total = sum(amount for _, amount in items)
    part = Decimal(through_month) / 12
    on_opening = Decimal(opening_fen) * rate * part
    if method == "monthly":
        month_sum = sum((Decimal(amount) * (through_month + 1 - month) for month, amount in items), Decimal(0))
        on_new = month_sum * rate / 12
        new_formula = f"Σ本年记账额×(月数)÷12 = {yuan(round_fen(month_sum / 12))} × {pct(rate)}"
    else:
        on_new = Decimal(total) * rate * ANNUAL_FACTOR * part
        new_formula = f"{yuan(total)} × {pct(rate)} × 1.083 × ½"
    interest = round_fen(on_opening + on_new)
    opening_formula = f"{yuan(opening_fen)} × {pct(rate)}"
    if through_month < 12:
        opening_formula += f" × {through_month}/12"
    steps = (
        CalculationStep("rules.interest.opening", opening_formula, round_fen(on_opening)),
        CalculationStep("rules.interest.new", new_formula, round_fen(on_new)),
        CalculationStep("rules.interest.total", f"{year}", interest),
    )
    return YearInterest(year, rate, method, opening_fen, total, interest, steps)
