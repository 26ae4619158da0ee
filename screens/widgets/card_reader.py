"""Recognising a card read in the keystrokes, whatever screen is showing.

Card and ID-card readers at the kiosk are keyboards: they type the number
and press Enter. On the attract and identify screens every digit goes into
the number field, so a read is just typing. During a resident's session,
though, the screens' menus use number keys (DESIGN.md §4), so a second
resident swiping a card would drive the first resident's menus. The app
feeds every key to a :class:`CardSniffer`; when Enter completes an 18-character
ID number with a valid check digit, a legacy 15-digit one, or a 9-character card
number (digits and capital letters, DESIGN.md §4) — the last characters typed,
full-width folded — the app ends the open session and starts the new one
(kiosk.app.KioskApp.on_event). Nothing here depends on timing: the
characters before the Enter may have moved through the old session's menus,
which only read (every write on a resident screen takes Enter on a
confirmation, or a function key, never a digit), and all of that is discarded
with the session. An Enter after a run of card characters that is no number
(a misread) is swallowed: it never confirms anything on the screen below.
"""

from __future__ import annotations

import unicodedata

from kiosk.rules.codes import CARD_NUMBER
from kiosk.rules.identity import is_valid_id_number

#: Characters a card or ID-card reader types (after NFKC: full-width readers send ３ or Ｘ);
#: a social security card number may hold capital letters (B84110291).
CARD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: The shortest number a reader types (the card number): a run this long before Enter is a read.
MIN_READ = 9
#: Keys that a reader never types but that do not interrupt a read (modifiers arrive alone on some terminals).
_NEUTRAL_KEYS = frozenset({"shift", "space", "minus"})
_KEEP = 24


def card_character(character: str | None) -> str:
    """The card character a key typed ("" for none): full-width folded, letters upper-cased."""
    if not character:
        return ""
    folded = unicodedata.normalize("NFKC", character).upper()
    return folded if folded in CARD_CHARS else ""


class CardSniffer:
    """Keeps the last card characters typed and says when Enter completes a number."""

    def __init__(self) -> None:
        self._typed = ""
        self._run = 0  # card characters typed since the last other key
        self.misread = False
        """After :meth:`feed` returned None for an Enter: True when a run of at least
        :data:`MIN_READ` card characters preceded it (a read that is no number)."""

    def reset(self) -> None:
        """Forget what was typed (idle, end of session)."""
        self._typed = ""
        self._run = 0

    def feed(self, key: str, character: str | None) -> str | None:
        """One key; returns the ID number (18 or legacy 15 characters) or 9-character
        card number that this Enter completes, else None (see :attr:`misread`)."""
        if key == "enter":
            number = self._number()
            self.misread = number is None and self._run >= MIN_READ
            self.reset()
            return number
        char = card_character(character)
        if char:
            self._typed = (self._typed + char)[-_KEEP:]
            self._run += 1
        elif key not in _NEUTRAL_KEYS:
            self.reset()
        return None

    def _number(self) -> str | None:
        typed = self._typed
        for length in (18, 15):
            tail = typed[-length:]
            if len(tail) == length and tail[:-1].isdigit() and is_valid_id_number(tail):
                return tail
        if len(typed) >= 9 and CARD_NUMBER.match(typed[-9:]):
            return typed[-9:]
        return None
