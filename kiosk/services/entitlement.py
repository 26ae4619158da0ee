"""One entitlement service: every benefit claim decided from the records.

:func:`decide` answers "is this person entitled to this benefit on this
day, and to how much?" for a pension (employee/flexible 职工养老 or
城乡居民养老), unemployment benefit, maternity allowance, a medical
reimbursement, work-injury benefits after the 人社局's determination and the
funeral grant. :func:`estimate` is the one pension estimate (the kiosk's
养老金测算 and ``kiosk pension estimate`` both call it).

What the records hold is read, never typed over: enrolment in force on the
event date, birth date and sex (so age and retirement date), the woman's
retirement category, the months paid in *that* scheme (resident-scheme
years are never counted as employee months), earlier claims, death. What
only a document can tell (a birth certificate's date, a hospital bill, an
injury determination's number and grade, the employer's average wage) is a
*fact* the clerk types (``facts``); a fact whose name is a figure the
records hold (``contribution_months``, ``paid_months``) is ignored, and the
steps say so.

Reason codes (stable; catalog ``entitlement.reason.<code>``):

- ``not_enrolled``: no enrolment of the insurance in force on the event date
  (or, for unemployment, never insured);
- ``below_pension_age``: the retirement date (or age 60 in the resident
  scheme) is after the claim date;
- ``too_few_months``: fewer months paid in that scheme than required
  (pension minimum, 12 months for unemployment);
- ``already_receiving``: the benefit (or a pension of the other scheme) is
  already being paid for this period;
- ``duplicate_claim``: an earlier claim covers the same event or month;
- ``not_applicable``: the benefit does not exist for this person (a man
  claiming maternity allowance, resident medical insurance claiming it);
- ``deceased``: the person died before the claim date;
- ``not_deceased``: a funeral grant for a living person;
- ``voluntary``: the job ended by the worker's own will (unemployment);
- ``not_registered``: no completed 失业登记 (unemployment);
- ``no_determination``: no injury determination document (工伤认定决定书);
- ``outside_flexible_window``: a chosen retirement date outside the 2025
  law's bounds (at most 3 years early, never below the old age, at most 3
  years late);
- ``missing_fact``: the records allow the claim but a document fact the
  amount needs was not given (the steps name it);
- ``no_local_amount``: the amount is a local figure the policy file does not
  hold (the funeral grant outside work injury).

Amounts are integer fen; each is computed by the pure rules in
:mod:`kiosk.rules` and rounded once there. Steps are catalog keys with
parameters (:class:`Note`) or rule calculation steps
(:class:`~kiosk.rules.steps.CalculationStep`); :func:`render_steps` makes
text of both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from db.models import (
    Application,
    Benefit,
    BenefitPayment,
    Contribution,
    Enrolment,
    Resident,
    Transfer,
)
from kiosk.policy import PolicyError
from kiosk.rules import benefits, deemed, medical, pension, retirement
from kiosk.rules.money import Fen, InvalidAmount, format_yuan, parse_yuan, round_fen
from kiosk.rules.parameters import PolicyParams
from kiosk.rules.steps import CalculationStep
from kiosk.rules.workflows import END_STATES
from kiosk.services import NotFound, ServiceContext, ServiceError, connected

KINDS: tuple[str, ...] = ("pension", "unemployment", "maternity", "medical", "injury", "funeral")
REASONS: tuple[str, ...] = (
    "not_enrolled", "below_pension_age", "too_few_months", "already_receiving", "duplicate_claim",
    "not_applicable", "deceased", "not_deceased", "voluntary", "not_registered", "no_determination",
    "outside_flexible_window", "missing_fact", "no_local_amount",
)
#: Facts that are figures the records hold: typed values are ignored.
RECORD_FACTS: tuple[str, ...] = ("contribution_months", "paid_months", "months_paid")
MONTHLY_SCHEMES = ("employee", "flexible")
#: Old statutory age in months per retirement category (the floor of early retirement).
_OLD_AGE_MONTHS = {"male": 720, "female_cadre": 660, "female_worker": 600}
_FLEX_MONTHS = 36  # at most 3 years early or late (NPC 2024 Decision, 弹性退休)


class EntitlementError(ServiceError):
    """A typed fact that cannot be read (bad date, amount, grade); the text says which."""


@dataclass(frozen=True)
class Note:
    """One explanatory step: a catalog key (``entitlement.step.<key>``) and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


Step = Note | CalculationStep


@dataclass(frozen=True)
class Decision:
    """The answer for one claim: eligible or not, why, how much, and how it was reached.

    ``monthly_fen`` (pension, unemployment, injury allowance), ``lump_sum_fen``
    (maternity, medical, injury subsidy, funeral grant) and ``months``
    (unemployment months) are None when the benefit has no such part or
    the claim is refused.
    """

    kind: str
    eligible: bool
    reasons: tuple[str, ...]
    monthly_fen: Fen | None
    lump_sum_fen: Fen | None
    months: int | None
    steps: tuple[Step, ...]
    scheme: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    """Figures an application keeps (account part of a pension, pool/serious/self shares ...)."""

    def as_json(self, t: Callable[..., str]) -> dict[str, Any]:
        """The ``kiosk benefit check --json`` object (exactly these keys)."""
        return {"eligible": self.eligible, "reasons": list(self.reasons), "monthly_fen": self.monthly_fen,
                "lump_sum_fen": self.lump_sum_fen, "months": self.months, "steps": render_steps(self.steps, t)}


