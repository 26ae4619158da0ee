"""Separation of duties (受审分离, RULES.md §13.5) and decisions made elsewhere.

Called by :mod:`kiosk.services.applications` inside a step's transaction:

- :func:`check_separation` — an approval step (``Step.supervisor``: 复核 of a
  benefit's computed amount) needs a supervisor or admin who neither accepted
  the application (``Application.accepted_by``) nor took any earlier step of
  it, and a 复核 needs the computed amount to exist. Raises
  :class:`~kiosk.services.staff.PermissionDenied` (code ``same_person``) or
  ServiceError (``not_calculated``).
- :func:`check_decision_inputs` — a work-injury determination and a disability
  grade are the decisions of the 人社局 and the 劳动能力鉴定委员会; the
  township records them with the document number and date it received, it
  does not make them. Raises ServiceError naming the missing or wrong field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.models import Application, ApplicationEvent, Staff
from kiosk.rules.workflows import END_STATES, Workflow
from kiosk.services import ServiceError
from kiosk.services.staff import PermissionDenied

DECISION_NUMBER_MAX = 40


def acceptor_after(row: Application, wf: Workflow, staff: Staff | None, to_status: str) -> int | None:
    """Who accepted (受理) the application once this step is taken: the clerk who
    submitted it at a counter, else the first staff member to move a
    self-service application on from its first step."""
    current = row.accepted_by
    if current is not None or staff is None:
        return int(current) if current is not None else None
    if row.status == wf.first and to_status not in END_STATES:
        return int(staff.id)
    return None


def check_separation(row: Application, wf: Workflow, staff: Staff, to_status: str, data: dict[str, Any]) -> None:
    """Refuse an approval by the acceptor or by anyone who took an earlier step."""
    if to_status in END_STATES or not wf.step(to_status).supervisor:
        return
    if row.accepted_by is not None and int(row.accepted_by) == staff.id:
        raise PermissionDenied.keyed("refusal.duties.accepted", "same_person", number=row.number,
                                     status_zh=wf.status_name(to_status), status_en=wf.status_name(to_status, "en"))
    earlier = {int(e.__data__["staff"]) for e in ApplicationEvent.select(ApplicationEvent.staff)
               .where((ApplicationEvent.application == row.id) & ApplicationEvent.staff.is_null(False))}
    if staff.id in earlier:
        raise PermissionDenied.keyed("refusal.duties.earlier", "same_person", number=row.number,
                                     status_zh=wf.status_name(to_status), status_en=wf.status_name(to_status, "en"))
    if to_status == "approved" and data.get("amount_fen") is None:
        raise ServiceError.keyed("refusal.duties.not_calculated", "not_calculated")


def _decision(data: dict[str, Any], number_key: str, date_key: str, what_key: str, today: dt.date,
              not_before: dt.date | None = None) -> None:
    """Check a decision's document number and date; ``what_key`` names the document (a catalog key)."""
    number = str(data.get(number_key) or "").strip()
    if not number:
        raise ServiceError.keyed("refusal.duties.number_missing", f"missing_{number_key}", what_key=what_key)
    if len(number) > DECISION_NUMBER_MAX:
        raise ServiceError.keyed("refusal.duties.number_long", f"bad_{number_key}", what_key=what_key,
                                 maximum=DECISION_NUMBER_MAX)
    raw = data.get(date_key)
    if not raw:
        raise ServiceError.keyed("refusal.duties.date_missing", f"missing_{date_key}", what_key=what_key)
    try:
        day = dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ServiceError.keyed("refusal.duties.date_bad", f"bad_{date_key}", what_key=what_key,
                                 raw=str(raw)) from None
    if day > today:
        raise ServiceError.keyed("refusal.duties.date_future", f"bad_{date_key}", what_key=what_key,
                                 date=day.isoformat())
    if not_before is not None and day < not_before:
        raise ServiceError.keyed("refusal.duties.date_early", f"bad_{date_key}", what_key=what_key,
                                 date=day.isoformat(), accident=not_before.isoformat())
    data[number_key] = number
    data[date_key] = day.isoformat()


def check_decision_inputs(type_: str, to_status: str, data: dict[str, Any], today: dt.date) -> None:
    """The 人社局's determination and the disability grade come with their document number and date."""
    accident: dt.date | None = None
    try:
        accident = dt.date.fromisoformat(str(data.get("accident_date")))
    except ValueError:
        accident = None
    if (type_, to_status) == ("injury_determination", "determined"):
        _decision(data, "decision_number", "decision_date", "refusal.duties.doc.determination", today, accident)
    elif (type_, to_status) == ("benefit_injury", "calculated"):
        _decision(data, "disability_decision_number", "disability_decision_date", "refusal.duties.doc.disability",
                  today, accident)
