"""养老保险关系转移接续, 办理转移手续: which transfer, in which direction and
with which region; a transfer in also needs the amounts the old fund sends
(individual account and pooled part). The service moves the money by
ledger entries and computes a transfer out itself.

Keys returned: ``kind``, ``direction``, ``other_region``, and for a
transfer in ``account_fen`` and ``pooled_fen``."""

from __future__ import annotations

from typing import Any

from screens.counter.steps.base import ChoiceField, Field, FormError, Option, StepForm, TextField

KINDS = ("employee_interprovincial", "employee_to_resident", "resident_to_employee")
DIRECTIONS = ("out", "in")


class TransferForm(StepForm):
    """Kind, direction, other region (and amounts for a transfer in)."""

    TITLE_KEY = "counter.steps.transfer.title"

    def intro(self) -> str:
        return self.t("counter.steps.transfer.intro")

    def fields(self) -> list[Field]:
        t = self.t
        incoming = ("direction", ("in",))
        return [
            ChoiceField("kind", t("counter.steps.transfer.kind"),
                        tuple(Option(k, t(f"counter.steps.transfer.kind_{k}")) for k in KINDS),
                        "employee_interprovincial"),
            ChoiceField("direction", t("counter.steps.transfer.direction"),
                        tuple(Option(d, t(f"counter.steps.transfer.direction_{d}")) for d in DIRECTIONS), "out"),
            TextField("other_region", t("counter.steps.transfer.other_region"), "text", required=False,
                      hint=t("counter.steps.transfer.other_region_hint")),
            TextField("account_fen", t("counter.steps.transfer.account"), "yuan", when=incoming),
            TextField("pooled_fen", t("counter.steps.transfer.pooled"), "yuan", default="0", when=incoming),
        ]

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["kind"] == "employee_interprovincial" and not values.get("other_region"):
            raise FormError(self.t("counter.steps.transfer.region_needed"), "other_region")
        values.setdefault("other_region", "")
        return values