def render_steps(steps: Iterable[Step], t: Callable[..., str]) -> list[str]:
    """Each step as one line of text in the translator's language."""
    lines: list[str] = []
    for step in steps:
        if isinstance(step, CalculationStep):
            lines.append(step.render(t(step.key)))
        else:
            params = {k: (t(f"entitlement.name.{v}") if k in _NAMED else v) for k, v in step.params.items()}
            lines.append(t(f"entitlement.step.{step.key}", **params))
    return lines


#: Step parameters that are codes shown by their catalog name (``entitlement.name.<code>``).
_NAMED = ("category", "insurance", "fact", "key")


def reason_text(reasons: Iterable[str], t: Callable[..., str]) -> str:
    """The reasons in plain words, joined for one message line."""
    return "；".join(t(f"entitlement.reason.{code}") for code in reasons)


# -- facts ------------------------------------------------------------------------------


class Facts:
    """Clerk-typed facts: ``--fact KEY=VALUE`` strings or an application's data values."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values = {k: v for k, v in (values or {}).items() if v is not None and v != ""}

    def has(self, key: str) -> bool:
        return key in self.values

    def text(self, key: str, default: str = "") -> str:
        return str(self.values.get(key, default)).strip()

    def date(self, key: str) -> dt.date | None:
        if key not in self.values:
            return None
        value = self.values[key]
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise EntitlementError.keyed("refusal.entitlement.bad_date", "bad_fact", fact=key,
                                         value=str(value)[:20]) from None

    def integer(self, key: str, *, low: int = 0, high: int = 10**6) -> int | None:
        if key not in self.values:
            return None
        value = self.values[key]
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise EntitlementError.keyed("refusal.entitlement.bad_integer", "bad_fact", fact=key,
                                         value=str(value)[:20]) from None
        if not low <= number <= high:
            raise EntitlementError.keyed("refusal.entitlement.out_of_range", "bad_fact", fact=key, low=low, high=high,
                                         number=number)
        return number

    def money(self, key: str) -> Fen | None:
        """``KEY_fen`` as integer fen, or ``KEY`` as yuan text ("6000", "6,000.00元")."""
        if f"{key}_fen" in self.values:
            return self.integer(f"{key}_fen", high=10**12)
        if key not in self.values:
            return None
        try:
            return parse_yuan(str(self.values[key]))
        except InvalidAmount as exc:
            from kiosk.services.registration import refusal_with_reason

            raise refusal_with_reason("refusal.entitlement.bad_money", "bad_fact", exc, EntitlementError,
                                      fact=key) from None

    def flag(self, key: str, default: bool) -> bool:
        if key not in self.values:
            return default
        value = self.values[key]
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "y", "是", "有"):
            return True
        if text in ("0", "false", "no", "n", "否", "无"):
            return False
        raise EntitlementError.keyed("refusal.entitlement.bad_flag", "bad_fact", fact=key, value=str(value)[:20])

    def decimal(self, key: str) -> Decimal | None:
        if key not in self.values:
            return None
        try:
            value = Decimal(str(self.values[key]).strip())
        except InvalidOperation:
            raise EntitlementError.keyed("refusal.entitlement.bad_number", "bad_fact", fact=key,
                                         value=str(self.values[key])[:20]) from None
        if not value.is_finite():
            raise EntitlementError.keyed("refusal.entitlement.not_finite", "bad_fact", fact=key)
        return value


def parse_fact_args(items: Iterable[str]) -> dict[str, str]:
    """``["grade=9", "bill=1200"]`` → ``{"grade": "9", "bill": "1200"}``; EntitlementError on a bad item."""
    facts: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise EntitlementError.keyed("refusal.entitlement.bad_fact_arg", "bad_fact", item=item[:30])
        facts[key.strip()] = value.strip()
    return facts


# -- records ----------------------------------------------------------------------------


def tuples(query: Any) -> list[tuple[Any, ...]]:
    """A select's rows as plain tuples (peewee's types see model rows)."""
    return cast(list[tuple[Any, ...]], list(query.tuples().iterator()))


@dataclass(frozen=True)
class Person:
    """What the records say about the person, as of the decision date."""

    id: int
    birth_date: dt.date
    sex: str
    category: str
    category_recorded: bool
    death_date: dt.date | None


def _person(resident_id: int) -> Person:
    row = Resident.get_or_none(Resident.id == resident_id)
    if row is None:
        raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
    recorded = str(row.retirement_category or "")
    if row.sex == "male":
        category, ok = "male", True
    elif recorded in ("female_cadre", "female_worker"):
        category, ok = recorded, True
    else:
        category, ok = "female_worker", False  # the common case; the steps say it was assumed
    return Person(row.id, row.birth_date, row.sex, category, ok, getattr(row, "death_date", None))


def in_force(resident_id: int, insurance: str, on: dt.date, schemes: tuple[str, ...] | None = None) -> list[Any]:
    """Enrolments of ``insurance`` (in ``schemes``) in force on ``on``: started, not ended, not suspended."""
    query = Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == insurance)
                                     & (Enrolment.start_date <= on))
    if schemes is not None:
        query = query.where(Enrolment.scheme.in_(schemes))
    result = []
    for row in query:
        if row.end_date is not None and row.end_date < on:
            continue
        if row.status == "suspended" or (row.status == "ended" and row.end_date is None):
            continue
        result.append(row)
    return result


def ever_enrolled(resident_id: int, insurance: str, before: dt.date, schemes: tuple[str, ...]) -> bool:
    return bool(Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == insurance)
                                         & (Enrolment.scheme.in_(schemes))
                                         & (Enrolment.start_date <= before)).exists())


def paid_months(resident_id: int, insurance: str, schemes: tuple[str, ...], on: dt.date,
                after: dt.date | None = None) -> int:
    """Months paid in ``schemes`` for periods up to ``on`` (and after ``after``); a resident year counts 12."""
    query = Contribution.select(Contribution.scheme).where(
        (Contribution.resident == resident_id) & (Contribution.insurance == insurance)
        & (Contribution.scheme.in_(schemes)) & (Contribution.month <= on))
    if after is not None:
        query = query.where(Contribution.month > after)
    return sum(12 if scheme == "resident" else 1 for (scheme,) in tuples(query))


def account_balance(ctx: ServiceContext, resident_id: int, kind: str, on: dt.date,
                    steps: list[Step] | None = None) -> Fen:
    """The personal account's balance on ``on`` with 记账利息 (credited and accrued):
    :func:`kiosk.services.accounts.account_balance_with_interest` with the policy book.

    With ``steps``, a Note ``interest_provisional`` is appended for each year whose interest
    was counted at an earlier year's rate (the year's own rate not announced yet)."""
    from kiosk.services.accounts import account_balance_detail
    from kiosk.services.payments import policy_book

    detail = account_balance_detail(resident_id, kind, on, policy_book(ctx))
    if steps is not None:
        for year, rate_year, rate in detail.provisional:
            steps.append(Note("interest_provisional", {"year": year, "rate_year": rate_year, "rate": rate,
                                                       "through": f"{on:%Y-%m}"}))
    return int(detail.balance_fen)


@dataclass(frozen=True)
class Claim:
    """An earlier claim of the same kind on record."""

    application_id: int | None
    number: str
    status: str
    day: dt.date
    data: Mapping[str, Any]


def _claims(ctx: ServiceContext, resident_id: int, type_: str, exclude: int | None) -> list[Claim]:
    """Earlier applications of ``type_`` not refused, withdrawn or returned, oldest first."""
    query = Application.select().where((Application.resident == resident_id) & (Application.type == type_)
                                       & ~(Application.status.in_(END_STATES)))
    if exclude is not None:
        query = query.where(Application.id != exclude)
    claims = []
    for row in query:
        data = dict(row.data or {})
        day = _claim_day(ctx, data, row.created_at)
        claims.append(Claim(row.id, row.number, row.status, day, data))
    return sorted(claims, key=lambda c: (c.day, c.application_id or 0))


def recorded_claim_date(data: Mapping[str, Any]) -> dt.date | None:
    """The claim date an application's data recorded at submission (``claim_date``,
    YYYY-MM-DD); None when it has none or it does not parse."""
    try:
        return dt.date.fromisoformat(str(data["claim_date"]))
    except (KeyError, ValueError):
        return None


def _claim_day(ctx: ServiceContext, data: Mapping[str, Any], created: dt.datetime) -> dt.date:
    return recorded_claim_date(data) or ctx.clock.to_local(created).date()


def _payments(resident_id: int, benefit_type: str, exclude: int | None = None) -> list[Any]:
    """Benefits paid of ``benefit_type``; "pension" also matches "pension_employee"/"pension_resident"."""
    kind = (BenefitPayment.benefit_type.startswith("pension") if benefit_type == "pension"
            else BenefitPayment.benefit_type == benefit_type)
    query = BenefitPayment.select().where((BenefitPayment.resident == resident_id) & kind)
    if exclude is not None:
        query = query.where((BenefitPayment.application.is_null()) | (BenefitPayment.application != exclude))
    return list(query.order_by(BenefitPayment.period))


def _policy(ctx: ServiceContext, on: dt.date) -> PolicyParams:
    from kiosk.services.payments import policy_book

    book = policy_book(ctx)
    try:
        return book.policy_for(on)
    except PolicyError:
        return book.versions[0]


# -- the decision -----------------------------------------------------------------------


class _Builder:
    """Collects reasons and steps while a decision is made."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.reasons: list[str] = []
        self.steps: list[Step] = []
        self.scheme = ""
        self.detail: dict[str, Any] = {}

    def note(self, step_key: str, /, **params: object) -> None:
        self.steps.append(Note(step_key, params))

    def refuse(self, reason: str, step_key: str | None = None, /, **params: object) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        if step_key is not None:
            self.note(step_key, **params)

    def done(self, monthly: Fen | None = None, lump: Fen | None = None, months: int | None = None) -> Decision:
        if self.reasons:
            return Decision(self.kind, False, tuple(self.reasons), None, None, None, tuple(self.steps), self.scheme,
                            self.detail)
        return Decision(self.kind, True, (), monthly, lump, months, tuple(self.steps), self.scheme, self.detail)


