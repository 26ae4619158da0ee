"""Register a new resident and issue a social security card.

The ID number is checked as it is typed (length, region, birth date, check
digit) and the reason is shown under the field; the service checks it again
and refuses a number already registered. 户籍地 (a 6-digit region code) is
filled from the ID number's region code for the person to confirm or change;
for a woman the retirement category (女干部 / 女工人) must be chosen. 户口性质
(农业/非农业, abolished in 2014) is no longer asked. On success the new resident
is the one being served and their detail screen replaces this form.

Keyboard: Tab / Shift+Tab and Enter move between the fields (nothing typed
is lost); on the category list Enter opens the list only while nothing is
chosen (after a choice it moves on), ↑↓ and Enter choose; Escape on an open
list closes the list only, and Escape (or 0 outside a field) on a form with
anything typed asks before discarding it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Input, Select

from kiosk.i18n import translate_message
from kiosk.rules.identity import InvalidIdNumber, normalise_id_input, parse_id_number
from kiosk.rules.text import InvalidText, check_name, normalise_name
from kiosk.services import registration
from kiosk.services.registration import ResidentInfo
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.counter.keys import ConfirmActionModal
from screens.widgets.plain import Button, Static

FIELDS = ("id-number", "name", "phone", "address", "village", "hukou-region")
CATEGORIES = ("female_worker", "female_cadre")


class FormSelect(Select[str]):
    """A list in a form: Enter opens it only while nothing is chosen; after a
    choice Enter moves to the next field instead of toggling the list open."""

    BINDINGS = [Binding("enter", "enter_key", show=False), Binding("down,space,up", "show_overlay", show=False)]

    def action_enter_key(self) -> None:
        if self.is_blank():
            self.action_show_overlay()
        else:
            self.screen.focus_next()


class RegisterResidentScreen(CounterScreen):
    """新参保登记: the form, then the card number issued."""

    TITLE_KEY = "counter.register.title"

    def __init__(self) -> None:
        super().__init__()
        self._busy = False
        self._auto_region = ""  # the region code last filled in from the ID number
        self._sex = ""

    def body(self) -> ComposeResult:
        with VerticalScroll(id="register-body"), Grid(id="register-form", classes="form-grid"):
            yield Static(self.t("counter.register.id_number"), classes="field-label")
            # No character filter: full-width digits and groups with spaces are
            # accepted as typed and normalised (kiosk.rules.text), as everywhere.
            yield Input(id="id-number", max_length=40,
                        placeholder=self.t("counter.register.id_hint"))
            yield Static("", id="id-check", classes="field-check")
            yield Static(self.t("counter.register.name"), classes="field-label")
            yield Input(id="name", max_length=60)
            yield Static(self.t("counter.register.phone"), classes="field-label")
            yield Input(id="phone", max_length=30)
            yield Static(self.t("counter.register.address"), classes="field-label")
            yield Input(id="address", max_length=100)
            yield Static(self.t("counter.register.village"), classes="field-label")
            yield Input(id="village", max_length=40)
            yield Static(self.t("counter.register.hukou_region"), classes="field-label")
            yield Input(id="hukou-region", max_length=12, restrict=r"[\d０-９\s]*",
                        placeholder=self.t("counter.register.hukou_region_hint"))
            yield Static(self.t("counter.register.retirement_category"), classes="field-label",
                         id="category-label")
            yield FormSelect([(self.t(f"counter.register.category.{c}"), c) for c in CATEGORIES],
                             prompt=self.t("counter.register.category_prompt"), id="retirement-category")
        with Horizontal(classes="action-row"):
            yield Button(self.t("counter.register.submit"), id="register-submit", variant="primary")
            yield Button(self.t("counter.back"), id="register-back")

    def on_mount(self) -> None:
        self._show_category(False)
        self.query_one("#id-number", Input).focus()

    def _show_category(self, shown: bool) -> None:
        """The retirement category is asked of women only."""
        self.query_one("#category-label", Static).display = shown
        self.query_one("#retirement-category", Select).display = shown

    def id_check(self, text: str) -> tuple[bool, str]:
        """(valid, what to show) for the ID number typed so far."""
        try:
            text = normalise_id_input(text)
        except InvalidIdNumber as exc:
            return False, self.t("counter.register.id_invalid", reason=translate_message(self.t, exc.key, exc.params))
        if not text:
            return False, ""
        if len(text) < 18 and len(text) != 15:
            return False, self.t("counter.register.id_typing", count=len(text))
        try:
            parsed = parse_id_number(text, today=self.host.ctx.today())
        except InvalidIdNumber as exc:
            return False, self.t("counter.register.id_invalid", reason=translate_message(self.t, exc.key, exc.params))
        sex = self.t(f"counter.sex.{parsed.sex}")
        return True, self.t("counter.register.id_ok", birth=f"{parsed.birth_date:%Y-%m-%d}", sex=sex)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "id-number":
            return
        valid, text = self.id_check(event.value)
        check = self.query_one("#id-check", Static)
        check.update(text)
        check.set_classes("field-check " + ("-ok" if valid else "-error" if text else ""))
        if valid:
            parsed = parse_id_number(normalise_id_input(event.value), today=self.host.ctx.today())
            region = self.query_one("#hukou-region", Input)
            # 户籍地 defaults to the ID's region code; a code the clerk typed is kept.
            if not region.value.strip() or region.value.strip() == self._auto_region:
                region.value = self._auto_region = parsed.region_code
            self._sex = parsed.sex
            self._show_category(parsed.sex == "female")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = event.input.id or ""
        if field in FIELDS and FIELDS.index(field) + 1 < len(FIELDS):
            self.query_one(f"#{FIELDS[FIELDS.index(field) + 1]}", Input).focus()
        elif self._sex == "female":
            self.query_one("#retirement-category", Select).focus()
        elif self._checked() is not None:
            # Enter on the last field says at once what is wrong (attack E3: the focus moved to
            # 登记 without a word); with nothing wrong, that 登记 is next. Registering always
            # takes a second key, as every counter action does.
            self.query_one("#register-submit", Button).focus()
            self.say(self.t("fixe_audit.register.ready"))

    def on_select_changed(self, event: Select.Changed) -> None:
        # Keyboard path: after choosing the retirement category the next Enter registers.
        if self.focused is event.select and not event.select.is_blank():
            self.query_one("#register-submit", Button).focus()

    def started(self) -> bool:
        """Anything typed or chosen that going back would throw away."""
        values = [self.query_one(f"#{f}", Input).value.strip() for f in FIELDS]
        if values[FIELDS.index("hukou-region")] == self._auto_region:
            values[FIELDS.index("hukou-region")] = ""  # filled in by the form itself
        return any(values) or not self.query_one("#retirement-category", Select).is_blank()

    def go_back(self) -> None:
        """Escape: an open list closes first; a started form asks before it is discarded."""
        select = self.query_one("#retirement-category", Select)
        if select.expanded:
            select.expanded = False
            select.focus()
            return
        if not self.started():
            super().go_back()
            return
        self.app.push_screen(ConfirmActionModal(self.t("counterdesk.register.discard_title"),
                                                [self.t("counterdesk.register.discard_what")]),
                             lambda ok: super(RegisterResidentScreen, self).go_back() if ok else None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "register-submit":
            self.submit()
        elif event.button.id == "register-back":
            self.go_back()

    def _checked(self) -> dict[str, str] | None:
        """The form's values when the screen's own checks pass (the ID number, a name by the
        name rule, 户籍地, a woman's category: ``"category"``); else None, the problem said and
        its field focused. The service checks everything again."""
        values = {f: self.query_one(f"#{f}", Input).value for f in FIELDS}
        valid, reason = self.id_check(values["id-number"])
        if not valid:
            self.say(reason or self.t("counter.register.id_missing"), "error")
            self.query_one("#id-number", Input).focus()
            return None
        if not values["name"].strip():
            self.say(self.t("counter.register.name_missing"), "error")
            self.query_one("#name", Input).focus()
            return None
        try:  # the name rule (as at 信息变更): said at once, what was typed kept; the service checks again
            check_name(normalise_name(values["name"]))
        except InvalidText as exc:
            if exc.reason == "name_symbol":  # (an invisible character: the service names the field)
                self.say(exc.describe(self.t), "error")
                self.query_one("#name", Input).focus()
                return None
        if not values["hukou-region"].strip():
            self.say(self.t("counter.register.region_missing"), "error")
            self.query_one("#hukou-region", Input).focus()
            return None
        values["category"] = ""
        if self._sex == "female":
            select = self.query_one("#retirement-category", Select)
            if select.is_blank():  # Textual 8: Select.BLANK is no longer the "nothing chosen" value
                self.say(self.t("counter.register.category_missing"), "error")
                select.focus()
                return None
            values["category"] = str(select.value)
        return values

    def submit(self) -> None:
        """Send the form to the registration service."""
        if self._busy:
            return
        values = self._checked()
        if values is None:
            return
        region, category = values["hukou-region"].strip(), values["category"]
        ctx = self.host.ctx
        self._busy = True
        self.say(self.t("counter.working"))
        self.run_service(
            lambda: registration.register_resident(ctx, values["id-number"], values["name"], phone=values["phone"],
                                                   address=values["address"], village=values["village"],
                                                   hukou_region=region, retirement_category=category),
            self._registered, self._failed)

    def _failed(self, message: str) -> None:
        self._busy = False
        self.say(message, "error")

    def _registered(self, resident: ResidentInfo) -> None:
        from screens.counter.resident_detail import ResidentDetailScreen

        self._busy = False
        session = counter_session.current(self.host)
        if session is not None:
            session.resident = resident
        card = resident.card.card_number if resident.card else "-"
        notice = self.t("counter.register.done", name=resident.masked_name, card=card)
        self.app.switch_screen(ResidentDetailScreen(resident, notice))
