"""Resident inpatient reimbursement (RULES.md §6): deductible by hospital
level, reimbursement ratio, the pooled fund's annual cap, then 大病保险 on
the part the person still pays above its threshold.

Simplified and [local]: all amounts are "within policy scope" (政策范围内);
the 大病 threshold is applied to this year's cumulative out-of-pocket costs,
so earlier admissions are passed in. Each payer's share is rounded once and
the person's share is the remainder, so the shares always add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kiosk.rules.errors import RuleError
from kiosk.rules.money import Fen, round_fen
from kiosk.rules.parameters import MedicalParams
from kiosk.rules.steps import CalculationStep, pct, yuan


class MedicalError(RuleError):
    """Inputs a reimbursement cannot use; ``str()`` says which, in technical English (logs, pure
    callers). ``key`` (``refusal.medical.*``) and ``params`` name the message a screen shows, in
    its language (kiosk/i18n/*/refusals_followup.toml)."""


class UnknownHospitalLevel(MedicalError, KeyError):
    """A hospital level the policy does not list (still a KeyError, as
    :meth:`MedicalParams.level <kiosk.rules.parameters.MedicalParams.level>` raises):
    ``params`` ``level`` (as given) and ``known`` (the levels, comma-separated)."""


@dataclass(frozen=True)
class Reimbursement:
    """Who pays what of one admission's in-scope costs, with steps."""

    total_fen: Fen
    deductible_fen: Fen
    ratio: Decimal
    pool_fen: Fen
    serious_fen: Fen
    self_fen: Fen
    steps: tuple[CalculationStep, ...]


def reimburse(
    total_fen: Fen,
    level: str,
    params: MedicalParams,
    *,
    pool_paid_this_year_fen: Fen = 0,
    out_of_pocket_this_year_fen: Fen = 0,
    filed: bool = True,
) -> Reimbursement:
    """Split an admission's in-scope cost between the pool, 大病保险 and the person.

    ``filed=False`` (out-of-area treatment without filing) cuts the ratio by
    ``params.unfiled_ratio_cut``.
    """
    if min(total_fen, pool_paid_this_year_fen, out_of_pocket_this_year_fen) < 0:
        raise MedicalError("amounts cannot be negative", "refusal.medical.negative_amounts")
    try:
        hospital = params.level(level)
    except KeyError as exc:
        known = ", ".join(item.name for item in params.levels)
        raise UnknownHospitalLevel(str(exc.args[0]) if exc.args else level, "refusal.medical.unknown_level",
                                   level=level[:20], known=known) from None
    ratio = hospital.ratio if filed else max(Decimal(0), hospital.ratio - params.unfiled_ratio_cut)
    deductible = min(total_fen, hospital.deductible_fen)
    eligible = total_fen - deductible
    pool = round_fen(eligible * ratio)
    remaining_cap = max(0, params.annual_cap_fen - pool_paid_this_year_fen)
    capped = pool > remaining_cap
    pool = min(pool, remaining_cap)
    own_before_serious = total_fen - pool
    cumulative = out_of_pocket_this_year_fen + own_before_serious
    above = max(0, cumulative - max(params.serious_threshold_fen, out_of_pocket_this_year_fen))
    serious = round_fen(above * params.serious_ratio)
    self_pays = total_fen - pool - serious
    steps = [
        CalculationStep("rules.medical.step.deductible", yuan(hospital.deductible_fen), deductible),
        CalculationStep("rules.medical.step.pool", f"({yuan(total_fen)} − {yuan(deductible)}) × {pct(ratio)}",
                        pool),
    ]
    if capped:
        steps.append(CalculationStep("rules.medical.step.cap", f"{yuan(params.annual_cap_fen)} − "
                                     f"{yuan(pool_paid_this_year_fen)}", pool))
    if serious:
        steps.append(CalculationStep("rules.medical.step.serious", f"{yuan(above)} × {pct(params.serious_ratio)}",
                                     serious))
    steps.append(CalculationStep("rules.medical.step.self", f"{yuan(total_fen)} − {yuan(pool)} − {yuan(serious)}",
                                 self_pays))
    return Reimbursement(total_fen, deductible, ratio, pool, serious, self_pays, tuple(steps))
