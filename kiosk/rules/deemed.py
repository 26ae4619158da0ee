"""视同缴费年限 (deemed contribution months): bounds a typed figure must respect.

Deemed months are working time in state and collective units before the
personal-account system began (国发〔1995〕6号, 国发〔1997〕26号: accounts from
1996–1998 depending on the province, a versioned policy parameter
``employee_pension.account_start`` marked [verify]). They are a fact of the
personnel archive (档案), decided by the agency, so a claim may count them
only

- with the evidence: the document number of the archive review
  (视同缴费年限认定/档案审核 文号);
- for months before the personal-account start date;
- from the month after the 16th birthday (劳动法 Art. 15, no work under 16);
- not overlapping months recorded as paid in a monthly pension scheme.

:func:`check_deemed` returns how many typed months count and why any do not;
the entitlement service (kiosk.services.entitlement) and the rule audit
(kiosk.services.rule_audit, kind ``deemed_months``) both use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.rules.retirement import add_months

#: Longest document number kept (like a decision's 文号).
DOCUMENT_MAX = 40


@dataclass(frozen=True)
class DeemedCheck:
    """``counted`` of ``typed`` months count; ``allowed`` is the most the bounds allow;
    ``reason`` None, ``"deemed_unproven"`` (no document: none count) or
    ``"deemed_outside_bounds"`` (clipped to ``allowed``); ``first``/``last`` the window."""

    typed: int
    counted: int
    allowed: int
    reason: str | None
    first: dt.date
    last: dt.date


def deemed_window(birth: dt.date, account_start: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) month deemed months can lie in: from the month after the 16th birthday
    to the month before the personal-account start (``last < first`` when there is none)."""
    sixteen = add_months(birth, 16 * 12)
    first = add_months(sixteen.replace(day=1), 1) if sixteen.day > 1 else sixteen
    last = add_months(account_start.replace(day=1), -1)
    return first, last


def check_deemed(typed: int, document: str, birth: dt.date, account_start: dt.date,
                 recorded_months: Iterable[dt.date]) -> DeemedCheck:
    """How many of ``typed`` deemed months count (see the module docstring); ``recorded_months``
    are the months on record in a monthly pension scheme (any day within the month)."""
    first, last = deemed_window(birth, account_start)
    span = 0 if last < first else (last.year - first.year) * 12 + last.month - first.month + 1
    overlap = {m.replace(day=1) for m in recorded_months if first <= m.replace(day=1) <= last}
    allowed = max(0, span - len(overlap))
    if typed <= 0:
        return DeemedCheck(0, 0, allowed, None, first, last)
    if not document.strip():
        return DeemedCheck(typed, 0, allowed, "deemed_unproven", first, last)
    if typed > allowed:
        return DeemedCheck(typed, allowed, allowed, "deemed_outside_bounds", first, last)
    return DeemedCheck(typed, typed, allowed, None, first, last)