def decide(ctx: ServiceContext, resident_id: int, kind: str, *, on: dt.date | None = None,
           facts: Mapping[str, Any] | None = None, exclude_application: int | None = None) -> Decision:
    """Decide a claim of ``kind`` (one of :data:`KINDS`) for the resident as of ``on`` (default today).

    ``facts`` are the clerk-typed document facts (see the module docstring
    and README); ``exclude_application`` is the application being decided,
    so that it is not counted as an earlier claim of itself. Raises
    :class:`NotFound` for an unknown resident, :class:`EntitlementError`
    for an unreadable fact or an unknown kind.
    """
    if kind not in KINDS:
        raise EntitlementError.keyed("refusal.entitlement.bad_kind", "bad_kind", kinds=" | ".join(KINDS), kind=kind[:20])
    day = on or ctx.today()
    known = Facts(facts)
    with connected(ctx):
        person = _person(resident_id)
        b = _Builder(kind)
        for key in RECORD_FACTS:
            if known.has(key):
                b.note("typed_ignored", key=key)
        handler = _DECIDERS[kind]
        return handler(ctx, person, day, known, b, exclude_application)


def _death_check(person: Person, event: dt.date, b: _Builder) -> None:
    if person.death_date is not None and person.death_date < event:
        b.refuse("deceased", "deceased", date=person.death_date.isoformat())


