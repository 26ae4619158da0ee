"""待遇计算 inputs for pension, unemployment and maternity claims (medical
reimbursement: :mod:`screens.counter.steps.medical`; work injury:
:mod:`screens.counter.steps.injury`). What the service finds in the
database (months paid, account balance, the 失业登记) it takes from there and
a clerk cannot type over it (the entitlement service decides from the
records); the form asks only for what documents tell.

Keys returned — employee pension: ``average_index`` (used when no bases are
on record), ``deemed_months`` (视同缴费, from the personnel file);
unemployment: ``involuntary``;
maternity: ``employer_wage_fen``, ``difficult_birth``, ``extra_babies`` or
``miscarriage_months``. A resident pension needs no input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screens.counter.steps.base import ChoiceField, Field, Option, StepForm, TextField, as_bool, yes_no


class EmployeePensionForm(StepForm):
    """职工养老金: the average index (when no bases are on record) and deemed months."""

    TITLE_KEY = "counter.steps.pension.title"

    def intro(self) -> str:
        return self.t("counter.steps.pension.intro")

    def fields(self) -> list[Field]:
        t = self.t
        return [
            TextField("average_index", t("counter.steps.pension.average_index"), "decimal", default="1.0",
                      hint=t("counter.steps.pension.average_index_hint")),
            TextField("deemed_months", t("counter.steps.pension.deemed_months"), "int", default="0",
                      maximum=12 * 60),
            # 视同缴费 counts only with the archive review's decision number (kiosk.rules.deemed).
            TextField("deemed_document", t("counter.steps.pension.deemed_document"), "text", required=False),
        ]


class UnemploymentForm(StepForm):
    """失业保险金: whether the job ended against the worker's will (months come from the records)."""

    TITLE_KEY = "counter.steps.unemployment.title"

    def intro(self) -> str:
        return self.t("counter.steps.unemployment.intro")

    def fields(self) -> list[Field]:
        t = self.t
        return [
            yes_no(t("counter.steps.unemployment.involuntary"), "involuntary", t, "yes"),
        ]

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        values["involuntary"] = as_bool(values["involuntary"])
        return values


class MaternityForm(StepForm):
    """生育津贴: the employer's average wage and what the leave days depend on."""

    TITLE_KEY = "counter.steps.maternity.title"

    def __init__(self, existing: Mapping[str, Any] | None = None, *, subject: str = "") -> None:
        existing = dict(existing or {})
        existing.setdefault("event", "miscarriage" if existing.get("miscarriage_months") is not None else "birth")
        super().__init__(existing, subject=subject)

    def intro(self) -> str:
        return self.t("counter.steps.maternity.intro")

    def fields(self) -> list[Field]:
        t = self.t
        birth = ("event", ("birth",))
        return [
            TextField("employer_wage_fen", t("counter.steps.maternity.employer_wage"), "yuan",
                      hint=t("counter.steps.maternity.employer_wage_hint")),
            ChoiceField("event", t("counter.steps.maternity.event"),
                        (Option("birth", t("counter.steps.maternity.birth")),
                         Option("miscarriage", t("counter.steps.maternity.miscarriage"))), "birth"),
            yes_no(t("counter.steps.maternity.difficult"), "difficult_birth", t, "no", birth),
            TextField("extra_babies", t("counter.steps.maternity.extra_babies"), "int", default="0", maximum=9,
                      when=birth),
            TextField("miscarriage_months", t("counter.steps.maternity.miscarriage_months"), "int", minimum=1,
                      maximum=10, when=("event", ("miscarriage",))),
        ]

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        event = values.pop("event")
        if event == "birth":
            values["difficult_birth"] = as_bool(values["difficult_birth"])
            values["miscarriage_months"] = None  # a birth: the service ignores an earlier miscarriage entry
        else:
            values.update(difficult_birth=False, extra_babies=0)
        return values
