"""An on-screen keypad for touch: digits, X, delete and confirm.

Its buttons never take focus, so the text field keeps receiving a card
reader's keystrokes; each press is posted as :class:`Keypad.Pressed`.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message

from screens.widgets.plain import Button

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "delete", "confirm")


class KeypadButton(Button, can_focus=False):
    """A keypad key; never focused."""


class Keypad(Grid):
    """A 4-column keypad (three digit columns and an action column)."""

    @dataclass
    class Pressed(Message):
        """A keypad key: a character, "delete" or "confirm"."""

        key: str

    def __init__(self, delete_label: str, confirm_label: str) -> None:
        super().__init__(id="keypad")
        self._labels = {"delete": delete_label, "confirm": confirm_label}

    def compose(self) -> ComposeResult:
        for key in KEYS:
            yield KeypadButton(self._labels.get(key, key), id=f"key-{key}", classes=f"key key-{key}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("key-")
        self.post_message(self.Pressed(key))
