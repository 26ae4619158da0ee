"""医疗费用手工报销（含大病保险）, 待遇计算: the in-scope bill, the hospital
level (its deductible and ratio from the policy in force are shown), whether
out-of-area treatment was filed, and what the pool and the person already
paid this year (for the annual cap and the 大病保险 threshold).

异地就医 is asked after the amounts (是/否, default 否: treated locally), 已备案 only
for treatment out of area: only unfiled out-of-area treatment has its ratio
cut (RULES.md, 异地未备案), so a local hospital always gets its level's ratio.

Keys returned: ``total_fen``, ``level``, ``out_of_area`` and ``filed``
(bools; ``filed`` is True for local treatment), ``pool_paid_this_year_fen``,
``out_of_pocket_this_year_fen``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kiosk.rules.parameters import MedicalParams
from kiosk.services import ServiceContext
from kiosk.services import payments as payment_service
from screens.counter.steps.base import ChoiceField, Field, Option, StepForm, TextField, as_bool, yes_no


class MedicalForm(StepForm):
    """The bill and what the reimbursement depends on."""

    TITLE_KEY = "counter.steps.medical.title"

    def __init__(self, existing: Mapping[str, Any] | None = None, *, subject: str = "") -> None:
        existing = dict(existing or {})
        # An older claim stored only ``filed``: not filed can only have been out of area.
        existing.setdefault("out_of_area", existing.get("filed") is False)
        super().__init__(existing, subject=subject)

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
        levels = self.t("maint17.list_sep_strong").join(self.t("counter.steps.medical.level_rule", level=self._level_name(level.name),
                                  deductible=self.yuan(level.deductible_fen),
                                  ratio=f"{(level.ratio * 100).quantize(Decimal(1))}%")
                           for level in self.params.levels)
        return self.t("counter.steps.medical.intro", levels=levels, cap=self.yuan(self.params.annual_cap_fen),
                      threshold=self.yuan(self.params.serious_threshold_fen))

    def fields(self) -> list[Field]:
        t = self.t
        return [
            # The bill first: digits typed as the form opens are the amount, never a level.
            TextField("total_fen", t("counter.steps.medical.total"), "yuan", minimum=1,
                      hint=t("counter.steps.medical.total_hint")),
            ChoiceField("level", t("counter.steps.medical.level"),
                        tuple(Option(level.name, self._level_name(level.name)) for level in self.params.levels)),
            TextField("pool_paid_this_year_fen", t("counter.steps.medical.pool_paid"), "yuan", default="0"),
            TextField("out_of_pocket_this_year_fen", t("counter.steps.medical.out_of_pocket"), "yuan", default="0"),
            yes_no(t("counter17.steps.out_of_area"), "out_of_area", t, "no"),
            # Asked only out of area, and answered by the clerk (no default): it cuts the ratio.
            yes_no(t("counter.steps.medical.filed"), "filed", t, "", when=("out_of_area", ("yes",))),
        ]

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        out_of_area = as_bool(values.pop("out_of_area"))
        # Local treatment needs no filing: only unfiled out-of-area treatment is cut.
        values["filed"] = not out_of_area or as_bool(values.get("filed"))
        values["out_of_area"] = out_of_area
        return values
