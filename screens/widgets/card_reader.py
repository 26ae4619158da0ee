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
(kiosk.app.KioskApp.on_event). At the kiosk nothing depends on timing: the
characters before the Enter may have moved through the old session's menus,
which only read (every write on a resident screen takes Enter on a
confirmation, or a function key, never a digit), and all of that is discarded
with the session. A reader types faster than screens handle keys, so a digit
may reach a screen after an earlier one already opened another screen or went
back: a resident screen acts on a key or a press only while it is the one
showing (screens.resident.common.ResidentScreen), so such late digits never pop
or walk what shows then (attack D4: 0 back, 0 退出 before the Enter arrived). An Enter after a run of card characters that is no number
(a misread) is swallowed: it never confirms anything on the screen below.

At the counter (mode ``counter``, a staff member signed in) the same sniffer
watches every key (kiosk.app.KioskApp._counter_card_read), with the screen
stack noted at each card character (``feed``'s ``mark``; :attr:`CardSniffer.started`
gives the one at the number's first character) and each key's time (``feed``'s
``at``: the Key event's own ``time``, set when the terminal's driver made the event
as the bytes arrived, not when the app handles it, which lags under load). There a
number counts as a read only when it came at a reader's pace (:attr:`CardSniffer.reader_pace`:
every gap between consecutive characters of the number, and between the last one and
the Enter, at most :data:`READER_GAP`; readers type 1-10 ms apart, a person 80 ms or
more). The same characters at a person's pace are the clerk's own keys and the Enter
is the screen's (attack E16: 4 3 5 受理 a medical claim, 1 2 3 4 1 1 to tick its
materials, Enter to submit, is nine digits + Enter). The kiosk gives no times: there
any number + Enter is a read, whatever the pace.
A read typed into a text field
(Find's, or any other) is that field's typing, and its Enter the field's own.
A read whose first character was typed anywhere else walked the counter's menus
on its way (its digits cannot be told from a clerk's until the Enter); so a counter screen
takes one choice at a time and only while it shows (screens.counter.base
.OneChoiceAtATime), and what does harm (submitting, taking money, refusing, 过号:
screens.counter.keys), the full reveal (9) and logging out (0 at home) ask for
``+``, which a reader never types. When the Enter completes the number, once the keys before it
have landed, the counter closes what they opened, back to the screen where the
number started (or the deepest one of that stack still open, when a 0 went back),
and opens Find with the number searched (KioskApp.counter_card_read). Still
possible on the way: looks at records (audited as such) and the queue console's
single-key actions (1 叫下一位, 2 重呼, 3 开始办理, 4 挂起, 7 办结) when the digits walk
into it (1 on the home menu).
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from rich.text import Text
from textual.widgets import Input

from kiosk.rules.codes import APPLICATION_NO, CARD_NUMBER, RECEIPT_CODE, TICKET_CODE
from kiosk.rules.identity import is_valid_id_number

#: Characters a card or ID-card reader types (after NFKC: full-width readers send ３ or Ｘ);
#: a social security card number may hold capital letters (B84110291).
CARD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: The shortest number a reader types (the card number): a run this long before Enter is a read.
MIN_READ = 9
#: The longest gap, in seconds, between two keys of a read at the counter (between consecutive
#: characters of the number, and between its last one and the Enter). HID card readers type 1-10 ms
#: apart and a terminal's driver creates each Key event as its bytes arrive (textual Message.time);
#: a person types 80 ms apart or more. The margin above 10 ms absorbs a driver thread that waits for
#: the interpreter on a loaded machine.
READER_GAP = 0.040
#: A read may hold one longer gap, up to this many seconds: the terminal or the driver's input
#: thread not running for a moment on a loaded two-core machine (attack F2: a 60 ms stall in the
#: middle of an ID made the read a clerk's keys). A person's nine keys have nine long gaps.
READER_STALL = 0.300
#: Keys that a reader never types but that do not interrupt a read (modifiers arrive alone on some terminals).
_NEUTRAL_KEYS = frozenset({"shift", "space", "minus"})
_KEEP = 24


def card_character(character: str | None) -> str:
    """The card character a key typed ("" for none): full-width folded, letters upper-cased."""
    if not character:
        return ""
    folded = unicodedata.normalize("NFKC", character).upper()
    return folded if folded in CARD_CHARS else ""


#: The class of a field where a card or ID number is the intended input (attract, identify):
#: a read typed there is that field's own Enter. Every other field is free text.
CARD_ENTRY = "card-entry"
#: The class of a secret field (the service password, the phone check): a read there is
#: never an attempt: a valid number starts the new card, a misread says to swipe again.
SECRET_ENTRY = "secret-entry"
#: A run of card characters this long with this many digits is a number, not free text.
_NUMBER_RUN = re.compile(rf"[0-9A-Z]{{{MIN_READ},}}")
_MIN_DIGITS = 6


def _number_runs(text: str) -> list[re.Match[str]]:
    folded = unicodedata.normalize("NFKC", text).upper()
    return [m for m in _NUMBER_RUN.finditer(folded) if sum(c.isdigit() for c in m.group()) >= _MIN_DIGITS]


def holds_card_number(text: str) -> bool:
    """True when free text holds what looks like a card or ID number (a run of at least
    :data:`MIN_READ` card characters with six or more digits): such text is refused."""
    return bool(_number_runs(text))


def mask_card_numbers(text: str) -> str:
    """``text`` with the middle of every card-number-like run replaced by * (same length,
    so a field's cursor stays where it was): the first 4 and last 4 characters show."""
    folded = unicodedata.normalize("NFKC", text).upper()
    if len(folded) != len(text):
        return text if not _number_runs(text) else "*" * len(text)
    chars = list(text)
    for match in _number_runs(text):
        for i in range(match.start() + 4, match.end() - 4):
            chars[i] = "*"
    return "".join(chars)


class FreeTextInput(Input):
    """A free-text field on a resident screen: what looks like a card or ID number is shown
    masked (a bystander never reads a swiped number), and the screen refuses it
    (:func:`holds_card_number`)."""

    @property
    def _value(self) -> Text:
        if self.password or not holds_card_number(self.value):
            return super()._value
        return Text(mask_card_numbers(self.value), no_wrap=True, overflow="ignore", end="")


class CardSniffer:
    """Keeps the last card characters typed (and when each was typed, if told) and says when
    Enter completes a number, and whether it came at a reader's pace (:attr:`reader_pace`)."""

    def __init__(self) -> None:
        self._typed = ""
        self._marks: list[object] = []  # what the caller said was showing at each of _typed's characters
        self._times: list[float | None] = []  # when each of _typed's characters was typed (None: not given)
        self._run = 0  # card characters typed since the last other key
        self._printable = 0  # characters of any kind typed since the last key that types none
        self.misread = False
        """After :meth:`feed` returned None for an Enter: True when a run of at least
        :data:`MIN_READ` card characters preceded it (a read that is no number)."""
        self.burst = False
        """After :meth:`feed` returned None for an Enter: True when at least :data:`MIN_READ`
        characters of any kind were typed before it with no other key between (a reader's
        output with separators). More than a 6-digit password field takes: never a password."""
        self.started: object = None
        """After :meth:`feed` returned a number: the ``mark`` given with its first character
        (the counter passes the screen showing then: where the read started), else None."""
        self.reader_pace: bool | None = None
        """After :meth:`feed` returned a number: True when it came at a reader's pace (every gap
        between its consecutive characters, and between its last one and the Enter, at most
        :data:`READER_GAP`, one of them up to :data:`READER_STALL`), False when not (a person
        typing), None when a time was not given (``at``) for one of them; None after any other key."""
        self.after_pause = False
        """After :meth:`feed` returned a number: True when its first character came after a pause
        longer than :data:`READER_STALL` (or first, or with no times to tell): what was typed
        before it is someone else's keys, not part of the read."""

    def reset(self) -> None:
        """Forget what was typed (idle, end of session)."""
        self._typed = ""
        self._marks = []
        self._times = []
        self._run = 0
        self._printable = 0

    def feed(self, key: str, character: str | None, mark: object = None, at: float | None = None, *,
             choose_by_pace: bool = True) -> str | None:
        """One key; returns the ID number (18 or legacy 15 characters) or 9-character
        card number that this Enter completes, else None (see :attr:`misread`). ``mark``
        is kept with a card character and given back as :attr:`started` for the number's
        first character. ``at`` is when the key was typed (seconds, textual's monotonic
        clock: the Key event's ``time``); with times given, :attr:`reader_pace` says whether
        the number came at a reader's pace, and of two numbers the Enter completes (an ID
        number's last 9 characters may make a card number) the one that did is returned.
        Without times, or with ``choose_by_pace`` False (the kiosk: times only for
        :attr:`reader_pace` and :attr:`after_pause`), the number is the same as at a reader's pace."""
        if key == "enter":
            number = self._number(at, by_pace=choose_by_pace)
            self.started = self._marks[-len(number)] if number is not None else None
            self.reader_pace = self._paced(len(number), at) if number is not None else None
            self.after_pause = number is not None and self._begins_a_read(len(number))
            self.misread = number is None and self._run >= MIN_READ
            self.burst = number is None and self._printable >= MIN_READ
            self.reset()
            return number
        self.misread = self.burst = False  # they describe the last Enter only, never a later key
        self.reader_pace = None
        if character and character.isprintable():
            self._printable += 1
        else:
            self._printable = 0
        char = card_character(character)
        if char:
            self._typed = (self._typed + char)[-_KEEP:]
            self._marks = [*self._marks, mark][-_KEEP:]
            self._times = [*self._times, at][-_KEEP:]
            self._run += 1
        elif key not in _NEUTRAL_KEYS:
            self._typed = ""  # a separator ends the number, not the burst
            self._marks = []
            self._times = []
            self._run = 0
        return None

    def _paced(self, length: int, enter_at: float | None) -> bool | None:
        """Whether the last ``length`` characters typed and then the Enter at ``enter_at`` came
        at a reader's pace: every gap at most :data:`READER_GAP`, but one up to
        :data:`READER_STALL` (None: a time is missing)."""
        times = [*self._times[-length:], enter_at]
        if any(t is None for t in times):
            return None
        known = [t for t in times if t is not None]
        slow = [later - earlier for earlier, later in itertools.pairwise(known) if later - earlier > READER_GAP]
        return not slow or (len(slow) == 1 and slow[0] <= READER_STALL)

    def _ends_in_printed_code(self) -> bool:
        """Whether what was typed ends in a code the kiosk printed (a ticket, an application or a
        receipt code): its last 9 characters are no card number (attack E5: a ticket scanned during
        a session ended it as an unknown card). The code is a misread here; where a code is the
        intended input (the attract and identify fields) the field takes it as typed."""
        typed = self._typed
        return any(pattern.match(typed[-length:]) for pattern in (TICKET_CODE, APPLICATION_NO, RECEIPT_CODE)
                   for length in (12, 13, 14, 16) if len(typed) >= length)

    def _begins_a_read(self, length: int) -> bool:
        """Whether the last ``length`` characters begin where a read could: nothing typed before
        them, no times to tell, or a pause longer than :data:`READER_STALL` before the first."""
        if length >= len(self._times):
            return True
        before, first = self._times[-length - 1], self._times[-length]
        return before is None or first is None or first - before > READER_STALL

    def _number(self, enter_at: float | None = None, *, by_pace: bool = True) -> str | None:
        typed = self._typed
        found: list[str] = []
        for length in (18, 15):
            tail = typed[-length:]
            if len(tail) == length and tail[:-1].isdigit() and is_valid_id_number(tail):
                found.append(tail)
        if len(typed) >= 9 and CARD_NUMBER.match(typed[-9:]) and not self._ends_in_printed_code():
            found.append(typed[-9:])
        # A reader's number after a person's keys: the longest that came at a reader's pace and
        # began after a person's pause (an ID's last 9 characters after a stall are no card).
        paced = [number for number in found if not by_pace or (
            self._paced(len(number), enter_at) is not False and self._begins_a_read(len(number)))]
        chosen = paced or found
        return chosen[0] if chosen else None
