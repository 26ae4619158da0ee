"""Menu choices: every choice shows its key and is a large touch target
(DESIGN.md §4). A screen presses the button whose key was typed.

Keys are number keys (1–9, 0) on the screens after identification. On the
screens where a card number is typed (attract, identify, the service
password's fall-back menu, 取号), digits always go to the number, so their
choices carry function keys (F1–F7) instead: a card read or a villager's
slow typing never presses a button there. Arrow keys move between the
choices and Enter presses the focused one on every screen.
"""

from __future__ import annotations

from textual.widget import Widget

from screens.widgets.plain import Button

#: Keys that walk the menu choices when one has the focus.
ARROW_KEYS = frozenset({"up", "down", "left", "right"})
#: Keys that scroll a list or page (screens.base.KioskScreen.scroll_target).
SCROLL_KEYS = frozenset({"up", "down", "pageup", "pagedown", "home", "end"})


def is_function_key(key: str) -> bool:
    """True for f1 … f12 (Textual's key names)."""
    return key.startswith("f") and key[1:].isdigit()


def function_key(index: int) -> str:
    """The function-key label for the ``index``-th choice (1 → "F1")."""
    return f"F{index}"


def scroll_by_key(target: Widget, key: str) -> None:
    """Scroll ``target`` as ``key`` (one of :data:`SCROLL_KEYS`) asks."""
    if key == "up":
        target.scroll_up(animate=False)
    elif key == "down":
        target.scroll_down(animate=False)
    elif key == "pageup":
        target.scroll_page_up(animate=False)
    elif key == "pagedown":
        target.scroll_page_down(animate=False)
    elif key == "home":
        target.scroll_home(animate=False)
    elif key == "end":
        target.scroll_end(animate=False)


class MenuButton(Button):
    """A choice with a visible key ("1" … "0", or "F1" … "F12"); ``choice`` names what it does."""

    def __init__(self, key: str, label: str, choice: str, *, classes: str = "") -> None:
        super().__init__(f"{key}  {label}", id=f"choice-{choice}", classes=f"menu-button {classes}".strip())
        self.key = key
        self.choice = choice
