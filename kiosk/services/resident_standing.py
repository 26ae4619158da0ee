"""Whether a resident is alive and what is still paid to them, for the counter's
resident detail (issue 15: a deceased resident must not look alive).

:func:`standing` reads, in one connection: the date of death (``Resident.death_date``,
set at 死亡注销's 办结), the enrolments that ended or are suspended (with the end
date), and every benefit with its status and reason (``in_payment`` | ``suspended`` |
``stopped`` | ``finished``; reasons ``deceased``, ``not_certified``, ``months_used`` …),
the last month due, and the overpayment still to recover (``overpaid_fen`` -
``recovered_fen``, fen) with the months paid after the last month due. Read only;
the caller audits the look (the detail's ``resident.open``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from db.models import Benefit, BenefitPayment, Enrolment, Resident
from kiosk.services import NotFound, ServiceContext


@dataclass(frozen=True)
class BenefitStanding:
    """One benefit: ``kind`` (pension | unemployment | injury | survivor…), ``status``,
    ``reason`` ("" when in payment), ``monthly_fen``, ``end_month`` (last month due, or None),
    ``overpaid_fen`` still to recover and the ``overpaid_months`` ("YYYY-MM") paid after it."""

    kind: str
    scheme: str
    status: str
    reason: str
    monthly_fen: int
    end_month: dt.date | None
    overpaid_fen: int
    overpaid_months: tuple[str, ...]


@dataclass(frozen=True)
class EnrolmentStanding:
    """An enrolment as it stands: ``status`` active | suspended | ended, ``end_date`` or None."""

    insurance: str
    scheme: str
    status: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True)
class Standing:
    """``death_date`` (None while alive), the enrolments and benefits of one resident."""

    death_date: dt.date | None
    enrolments: tuple[EnrolmentStanding, ...]
    benefits: tuple[BenefitStanding, ...]

    @property
    def overpaid_fen(self) -> int:
        """The overpayment still to recover over every benefit, fen."""
        return sum(b.overpaid_fen for b in self.benefits)


def standing(ctx: ServiceContext, resident_id: int) -> Standing:
    """The resident's :class:`Standing`; raises NotFound for an unknown id."""
    with ctx.database.connection_context():
        row = Resident.get_or_none(Resident.id == resident_id)
        if row is None:
            raise NotFound("没有这位参保人的记录", code="resident_unknown", key="maint17.app.resident_unknown")
        enrolments = tuple(EnrolmentStanding(e.insurance, e.scheme, e.status, e.start_date, e.end_date)
                           for e in Enrolment.select().where(Enrolment.resident == resident_id)
                           .order_by(Enrolment.start_date, Enrolment.id))
        benefits = []
        for b in Benefit.select().where(Benefit.resident == resident_id).order_by(Benefit.id):
            owed = max(0, int(b.overpaid_fen or 0) - int(b.recovered_fen or 0))
            months: tuple[str, ...] = ()
            if b.end_month is not None and b.overpaid_fen:
                months = tuple(f"{p.period:%Y-%m}" for p in BenefitPayment.select(BenefitPayment.period)
                               .where((BenefitPayment.benefit == b.id) & (BenefitPayment.period > b.end_month))
                               .order_by(BenefitPayment.period))
            benefits.append(BenefitStanding(b.kind, b.scheme, b.status, b.reason, int(b.monthly_fen), b.end_month,
                                            owed, tuple(dict.fromkeys(months))))
        return Standing(row.death_date, enrolments, tuple(benefits))
