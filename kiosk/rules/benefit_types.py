"""One vocabulary of benefit payment types (待遇类别) and the family each belongs to.

``BenefitPayment.benefit_type`` has been written in two spellings: the
monthly run and the 待遇支付 step write the claim kind (``pension``,
``unemployment`` ...), older data and the first demo wrote the account kind
of a pension (``pension_employee``, ``pension_resident``). A month of a
pension is one month whichever spelling paid it, so every check that asks
"is this month already paid?" — the monthly run (kiosk.services.benefit_run)
and the rule audit's duplicate-payment scan (kiosk.services.rule_audit) —
compares :func:`benefit_family`, never the raw string.

Families paid month by month (:data:`MONTHLY_FAMILIES`) are paid once per
resident, family and month whatever application or benefit row the payment
names (RULES.md §13.2); lump sums (maternity, medical reimbursement, funeral
grant) may legitimately recur in one month for different claims.
"""

from __future__ import annotations

#: Spellings of a payment type that belong to another family's canonical name.
ALIASES: dict[str, str] = {
    "pension_employee": "pension",
    "pension_resident": "pension",
    "medical": "medical_reimbursement",
}
#: Families the monthly run pays (one payment per resident, family and month). ``survivor`` is the
#: monthly 遗属待遇; ``survivor_lump`` the one-off 抚恤金, a benefit of one month paid by the next run.
MONTHLY_FAMILIES: tuple[str, ...] = ("pension", "unemployment", "injury", "survivor", "survivor_lump")


def benefit_family(benefit_type: str) -> str:
    """The canonical family of a payment type or Benefit kind: ``"pension_employee"`` →
    ``"pension"``; an unknown type is its own family."""
    return ALIASES.get(benefit_type, benefit_type)


def family_types(family: str) -> tuple[str, ...]:
    """Every spelling of ``family`` (for ``benefit_type IN (...)``), canonical first."""
    canonical = benefit_family(family)
    return (canonical, *sorted(alias for alias, target in ALIASES.items() if target == canonical))


def is_monthly(benefit_type: str) -> bool:
    """True for a family paid month by month (at most one payment per resident and month)."""
    return benefit_family(benefit_type) in MONTHLY_FAMILIES
