"""Benefit applications decided by the entitlement service.

Called by :mod:`kiosk.services.application_effects` inside a step's
transaction. Every benefit step asks :func:`kiosk.services.entitlement.decide`
as of the claim date (the day the application was made, kept in
``data["claim_date"]``) with the application's data as the clerk-typed
facts, and excludes the application itself from the earlier claims:

- at submission (受理) a claim the records refuse (not enrolled, not
  applicable, dead, already receiving, a duplicate, under age, too few
  months) is not accepted; the message gives the reasons in plain Chinese;
- 待遇审核 and 复核 decide again (records may have changed since);
- 待遇计算 stores the amounts and the steps the service produced
  (``amount_fen`` is what 待遇支付 pays: the monthly amount of a pension or
  unemployment benefit, the lump sum of the others);
- 待遇支付 decides once more: a claim the records do not support is never paid.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.models import Application, Resident
from kiosk.i18n import Translator
from kiosk.services import ServiceContext, ServiceError
from kiosk.services import entitlement as ent

KIND_OF_TYPE = {"benefit_pension": "pension", "benefit_unemployment": "unemployment",
                "benefit_maternity": "maternity", "benefit_medical": "medical", "benefit_injury": "injury",
                "benefit_funeral": "funeral"}
#: Reasons the records alone decide: such a claim is not even accepted.
RECORD_REASONS = ("not_enrolled", "not_applicable", "deceased", "already_receiving", "duplicate_claim",
                  "below_pension_age", "too_few_months", "not_deceased")
_ZH = Translator("zh_CN")
_EN = Translator("en")


def claim_day(ctx: ServiceContext, data: dict[str, Any]) -> dt.date:
    """The claim date recorded at submission (today for an older application without one)."""
    return ent.recorded_claim_date(data) or ctx.today()


#: The steps a refusal names, as catalog keys (the screen shows them in its language).
_STEP_KEYS = {"受理": "accept", "审核": "review", "复核": "approve", "支付": "pay", "计算待遇": "calculate"}


def _reasons(decision: ent.Decision, t: Translator) -> str:
    reasons = ent.reason_text(decision.reasons, t)
    details = [line for line in ent.render_steps(decision.steps, t)]
    if not details:
        return reasons
    if t.language == "en":
        return f"{reasons} ({'; '.join(details[-3:])})"
    return f"{reasons}（{'；'.join(details[-3:])}）"


def refusal(decision: ent.Decision, step: str) -> ServiceError:
    """The refusal as one calm Chinese message naming every reason; ``key``/``params`` give it
    in English too (the reasons and rule steps are rendered in both languages here, since they
    are many catalog messages: ``fix17text.claims.refused`` picks ``reasons_zh`` or ``reasons_en``)."""
    shown = _reasons(decision, _ZH)
    step_key = f"fix17text.claims.step.{_STEP_KEYS[step]}" if step in _STEP_KEYS else ""
    params: dict[str, object] = {"reasons_zh": shown, "reasons_en": _reasons(decision, _EN)}
    params.update({"step_key": step_key} if step_key else {"step": step})
    return ServiceError(_ZH("entitlement.counter.refused", step=step, reasons=shown), code="not_entitled",
                        key="fix17text.claims.refused", params=params)


def decide_for(ctx: ServiceContext, resident_id: int, type_: str, data: dict[str, Any],
               application_id: int | None) -> ent.Decision:
    """The entitlement decision for an application's data (EntitlementError for an unreadable fact)."""
    return ent.decide(ctx, resident_id, KIND_OF_TYPE[type_], on=claim_day(ctx, data), facts=data,
                      exclude_application=application_id)


#: Keys only 待遇计算 (:func:`calculate`) and 待遇支付 write: a typed value is never shown or paid
#: as the amount (moneyfix 5), so they are dropped from what a resident or clerk types.
COMPUTED_KEYS = ("amount_fen", "monthly_fen", "lump_sum_fen", "months", "steps", "entitlement",
                 "account_part_fen", "account_kind", "benefit_id", "account_payout_fen", "deemed_typed",
                 "deemed_adjusted", "months_on_record")


def drop_computed(data: dict[str, Any]) -> None:
    """Remove :data:`COMPUTED_KEYS` from typed input (in place)."""
    for key in COMPUTED_KEYS:
        data.pop(key, None)


def check_submit(ctx: ServiceContext, resident: Resident, type_: str, data: dict[str, Any]) -> None:
    """Record the claim date; refuse a claim the records alone rule out. Typed amounts
    (:data:`COMPUTED_KEYS`) are dropped: the amount exists only once calculated."""
    drop_computed(data)
    data["claim_date"] = ctx.today().isoformat()  # the day it was made, never typed
    decision = decide_for(ctx, resident.id, type_, data, None)
    hard = [r for r in decision.reasons if r in RECORD_REASONS]
    if hard:
        raise refusal(ent.Decision(decision.kind, False, tuple(hard), None, None, None, decision.steps), "受理")


def check_step(ctx: ServiceContext, row: Application, data: dict[str, Any], step: str) -> None:
    """Decide again at 审核 / 复核 / 支付; refuse when the records do not support the claim.

    At 审核 the amount's document facts may still be missing (they are asked
    for at 待遇计算), so ``missing_fact`` alone does not refuse there.
    """
    decision = decide_for(ctx, row.__data__["resident"], row.type, data, row.id)
    reasons = [r for r in decision.reasons if not (step == "审核" and r == "missing_fact")]
    if reasons:
        raise refusal(decision, step)


def calculate(ctx: ServiceContext, row: Application, data: dict[str, Any]) -> None:
    """待遇计算: the decision's amounts and steps into ``data``; refuse when not eligible."""
    decision = decide_for(ctx, row.__data__["resident"], row.type, data, row.id)
    if not decision.eligible:
        raise refusal(decision, "计算待遇")
    amount = decision.monthly_fen if row.type in ("benefit_pension", "benefit_unemployment") else \
        decision.lump_sum_fen
    if amount is None:  # injury grades 7-10 have only the lump sum; nothing else lacks an amount
        amount = decision.lump_sum_fen or 0
    data.update(decision.detail)
    data.update(amount_fen=amount, monthly_fen=decision.monthly_fen, lump_sum_fen=decision.lump_sum_fen,
                months=decision.months,
                steps=[[s.key, s.formula, s.result_fen] for s in decision.steps if not isinstance(s, ent.Note)],
                entitlement={"eligible": True, "scheme": decision.scheme,
                             "steps": ent.render_steps(decision.steps, _ZH)})
