"""The attract screen: hall name, date and clock, a rotating policy tip and
the large first choices. A card reader may type at any moment: fast
keystrokes then Enter go straight into the identify flow — except a scanned
queue ticket (T20261129A007), which opens the ticket's own screen: rate the
finished service, or see how many are ahead (screens.resident.rate)."""

from __future__ import annotations

import time
import unicodedata

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.timer import Timer

from kiosk.guide import load_guide
from kiosk.rules.codes import TICKET_CODE
from kiosk.rules.identity import InvalidIdNumber, normalise_id_input
from screens.base import KioskScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

#: A lone digit with nothing after it for this long is a menu choice, not a card.
MENU_KEY_WAIT = 0.35
#: Typed characters with no Enter for this long open the identify screen to finish typing.
TYPING_WAIT = 1.5
CARD_CHARS = set("0123456789XxABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijklmnopqrstuvwyz")
#: Typed between the groups of a number once typing has started (kiosk.rules.text removes them).
GROUP_SEPARATORS = set(" -")


class AttractScreen(KioskScreen):
    """What the terminal shows while nobody is using it."""

    NUMBER_KEYS_TYPE = True  # digits are buffered: a card number or a menu key

    def __init__(self) -> None:
        super().__init__()
        self._buffer = ""
        self._last_key = 0.0
        self._tip_index = 0
        self._pending: Timer | None = None
        self._purpose: str | None = None  # "apply": open the apply menu once identified

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="attract"):
            yield Static(self.host.settings.hall.name, id="hall-name")
            yield Static(self._clock_text(), id="clock")
            yield Static(t("resident.attract.prompt"), id="prompt")
            with Grid(id="attract-menu", classes="menu-grid"):
                yield MenuButton("1", t("resident.attract.query"), "query")
                yield MenuButton("2", t("resident.attract.apply"), "apply")
                yield MenuButton("3", t("resident.attract.ticket"), "ticket")
                yield MenuButton("4", t("resident.attract.guide"), "guide")
                yield MenuButton("5", t("resident.attract.large_off" if self.host.large_text
                                        else "resident.attract.large"), "large")
                yield MenuButton("6", t("resident.attract.language"), "language")
                yield MenuButton("7", t("resident.attract.contrast"), "contrast")
            yield Static(self._tip_text(), id="tip")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.set_interval(8.0, self._next_tip)

    def _clock_text(self) -> str:
        now = self.host.ctx.clock.now_local()
        weekday = self.t(f"resident.weekday.{now.weekday()}")
        return self.t("resident.attract.clock", date=f"{now:%Y-%m-%d}", weekday=weekday, time=f"{now:%H:%M}")

    def _tip_text(self) -> str:
        tips = load_guide().tips
        if not tips:
            return ""
        tip = tips[self._tip_index % len(tips)]
        return self.t("resident.attract.tip", text=tip.get(self.host.translator.language))

    def _tick(self) -> None:
        # A timer can fire while the screen recomposes (language switch): the
        # widgets may be gone for a moment, so update whatever is there.
        for clock in self.query("#clock").results(Static):
            clock.update(self._clock_text())

    def _next_tip(self) -> None:
        self._tip_index += 1
        for tip in self.query("#tip").results(Static):
            tip.update(self._tip_text())

    # -- card reader and menu keys --------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        event.prevent_default()  # the base handler runs only through super() below
        if event.key == "enter" and self._buffer:
            event.stop()
            self._open_identify(submit=True)
            return
        # A reader or input method in full-width mode sends ３ or Ｘ: NFKC makes it a card character.
        character = unicodedata.normalize("NFKC", event.character or "")
        if character in CARD_CHARS or (self._buffer and character in GROUP_SEPARATORS):
            event.stop()
            self._buffer += character
            self._last_key = time.monotonic()
            if self._pending is not None:
                self._pending.stop()
            wait = MENU_KEY_WAIT if len(self._buffer) == 1 else TYPING_WAIT
            self._pending = self.set_timer(wait, self._settle)
            return
        super().on_key(event)

    def _settle(self) -> None:
        """No more keys came: a lone digit is a menu choice, more is typing."""
        self._pending = None
        if len(self._buffer) == 1 and self._buffer.isdigit():
            key, self._buffer = self._buffer, ""
            for button in self.query(MenuButton):
                if button.key == key:
                    button.press()
                    return
            return
        if self._buffer:
            self._open_identify(submit=False)

    def wipe_traces(self) -> None:
        """At idle: forget half-typed card numbers and the remembered choice (KioskApp.end_session)."""
        if self._pending is not None:
            self._pending.stop()
            self._pending = None
        self._buffer = ""
        self._purpose = None

    def take_purpose(self) -> str | None:
        """What the resident chose before identifying ("apply"), once; the home screen asks."""
        purpose, self._purpose = self._purpose, None
        return purpose

    def _open_identify(self, *, submit: bool) -> None:
        from screens.resident.identify import IdentifyScreen

        self._purpose = None  # a card swiped straight away is a query

        if self._pending is not None:
            self._pending.stop()
            self._pending = None
        text, self._buffer = self._buffer, ""
        try:
            code = normalise_id_input(text)
        except InvalidIdNumber:
            code = ""
        if submit and TICKET_CODE.match(code):
            from screens.resident.rate import TicketRatingScreen

            self.app.push_screen(TicketRatingScreen(code))
            return
        self.app.push_screen(IdentifyScreen(purpose="query", initial=text, submit=submit))

    # -- choices ------------------------------------------------------------------------

    def choose(self, choice: str) -> None:
        from screens.resident.guide import GuideScreen
        from screens.resident.identify import IdentifyScreen
        from screens.resident.ticket import TicketScreen

        self._purpose = "apply" if choice == "apply" else None
        if choice in ("query", "apply"):
            self.app.push_screen(IdentifyScreen(purpose=choice))
        elif choice == "ticket":
            self.app.push_screen(TicketScreen())
        elif choice == "guide":
            self.app.push_screen(GuideScreen())
        elif choice == "large":
            self.host.set_large_text(not self.host.large_text)
            self.refresh(recompose=True)
        elif choice == "language":
            self.host.toggle_language()
        elif choice == "contrast":
            self.host.toggle_contrast()
