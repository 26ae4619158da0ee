"""缴费记录: how an assessed contribution is paid (现金, 银行卡, 社保卡 at the counter,
or recorded from the collection channel's confirmation: 税务 with its 税票号, 银行代扣
with its 流水号) and, for cash, how much was handed over; the change is shown while typing.

Returns ``{"method": …, "tendered": …}`` or, for a channel, ``{"method", "channel_reference",
"channel_amount_fen"}`` — the keys the 缴费记录 step of a 缴费核定 reads; the service records
the payment and its receipt, and refuses counter methods where the policy names a channel.
The amount due is the personal share (an employer share is never collected from the person)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.rules.money import Fen, InvalidAmount, parse_yuan
from kiosk.services.payments import CHANNEL_METHODS, METHODS
from screens.counter.steps.base import ChoiceField, Field, FormError, Option, StepForm, TextField


class PaymentForm(StepForm):
    """Method and amount received for the amount due (``due_fen``)."""

    TITLE_KEY = "counter.steps.payment.title"
    FIRST_FOCUS = "tendered"  # money fields take the digits typed when their screen opens

    def __init__(self, due_fen: Fen, existing: Mapping[str, Any] | None = None, *, subject: str = "") -> None:
        # A tendered amount from an earlier try is never kept (the service pops it too).
        super().__init__({k: v for k, v in (existing or {}).items() if k != "tendered"}, subject=subject)
        notice = (existing or {}).get("notice") or {}
        # The person pays the personal share only (issue 15.3): never the employer's part of the total.
        self.due_fen = int(notice["individual_fen"]) if "individual_fen" in notice else due_fen

    def intro(self) -> str:
        return self.t("counter.steps.payment.due", amount=self.yuan(self.due_fen))

    def fields(self) -> list[Field]:
        return [
            ChoiceField("method", self.t("counter.steps.payment.method"),
                        tuple(Option(m, self.t(f"counter.method.{m}")) for m in METHODS), "cash"),
            TextField("tendered", self.t("counter.steps.payment.tendered"), "yuan", required=False,
                      hint=self.t("counter.steps.payment.tendered_hint"), when=("method", ("cash",))),
            TextField("channel_reference", self.t("collection15.form.reference"), "text", required=False,
                      hint=self.t("collection15.form.reference_hint"),
                      when=("method", tuple(CHANNEL_METHODS.values()))),
        ]

    def live(self, raw: dict[str, str]) -> str:
        if raw.get("method") != "cash" or not raw.get("tendered", "").strip():
            return ""
        try:
            tendered = parse_yuan(raw["tendered"])
        except InvalidAmount:
            return ""
        if tendered < self.due_fen:
            return self.t("counter.steps.payment.short", amount=self.yuan(self.due_fen - tendered))
        return self.t("counter.steps.payment.change", amount=self.yuan(tendered - self.due_fen))

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {"method": values["method"]}
        if values["method"] in CHANNEL_METHODS.values():
            reference = str(values.get("channel_reference") or "").strip()
            if not reference:
                raise FormError(self.t("collection15.form.reference_missing"), "channel_reference")
            return {**data, "channel_reference": reference, "channel_amount_fen": self.due_fen}
        tendered = values.get("tendered")
        if tendered is not None:
            if tendered < self.due_fen:
                raise FormError(self.t("counter.steps.payment.not_enough", tendered=self.yuan(tendered),
                                       due=self.yuan(self.due_fen)), "tendered")
            # The service takes the amount as typed text (it parses yuan itself).
            data["tendered"] = f"{tendered // 100}.{tendered % 100:02d}"
        return data
