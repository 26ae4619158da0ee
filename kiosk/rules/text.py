"""The one normaliser for text that comes in: card reader, keypad, keyboard,
roster import, counter forms and search.

Pure functions over ``str``; nothing here imports the project. The
standard library's :mod:`unicodedata` does the heavy lifting (NFKC turns
full-width digits, letters and the ideographic space into ASCII; the
general category tells a dash, a control or a combining mark apart). The
only table of our own is the middle dots, which NFKC does not fold.

Kinds of text:

- **numbers** (:func:`normalise_number`): ID and card numbers, ticket and
  application codes. NFKC, every space and separator (whitespace, dashes
  of category Pd, middle dots) removed, upper case: ``３６０７ ２６-…ｘ`` →
  ``360726…X``.
- **names** (:func:`normalise_name`): NFKC, trimmed; a run of whitespace
  between two CJK characters (or next to a middle dot) is an artefact and is
  removed (``张　三`` → ``张三``, ``李 四`` → ``李四``); between Latin words it
  becomes one space (``John  Smith`` → ``John Smith``); middle-dot variants
  become U+00B7 (``阿卜杜•热合曼`` → ``阿卜杜·热合曼``). Whether the result is a
  name (:func:`check_name`: letters, the middle dot, spaces, ``-`` and ``'``; no
  digits, brackets, ``@``, ``=`` or other symbols) is checked where a name is
  changed (信息变更).
- **free text** (:func:`normalise_text`): addresses, villages, reasons.
  Trimmed, runs of whitespace collapsed to one space; no NFKC, so Chinese
  full-width punctuation (，（）) stays as the person wrote it.
- **phone numbers** (:func:`normalise_phone`): NFKC, spaces and brackets
  removed, dash variants become ``-``.
- **search text** (:func:`normalise_search`): NFKC, case-folded, invisible
  characters dropped instead of refused (a search is never stored, so a
  refusal would help nobody).

Refused everywhere except search, with :class:`InvalidText`: zero-width
characters (U+200B–U+200D, U+2060, U+FEFF), bidirectional controls
(U+200E/F, U+202A–U+202E, U+2066–U+2069) and any other invisible format
character (category Cf, e.g. the soft hyphen), C0/C1 control characters
(category Cc; in free text a tab or line break is whitespace, not refused),
lone surrogates, and combining marks (category M*) that do not compose with
the character before them into one precomposed character (so a decomposed
``é`` typed as ``e`` + U+0301 is accepted and stored composed; a mark on a
CJK character, a variation selector or a stray accent is refused). Every
normaliser is idempotent: ``f(f(x)) == f(x)``.

The exception carries a stable ``reason`` and ``params``; the message is
the catalog entry ``normalise.<reason>`` (kiosk/i18n/*/normalise.toml),
rendered by :meth:`InvalidText.describe` with the caller's translator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Literal

TextReason = Literal["zero_width", "bidi", "format", "control", "combining", "surrogate"]

MIDDLE_DOT = "\u00b7"
#: Dots people type between the parts of a transliterated (e.g. Uyghur)
#: name. NFKC folds only U+0387 and U+FF65 (to U+30FB), so the list is ours.
MIDDLE_DOTS = frozenset(
    "\u00b7"  # MIDDLE DOT
    "\u0387"  # GREEK ANO TELEIA
    "\u2022"  # BULLET
    "\u2027"  # HYPHENATION POINT
    "\u2219"  # BULLET OPERATOR
    "\u22c5"  # DOT OPERATOR
    "\u2e31"  # WORD SEPARATOR MIDDLE DOT
    "\u30fb"  # KATAKANA MIDDLE DOT
    "\uff65"  # HALFWIDTH KATAKANA MIDDLE DOT
    "\ua78f"  # LATIN LETTER SINOLOGICAL DOT
)
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_WHITESPACE = re.compile(r"\s+")


class InvalidText(ValueError):
    """Text refused by a normaliser (or a number check built on one).

    ``reason`` is stable (see :data:`TextReason`; subclasses add their own),
    ``params`` fill the catalog message ``normalise.<reason>``: for a refused
    character ``position`` (1-based, in the text as typed), ``code``
    (``U+200B``) and ``name`` (the Unicode name, or the code).
    """

    def __init__(self, reason: str, params: dict[str, object] | None = None) -> None:
        self.reason = reason
        self.params: dict[str, object] = dict(params or {})
        super().__init__(f"{reason}: {self.params}")

    @property
    def key(self) -> str:
        """The catalog key of the message."""
        return f"normalise.{self.reason}"

    def describe(self, translate: Callable[..., str]) -> str:
        """The message, through ``translate(key, **params)`` (a Translator or
        ``functools.partial(kiosk.i18n.translate, language=...)``)."""
        return translate(self.key, **self.params)


def _char_params(char: str, position: int) -> dict[str, object]:
    code = f"U+{ord(char):04X}"
    return {"position": position, "code": code, "name": unicodedata.name(char, code)}


def _refusal(char: str) -> TextReason | None:
    """Why ``char`` may not be stored, or None; combining marks are judged
    in :func:`check_text` because they depend on what precedes them."""
    if char in ZERO_WIDTH:
        return "zero_width"
    if char in BIDI_CONTROLS:
        return "bidi"
    category = unicodedata.category(char)
    if category == "Cf":
        return "format"
    if category == "Cc":
        return "control"
    if category == "Cs":
        return "surrogate"
    return None


def check_text(text: str, *, allow_layout: bool = False) -> None:
    """Raise :class:`InvalidText` for the first character that may not be stored.

    ``allow_layout`` lets tabs and line breaks through (free text, where
    they are whitespace and get collapsed).
    """
    cluster = ""  # the last base character and the marks that composed with it
    for position, char in enumerate(text, start=1):
        if allow_layout and char in "\t\n\r\x0b\x0c":
            cluster = ""
            continue
        reason = _refusal(char)
        if reason is not None:
            raise InvalidText(reason, _char_params(char, position))
        if unicodedata.category(char).startswith("M"):
            # Accept a mark only when it composes into one precomposed character.
            if not cluster or len(unicodedata.normalize("NFC", cluster + char)) != 1:
                raise InvalidText("combining", _char_params(char, position))
            cluster += char
        else:
            cluster = char


def _is_separator(char: str) -> bool:
    return char.isspace() or char in MIDDLE_DOTS or unicodedata.category(char) == "Pd"


def _settled(step: Callable[[str], str], text: str, *, allow_layout: bool = False) -> str:
    """Check ``text``, apply ``step`` until it changes nothing, check the result.

    Repeating makes every normaliser idempotent even where one pass is not
    (removing a space can bring two Hangul jamo together that NFKC then
    composes); the second check catches the rare character NFKC itself
    turns into a lone combining mark (U+FF9E → U+3099).
    """
    check_text(text, allow_layout=allow_layout)
    result = step(text)
    for _ in range(4):
        again = step(result)
        if again == result:
            break
        result = again
    check_text(result, allow_layout=allow_layout)
    return result


def _number_step(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return unicodedata.normalize("NFKC", "".join(c for c in folded if not _is_separator(c)).upper())


def normalise_number(text: str) -> str:
    """An ID or card number, or a code, as ASCII upper case without separators.

    ``' ３６０７２６ １９８００１０１ ００１ｘ '`` → ``'36072619800101001X'``.
    Raises :class:`InvalidText` for invisible or control characters; a tab or
    line break (the Enter a card reader or scanner sends) is whitespace and is
    removed like a space. Does not check length or digits:
    :func:`kiosk.rules.identity.parse_id_number` does.
    """
    if text.isascii() and text.isalnum():
        # What a card reader sends (Enter aside): the steps below would leave it as it is but
        # upper case, and they were most of an identify's time (issue 18.1).
        return text.upper()
    return _settled(_number_step, text, allow_layout=True)


def _tight(char: str) -> bool:
    """True for characters that take no space beside them in a name (CJK, dots)."""
    return char == MIDDLE_DOT or unicodedata.east_asian_width(char) in ("W", "F")


def normalise_name(text: str) -> str:
    """A person's name in the one form it is stored and compared in.

    ``'  张　三 '`` → ``'张三'``; ``'阿卜杜 • 热合曼'`` → ``'阿卜杜·热合曼'``;
    ``'John   Smith'`` → ``'John Smith'``. Raises :class:`InvalidText`.
    The result may be empty; the caller says that a name is required. Whether
    it is a name at all (no digits, brackets, symbols) is :func:`check_name`'s rule.
    """
    return _settled(_name_step, text)


#: Characters a name may hold besides letters: the middle dot of transliterated minority
#: names, a space between Latin words, and the hyphen / apostrophe of foreign names
#: (Jean-Pierre, O'Brien); 〇 (U+3007, a number letter) is a character of some Chinese names.
NAME_EXTRA = frozenset(MIDDLE_DOT + " -'\u3007")


def check_name(name: str) -> None:
    """Refuse what is not part of a person's name in a normalised ``name``.

    A name holds letters (Unicode category L*: CJK including the supplementary
    planes, e.g. 𠮷; Latin and other scripts), combining marks on them, and
    :data:`NAME_EXTRA`. Digits, brackets, ``@``, ``=`` and every other symbol or
    punctuation are refused (a name like ``[@click=app.quit]x[/]`` is not a name):
    :class:`InvalidText` with reason ``name_symbol`` and the character's
    ``position``, ``code``, ``name`` and the character itself (``char``).
    """
    for position, char in enumerate(name, start=1):
        if char in NAME_EXTRA or unicodedata.category(char)[0] in ("L", "M"):
            continue
        raise InvalidText("name_symbol", {**_char_params(char, position), "char": char})


def _name_step(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(MIDDLE_DOT if c in MIDDLE_DOTS else c for c in folded)
    words = folded.split()
    if not words:
        return ""
    parts = [words[0]]
    for word in words[1:]:
        # A space inside a Chinese name (张 三) is an artefact of padding or an
        # input method; between Latin words it separates the words.
        if not (_tight(parts[-1][-1]) or _tight(word[0])):
            parts.append(" ")
        parts.append(word)
    return "".join(parts)


#: C0 controls but tab and line feed (layout), DEL and the C1 controls: what a terminal obeys.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: What :func:`printable` shows a control character as: the replacement character, one cell wide.
REPLACEMENT = "\ufffd"


def printable(text: str) -> str:
    """``text`` for a terminal: each control character it would obey as a command (ESC of an
    escape sequence, BEL, DEL, the C1 range) replaced by :data:`REPLACEMENT`; tab and line feed
    kept. For showing text stored before the normalisers refused those characters (screens,
    command output); what comes in is refused instead (:func:`check_text`)."""
    return TERMINAL_CONTROLS.sub(REPLACEMENT, text)


#: Full-width digits (an input method in full-width mode) and their ASCII forms.
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def normalise_text(text: str) -> str:
    """Free text (address, village, reason, 补正说明): trimmed, whitespace runs collapsed
    to one space, full-width digits made ASCII ("３组" → "3组"), no other change (Chinese
    punctuation stays). Raises :class:`InvalidText`."""
    return _settled(lambda s: _WHITESPACE.sub(" ", s.translate(_WIDE_DIGITS)).strip(), text, allow_layout=True)


def normalise_phone(text: str) -> str:
    """A phone number as typed, in ASCII: ``'１３８ ００１３ ８０００'`` → ``'13800138000'``,
    ``'（0797）３７２１２３４'`` → ``'07973721234'``, dash variants → ``-``.
    Raises :class:`InvalidText`; the format is checked by the caller."""
    return _settled(_phone_step, text)


def _phone_step(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    kept = ("-" if unicodedata.category(c) == "Pd" else c for c in folded if not (c.isspace() or c in "()"))
    return unicodedata.normalize("NFKC", "".join(kept))


def normalise_search(text: str) -> str:
    """Search text: NFKC, case-folded, invisible and control characters
    dropped, whitespace runs collapsed. Never raises."""
    result = text
    for _ in range(5):
        kept = "".join(c for c in result if _refusal(c) is None and not unicodedata.category(c).startswith("M"))
        again = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", kept).casefold()).strip()
        if again == result:
            break
        result = again
    return result
