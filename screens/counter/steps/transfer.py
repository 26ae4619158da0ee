"""养老保险关系转移接续 (国办发〔2009〕66号, 人社部发〔2014〕17号) at the counter.

At acceptance (:class:`TransferForm`): which transfer and which way, from
this hall's point of view — 转入 (this hall is the new place: the person
applies here and the hall sends the 联系函) or 转出 (the new place's 联系函 has
arrived: its number and the new place's region code) — and the other place.
At 办理转移手续 of an inter-provincial transfer in (:class:`TransferArrivalForm`):
what the old place transferred — the personal account, the pooled part and
the months. A 17号 linkage whose other scheme is kept here, a transfer out
and a temporary account need no figures: the service reads the records.

Keys returned: ``kind``, ``direction``, ``other_region``, for 转出
``letter_number`` and ``other_region_code``; at arrival ``account_fen``,
``pooled_fen``, ``months``."""

from __future__ import annotations

from typing import Any

from screens.counter.steps.base import ChoiceField, Field, FormError, Option, StepForm, TextField

KINDS = ("employee_interprovincial", "employee_to_resident", "resident_to_employee")
DIRECTIONS = ("in", "out")


class TransferForm(StepForm):
    """Kind, direction (转入 first: the person applies at the new place) and the other place."""

    TITLE_KEY = "counter.steps.transfer.apply_title"

    def intro(self) -> str:
        return self.t("counter.steps.transfer.apply_intro")

    def fields(self) -> list[Field]:
        t = self.t
        outgoing = ("direction", ("out",))
        return [
            ChoiceField("kind", t("counter.steps.transfer.kind"),
                        tuple(Option(k, t(f"counter.steps.transfer.kind_{k}")) for k in KINDS),
                        "employee_interprovincial"),
            ChoiceField("direction", t("counter.steps.transfer.direction"),
                        tuple(Option(d, t(f"counter.steps.transfer.way_{d}")) for d in DIRECTIONS), "in"),
            TextField("other_region", t("counter.steps.transfer.other_place"), "text",
                      hint=t("counter.steps.transfer.other_region_hint")),
            TextField("letter_number", t("counter.steps.transfer.letter_number"), "text", when=outgoing,
                      hint=t("counter.steps.transfer.letter_number_hint")),
            TextField("other_region_code", t("counter.steps.transfer.other_region_code"), "text", required=False,
                      when=outgoing, hint=t("counter.steps.transfer.other_region_code_hint")),
        ]

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if not values.get("other_region"):
            raise FormError(self.t("counter.steps.transfer.region_needed"), "other_region")
        return values


class TransferArrivalForm(StepForm):
    """办理转移手续 of a transfer in: what the old place transferred, from its 参保缴费凭证."""

    TITLE_KEY = "counter.steps.transfer.title"

    def intro(self) -> str:
        return self.t("counter.steps.transfer.arrival_intro", region=self.existing.get("other_region") or "-",
                      letter=self.existing.get("letter_number") or "-")

    def fields(self) -> list[Field]:
        t = self.t
        return [
            TextField("account_fen", t("counter.steps.transfer.account"), "yuan"),
            TextField("pooled_fen", t("counter.steps.transfer.pooled"), "yuan", default="0"),
            TextField("months", t("counter.steps.transfer.months"), "int", minimum=0, maximum=720),
        ]
