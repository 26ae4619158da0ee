"""A modal asking why an application is returned or rejected; the reason is
required (the resident reads it under 办理进度) and must say something: after
the one normaliser (:func:`kiosk.rules.text.normalise_text`) it needs at least
:data:`MIN_REASON_CHARS` characters and at least one letter or CJK character
(digits-only such as "0" and punctuation-only such as "。。" are refused with a
message saying what to write). 0 typed here is text; Esc or 取消 cancels."""

from __future__ import annotations

import unicodedata
from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from kiosk.rules.text import InvalidText, normalise_text
from screens.base import KioskModal
from screens.counter.base import CSS_FILE
from screens.widgets.plain import Button, Static

_R = TypeVar("_R")

#: The shortest reason a resident can understand ("缺件" is two characters).
MIN_REASON_CHARS = 2


def reason_problem(reason: str) -> str:
    """Why ``reason`` (already normalised) says nothing: a catalog key, or "" when it is usable.

    Refused: empty (``counter.reason.required``), shorter than
    :data:`MIN_REASON_CHARS` (``counter17.reason.too_short``), only digits
    (``counter17.reason.digits``), only punctuation, symbols and spaces
    (``counter17.reason.punctuation``). A letter of any script (category L*)
    makes it meaningful.
    """
    if not reason:
        return "counter.reason.required"
    if reason.replace(" ", "").isdigit():
        return "counter17.reason.digits"
    if not any(unicodedata.category(ch).startswith("L") for ch in reason):
        return "counter17.reason.punctuation"
    if len(reason) < MIN_REASON_CHARS:
        return "counter17.reason.too_short"
    return ""


class OneInputModal(KioskModal[_R | None]):
    """A modal with one input and 确定/取消 buttons: Enter or 确定 calls
    :meth:`_ok` (which dismisses with the value or shows a message); 取消 and
    Esc dismiss with None. Subclasses name their ``#INPUT_ID`` and ``#OK_ID``."""

    CSS_PATH = CSS_FILE
    INPUT_ID = ""
    OK_ID = ""

    def on_mount(self) -> None:
        self.query_one(f"#{self.INPUT_ID}", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._ok()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.OK_ID:
            self._ok()
        else:
            self.dismiss(None)

    def _ok(self) -> None:
        raise NotImplementedError


class ReasonModal(OneInputModal[str]):
    """Returns the reason typed, or None when cancelled."""

    INPUT_ID = "reason-input"
    OK_ID = "reason-ok"

    def __init__(self, action_name: str) -> None:
        super().__init__()
        self.action_name = action_name

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box", classes="modal-box"):
            yield Static(self.t("counter.reason.title", action=self.action_name), classes="modal-title")
            yield Static(self.t("counter.reason.hint"), classes="hint")
            yield Input(id="reason-input", max_length=200, placeholder=self.t("counter.reason.placeholder"))
            yield Static("", id="reason-message")
            with Horizontal(classes="button-row"):
                yield Button(self.t("counter.confirm"), id="reason-ok", variant="error")
                yield Button(self.t("counter.cancel"), id="reason-cancel")

    def _ok(self) -> None:
        try:  # the one normaliser: trimmed, invisible and control characters refused
            reason = normalise_text(self.query_one("#reason-input", Input).value)
            key = reason_problem(reason)
            problem = self.t(key, min=MIN_REASON_CHARS) if key else ""
        except InvalidText as exc:
            reason, problem = "", exc.describe(self.t)
        if problem:
            message = self.query_one("#reason-message", Static)
            message.update(problem)
            message.set_classes("-error")
            return
        self.dismiss(reason)
