"""医疗费用手工报销（含大病保险）, 待遇计算: the in-scope bill, the hospital
level (its deductible and ratio from the policy in force are shown), whether
out-of-area treatment was filed, and what the pool and the person already
paid this year (for the annual cap and the 大病保险 threshold).

Keys returned: ``total_fen``, ``level``, ``filed``,
``pool_paid_this_year_fen``, ``out_of_pocket_this_year_fen``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kiosk.rules.parameters import MedicalParams
from kiosk.services import ServiceContext
from kiosk.services import payments as payment_service
from screens.counter.steps.base import ChoiceField, Field, Option, StepForm, TextField, as_bool, yes_no


class MedicalForm(StepForm):
    """The bill and what the reimbursement depends on."""

    TITLE_KEY = "counter.steps.medical.title"

    def prepare(self, ctx: ServiceContext) -> MedicalParams:
        return payment_service.policy(ctx).medical

    @property
    def params(self) -> MedicalParams:
        assert isinstance(self.prepared, MedicalParams)
        return self.prepared

    def _level_name(self, name: str) -> str:
        key = f"counter.steps.medical.level_{name}"
        text = self.t(key)
        return name if text == key else text

    def intro(self) -> str:
        levels = "；".join(self.t("counter.steps.medical.level_rule", level=self._level_name(level.name),
                                  deductible=self.yuan(level.deductible_fen),
                                  ratio=f"{(level.ratio * 100).quantize(Decimal(1))}%")
                           for level in self.params.levels)
        return self.t("counter.steps.medical.intro", levels=levels, cap=self.yuan(self.params.annual_cap_fen),
                      threshold=self.yuan(self.params.serious_threshold_fen))

    def fields(self) -> list[Field]:
        t = self.t
        return [
            ChoiceField("level", t("counter.steps.medical.level"),
                        tuple(Option(level.name, self._level_name(level.name)) for level in self.params.levels)),
            TextField("total_fen", t("counter.steps.medical.total"), "yuan", minimum=1,
                      hint=t("counter.steps.medical.total_hint")),
            yes_no(t("counter.steps.medical.filed"), "filed", t, "yes"),
            TextField("pool_paid_this_year_fen", t("counter.steps.medical.pool_paid"), "yuan", default="0"),
            TextField("out_of_pocket_this_year_fen", t("counter.steps.medical.out_of_pocket"), "yuan", default="0"),
        ]

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        values["filed"] = as_bool(values["filed"])
        return values
