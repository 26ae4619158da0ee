"""工伤: the determination application (accident or diagnosis date and who
applies — the service checks the deadline: one year for the worker, 30 days
for the employer, whose late application is still accepted) and the
work-injury benefit inputs at 待遇计算 (disability grade and own wage; the
accident date comes from the determination). The determination itself and
the disability grade are decisions of the 人社局 and the 劳动能力鉴定委员会: the
township records them from the documents it receives (number and date).

Keys returned: ``accident_date`` "YYYY-MM-DD" and ``applicant`` employer |
worker; ``decision_number`` and ``decision_date`` (the 人社局's 认定决定书);
``grade`` 1-10, ``disability_decision_number``, ``disability_decision_date``
and ``own_wage_fen``."""

from __future__ import annotations

from typing import Any

from kiosk.services import ServiceContext
from kiosk.services import payments as payment_service
from screens.counter.steps.base import ChoiceField, Field, Option, StepForm, TextField

APPLICANTS = ("worker", "employer")


class InjuryDeterminationForm(StepForm):
    """工伤认定申请: accident date and applicant."""

    TITLE_KEY = "counter.steps.injury.determination_title"

    def intro(self) -> str:
        return self.t("counter.steps.injury.deadlines")

    def fields(self) -> list[Field]:
        t = self.t
        return [
            TextField("accident_date", t("counter.steps.injury.accident_date"), "date", hint="YYYY-MM-DD"),
            ChoiceField("applicant", t("counter.steps.injury.applicant"),
                        tuple(Option(a, t(f"counter.steps.injury.applicant_{a}")) for a in APPLICANTS), "worker"),
        ]


class InjuryDecisionForm(StepForm):
    """登记认定结论: the 人社局's 工伤认定决定书, its number and date, as received."""

    TITLE_KEY = "counter.steps.injury.decision_title"

    def intro(self) -> str:
        return self.t("counter.steps.injury.decision_intro", accident=self.existing.get("accident_date") or "-")

    def fields(self) -> list[Field]:
        t = self.t
        return [
            TextField("decision_number", t("counter.steps.injury.decision_number"), "text",
                      hint=t("counter.steps.injury.decision_number_hint")),
            TextField("decision_date", t("counter.steps.injury.decision_date"), "date", hint="YYYY-MM-DD"),
        ]


class InjuryBenefitForm(StepForm):
    """工伤保险待遇, 待遇计算: disability grade and the worker's own wage."""

    TITLE_KEY = "counter.steps.injury.benefit_title"

    def prepare(self, ctx: ServiceContext) -> Any:
        return payment_service.policy(ctx).wage

    def intro(self) -> str:
        wage = self.prepared
        return self.t("counter.steps.injury.benefit_intro",
                      accident=self.existing.get("accident_date") or "-",
                      determination=self.existing.get("determination") or "-",
                      floor=self.yuan(wage.base_floor_fen), cap=self.yuan(wage.base_cap_fen))

    def fields(self) -> list[Field]:
        t = self.t
        return [
            TextField("grade", t("counter.steps.injury.grade"), "int", minimum=1, maximum=10,
                      hint=t("counter.steps.injury.grade_hint")),
            TextField("disability_decision_number", t("counter.steps.injury.disability_number"), "text",
                      hint=t("counter.steps.injury.disability_number_hint")),
            TextField("disability_decision_date", t("counter.steps.injury.disability_date"), "date",
                      hint="YYYY-MM-DD"),
            TextField("own_wage_fen", t("counter.steps.injury.own_wage"), "yuan",
                      hint=t("counter.steps.injury.own_wage_hint")),
        ]
