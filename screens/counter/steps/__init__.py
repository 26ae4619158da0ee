"""Step forms: the counter asks for what an application step reads from its
``data`` (see :mod:`kiosk.services.application_effects`) in a small modal
per kind of input, instead of sending an empty dict and letting the
service refuse.

:func:`submit_form` names the form a type needs before it can be accepted
(its checks at acceptance read the data); :func:`step_form` the form a
transition needs. Both return None when nothing has to be asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.services.applications import ApplicationInfo
from screens.counter.steps.assessment import AssessmentForm
from screens.counter.steps.base import StepForm
from screens.counter.steps.benefit import EmployeePensionForm, MaternityForm, UnemploymentForm
from screens.counter.steps.enrolment import EmployeeEnrolmentForm, PensionSchemeForm
from screens.counter.steps.info_change import InfoChangeForm
from screens.counter.steps.injury import InjuryBenefitForm, InjuryDecisionForm, InjuryDeterminationForm
from screens.counter.steps.lifecycle import (
    CertificationForm,
    DeathReportForm,
    EnrolmentChangeForm,
    InheritanceForm,
)
from screens.counter.steps.medical import MedicalForm
from screens.counter.steps.payment import PaymentForm
from screens.counter.steps.transfer import TransferArrivalForm, TransferForm

__all__ = ["StepForm", "step_form", "submit_form"]

_SUBMIT: dict[str, type[StepForm]] = {
    "assessment": AssessmentForm,
    "injury_determination": InjuryDeterminationForm,
    "enrol_employee": EmployeeEnrolmentForm,
    "benefit_pension": PensionSchemeForm,
    "transfer": TransferForm,
    # issue 15 lifecycle events (kiosk.services.lifecycle_apps)
    "certification": CertificationForm,
    "death_report": DeathReportForm,
    "inheritance": InheritanceForm,
    "enrolment_suspend": EnrolmentChangeForm,
    "enrolment_resume": EnrolmentChangeForm,
    "enrolment_end": EnrolmentChangeForm,
    "info_change": InfoChangeForm,  # 信息变更: field, new value, document (issue 15.2)
}

_STEP: dict[tuple[str, str], type[StepForm]] = {
    ("benefit_unemployment", "calculated"): UnemploymentForm,
    ("benefit_injury", "calculated"): InjuryBenefitForm,
    ("injury_determination", "determined"): InjuryDecisionForm,
    ("benefit_maternity", "calculated"): MaternityForm,
    ("benefit_medical", "calculated"): MedicalForm,
}


def submit_form(type_: str, draft: Mapping[str, Any] | None = None, *, subject: str = "") -> StepForm | None:
    """The form to fill before accepting an application of ``type_`` (None: nothing to ask)."""
    form = _SUBMIT.get(type_)
    return form(draft, subject=subject) if form is not None else None


def step_form(info: ApplicationInfo, to_status: str) -> StepForm | None:
    """The form to fill before moving ``info`` to ``to_status`` (None: nothing to ask)."""
    subject = f"{info.number} {info.masked_name}"
    if (info.type, to_status) == ("assessment", "recorded"):
        return PaymentForm(int(info.data.get("amount_fen") or 0), info.data, subject=subject)
    if (info.type, to_status) == ("benefit_pension", "calculated"):
        # A resident pension is computed from the account alone; an employee's needs the index.
        if info.data.get("scheme", "resident") == "employee":
            return EmployeePensionForm(info.data, subject=subject)
        return None
    if (info.type, to_status) == ("transfer", "transferring"):
        # Only an inter-provincial transfer in needs the old place's figures; the rest come from the records.
        arriving = (info.data.get("direction", "in") == "in" and not info.data.get("temporary")
                    and info.data.get("kind", "employee_interprovincial") == "employee_interprovincial")
        return TransferArrivalForm(info.data, subject=subject) if arriving else None
    form = _STEP.get((info.type, to_status))
    return form(info.data, subject=subject) if form is not None else None
