"""A queue ticket scanned at the self-service kiosk (its QR code or barcode,
``T20261129A007``): rate the service when the ticket is finished and not
rated yet (the shared :class:`screens.widgets.rating.RatingModal`); a ticket
still in the queue shows how many are ahead or where to go; a rated one is
thanked. No identification is needed: the ticket is the resident's own.
"""

from __future__ import annotations

from textual.app import ComposeResult

from kiosk.services.queue_feedback import TicketFeedback, ticket_feedback
from screens.resident.common import ResidentScreen
from screens.widgets.plain import Static
from screens.widgets.rating import RATING_TIMEOUT, RatingModal, RatingResult


class TicketRatingScreen(ResidentScreen):
    """Looks the scanned ticket up, then rates it or says where it stands."""

    TITLE_KEY = "rating.scan.title"
    PERSONAL = False  # a scanned ticket, no identification

    def __init__(self, code: str, *, timeout: float = RATING_TIMEOUT) -> None:
        super().__init__()
        self.code = code
        self.timeout = timeout
        self.feedback: TicketFeedback | None = None
        self.message = ""

    def needs_data(self) -> bool:
        return False

    def compose_body(self) -> ComposeResult:
        yield Static(self.message or self.t("rating.scan.checking"), id="rate-message", classes="message")

    def on_mount(self) -> None:
        ctx, code = self.host.ctx, self.code
        self.run_service(lambda: ticket_feedback(ctx, code), self._checked, self._show)

    def _checked(self, feedback: TicketFeedback) -> None:
        self.feedback = feedback
        if feedback.can_rate:
            self.app.push_screen(RatingModal(self.code, label=feedback.code, timeout=self.timeout), self._rated)
            return
        self._show(self.status_text(feedback))

    def status_text(self, feedback: TicketFeedback) -> str:
        """Where the ticket stands, in the resident's words."""
        code, counter = feedback.code, feedback.counter or "-"
        if feedback.rated:
            return self.t("rating.scan.rated", code=code, score=feedback.score)
        if feedback.status == "waiting":
            if not feedback.ahead:
                return self.t("rating.scan.waiting_next", code=code)
            return self.t("rating.scan.waiting", code=code, ahead=feedback.ahead)
        if feedback.status in ("called", "serving", "held", "no_show"):
            return self.t(f"rating.scan.{feedback.status}", code=code, counter=counter)
        return self.t(f"queue.status.{feedback.status}")

    def _rated(self, result: RatingResult | None) -> None:
        self._show(self.t("rating.scan.skipped") if result is None else result.message)

    def _show(self, message: str) -> None:
        self.message = message
        self.query_one("#rate-message", Static).update(message)
