"""What a resident learns by scanning their own ticket at the kiosk.

A finished, unrated ticket may be rated (:func:`kiosk.services.queue.rate`);
a ticket still in the queue shows how many are ahead; a rated one is
thanked. The lookup only reads; the rating itself is the queue service's.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Rating
from kiosk.services import ServiceContext
from kiosk.services.queue import STATUS_ZH, _ahead, _find


@dataclass(frozen=True)
class TicketFeedback:
    """A scanned ticket's state as far as the resident is concerned."""

    code: str  # A007
    status: str  # waiting | called | serving | held | done | no_show
    counter: int | None  # the counter that called or served it
    ahead: int | None  # people who will be called first (waiting tickets only)
    rated: bool
    score: int | None  # the stored rating, when rated

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)

    @property
    def can_rate(self) -> bool:
        """Finished and not rated yet: the rating is offered."""
        return self.status == "done" and not self.rated


def ticket_feedback(ctx: ServiceContext, code: str) -> TicketFeedback:
    """The ticket behind ``code`` (A007 today, or scanned T20261129A007).

    Raises :class:`kiosk.services.NotFound` for an unknown or malformed code.
    """
    with ctx.database.connection_context():
        ticket = _find(ctx, code)
        rating = Rating.select(Rating.score).where(Rating.ticket == ticket.id).first()
        return TicketFeedback(
            code=ticket.code,
            status=ticket.status,
            counter=ticket.counter,
            ahead=_ahead(ticket) if ticket.status == "waiting" else None,
            rated=rating is not None,
            score=int(rating.score) if rating is not None else None,
        )
