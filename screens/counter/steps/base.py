"""The shared step-form modal: a few declared fields (numbered choices and
typed values), checked when the clerk confirms, returned as the ``data``
dict an application step reads (:mod:`kiosk.services.application_effects`).

Keyboard use, the same in every form:

- Tab/Shift+Tab, ↓/↑ and Enter move between fields; digits typed in a text
  field are text (never a choice);
- on a choice row its own number keys choose (the focus then moves on),
  ←/→ walk its options and Enter chooses the one with the focus; a digit that
  is not one of the row's keys is not swallowed: once the row has an answer it
  goes on into the next text field (typing an amount after a 是/否 loses
  nothing), otherwise the form says to choose first;
- Enter on the last text field confirms (after the last choice the focus is
  on 确认, which Enter presses);
- 0 (outside a text field), Esc and 取消 go back (the modal returns None), as
  0 does everywhere at the counter (:mod:`screens.counter.keys`) — but once
  something was typed or chosen they first ask (+ discards, 0 keeps filling
  in); what the form leads to (submitting, advancing) still asks for the
  confirmation's second key, which shows :attr:`StepForm.summary` (the facts
  entered).

Typed values are checked here so the clerk hears at once what is wrong:
amounts in yuan (``parse_yuan``) become fen, dates are ``YYYY-MM-DD``,
months ``YYYY-MM``; the service still checks everything again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input

from kiosk.i18n import translate_message
from kiosk.rules.money import Fen, InvalidAmount, format_yuan, parse_yuan
from kiosk.rules.text import InvalidText, normalise_text
from kiosk.services import ServiceContext
from screens.base import KioskModal
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static

CSS_FILE = Path(__file__).with_name("steps.tcss")

FieldKind = Literal["yuan", "int", "decimal", "date", "month", "text"]
Condition = tuple[str, tuple[str, ...]]
"""(choice field name, values): the field is shown only while that choice has one of the values."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
#: Characters each kind of field lets through; \d and the full-width forms
#: let an input method left in full-width mode type (parse() folds them with NFKC).
_RESTRICT: dict[str, str] = {
    "yuan": r"[\d.,，．¥￥元\s]*",
    "int": r"[\d\s]*",
    "decimal": r"[\d.．\s]*",
    "date": r"[\d\-－\s]*",
    "month": r"[\d\-－\s]*",
}


@dataclass(frozen=True)
class Option:
    """One numbered answer of a choice field."""

    value: str
    label: str


@dataclass(frozen=True)
class ChoiceField:
    """Pick one of a few options by number key (or click)."""

    name: str
    label: str
    options: tuple[Option, ...]
    default: str = ""  # "" means the clerk must choose
    when: Condition | None = None


@dataclass(frozen=True)
class TextField:
    """A typed value; ``minimum``/``maximum`` are fen for yuan fields, else plain numbers."""

    name: str
    label: str
    kind: FieldKind
    required: bool = True
    hint: str = ""
    default: str = ""
    minimum: int | None = None
    maximum: int | None = None
    when: Condition | None = None


Field = ChoiceField | TextField