# pension --------------------------------------------------------------------------------


def _pension_scheme(person: Person, day: dt.date, facts: Facts) -> str:
    chosen = facts.text("scheme")
    if chosen in ("employee", "flexible"):
        return "employee"
    if chosen == "resident":
        return "resident"
    if chosen:
        raise EntitlementError.keyed("refusal.entitlement.bad_scheme", "bad_fact")
    monthly = paid_months(person.id, "pension", MONTHLY_SCHEMES, day)
    if monthly or ever_enrolled(person.id, "pension", day, MONTHLY_SCHEMES):
        return "employee"
    return "resident"


def _average_index(ctx: ServiceContext, person: Person, on: dt.date, facts: Facts, b: _Builder) -> Decimal:
    """平均缴费指数 from the recorded bases (each year's mean base ÷ that year's average wage)."""
    rows = (Contribution.select(Contribution.month, Contribution.base_fen)
            .where((Contribution.resident == person.id) & (Contribution.insurance == "pension")
                   & (Contribution.scheme.in_(MONTHLY_SCHEMES)) & (Contribution.month <= on)
                   & (Contribution.base_fen > 0)))
    by_year: dict[int, list[int]] = {}
    for month, base in tuples(rows):
        by_year.setdefault(month.year, []).append(int(base))
    if by_year:
        ratios = []
        for year, bases in sorted(by_year.items()):
            wage = _policy(ctx, dt.date(year, 7, 1)).wage.average_monthly_wage_fen
            ratios.append(Decimal(sum(bases)) / len(bases) / wage)
        index = sum(ratios, Decimal(0)) / len(ratios)
        index = min(Decimal(3), max(Decimal("0.6"), index)).quantize(Decimal("0.0001"))
        b.note("index_records", index=str(index), years=len(by_year))
        if facts.has("average_index"):
            b.note("typed_ignored", key="average_index")
        return index
    typed = facts.decimal("average_index")
    if typed is not None:
        index = min(Decimal(3), max(Decimal("0.6"), typed)).quantize(Decimal("0.0001"))
        b.note("index_typed", index=str(index))
        return index
    b.note("index_default")
    return Decimal("1.0000")


def flexible_window(person: Person) -> tuple[dt.date, dt.date, dt.date]:
    """(earliest, statutory, latest) retirement dates under 弹性退休 (NPC 2024 Decision)."""
    statutory_months = retirement.retirement_age_months(person.birth_date, person.category)
    early_months = max(_OLD_AGE_MONTHS[person.category], statutory_months - _FLEX_MONTHS)
    return (retirement.add_months(person.birth_date, early_months),
            retirement.add_months(person.birth_date, statutory_months),
            retirement.add_months(person.birth_date, statutory_months + _FLEX_MONTHS))


def _pension(ctx: ServiceContext, person: Person, day: dt.date, facts: Facts, b: _Builder,
             exclude: int | None) -> Decision:
    _death_check(person, day, b)
    scheme = _pension_scheme(person, day, facts)
    b.scheme = scheme
    receiving = [c for c in _claims(ctx, person.id, "benefit_pension", exclude) if c.status == "paid"]
    if receiving or _payments(person.id, "pension", exclude):
        b.refuse("already_receiving", "pension_receiving")
    elif _claims(ctx, person.id, "benefit_pension", exclude):
        b.refuse("duplicate_claim", "claim_open")
    params = _policy(ctx, day)
    if scheme == "resident":
        return _resident_pension(ctx, person, day, b, params)
    return _employee_pension(ctx, person, day, facts, b, params)


def _category_note(person: Person, b: _Builder) -> None:
    if person.category_recorded:
        b.note("category", category=person.category)
    else:
        b.note("category_assumed", category=person.category)


