"""缴费核定, 确定缴费基数: the scheme and what the base comes from — an
employee's declared wage (brought inside the 60%–300% bounds by the service),
a flexible worker's chosen base (must lie inside them), or a resident's
yearly tier — plus the months assessed. The bounds of the policy in force
are shown; the service computes the notice (计算缴费金额).

Keys returned: ``scheme``; ``declared_wage_fen`` and ``risk_class``
(employee) or ``base_fen`` (flexible), with ``start_month`` and
``month_count``; or ``tier_fen`` and ``year`` (resident)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.rules.money import Fen
from kiosk.services import ServiceContext
from kiosk.services import payments as payment_service
from screens.counter.steps.base import ChoiceField, Field, FormError, Option, StepForm, TextField

SCHEMES = ("employee", "flexible", "resident")
RISK_CLASSES = 8


@dataclass(frozen=True)
class AssessmentPolicy:
    """The figures the form shows and checks against."""

    floor_fen: Fen
    cap_fen: Fen
    average_fen: Fen
    tiers: tuple[Fen, ...]
    year: int
    month: str  # this month, "YYYY-MM"


class AssessmentForm(StepForm):
    """Scheme, base (or tier) and months for a new 缴费核定."""

    TITLE_KEY = "counter.steps.assessment.title"

    def prepare(self, ctx: ServiceContext) -> AssessmentPolicy:
        params = payment_service.policy(ctx)
        today = ctx.today()
        return AssessmentPolicy(params.wage.base_floor_fen, params.wage.base_cap_fen,
                                params.wage.average_monthly_wage_fen,
                                tuple(t.annual_fen for t in params.resident_pension.tiers), today.year,
                                f"{today:%Y-%m}")

    @property
    def policy(self) -> AssessmentPolicy:
        assert isinstance(self.prepared, AssessmentPolicy)
        return self.prepared

    def _tiers_text(self) -> str:
        return "/".join(self.yuan(t).removesuffix(".00" + self.t("counter.yuan")) for t in self.policy.tiers)

    def intro(self) -> str:
        p = self.policy
        return self.t("counter.steps.assessment.bounds", average=self.yuan(p.average_fen), floor=self.yuan(p.floor_fen),
                      cap=self.yuan(p.cap_fen), tiers=self._tiers_text())

    def fields(self) -> list[Field]:
        p = self.policy
        t = self.t
        waged = ("scheme", ("employee", "flexible"))
        return [
            ChoiceField("scheme", t("counter.steps.assessment.scheme"),
                        tuple(Option(s, t(f"counter.steps.assessment.scheme_{s}")) for s in SCHEMES), "flexible"),
            TextField("declared_wage_fen", t("counter.steps.assessment.declared_wage"), "yuan",
                      hint=t("counter.steps.assessment.declared_hint"), when=("scheme", ("employee",))),
            TextField("risk_class", t("counter.steps.assessment.risk_class"), "int", default="1",
                      minimum=1, maximum=RISK_CLASSES, when=("scheme", ("employee",))),
            TextField("base_fen", t("counter.steps.assessment.base"), "yuan", minimum=p.floor_fen, maximum=p.cap_fen,
                      hint=t("counter.steps.assessment.base_hint", floor=self.yuan(p.floor_fen),
                             cap=self.yuan(p.cap_fen)), when=("scheme", ("flexible",))),
            TextField("start_month", t("counter.steps.assessment.start_month"), "month", default=p.month,
                      hint="YYYY-MM", when=waged),
            TextField("month_count", t("counter.steps.assessment.month_count"), "int", default="1",
                      minimum=1, maximum=36, when=waged),
            TextField("tier_fen", t("counter.steps.assessment.tier"), "yuan",
                      hint=t("counter.steps.assessment.tier_hint", tiers=self._tiers_text()),
                      when=("scheme", ("resident",))),
            TextField("year", t("counter.steps.assessment.year"), "int", default=str(p.year),
                      minimum=p.year - 1, maximum=p.year, when=("scheme", ("resident",))),
        ]

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["scheme"] == "resident" and values["tier_fen"] not in self.policy.tiers:
            raise FormError(self.t("counter.steps.assessment.not_a_tier", tier=self.yuan(values["tier_fen"]),
                                   tiers=self._tiers_text()), "tier_fen")
        return values
