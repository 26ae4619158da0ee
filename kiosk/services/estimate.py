"""The one pension estimate (养老金测算), by scheme, from the records.

Used by the kiosk's 养老金测算 screen (through
:func:`kiosk.services.residents.pension_estimate`) and by
``kiosk pension estimate``. Employee (职工/灵活就业) months and resident-scheme
(城乡居民) years are never added together: a person with any employee or
flexible pension months is estimated in the employee scheme, with the
resident years shown beside it, not counted. The projection assumes the
contributions continue as in the last period paid (when still paying) up
to the retirement date; the personal account grows by the same monthly
(employee: base × account rate) or yearly (resident: tier + subsidy)
amount, without future interest. The steps list the shortfall and the
options that exist in that scheme: keep paying (延长缴费) or pay the
missing months at once (一次性缴费, 2024 办法), an inter-provincial transfer
(66号) of months paid elsewhere, the 17号 linkage at pension age, and for
the employee scheme the flexible-retirement window (弹性退休, ≤3 years early
but never below the old age, ≤3 years late).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from db.models import Application, Benefit, BenefitPayment, Contribution
from kiosk.rules import pension, retirement
from kiosk.rules.money import Fen, format_yuan, round_fen
from kiosk.services import ServiceContext, connected
from kiosk.services.entitlement import (
    MONTHLY_SCHEMES,
    Note,
    Step,
    _person,
    _policy,
    account_balance,
    flexible_window,
    render_steps,
    retirement_note,
    tuples,
)


@dataclass(frozen=True)
class Estimate:
    """A pension estimate in one scheme, with its projection and steps.

    Months are calendar months (a resident year counts 12); money is fen.
    ``calculation`` is the rules' :class:`~kiosk.rules.pension.PensionEstimate`
    on the projected months and balance.
    """

    scheme: str  # employee | resident
    retirement_date: dt.date
    retirement_age_months: int
    category: str
    required_months: int
    paid_months: int
    projected_months: int
    shortfall_months: int
    account_balance_fen: Fen
    projected_balance_fen: Fen
    future_months: int
    account_per_period_fen: Fen
    basis_year: int | None
    other_scheme_months: int
    """Months paid in the other scheme (not counted here)."""
    calculation: pension.PensionEstimate
    steps: tuple[Step, ...]

    @property
    def monthly_fen(self) -> Fen:
        return self.calculation.monthly_fen

    def as_json(self, t: Callable[..., str]) -> dict[str, Any]:
        """The ``kiosk pension estimate --json`` object."""
        return {"scheme": self.scheme, "retirement_date": self.retirement_date.isoformat(),
                "required_months": self.required_months, "paid_months": self.paid_months,
                "projected_months": self.projected_months, "shortfall_months": self.shortfall_months,
                "account_balance_fen": self.account_balance_fen, "monthly_fen": self.monthly_fen,
                "steps": render_steps(self.steps, t)}


#: Steps a screen shows beside the calculation: what is not counted, the options, flexible retirement.
SCREEN_NOTES = ("category_assumed", "resident_not_counted", "option_keep_paying", "option_lump_sum",
                "option_transfer_in", "option_link_resident", "option_link_employee", "option_resident_pay",
                "flexible_window")


def screen_notes(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """The steps of :data:`SCREEN_NOTES`, in order (the calculation itself is shown on its own)."""
    return tuple(s for s in steps if isinstance(s, Note) and s.key in SCREEN_NOTES)


@dataclass(frozen=True)
class PensionInPayment:
    """A pension the resident already draws (a :class:`db.models.Benefit` row of kind
    pension): what the 养老金测算 screen shows instead of a projection.

    ``monthly_fen`` is the newest month paid (fen), else the benefit's decided
    amount; ``months`` the contribution months that made it (calendar months, a
    resident-scheme year 12: the months the claim recorded, else those on record
    before ``start_month``; 0 for a basic pension granted without contributions).
    """

    scheme: str  # employee | resident ("" when the benefit does not say)
    start_month: dt.date
    monthly_fen: Fen
    last_paid: dt.date | None
    """The newest month paid (period), None before the first payment."""
    months: int
    status: str  # one of db.models.BENEFIT_STATUSES


def pension_in_payment(ctx: ServiceContext, resident_id: int) -> PensionInPayment | None:
    """The resident's newest pension benefit (in payment, suspended or stopped), else None.
    A retiree gets her pension and the months behind it, never an estimate of a
    retirement that lies in the past (issue 17)."""
    with connected(ctx):
        benefit = (Benefit.select().where((Benefit.resident == resident_id) & Benefit.kind.startswith("pension"))
                   .order_by(Benefit.start_month.desc(), Benefit.created_at.desc()).first())
        if benefit is None:
            return None
        paid = tuples(BenefitPayment.select(BenefitPayment.period, BenefitPayment.amount_fen)
                      .where((BenefitPayment.resident == resident_id)
                             & BenefitPayment.benefit_type.startswith("pension")
                             & (BenefitPayment.kind == "monthly"))
                      .order_by(BenefitPayment.period.desc()).limit(1))
        months = _recorded_months(benefit)
        if months is None:
            months = _months_before(resident_id, benefit.scheme, benefit.start_month)
    last_paid, amount = (paid[0][0], int(paid[0][1])) if paid else (None, int(benefit.monthly_fen))
    return PensionInPayment(str(benefit.scheme), benefit.start_month, amount, last_paid, months, str(benefit.status))


def _recorded_months(benefit: Any) -> int | None:
    """The contribution months the claim's 待遇计算 recorded (application data ``months``)."""
    application_id = benefit.__data__.get("application")
    if application_id is None:
        return None
    row = Application.get_or_none(Application.id == application_id)
    data = row.data if row is not None and isinstance(row.data, dict) else {}
    months = data.get("months")
    return months if isinstance(months, int) and not isinstance(months, bool) and months >= 0 else None