class FormError(Exception):
    """What is wrong with the form, said to the clerk; ``field`` gets the focus."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def yes_no(label: str, name: str, t: Any, default: str = "no", when: Condition | None = None) -> ChoiceField:
    """A 是/否 choice; :func:`as_bool` turns its value back into a bool."""
    return ChoiceField(name, label, (Option("yes", t("counter.steps.yes")), Option("no", t("counter.steps.no"))),
                       default, when)


def as_bool(value: Any) -> bool:
    return value == "yes"


def yuan_text(fen: Any) -> str:
    """A stored fen amount as the clerk would type it (no grouping: "1234.50")."""
    try:
        return format_yuan(int(fen), grouping=False)
    except (TypeError, ValueError):
        return ""


class StepForm(KioskModal[dict[str, Any] | None]):
    """Base for one kind of step input.

    Subclasses set ``TITLE_KEY``; may load what they need (policy bounds …)
    in :meth:`prepare`, which runs in a service thread; declare their fields
    in :meth:`fields`; turn checked values into the data dict in
    :meth:`build` (raise :class:`FormError` for checks across fields); and
    may say something live (change due …) in :meth:`live`.
    ``existing`` is the application's data so far: forms start from it.
    """

    CSS_PATH = CSS_FILE
    TITLE_KEY = ""
    #: The field that has the focus when the form opens (default: the first shown); a money
    #: field named here takes the digits typed at once.
    FIRST_FOCUS = ""

    def __init__(self, existing: Mapping[str, Any] | None = None, *, subject: str = "") -> None:
        super().__init__()
        self.existing: dict[str, Any] = dict(existing or {})
        self.subject = subject
        self.prepared: Any = None
        self.field_list: list[Field] = []
        self.choices: dict[str, str] = {}
        self.ready = False
        self._start: dict[str, str] = {}  # every field as the form opened (to tell a started form)
        self._pending: dict[str, str] = {}  # a digit typed on a choice row, for the text field after it
        self.summary: list[str] = []
        """The facts entered, one "label：answer" line per field shown (set when the form is confirmed)."""

    # -- what subclasses provide -------------------------------------------------------

    def prepare(self, ctx: ServiceContext) -> Any:
        """Load what the form needs (runs in a worker thread); the result is ``self.prepared``."""
        return None

    def intro(self) -> str:
        """Text above the fields (policy bounds, what the service will compute)."""
        return ""

    def fields(self) -> list[Field]:
        """The form's fields in order."""
        return []

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        """The data dict from the checked values of the fields shown (default: as they are)."""
        return dict(values)

    def live(self, raw: dict[str, str]) -> str:
        """A line recomputed as the clerk types or chooses (raw text of the fields)."""
        return ""

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="step-form", classes="step-box"):
            yield Static(self.t(self.TITLE_KEY) + (f"  {self.subject}" if self.subject else ""),
                         classes="step-title")
            # What is wrong comes right under the title: a long policy paragraph or many fields
            # (English at 80x24) push what follows them off the dialog, never this line.
            message = Static("", id="step-message")
            message.display = False
            yield message
            yield Static("", id="step-intro")
            yield VerticalScroll(id="step-fields")
            yield Static("", id="step-live")
            with Horizontal(classes="step-buttons"):
                yield MenuButton("Enter", self.t("counter.steps.confirm"), "confirm", classes="primary-choice")
                yield Button(self.t("counter.steps.cancel"), id="step-cancel")

    def on_mount(self) -> None:
        ctx = self.host.ctx
        self.run_service(lambda: self.prepare(ctx), self._prepared, self._failed)

    def _failed(self, message: str) -> None:
        self.say(message)

    def _prepared(self, prepared: Any) -> None:
        self.prepared = prepared
        self.call_next(self._build)

    async def _build(self) -> None:
        self.query_one("#step-intro", Static).update(self.intro())
        self.field_list = self.fields()
        container = self.query_one("#step-fields", VerticalScroll)
        key = 1
        for field in self.field_list:
            if isinstance(field, ChoiceField):
                stored = self.existing.get(field.name, field.default)
                chosen = ("yes" if stored else "no") if isinstance(stored, bool) else str(stored)
                self.choices[field.name] = chosen if any(o.value == chosen for o in field.options) else field.default
                row = Horizontal(classes="step-row step-choice", id=f"row-{field.name}")
                await container.mount(row)
                await row.mount(Static(field.label, classes="step-label"))
                for option in field.options:
                    # Nine number keys at most; 0 is back. Further options are clicked or reached with Tab.
                    label = str(key) if key <= 9 else "·"
                    await row.mount(MenuButton(label, option.label, f"opt-{field.name}-{option.value}",
                                               classes="step-option"))
                    key += 1
            else:
                row = Horizontal(classes="step-row step-text", id=f"row-{field.name}")
                await container.mount(row)
                start = self._start_text(field)
                await row.mount(Static(field.label, classes="step-label"),
                                Input(start, id=f"field-{field.name}", placeholder=field.hint,
                                      restrict=_RESTRICT.get(field.kind), max_length=40, classes="step-input"))
        self._refresh()
        self._start = self._snapshot()
        self.ready = True
        first = [f for f in self._visible() if f.name == self.FIRST_FOCUS] or self._visible()
        if first:
            self._focus_field(first[0].name)

    def _start_text(self, field: TextField) -> str:
        value = self.existing.get(field.name)
        if value is None:
            return field.default
        return yuan_text(value) if field.kind == "yuan" else str(value)

    # -- state ----------------------------------------------------------------------------

    def _shown(self, field: Field) -> bool:
        if field.when is None:
            return True
        name, values = field.when
        return self.choices.get(name, "") in values

    def _visible(self) -> list[Field]:
        return [f for f in self.field_list if self._shown(f)]

    def _snapshot(self) -> dict[str, str]:
        """Every field's text or choice, shown or not."""
        return {f.name: self.choices.get(f.name, "") if isinstance(f, ChoiceField)
                else self.query_one(f"#field-{f.name}", Input).value for f in self.field_list}

    def started(self) -> bool:
        """Anything typed or chosen since the form opened (going back would lose it)."""
        return self.ready and self._snapshot() != self._start

    def raw(self) -> dict[str, str]:
        """The current text or choice of every field shown."""
        result: dict[str, str] = {}
        for field in self._visible():
            if isinstance(field, ChoiceField):
                result[field.name] = self.choices.get(field.name, "")
            else:
                result[field.name] = self.query_one(f"#field-{field.name}", Input).value
        return result

    def _refresh(self) -> None:
        for field in self.field_list:
            self.query_one(f"#row-{field.name}").display = self._shown(field)
            if isinstance(field, ChoiceField):
                for button in self.query_one(f"#row-{field.name}").query(MenuButton):
                    button.set_class(button.choice == f"opt-{field.name}-{self.choices.get(field.name)}",
                                     "-selected")
        self.query_one("#step-live", Static).update(self.live(self.raw()))

    def say(self, text: str) -> None:
        message = self.query_one("#step-message", Static)
        message.update(text)
        message.set_classes("-error" if text else "")
        message.display = bool(text)

    def _focus_field(self, name: str) -> None:
        field = next(f for f in self.field_list if f.name == name)
        if isinstance(field, ChoiceField):
            buttons = list(self.query_one(f"#row-{name}").query(MenuButton))
            selected = [b for b in buttons if b.has_class("-selected")]
            (selected or buttons)[0].focus()
        else:
            self.query_one(f"#field-{name}", Input).focus()

    def _focus_before(self, name: str) -> None:
        names = [f.name for f in self._visible()]
        index = names.index(name) if name in names else len(names)
        if index > 0:
            self._focus_field(names[index - 1])

    def _focus_after(self, name: str) -> None:
        visible = self._visible()
        names = [f.name for f in visible]
        index = names.index(name) if name in names else -1
        if index + 1 < len(visible):
            self._focus_field(names[index + 1])
        else:
            self.query_one("#choice-confirm", MenuButton).focus()

    # -- input ----------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        focused = self.focused
        if event.key == "escape" or (event.character == "0" and not isinstance(focused, Input)):
            self._stop(event)
            self.ask_discard()  # 0 is back, never confirm; a started form asks first
            return
        row = self._row_of(focused)
        if event.key in ("up", "down") and (row is not None or isinstance(focused, Input)):
            self._stop(event)
            name = (row.id or "").removeprefix("row-") if row is not None else \
                (focused.id or "").removeprefix("field-") if isinstance(focused, Input) else ""
            self._focus_before(name) if event.key == "up" else self._focus_after(name)
            return
        if isinstance(focused, Input) or event.character is None or not event.character.isdigit():
            if row is not None and event.key in ("left", "right"):
                self._stop(event)
                options = list(row.query(MenuButton))
                index = options.index(focused) + (1 if event.key == "right" else -1)  # type: ignore[arg-type]
                options[max(0, min(len(options) - 1, index))].focus()
            return
        if row is not None:
            self._stop(event)
            self._digit_on_row(row, event.character)
            return
        for button in self.query(MenuButton):
            if button.key == event.character and not button.disabled and self._button_shown(button):
                self._stop(event)
                button.press()
                return

    @staticmethod
    def _stop(event: events.Key) -> None:
        event.stop()
        event.prevent_default()  # KioskModal's Esc would dismiss without asking

    def _row_of(self, widget: Any) -> Horizontal | None:
        """The choice row holding ``widget`` (an option button), if it is one."""
        if not isinstance(widget, MenuButton) or not widget.choice.startswith("opt-"):
            return None
        parent = widget.parent
        return parent if isinstance(parent, Horizontal) and parent.has_class("step-choice") else None

    def _digit_on_row(self, row: Horizontal, digit: str) -> None:
        """A digit on a choice row: its own option key chooses; any other digit is not lost."""
        for button in row.query(MenuButton):
            if button.key == digit and not button.disabled:
                button.press()
                return
        name = (row.id or "").removeprefix("row-")
        field = next(f for f in self.field_list if f.name == name)
        if not self.choices.get(name):
            options = "/".join(b.key for b in row.query(MenuButton))
            self.say(self.t("counter17.steps.choose_first", label=field.label, keys=options))
            return
        # Answered already: the digit belongs to what comes next (an amount after 是/否).
        visible = self._visible()
        names = [f.name for f in visible]
        following = visible[names.index(name) + 1:] if name in names else []
        if following and isinstance(following[0], TextField):
            target = self.query_one(f"#field-{following[0].name}", Input)
            # Typed as into a field just entered (its text selected): it replaces the text. The
            # field selects its text on focus, so the digit goes in once that has happened.
            self._pending[target.id or ""] = digit
            self.set_focus(target)
        else:
            self.say(self.t("counter17.steps.not_here", label=field.label))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        text = self._pending.pop(widget.id or "", None) if isinstance(widget, Input) else None
        if isinstance(widget, Input) and text is not None:
            widget.value = text
            widget.cursor_position = len(text)

    def ask_discard(self) -> None:
        """Go back: at once when nothing was typed or chosen, else after the confirmation's + key."""
        if not self.started():
            self.dismiss(None)
            return
        from screens.counter.keys import ConfirmActionModal

        def discard(ok: bool | None) -> None:
            if ok:
                self.dismiss(None)

        self.app.push_screen(ConfirmActionModal(self.t("counter17.steps.discard_title"),
                                                [self.t("counter17.steps.discard_what")]), discard)

    def _button_shown(self, button: MenuButton) -> bool:
        node: Any = button
        while node is not None and node is not self:
            if not node.display:
                return False
            node = node.parent
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        if button.id == "step-cancel":
            self.ask_discard()
        elif isinstance(button, MenuButton) and button.choice == "confirm":
            self.confirm()
        elif isinstance(button, MenuButton) and button.choice.startswith("opt-"):
            name, _, value = button.choice.removeprefix("opt-").rpartition("-")
            self.choices[name] = value
            self.say("")
            self._refresh()
            self._focus_after(name)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.ready:
            self.query_one("#step-live", Static).update(self.live(self.raw()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = (event.input.id or "").removeprefix("field-")
        visible = self._visible()
        if visible and name == visible[-1].name:
            self.confirm()
        else:
            self._focus_after(name)

    # -- checking -------------------------------------------------------------------------

    def confirm(self) -> None:
        """Check every field shown; return the data dict, or say what is wrong."""
        if not self.ready:
            return
        try:
            values: dict[str, Any] = {}
            for field in self._visible():
                if isinstance(field, ChoiceField):
                    chosen = self.choices.get(field.name, "")
                    if not chosen:
                        raise FormError(self.t("counter.steps.choose", label=field.label), field.name)
                    values[field.name] = chosen
                else:
                    value = self.parse(field, self.query_one(f"#field-{field.name}", Input).value)
                    if value is not None:
                        values[field.name] = value
            data = self.build(values)
        except FormError as exc:
            self.say(exc.message)
            if exc.field:
                self._focus_field(exc.field)
            return
        self.summary = self.describe()
        self.dismiss(data)

    def describe(self) -> list[str]:
        """The facts entered as the clerk sees them: "label：answer" for every field shown
        (the option's label for a choice, the text as typed — normalised — for the rest)."""
        lines = []
        for field in self._visible():
            if isinstance(field, ChoiceField):
                chosen = self.choices.get(field.name, "")
                answer = next((o.label for o in field.options if o.value == chosen), chosen)
            else:
                text = self.query_one(f"#field-{field.name}", Input).value
                answer = " ".join(unicodedata.normalize("NFKC", text).split()) if field.kind != "text" else text.strip()
                if answer and field.kind == "yuan":  # one rounding, shown grouped; the label may name the unit
                    unit = self.t("counter.yuan")
                    answer = format_yuan(parse_yuan(answer)) + ("" if unit.strip() in field.label else unit)
            lines.append(f"{field.label}{self.t('maint17.colon')}{answer or '-'}")
        return lines

    def parse(self, field: TextField, text: str) -> Any:
        """One typed value checked and converted (fen for yuan); None when optional and empty."""
        label = field.label
        try:
            # The one normaliser: free text is trimmed and refused for invisible
            # characters; numbers and dates are folded to ASCII (full-width digits).
            text = (normalise_text(text) if field.kind == "text"
                    else "".join(unicodedata.normalize("NFKC", text).split()))
        except InvalidText as exc:
            raise FormError(f"{label}{self.t('maint17.colon')}{exc.describe(self.t)}", field.name) from None
        if not text:
            if field.required:
                raise FormError(self.t("counter.steps.required", label=label), field.name)
            return None
        value: Any
        if field.kind == "yuan":
            try:
                value = parse_yuan(text)
            except InvalidAmount as exc:  # its catalog message, in the form's language
                reason = translate_message(self.t, exc.key, exc.params)
                raise FormError(f"{label}{self.t('maint17.colon')}{reason}", field.name) from None
            self._bounds(field, value, yuan=True)
        elif field.kind == "int":
            if not text.isdigit():
                raise FormError(self.t("counter.steps.bad_int", label=label, text=text), field.name)
            value = int(text)
            self._bounds(field, value, yuan=False)
        elif field.kind == "decimal":
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise FormError(self.t("counter.steps.bad_decimal", label=label, text=text), field.name) from None
            if not number.is_finite() or number <= 0:
                raise FormError(self.t("counter.steps.bad_decimal", label=label, text=text), field.name)
            value = str(number)
        elif field.kind == "date":
            value = self._date(field, text)
        elif field.kind == "month":
            if not _MONTH.fullmatch(text):
                raise FormError(self.t("counter.steps.bad_month", label=label, text=text), field.name)
            try:
                dt.date.fromisoformat(f"{text}-01")
            except ValueError:
                raise FormError(self.t("counter.steps.bad_month", label=label, text=text), field.name) from None
            value = text
        else:
            value = text
        return value

    def _date(self, field: TextField, text: str) -> str:
        if not _DATE.fullmatch(text):
            raise FormError(self.t("counter.steps.bad_date", label=field.label, text=text), field.name)
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise FormError(self.t("counter.steps.no_such_date", label=field.label, text=text), field.name) from None
        if day > self.host.ctx.today():
            raise FormError(self.t("counter.steps.future_date", label=field.label, text=text), field.name)
        return day.isoformat()

    def _bounds(self, field: TextField, value: int, *, yuan: bool) -> None:
        def shown(n: int) -> str:
            return f"{format_yuan(n)}{self.t('counter.yuan')}" if yuan else str(n)

        low, high = field.minimum, field.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                text = self.t("counter.steps.between", label=field.label, low=shown(low), high=shown(high))
            elif low is not None:
                text = self.t("counter.steps.at_least", label=field.label, low=shown(low))
            else:
                text = self.t("counter.steps.at_most", label=field.label, high=shown(high or 0))
            raise FormError(text, field.name)

    def yuan(self, fen: Fen) -> str:
        return f"{format_yuan(fen)}{self.t('counter.yuan')}"
