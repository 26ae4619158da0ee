"""``kiosk demo``'s first screen: the demo cards, their service passwords and
the staff PINs, where they are written down, and how to leave the demo.

Shown over the attract screen when the demo starts and again with Ctrl+O; Enter,
Esc or the button closes it. Ctrl+G ends the demo (a key that exists only in
the demo: a real kiosk is left through ctrl+t and a supervisor's PIN). The demo
keys are control keys that no screen binds: the function keys F1–F12 are menu
choices (取号 categories, the attract menu), so they could not be the demo's
(a test checks every binding and menu key against these).
Everything shown is demo data (``db.demo``), never a real person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from screens.base import KioskModal
from screens.widgets.plain import Button, Static

#: The demo-only keys: show this panel again, and end the demo (Textual key names).
SHOW_KEY = "ctrl+o"
QUIT_KEY = "ctrl+g"


def key_label(key: str) -> str:
    """How a key is written on screen and in the README ("ctrl+o" → "Ctrl+O")."""
    return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in key.split("+"))


@dataclass(frozen=True)
class DemoInfo:
    """What the demo seeded that a person needs to try it (:func:`from_summary`)."""

    residents: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(ID number, card number, service password, what kind of person)."""
    staff: list[tuple[str, str, str]] = field(default_factory=list)
    """(staff number, role, PIN)."""
    file: str = ""
    """Where the same lines are written (mode 0600, in the demo's folder)."""


def from_summary(summary: Any, file: str = "") -> DemoInfo:
    """A DemoInfo from ``db.demo.seed_demo``'s summary."""
    return DemoInfo(residents=[(p.id_number, p.card_number, p.password, p.note) for p in summary.samples],
                    staff=[(m.number, m.role, m.pin) for m in summary.staff], file=file)


def demo_lines(info: DemoInfo, translate: Callable[..., str]) -> list[str]:
    """The panel's and the file's lines in one language (``translate(key, **params)``).

    The staff PINs and the keys come first: at 80x24 they are on screen
    without scrolling; the demo cards follow (the panel scrolls)."""
    lines = [translate("frontdesk.demo.staff")]
    for number, role, pin in info.staff:
        lines.append(translate("frontdesk.demo.staff_line", number=number, role=_text(translate, f"maint17.role.{role}", role),
                               pin=pin))
    lines.append(translate("frontdesk.demo.keys", show=key_label(SHOW_KEY), quit=key_label(QUIT_KEY)))
    if info.file:
        lines.append(translate("frontdesk.demo.file", file=info.file))
    lines.append(translate("frontdesk.demo.residents"))
    for id_number, card, password, note in info.residents:
        lines.append(translate("frontdesk.demo.resident", id_number=id_number, card=card, password=password,
                               note=_note(translate, note)))
    return lines


def _text(translate: Callable[..., str], key: str, fallback: str) -> str:
    text = translate(key)
    return fallback if text == key else text


def _note(translate: Callable[..., str], note: str) -> str:
    """A demo resident's kind in the panel's language (db.demo writes it in Chinese)."""
    from db.demo import _NOTES  # the demo's own kinds: one table, read here to translate it

    kind = next((kind for kind, text in _NOTES.items() if text == note), "")
    return _text(translate, f"maint17.demo_note.{kind}", note) if kind else note


class DemoInfoModal(KioskModal[None]):
    """The demo's cards, passwords and PINs; any of Enter, Esc or the button closes it."""

    def __init__(self, info: DemoInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="demo-info", classes="dialog"):
            yield Static(t("frontdesk.demo.title"), classes="dialog-title")
            with VerticalScroll(id="demo-info-lines"):
                for line in demo_lines(self.info, t):
                    yield Static(line, classes="demo-line")
            yield Button(t("frontdesk.demo.close"), id="demo-close", classes="wide-button")

    def on_mount(self) -> None:
        self.query_one("#demo-close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        # Enter presses the focused button; Esc (KioskModal) and the show key close it too.
        if event.key == SHOW_KEY:
            event.stop()
            event.prevent_default()
            self.dismiss(None)
