"""Enrolment checks against the records (参保登记规则): who may join which scheme.

Called inside the caller's transaction by the application engine
(:mod:`kiosk.services.application_effects`, at submit and again when the
account is opened) and by the resident-pension payment paths. The pure rules
are in :mod:`kiosk.rules.enrolment`; here they meet the database:

- age windows per scheme on the day (resident pension 16–60 and not a
  full-time student; employee and flexible schemes within working age by the
  person's retirement category);
- no overlapping coverage across schemes of one insurance (resident pension
  not on top of an active employee or flexible pension; resident medical not
  on top of employee medical, and the reverse);
- employee-scheme enrolment only through an employer (a valid 统一社会信用代码
  at a counter, never from the self-service terminal); flexible workers in
  their own scheme;
- resident contributions only for the current year and the transitional 补缴.

Every refusal is a :class:`~kiosk.services.ServiceError` whose ``code`` is the
rule's (``too_young``, ``too_old``, ``student``, ``past_retirement``,
``overlap``, ``needs_employer``, ``bad_employer``, ``future_year``,
``past_year``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.models import Contribution, Employer, Enrolment, Resident
from kiosk.rules import enrolment as rules
from kiosk.rules.identity import is_valid_uscc
from kiosk.services import ServiceContext, ServiceError

#: insurance(s) and scheme of each enrolment application type.
PLAN = {
    "enrol_resident_pension": (("pension",), "resident"),
    "enrol_resident_medical": (("medical",), "resident"),
}
EMPLOYEE_INSURANCES = ("pension", "medical", "unemployment", "injury", "maternity")


def _active(resident_id: int) -> list[rules.ActiveEnrolment]:
    query = Enrolment.select(Enrolment.insurance, Enrolment.scheme).where(
        (Enrolment.resident == resident_id) & (Enrolment.status == "active"))
    return [rules.ActiveEnrolment(row.insurance, row.scheme) for row in query]


def plan(type_: str, data: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """The insurances and scheme an enrolment application asks for."""
    if type_ in PLAN:
        return PLAN[type_]
    scheme = data.get("scheme", "flexible")
    if scheme == "employee":
        return EMPLOYEE_INSURANCES, "employee"
    if scheme == "flexible":
        return ("pension",), "flexible"
    raise ServiceError.keyed("fix17text.effects.bad_scheme", "bad_scheme")


def _employer(ctx: ServiceContext, data: dict[str, Any]) -> Employer:
    """The employer that enrols an employee: registered, or registered now from a valid code and name."""
    code = str(data.get("employer_uscc") or "").strip().upper()
    if not code:
        raise ServiceError.keyed("fix17text.enrol.needs_employer", "needs_employer")
    if not is_valid_uscc(code):
        raise ServiceError.keyed("fix17text.enrol.bad_employer", "bad_employer", code=code[:20])
    employer = Employer.get_or_none(Employer.uscc == code)
    if employer is None:
        name = str(data.get("employer_name") or "").strip()
        if not name:
            raise ServiceError.keyed("fix17text.enrol.employer_unregistered", "needs_employer", code=code)
        employer = Employer.create(uscc=code, name=name[:200], created_at=ctx.now())
    data["employer_uscc"] = code
    data["employer_id"] = employer.id
    return employer


def check_enrolment(ctx: ServiceContext, resident: Resident, type_: str, data: dict[str, Any], *,
                    staff: bool) -> tuple[tuple[str, ...], str, Employer | None]:
    """Refuse an enrolment the rules do not allow (ServiceError with the rule's code).

    Returns the insurances, the scheme and, for the employee scheme, the
    employer. ``staff`` is whether a clerk is acting (employee enrolment is
    never started from the self-service terminal). Facts read from ``data``:
    ``scheme`` (enrol_employee), ``employer_uscc`` / ``employer_name``
    (employee scheme), ``student`` (resident pension; a declaration).
    """
    insurances, scheme = plan(type_, data)
    today = ctx.today()
    try:
        rules.check_age(insurances[0], scheme, birth=resident.birth_date, sex=resident.sex,
                        category=str(resident.retirement_category or ""), day=today,
                        student=bool(data.get("student", False)))
        active = _active(resident.id)
        for insurance in insurances:
            rules.check_overlap(insurance, scheme, active)
    except rules.EnrolmentRefusal as exc:
        # key/params: the rule's catalog message, so a screen shows it in its language.
        raise ServiceError.keyed(exc.key, exc.code, **exc.params) from None
    employer = None
    if scheme == "employee":
        if not staff:
            raise ServiceError.keyed("fix17text.enrol.employee_at_counter", "needs_employer")
        employer = _employer(ctx, data)
    return insurances, scheme, employer


def _resident_years_paid(resident: Resident) -> list[int]:
    return [row.month.year for row in Contribution.select(Contribution.month).where(
        (Contribution.resident == resident.id) & (Contribution.insurance == "pension")
        & (Contribution.scheme == "resident"))]


def payable_resident_years(ctx: ServiceContext, resident_id: int) -> tuple[int, ...]:
    """The resident-pension years (oldest first) still unpaid that the rules let
    the resident pay today (the hall's local date): the current year and any transitional 补缴
    (kiosk.rules.enrolment.resident_contribution_years). Empty when this year is
    paid and no 补缴 applies: the next year opens on 1 January, never earlier."""
    resident = Resident.get_by_id(resident_id)
    paid = set(_resident_years_paid(resident))
    allowed = rules.resident_contribution_years(ctx.today(), birth=resident.birth_date, paid_years=paid)
    return tuple(year for year in allowed if year not in paid)


def check_resident_year(resident: Resident, year: int, today: dt.date) -> None:
    """Refuse a resident-pension contribution for a year the rules do not allow."""
    paid = _resident_years_paid(resident)
    try:
        rules.check_resident_year(year, today, birth=resident.birth_date, paid_years=paid)
    except rules.EnrolmentRefusal as exc:
        # key/params: the rule's catalog message, so a screen shows it in its language.
        raise ServiceError.keyed(exc.key, exc.code, **exc.params) from None
