"""The attract screen: hall name, date and clock, a rotating policy tip,
the number field and the large first choices.

Digits always go to the number: the field has the focus, and a card
character typed while a button has it goes there too (KioskScreen.CARD_FIELD).
A card reader types the number and Enter, which opens the identify flow;
a villager typing slowly sees every digit in the field and presses Enter
(确认) when done, however long the pauses. The choices carry function keys
(F1 查询 … F7 高对比度), arrow keys walk them and Enter presses the focused
one, and they are large touch targets; nothing here depends on timing. A
scanned queue ticket (T20261129A007) opens the ticket's own screen: rate the
finished service, or see how many are ahead (screens.resident.rate)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Input

from kiosk.guide import load_guide
from kiosk.rules.codes import TICKET_CODE
from kiosk.rules.identity import InvalidIdNumber, normalise_id_input
from screens.base import KioskScreen
from screens.widgets.card_reader import CARD_ENTRY
from screens.widgets.cjk_wrap import Prose, paragraph
from screens.widgets.menu import MenuButton, function_key
from screens.widgets.plain import Button, Static

CHOICES = ("query", "apply", "ticket", "guide", "large", "language", "contrast")


class AttractScreen(KioskScreen):
    """What the terminal shows while nobody is using it."""

    NUMBER_KEYS_TYPE = True  # digits are the card number, never a menu key
    CARD_FIELD = "#card-input"

    def __init__(self) -> None:
        super().__init__()
        self._tip_index = 0
        self._purpose: str | None = None  # "apply": open the apply menu once identified

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="attract"):
            yield Static(self.host.settings.hall.name, id="hall-name")
            yield Static(self._clock_text(), id="clock")
            yield Static(t("resident.attract.prompt"), id="prompt")
            with Horizontal(id="attract-entry"):
                yield Input(placeholder=t("resident.attract.placeholder"), max_length=40, id="card-input",
                            select_on_focus=False, classes=CARD_ENTRY)
                yield Button(t("resident.identify.confirm"), id="attract-confirm", classes="nav-button")
            with Grid(id="attract-menu", classes="menu-grid"):
                for index, choice in enumerate(CHOICES, 1):
                    label = t("resident.attract.large_off" if choice == "large" and self.host.large_text
                              else f"resident.attract.{choice}")
                    yield MenuButton(function_key(index), label, choice)
            yield paragraph(self._tip_text(), id="tip")
        if getattr(self.app, "demo_info", None) is not None:  # kiosk demo: its keys, always in view
            from screens.widgets.demo_info import QUIT_KEY, SHOW_KEY, key_label

            yield Static(t("fix17kiosk.demo.band", show=key_label(SHOW_KEY), quit=key_label(QUIT_KEY)),
                         id="demo-band")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.set_interval(8.0, self._next_tip)
        self.query_one("#card-input", Input).focus()

    async def recompose(self) -> None:
        await super().recompose()
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        # Back from another screen: the number field has the focus again.
        for field in self.query("#card-input").results(Input):
            field.focus()

    def _clock_text(self) -> str:
        now = self.host.ctx.clock.now_local()
        weekday = self.t(f"resident.weekday.{now.weekday()}")
        return self.t("resident.attract.clock", date=f"{now:%Y-%m-%d}", weekday=weekday, time=f"{now:%H:%M}")

    def _tip_text(self) -> str:
        tips = load_guide().tips
        if not tips:
            return ""
        tip = tips[self._tip_index % len(tips)]
        name = getattr(self.app, "name_counters", str)
        return self.t("resident.attract.tip", text=name(tip.get(self.host.translator.language)))

    def _tick(self) -> None:
        # A timer can fire while the screen recomposes (language switch): the
        # widgets may be gone for a moment, so update whatever is there.
        for clock in self.query("#clock").results(Static):
            clock.update(self._clock_text())

    def _next_tip(self) -> None:
        self._tip_index += 1
        for tip in self.query("#tip").results(Prose):
            tip.set_text(self._tip_text())

    # -- the number ------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._open_identify(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "attract-confirm":
            event.stop()
            event.prevent_default()
            self._open_identify(self.query_one("#card-input", Input).value)

    def wipe_traces(self) -> None:
        """At idle: forget half-typed card numbers and the remembered choice (KioskApp.end_session)."""
        for field in self.query("#card-input").results(Input):
            field.value = ""
        self._purpose = None

    def has_traces(self) -> bool:
        """Something typed is still in the number field (the idle watchdog clears it)."""
        return any(field.value for field in self.query("#card-input").results(Input))

    def type_number(self, text: str) -> None:
        """``text`` typed at the end of the number field, which takes the focus (KioskApp.type_on_first_screen)."""
        for field in self.query("#card-input").results(Input):
            field.cursor_position = len(field.value)
            field.insert_text_at_cursor(text)
            self.call_after_refresh(field.focus)

    def take_purpose(self) -> str | None:
        """What the resident chose before identifying ("apply"), once; the home screen asks."""
        purpose, self._purpose = self._purpose, None
        return purpose

    def _open_identify(self, text: str) -> None:
        from screens.resident.identify import IdentifyScreen

        self._purpose = None  # a card swiped straight away is a query
        self.query_one("#card-input", Input).value = ""
        if not text.strip():
            self.app.push_screen(IdentifyScreen(purpose="query"))
            return
        try:
            code = normalise_id_input(text)
        except InvalidIdNumber:
            code = ""
        if TICKET_CODE.match(code):
            from screens.resident.rate import TicketRatingScreen

            self.app.push_screen(TicketRatingScreen(code))
            return
        self.app.push_screen(IdentifyScreen(purpose="query", initial=text, submit=True))

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
