"""Recognising a card read in the keystrokes, whatever screen is showing.

Card and ID-card readers at the kiosk are keyboards: they type the number
and press Enter. On the attract and identify screens every digit goes into
the number field, so a read is just typing. During a resident's session,
though, the screens' menus use number keys (DESIGN.md §4), so a second
resident swiping a card would drive the first resident's menus. The app
feeds every key to a :class:`CardSniffer`; when Enter completes an 18-character
ID number with a valid check digit (the last 18 card characters typed) or a
9-character card number (the last 9), the app ends the open session and starts the new
one (kiosk.app.KioskApp.on_event). Nothing here depends on timing: the
digits before the Enter may have moved through the old session's menus
(read-only screens, or 0 退出), and all of that is discarded with the
session; the screens where a single key writes (取号, the password's
fall-back menu) use function keys, never digits.
"""

from __future__ import annotations

import unicodedata

from kiosk.rules.codes import CARD_NUMBER
from kiosk.rules.identity import is_valid_id_number

#: Characters a card or ID-card reader types (after NFKC: full-width readers send ３ or Ｘ).
CARD_CHARS = frozenset("0123456789X")
#: Keys that a reader never types but that do not interrupt a read (modifiers arrive alone on some terminals).
_NEUTRAL_KEYS = frozenset({"shift", "space", "minus"})
_KEEP = 24


def card_character(character: str | None) -> str:
    """The card character a key typed ("" for none): full-width folded, x upper-cased."""
    if not character:
        return ""
    folded = unicodedata.normalize("NFKC", character).upper()
    return folded if folded in CARD_CHARS else ""


class CardSniffer:
    """Keeps the last card characters typed and says when Enter completes a number."""

    def __init__(self) -> None:
        self._typed = ""

    def reset(self) -> None:
        """Forget what was typed (idle, end of session)."""
        self._typed = ""

    def feed(self, key: str, character: str | None) -> str | None:
        """One key; returns the ID or card number that this Enter completes, else None."""
        if key == "enter":
            number = self._number()
            self.reset()
            return number
        char = card_character(character)
        if char:
            self._typed = (self._typed + char)[-_KEEP:]
        elif key not in _NEUTRAL_KEYS:
            self.reset()
        return None

    def _number(self) -> str | None:
        typed = self._typed
        if len(typed) >= 18 and is_valid_id_number(typed[-18:]):
            return typed[-18:]
        if len(typed) >= 9 and CARD_NUMBER.match(typed[-9:]):
            return typed[-9:]
        return None
