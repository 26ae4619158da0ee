"""The resident-facing satisfaction rating (满意度评价), shared by the counter
console (after 办结) and the self-service kiosk (a finished ticket scanned).

"请为本次服务评价": five large numbered choices, 5 非常满意 … 1 很不满意. A
score of 3 or less then asks, optionally, why (等待时间长/态度不好/没办成/
流程复杂/其他; 0 skips). A digit only chooses: the choice is shown and saved
on + (the one confirmation key of the kiosk and the counter, never a digit or
Enter), so a card read's digits typed over the modal rate nothing (issue 17).
The modal saves the rating itself with :func:`kiosk.services.queue.rate`,
which ties it to the ticket's counter and clerk, and dismisses with a
:class:`RatingResult`. With no input for ``timeout`` seconds, or on Esc or 0
at the confirmation, it closes by itself and saves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.timer import Timer

from kiosk.i18n import translate
from kiosk.services import queue as queue_service
from kiosk.services.queue import RatingInfo
from screens.base import KioskModal
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static

#: Seconds without a key or touch before the modal closes by itself.
RATING_TIMEOUT = 20.0
#: Scores shown, best first; the key pressed is the score.
SCORES = (5, 4, 3, 2, 1)
#: Scores at or below this ask for a reason.
REASON_BELOW = 3
#: Reasons in key order 1-5 (i18n ``rating.reason.<name>``).
REASONS = ("wait", "attitude", "unresolved", "complicated", "other")


@dataclass(frozen=True)
class RatingResult:
    """What happened: the stored rating (None when refused) and a message for the screen."""

    saved: RatingInfo | None
    message: str


class RatingModal(KioskModal[RatingResult | None]):
    """Rates ticket ``code`` (A007 today, or a scanned T20261129A007, shown as
    ``label`` when given); dismisses with a :class:`RatingResult`, or None when
    nothing was chosen (Esc or timeout)."""

    DEFAULT_CSS = """
    RatingModal { align: center middle; }
    RatingModal #rating-box {
        width: 64; height: auto; max-height: 100%;
        padding: 0 2; scrollbar-size-vertical: 1; border: heavy $primary; background: $surface;
    }
    RatingModal .rating-title { text-style: bold; height: auto; }
    RatingModal .rating-hint { color: $text-muted; height: auto; }
    RatingModal .menu-button { width: 100%; height: 3; }
    """

    def __init__(self, code: str, *, label: str | None = None, timeout: float = RATING_TIMEOUT) -> None:
        super().__init__()
        self.code = code
        self.label = label or code
        self.timeout = timeout
        self.stage = "score"  # score → reason (scores ≤ 3) → confirm (+) → saving
        self.reason = ""  # the reason name (rating.reason.<name>), "" for none
        self.score: int | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        # Scrolls in 大字 mode, where six 5-row choices are taller than an 80x24 screen.
        with VerticalScroll(id="rating-box"):
            if self.stage == "score":
                yield Static(t("rating.title"), classes="rating-title")
                yield Static(t("rating.ticket", code=self.label), classes="rating-hint")
                for score in SCORES:
                    yield MenuButton(str(score), t(f"rating.score.{score}"), f"score-{score}")
            elif self.stage == "reason":
                yield Static(t("rating.reason_title"), classes="rating-title")
                yield Static(t("rating.reason_hint"), classes="rating-hint")
                for key, reason in enumerate(REASONS, 1):
                    yield MenuButton(str(key), t(f"rating.reason.{reason}"), f"reason-{reason}")
                yield MenuButton("0", t("rating.skip"), "skip")
            elif self.stage == "confirm":
                score = self.score or 0
                yield Static(t("kiosk17.rating.chosen", score=score, label=t(f"rating.score.{score}")),
                             classes="rating-title", id="rating-chosen")
                if self.reason:
                    yield Static(t("kiosk17.rating.reason", reason=t(f"rating.reason.{self.reason}")),
                                 classes="rating-hint")
                yield Static(t("kiosk17.rating.keys"), classes="rating-hint")
                yield MenuButton("+", t("kiosk17.rating.submit"), "submit")
                yield MenuButton("0", t("kiosk17.rating.cancel"), "cancel")
            else:
                yield Static(t("rating.saving"), classes="rating-title")

    def on_mount(self) -> None:
        self._timer = self.set_timer(self.timeout, self._expired)

    # -- input --------------------------------------------------------------------------

    def _touched(self) -> None:
        """Any input restarts the countdown."""
        if self._timer is not None:
            self._timer.reset()

    def on_key(self, event: events.Key) -> None:
        # Our own Esc, digits and +; Esc (or 0 at the confirmation) saves nothing.
        event.prevent_default()
        self._touched()
        if event.key == "escape":
            event.stop()
            if self.stage != "saving":
                self._close(None)
            return
        if event.key == "plus" and self.stage == "confirm":
            event.stop()
            self._submit()
            return
        if event.character is None or not event.character.isdigit():
            return
        for button in self.query(MenuButton):
            if button.key == event.character:
                event.stop()
                button.press()
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._touched()
        if isinstance(event.button, MenuButton):
            self.choose(event.button.choice)

    def choose(self, choice: str) -> None:
        """A choice: ``score-N``, ``reason-NAME``, ``skip``, then ``submit`` (+) or ``cancel`` (0)."""
        if self.stage == "score" and choice.startswith("score-"):
            self.score = int(choice.removeprefix("score-"))
            self._stage("reason" if self.score <= REASON_BELOW else "confirm")
        elif self.stage == "reason" and choice.startswith("reason-"):
            self.reason = choice.removeprefix("reason-")
            self._stage("confirm")
        elif self.stage == "reason" and choice == "skip":
            self._stage("confirm")
        elif self.stage == "confirm" and choice == "submit":
            self._submit()
        elif self.stage == "confirm" and choice == "cancel":
            self._close(None)

    def _submit(self) -> None:
        # Stored in Chinese whatever the screen language, so reports group one way.
        self._save(translate(f"rating.reason.{self.reason}", "zh_CN") if self.reason else "")

    def _stage(self, stage: str) -> None:
        self.stage = stage
        self.refresh(recompose=True)

    # -- outcome ------------------------------------------------------------------------

    def _expired(self) -> None:
        if self.stage != "saving":
            self._close(None)  # nothing is saved that was not confirmed with +

    def _save(self, reason: str) -> None:
        score = self.score
        if score is None or self.stage == "saving":
            return
        self.stage = "saving"
        if self._timer is not None:
            self._timer.stop()
        self.refresh(recompose=True)
        ctx, code = self.host.ctx, self.code
        self.run_service(lambda: queue_service.rate(ctx, code, score, reason),
                         lambda info: self._close(RatingResult(info, self.t("rating.thanks", score=info.score))),
                         lambda message: self._close(RatingResult(None, message)), writes=True)

    def _close(self, result: RatingResult | None) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self.is_attached and self.app.screen is self:
            self.dismiss(result)