def _employee_pension(ctx: ServiceContext, person: Person, day: dt.date, facts: Facts, b: _Builder,
                      params: PolicyParams) -> Decision:
    _category_note(person, b)
    earliest, statutory, latest = flexible_window(person)
    chosen = facts.date("retire_on")
    retire_on = statutory
    b.steps.append(retirement_note(statutory, retirement.retirement_age_months(person.birth_date, person.category)))
    if chosen is not None and chosen != statutory:
        if not earliest <= chosen <= latest:
            b.refuse("outside_flexible_window", "flexible_outside", chosen=chosen.isoformat(),
                     earliest=earliest.isoformat(), latest=latest.isoformat())
        else:
            retire_on = chosen
            b.note("flexible_chosen", chosen=chosen.isoformat(), earliest=earliest.isoformat(),
                   latest=latest.isoformat())
    if day < retire_on:
        b.refuse("below_pension_age", "below_age", date=retire_on.isoformat())
    months = paid_months(person.id, "pension", MONTHLY_SCHEMES, day)
    deemed = _deemed_months(person, facts, params, b)
    resident_months = paid_months(person.id, "pension", ("resident",), day)
    required = retirement.min_contribution_months(retire_on.year)
    b.note("employee_months", months=months)
    if resident_months:
        b.note("resident_not_counted", years=resident_months // 12)
    total = months + deemed
    b.note("required_months", required=required, year=retire_on.year)
    if total < required:
        b.refuse("too_few_months", "short_months", missing=required - total)
    if not in_force(person.id, "pension", day, MONTHLY_SCHEMES) and not ever_enrolled(
            person.id, "pension", day, MONTHLY_SCHEMES):
        b.refuse("not_enrolled", "no_enrolment", insurance="pension")
    if b.reasons:
        return b.done()
    index = _average_index(ctx, person, day, facts, b)
    balance = account_balance(ctx, person.id, "pension_employee", day, b.steps)
    age_months = retirement.age_months_on(person.birth_date, retire_on)
    try:
        result = pension.employee_pension(
            computation_base_fen=params.employee_pension.computation_base_fen, average_index=index,
            contribution_months=total, account_balance_fen=balance, retirement_age_months=age_months,
            divisor_rule=params.employee_pension.divisor_rule, deemed_months=deemed,
            transitional_rate=params.employee_pension.transitional_rate)
    except pension.PensionError as exc:
        # The rule's own message inside ("…information is wrong: {reason}"), in the screen's language.
        raise EntitlementError.keyed("refusal.entitlement.pension_input", "bad_fact", **exc.params,
                                     reason_key=exc.key) from None
    b.steps.extend(result.steps)
    b.detail.update(account_part_fen=result.account_fen, account_kind="pension_employee", scheme="employee",
                    months_on_record=total, retire_on=retire_on.isoformat())
    return b.done(monthly=result.monthly_fen)


def recorded_monthly_pension_months(resident_id: int) -> list[dt.date]:
    """Months on record in a monthly pension scheme (employee, flexible)."""
    return [m for (m,) in tuples(Contribution.select(Contribution.month).where(
        (Contribution.resident == resident_id) & (Contribution.insurance == "pension")
        & Contribution.scheme.in_(MONTHLY_SCHEMES)))]


def _deemed_months(person: Person, facts: Facts, params: PolicyParams, b: _Builder) -> int:
    """The typed 视同缴费 months that count (kiosk.rules.deemed): none without the archive
    decision's number (``deemed_document``; refused ``deemed_unproven``), at most the months
    between 16 and the personal-account start not already on record (clipped, with a step)."""
    typed = facts.integer("deemed_months", high=600) or 0
    if not typed:
        return 0
    check = deemed.check_deemed(typed, facts.text("deemed_document"), person.birth_date,
                                params.employee_pension.account_start,
                                recorded_monthly_pension_months(person.id))
    window = {"first": f"{check.first:%Y-%m}", "last": f"{check.last:%Y-%m}",
              "start": params.employee_pension.account_start.isoformat()}
    b.detail["deemed_typed"] = typed
    if check.reason == "deemed_unproven":
        b.refuse("deemed_unproven", "deemed_unproven", months=typed)
        return 0
    if check.reason == "deemed_outside_bounds":
        b.detail["deemed_adjusted"] = check.reason
        b.note("deemed_clipped", typed=typed, allowed=check.allowed, **window)
    b.note("deemed_months", months=check.counted)
    b.detail["deemed_months"] = check.counted
    return check.counted


def _employee_to_resident_months(resident_id: int) -> int:
    """Employee months moved into the resident scheme under 17号 (counted as resident years there)."""
    moved = Transfer.select().where((Transfer.resident == resident_id) & (Transfer.kind == "employee_to_resident")
                                    ).exists()
    return paid_months(resident_id, "pension", MONTHLY_SCHEMES, dt.date.max) if moved else 0


def _resident_pension(ctx: ServiceContext, person: Person, day: dt.date, b: _Builder,
                      params: PolicyParams) -> Decision:
    sixty = retirement.add_months(person.birth_date, 720)
    b.note("resident_age", date=sixty.isoformat())
    if day < sixty:
        b.refuse("below_pension_age", "below_age", date=sixty.isoformat())
    months = paid_months(person.id, "pension", ("resident",), day)
    moved = _employee_to_resident_months(person.id)
    b.note("resident_years", years=months // 12)
    if moved:
        b.note("linked_months", months=moved)
    required = 180
    b.note("required_months", required=required, year=sixty.year)
    if months + moved < required:
        b.refuse("too_few_months", "short_months", missing=required - months - moved)
    if not ever_enrolled(person.id, "pension", day, ("resident",)):
        b.refuse("not_enrolled", "no_enrolment", insurance="pension")
    if b.reasons:
        return b.done()
    balance = account_balance(ctx, person.id, "pension_resident", day, b.steps)
    result = pension.resident_pension(basic_pension_fen=params.resident_basic_pension_fen,
                                      account_balance_fen=balance)
    b.steps.extend(result.steps)
    b.detail.update(account_part_fen=result.account_fen, account_kind="pension_resident", scheme="resident",
                    months_on_record=months + moved)
    return b.done(monthly=result.monthly_fen)


def retirement_note(on: dt.date, age_months: int) -> Note:
    """The step naming the statutory retirement date ``on`` and the age then (``age_months``, in
    whole years and months: the catalog writes them in the reader's language)."""
    years, months = divmod(age_months, 12)
    return Note("retirement_age", {"date": on.isoformat(), "years": years, "months": months})


# unemployment ---------------------------------------------------------------------------


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _unemployment(ctx: ServiceContext, person: Person, day: dt.date, facts: Facts, b: _Builder,
                  exclude: int | None) -> Decision:
    _death_check(person, day, b)
    b.scheme = "employee"
    if not ever_enrolled(person.id, "unemployment", day, ("employee",)) and not paid_months(
            person.id, "unemployment", ("employee",), day):
        b.refuse("not_enrolled", "no_enrolment", insurance="unemployment")
    pension_claims = [c for c in _claims(ctx, person.id, "benefit_pension", None) if c.status == "paid"]
    if pension_claims or _payments(person.id, "pension"):
        b.refuse("already_receiving", "pension_stops_unemployment")
    earlier = _claims(ctx, person.id, "benefit_unemployment", exclude)
    last = earlier[-1] if earlier else None
    carried = 0
    after: dt.date | None = None
    if last is not None:
        after = _month(last.day)
        entitled = int(last.data.get("months") or 0)
        paid = sum(1 for p in _payments(person.id, "unemployment") if p.__data__.get("application") == last.application_id)
        if _month(last.day) == _month(day):
            b.refuse("duplicate_claim", "same_month", number=last.number, month=f"{day:%Y-%m}")
        remaining = max(0, entitled - paid)
        b.note("previous_claim", number=last.number, date=last.day.isoformat(), entitled=entitled, paid=paid,
               remaining=remaining)
        carried = remaining
    months = paid_months(person.id, "unemployment", ("employee",), day, after=after)
    if after is not None:
        b.note("months_since_claim", months=months, since=f"{after:%Y-%m}")
        if months == 0 and carried and "duplicate_claim" not in b.reasons:
            b.refuse("already_receiving", "still_unemployed", number=last.number if last else "")
    else:
        b.note("unemployment_months", months=months)
    if months < 12 and not carried:
        b.refuse("too_few_months", "unemployment_short", months=months)
    if not facts.flag("involuntary", True):
        b.refuse("voluntary", "voluntary")
    registered = _registered(ctx, person.id, day) or facts.date("registered_on") is not None
    if not registered:
        b.refuse("not_registered", "registration_missing")
    if b.reasons:
        return b.done()
    params = _policy(ctx, day)
    own = benefits.unemployment_benefit_months(months) if months >= 12 else 0
    if carried:
        b.note("carry_over", own=own, carried=carried, total=min(24, own + carried))
    decision = benefits.unemployment_decision(
        max(months, 12), involuntary=True, registered=True, minimum_wage_fen=params.unemployment.minimum_wage_fen,
        ratio=params.unemployment.benefit_ratio, carried_over_months=carried)
    total_months = min(24, own + carried)
    b.steps.append(decision.steps[0])
    b.steps.append(CalculationStep("rules.unemployment.step.total",
                                   f"{format_yuan(decision.monthly_fen)} × {total_months}",
                                   decision.monthly_fen * total_months))
    b.detail.update(months=total_months, months_on_record=months, carried_over_months=carried)
    return b.done(monthly=decision.monthly_fen, months=total_months)


def _registered(ctx: ServiceContext, resident_id: int, day: dt.date) -> bool:
    for claim in _claims(ctx, resident_id, "unemployment_registration", None):
        if claim.status == "registered" and claim.day <= day:
            return True
    return False


# maternity ------------------------------------------------------------------------------


def _maternity(ctx: ServiceContext, person: Person, day: dt.date, facts: Facts, b: _Builder,
               exclude: int | None) -> Decision:
    event = facts.date("birth_date") or facts.date("event_date") or day
    b.note("event_date", date=event.isoformat())
    _death_check(person, event, b)
    b.scheme = "employee"
    if person.sex != "female":
        b.refuse("not_applicable", "maternity_women_only")
    covered = in_force(person.id, "maternity", event, ("employee",)) or in_force(
        person.id, "medical", event, ("employee",))
    if not covered:
        if in_force(person.id, "medical", event, ("resident", "flexible")):
            b.refuse("not_applicable", "maternity_needs_employee")
        else:
            b.refuse("not_enrolled", "no_enrolment", insurance="maternity")
    for claim in _claims(ctx, person.id, "benefit_maternity", exclude):
        other = claim.data.get("birth_date") or claim.data.get("event_date")
        if other == event.isoformat() or (other is None and _month(claim.day) == _month(day)):
            b.refuse("duplicate_claim", "same_event", number=claim.number)
            break
    if b.reasons:
        return b.done()
    params = _policy(ctx, event)
    wage = facts.money("employer_wage")
    miscarriage = facts.integer("miscarriage_months", high=10)
    try:
        days = benefits.maternity_leave_days(facts.flag("difficult_birth", False),
                                             facts.integer("extra_babies", high=9) or 0, miscarriage,
                                             params.maternity.local_extra_days)
    except benefits.BenefitError as exc:  # the rule's catalog message, in the screen's language
        raise EntitlementError.keyed(exc.key, "bad_fact", **exc.params) from None
    b.note("leave_days", days=days)
    if wage is None:
        b.refuse("missing_fact", "fact_needed", fact="employer_wage")
        return b.done()
    steps = benefits.maternity_steps(wage, days)
    b.steps.extend(steps)
    b.detail.update(days=days, birth_date=event.isoformat())
    return b.done(lump=steps[-1].result_fen)


# medical --------------------------------------------------------------------------------


def _medical(ctx: ServiceContext, person: Person, day: dt.date, facts: Facts, b: _Builder,
             exclude: int | None) -> Decision:
    admitted = facts.date("admission_date") or day
    b.note("event_date", date=admitted.isoformat())
    _death_check(person, admitted, b)
    enrolled = in_force(person.id, "medical", admitted)
    if not enrolled:
        b.refuse("not_enrolled", "no_enrolment", insurance="medical")
    else:
        b.scheme = str(enrolled[0].scheme)
    bill_number = facts.text("bill_number")
    year_claims = []
    for claim in _claims(ctx, person.id, "benefit_medical", exclude):
        if bill_number and str(claim.data.get("bill_number", "")) == bill_number:
            b.refuse("duplicate_claim", "same_bill", number=claim.number)
        if claim.day.year == admitted.year and "pool_fen" in claim.data:
            year_claims.append(claim)
    if b.reasons:
        return b.done()
    total = facts.money("total")
    level = facts.text("level")
    if total is None or not level:
        b.refuse("missing_fact", "fact_needed", fact="total" if total is None else "level")
        return b.done()
    params = _policy(ctx, admitted)
    if b.scheme in MONTHLY_SCHEMES:
        # The policy file holds one set of hospital levels (the resident scheme's); employee
        # deductibles and ratios are [local] and not in it yet, so the steps say which were used.
        b.note("medical_levels_resident")
    pool_paid = sum(int(c.data.get("pool_fen", 0)) for c in year_claims)
    own_paid = sum(int(c.data.get("self_fen", 0)) for c in year_claims)
    if year_claims:
        b.note("year_so_far", pool=format_yuan(pool_paid), own=format_yuan(own_paid), count=len(year_claims))
    try:
        result = medical.reimburse(total, level, params.medical, pool_paid_this_year_fen=pool_paid,
                                   out_of_pocket_this_year_fen=own_paid, filed=facts.flag("filed", True))
    except medical.MedicalError as exc:  # an unknown hospital level too; the rule's catalog message
        raise EntitlementError.keyed(exc.key, "bad_fact", **exc.params) from None
    b.steps.extend(result.steps)
    b.detail.update(pool_fen=result.pool_fen, serious_fen=result.serious_fen, self_fen=result.self_fen,
                    bill_number=bill_number)
    return b.done(lump=result.pool_fen + result.serious_fen)


# injury ---------------------------------------------------------------------------------


def _own_wage_from_records(resident_id: int, accident: dt.date) -> Fen | None:
    start = retirement.add_months(_month(accident), -12)
    bases = [int(base) for (base,) in tuples(Contribution.select(Contribution.base_fen).where(
        (Contribution.resident == resident_id) & (Contribution.insurance == "injury")
        & (Contribution.month >= start) & (Contribution.month < _month(accident))
        & (Contribution.base_fen > 0)))]
    return round_fen(Decimal(sum(bases)) / len(bases)) if bases else None


def _determination(ctx: ServiceContext, resident_id: int, day: dt.date) -> dict[str, Any] | None:
    """The newest 工伤认定 recorded as determined (the 人社局's decision) by ``day``, as facts."""
    found = [c for c in _claims(ctx, resident_id, "injury_determination", None)
             if c.status == "determined" and c.day <= day]
    if not found:
        return None
    data = found[-1].data
    return {"determination_number": data.get("decision_number") or found[-1].number,
            "determination_date": data.get("decision_date"), "accident_date": data.get("accident_date")}


def _injury(ctx: ServiceContext, person: Person, day: dt.date, facts: Facts, b: _Builder,
            exclude: int | None) -> Decision:
    recorded = _determination(ctx, person.id, day)
    if recorded is not None:
        # The 人社局's decision on record: its document and accident date are not typed over.
        facts = Facts({**facts.values, **{k: v for k, v in recorded.items() if v}})
    accident = facts.date("accident_date") or day
    b.note("event_date", date=accident.isoformat())
    _death_check(person, accident, b)
    b.scheme = "employee"
    if not in_force(person.id, "injury", accident, ("employee",)):
        b.refuse("not_enrolled", "no_enrolment", insurance="injury")
    document = (facts.text("determination_number") or facts.text("decision_number")
                or facts.text("determination"))
    if not document:
        b.refuse("no_determination", "determination_missing")
    else:
        b.note("determination", number=document,
               date=facts.text("determination_date") or facts.text("decision_date") or "—")
        for claim in _claims(ctx, person.id, "benefit_injury", exclude):
            if str(claim.data.get("determination_number") or claim.data.get("determination") or "") == document:
                b.refuse("duplicate_claim", "same_determination", number=claim.number)
    if b.reasons:
        return b.done()
    grade = facts.integer("grade", low=1, high=10)  # the 劳动能力鉴定 conclusion's grade
    if grade is None:
        b.refuse("missing_fact", "fact_needed", fact="grade")
        return b.done()
    params = _policy(ctx, accident)
    own = _own_wage_from_records(person.id, accident)
    if own is not None:
        b.note("own_wage_records", wage=format_yuan(own))
        if facts.has("own_wage") or facts.has("own_wage_fen"):
            b.note("typed_ignored", key="own_wage")
    else:
        own = facts.money("own_wage")
        if own is None:
            b.refuse("missing_fact", "fact_needed", fact="own_wage")
            return b.done()
        b.note("own_wage_typed", wage=format_yuan(own))
    try:
        result = benefits.injury_benefit(grade, own, params.wage.average_monthly_wage_fen,
                                         minimum_wage_fen=params.unemployment.minimum_wage_fen)
    except benefits.BenefitError as exc:  # the rule's catalog message, in the screen's language
        raise EntitlementError.keyed(exc.key, "bad_fact", **exc.params) from None
    b.steps.extend(result.steps)
    if result.monthly_allowance_fen is not None and grade in (5, 6):
        b.note("employer_pays_5_6")
    b.detail.update(grade=grade, determination_number=document, own_wage_fen=result.own_wage_fen)
    return b.done(monthly=result.monthly_allowance_fen, lump=result.lump_sum_fen)


# funeral --------------------------------------------------------------------------------


def _funeral(ctx: ServiceContext, person: Person, day: dt.date, facts: Facts, b: _Builder,
             exclude: int | None) -> Decision:
    if person.death_date is None or person.death_date > day:
        b.refuse("not_deceased", "not_deceased")
        return b.done()
    from kiosk.services import lifecycle  # the death registration's own answer (no import cycle)

    death = person.death_date
    b.note("death_date", date=death.isoformat())
    injury_death = facts.text("cause") in ("work_injury", "injury", "工伤")
    if injury_death and not in_force(person.id, "injury", death, ("employee",)):
        b.refuse("not_enrolled", "no_enrolment", insurance="injury")
    # Insured in pension at any time up to the death (a pensioner's enrolment ended at retirement,
    # 死亡注销 ends the rest on the day) or drawing a pension: as 死亡注销 decides it.
    pensioner = Benefit.select().where((Benefit.resident == person.id) & (Benefit.kind == "pension")).exists()
    insured = pensioner or ever_enrolled(person.id, "pension", death, ("employee", "flexible", "resident"))
    if not insured and not injury_death:
        b.refuse("not_enrolled", "no_enrolment", insurance="pension")
    if _payments(person.id, "funeral", exclude) or _claims(ctx, person.id, "benefit_funeral", exclude):
        b.refuse("duplicate_claim", "funeral_paid")
    if b.reasons:
        return b.done()
    params = _policy(ctx, death)
    scheme = "employee" if injury_death else lifecycle.death_scheme(person.id)
    b.scheme = scheme
    kind = "pension_employee" if scheme == "employee" else "pension_resident"
    balance = account_balance(ctx, person.id, kind, death)
    b.note("inheritable", balance=format_yuan(balance))
    b.detail.update(inheritable_fen=balance)
    if injury_death:
        wage = params.wage.average_monthly_wage_fen
        amount = wage * 6
        b.steps.append(CalculationStep("entitlement.calc.funeral_injury", f"{format_yuan(wage)} × 6", amount))
        return b.done(lump=amount)
    grant = lifecycle.funeral_grant_fen(params.lifecycle, scheme)
    if grant is None:
        b.refuse("no_local_amount", "funeral_local_missing")
        return b.done()
    b.steps.append(CalculationStep("entitlement.calc.funeral_grant", format_yuan(int(grant)), int(grant)))
    return b.done(lump=int(grant))


_DECIDERS: dict[str, Callable[[ServiceContext, Person, dt.date, Facts, _Builder, int | None], Decision]] = {
    "pension": _pension, "unemployment": _unemployment, "maternity": _maternity, "medical": _medical,
    "injury": _injury, "funeral": _funeral,
}