def _months_before(resident_id: int, scheme: str, start: dt.date) -> int:
    """Pension months on record before ``start``, in the benefit's scheme: monthly
    schemes count months, the resident scheme 12 a year paid."""
    rows = _rows(resident_id, start - dt.timedelta(days=1))
    if scheme == "resident":
        return 12 * len({month.year for kind, month, *_ in rows if kind == "resident"})
    return len({month for kind, month, *_ in rows if kind in MONTHLY_SCHEMES})


def _rows(resident_id: int, on: dt.date) -> list[tuple[str, dt.date, int, int, int]]:
    query = (Contribution.select(Contribution.scheme, Contribution.month, Contribution.base_fen,
                                 Contribution.individual_fen, Contribution.subsidy_fen)
             .where((Contribution.resident == resident_id) & (Contribution.insurance == "pension")
                    & (Contribution.month <= on))
             .order_by(Contribution.month))
    return [(str(s), m, int(b), int(i), int(u)) for s, m, b, i, u in tuples(query)]


def _months_between(start: dt.date, end: dt.date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def estimate(ctx: ServiceContext, resident_id: int, *, on: dt.date | None = None) -> Estimate:
    """Estimate the monthly pension at retirement as of ``on`` (default today).

    Raises :class:`~kiosk.services.NotFound` for an unknown resident.
    """
    day = on or ctx.today()
    with connected(ctx):
        person = _person(resident_id)
        rows = _rows(resident_id, day)
        monthly = [r for r in rows if r[0] in MONTHLY_SCHEMES]
        yearly = [r for r in rows if r[0] == "resident"]
        params = _policy(ctx, day)
        steps: list[Step] = []
        if monthly:
            result = _employee(ctx, person, day, monthly, yearly, params, steps)
        else:
            result = _resident(ctx, person, day, yearly, monthly, params, steps)
    return result


def _employee(ctx: ServiceContext, person: Any, day: dt.date, monthly: list[Any], yearly: list[Any],
              params: Any, steps: list[Step]) -> Estimate:
    category = person.category
    steps.append(Note("category" if person.category_recorded else "category_assumed", {"category": category}))
    retire_on = retirement.retirement_date(person.birth_date, category)
    age_months = retirement.retirement_age_months(person.birth_date, category)
    steps.append(retirement_note(retire_on, age_months))
    required = retirement.min_contribution_months(retire_on.year)
    paid = len(monthly)
    steps.append(Note("employee_months", {"months": paid}))
    if yearly:
        steps.append(Note("resident_not_counted", {"years": len(yearly)}))
    last_scheme, last_month, last_base = monthly[-1][0], monthly[-1][1], monthly[-1][2]
    keeps_paying = last_month >= day.replace(day=1) - dt.timedelta(days=92)
    future = _months_between(day, retire_on) if keeps_paying else 0
    rate = params.rates.flexible_account_rate if last_scheme == "flexible" else params.rates.pension.individual
    per_month = round_fen(Decimal(last_base) * rate) if future else 0
    balance = account_balance(ctx, person.id, "pension_employee", day, steps)
    projected_balance = balance + per_month * future
    projected = paid + future
    if future:
        steps.append(Note("projection_employee", {"months": future, "per": format_yuan(per_month),
                                                  "balance": format_yuan(balance),
                                                  "projected": format_yuan(projected_balance)}))
    else:
        steps.append(Note("projection_stopped", {"balance": format_yuan(balance)}))
    wage = params.wage.average_monthly_wage_fen
    recent = [r[2] for r in monthly[-36:] if r[2] > 0]
    index = (Decimal(sum(recent)) / len(recent) / wage) if recent and wage else Decimal(1)
    index = min(Decimal(3), max(Decimal("0.6"), index)).quantize(Decimal("0.0001"))
    steps.append(Note("index_recent", {"index": str(index)}))
    calc = pension.employee_pension(
        computation_base_fen=params.employee_pension.computation_base_fen, average_index=index,
        contribution_months=projected, account_balance_fen=projected_balance, retirement_age_months=age_months,
        divisor_rule=params.employee_pension.divisor_rule, required_months=required)
    steps.extend(calc.steps)
    steps.append(Note("required_months", {"required": required, "year": retire_on.year}))
    short = max(0, required - projected)
    if short:
        steps.append(Note("estimate_short", {"required": required, "projected": projected, "missing": short}))
        steps.append(Note("option_keep_paying", {"missing": short}))
        steps.append(Note("option_lump_sum", {"missing": short}))
        steps.append(Note("option_transfer_in"))
        resident_total = len(yearly) * 12 + projected
        steps.append(Note("option_link_resident", {"years": len(yearly), "total_years": resident_total // 12,
                                                   "months": resident_total % 12}))
    else:
        steps.append(Note("estimate_met", {"required": required, "projected": projected}))
        if yearly:
            steps.append(Note("option_link_employee", {"years": len(yearly)}))
    earliest, _, latest = flexible_window(person)
    steps.append(Note("flexible_window", {"earliest": earliest.isoformat(), "latest": latest.isoformat()}))
    return Estimate("employee", retire_on, age_months, category, required, paid, projected, short, balance,
                    projected_balance, future, per_month, None, len(yearly) * 12, calc, tuple(steps))


def _resident(ctx: ServiceContext, person: Any, day: dt.date, yearly: list[Any], monthly: list[Any], params: Any,
              steps: list[Step]) -> Estimate:
    retire_on = retirement.add_months(person.birth_date, 720)  # resident scheme: 60, not delayed
    steps.append(Note("resident_age", {"date": retire_on.isoformat()}))
    required = 180
    paid = len(yearly) * 12
    steps.append(Note("resident_years", {"years": len(yearly)}))
    keeps_paying = bool(yearly) and yearly[-1][1].year >= day.year - 1
    years_left = _months_between(day, retire_on) // 12
    future_years = years_left if keeps_paying else 0
    per_year = (yearly[-1][3] + yearly[-1][4]) if yearly and future_years else 0
    balance = account_balance(ctx, person.id, "pension_resident", day, steps)
    projected_balance = balance + per_year * future_years
    projected = paid + future_years * 12
    if future_years:
        steps.append(Note("projection_resident", {"years": future_years, "per": format_yuan(per_year),
                                                  "balance": format_yuan(balance),
                                                  "projected": format_yuan(projected_balance)}))
    else:
        steps.append(Note("projection_stopped", {"balance": format_yuan(balance)}))
    calc = pension.resident_pension(basic_pension_fen=params.resident_basic_pension_fen,
                                    account_balance_fen=projected_balance, contribution_months=projected,
                                    required_months=required)
    steps.extend(calc.steps)
    steps.append(Note("required_months", {"required": required, "year": retire_on.year}))
    short = max(0, required - projected)
    if short:
        steps.append(Note("estimate_short", {"required": required, "projected": projected, "missing": short}))
        steps.append(Note("option_resident_pay", {"missing_years": -(-short // 12)}))
    else:
        steps.append(Note("estimate_met", {"required": required, "projected": projected}))
    steps.append(Note("option_link_employee", {"years": len(yearly)}))
    return Estimate("resident", retire_on, 720, person.category, required, paid, projected, short, balance,
                    projected_balance, future_years * 12, per_year, yearly[-1][1].year if future_years else None,
                    len(monthly), calc, tuple(steps))

