"""After 办结 at a counter: turn the screen (or the resident keypad) to the
resident and offer the satisfaction rating.

The modal is the shared :class:`screens.widgets.rating.RatingModal`; the
rating is tied to the counter and clerk that served the ticket by the queue
service. What happened (thanks, not rated, or why it was refused) goes to
the console's message line through ``say``.
"""

from __future__ import annotations

from collections.abc import Callable

from screens.base import KioskScreen
from screens.widgets.rating import RATING_TIMEOUT, RatingModal, RatingResult


def offer_rating(screen: KioskScreen, code: str, say: Callable[[str], None], *,
                 timeout: float = RATING_TIMEOUT) -> None:
    """Open the rating for ticket ``code`` over ``screen``; report the outcome with ``say``."""

    def done(result: RatingResult | None) -> None:
        if result is None:
            say(screen.t("rating.counter_none", code=code))
        elif result.saved is not None:
            say(screen.t("rating.counter_saved", code=code, score=result.saved.score))
        else:
            say(result.message)

    screen.app.push_screen(RatingModal(code, timeout=timeout), done)
