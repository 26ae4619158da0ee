"""Numbered menu choices: every choice shows its number key and is a large
touch target (DESIGN.md §4). A screen presses the button whose key was typed."""

from __future__ import annotations

from screens.widgets.plain import Button


class MenuButton(Button):
    """A choice with a visible number key; ``choice`` names what it does."""

    def __init__(self, key: str, label: str, choice: str, *, classes: str = "") -> None:
        super().__init__(f"{key}  {label}", id=f"choice-{choice}", classes=f"menu-button {classes}".strip())
        self.key = key
        self.choice = choice
