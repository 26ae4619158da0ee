"""Chinese line breaking with 避头尾 (kinsoku): no line starts with closing
punctuation (，。、；：？！）」』》…) and none ends with an opening one (（「『《).

Rich folds a Chinese sentence (one long "word" without spaces) at any
character, so "，" or "。" can begin a line. :class:`Paragraph` is a Rich
widget that breaks lines itself at its width: between any
two CJK characters, at spaces, never before a closing mark (the mark is
pulled back onto the line, or the character before it is carried over), and
Latin words and numbers stay whole when they fit. Screens show guide pages,
tips and other prose through :func:`paragraph` (``Prose(text, classes=...)``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rich.cells import cell_len

from screens.widgets.plain import Static

#: Never at the start of a line (行首禁则).
NO_LINE_START = frozenset("，。、；：？！）」』》〉】〕”’…—·．,.;:?!)]}%‰℃")
#: Never at the end of a line (行尾禁则).
NO_LINE_END = frozenset("（「『《〈【〔“‘([{")
_MARKS = frozenset("…—·“”‘’")


def _tokens(text: str) -> list[str]:
    """Break opportunities: each CJK character alone, Latin runs and spaces as units."""
    tokens: list[str] = []
    run = ""
    for char in text:
        # Latin words and numbers (with their own . , % ...) stay whole; CJK characters,
        # spaces and the ambiguous-width marks (… — · quotes) are break opportunities.
        if unicodedata.east_asian_width(char) in ("W", "F") or char == " " or char in _MARKS:
            if run:
                tokens.append(run)
                run = ""
            tokens.append(char)
        else:
            run += char
    if run:
        tokens.append(run)
    return tokens


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, none starting with a closing
    mark or ending with an opening one; explicit newlines are kept."""
    lines: list[str] = []
    for paragraph_text in text.split("\n"):
        lines.extend(_wrap_one(paragraph_text, max(2, width)))
    return lines


def _wrap_one(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if cell_len(line) + cell_len(token) <= width:
            line += token
            continue
        if token == " ":
            lines.append(line)
            line = ""
            continue
        if token in NO_LINE_START and line:
            # A closing mark never starts a line: it takes the character before it
            # (and any marks between) to the next line with it (推出).
            carry = token
            while line and line[-1] in NO_LINE_START:
                carry, line = line[-1] + carry, line[:-1]
            if line:
                carry, line = line[-1] + carry, line[:-1]
            while line and line[-1] in NO_LINE_END:
                carry, line = line[-1] + carry, line[:-1]
            if line:
                lines.append(line.rstrip(" "))
            line = carry
            continue
        carry = ""
        while line and line[-1] in NO_LINE_END:  # an opening mark never ends a line
            carry = line[-1] + carry
            line = line[:-1]
        if line:
            lines.append(line.rstrip(" "))
        line = carry + token
        while cell_len(line) > width:  # a Latin word longer than the line: fold it
            lines.append(line[:width])
            line = line[width:]
    if line or not lines:
        lines.append(line.rstrip(" "))
    return lines


class Prose(Static):
    """A Static for Chinese prose: re-broken with :func:`wrap` at its own width
    whenever that changes (Textual's wrapping would fold at any character).
    ``prose`` keeps the unbroken text. Never markup (screens.widgets.plain)."""

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.prose = text
        self._wrapped_at = 0

    def set_text(self, text: str) -> None:
        """Show ``text`` instead (broken at the current width)."""
        self.prose = text
        self._wrapped_at = 0
        self._rewrap()

    def on_resize(self) -> None:
        self._rewrap()

    def _rewrap(self) -> None:
        width = self.content_region.width
        if width <= 0 or width == self._wrapped_at:
            return
        self._wrapped_at = width
        self.update("\n".join(wrap(self.prose, width)))


def paragraph(text: str, **kwargs: Any) -> Prose:
    """Prose for a screen: plain text (never markup), broken with 避头尾."""
    return Prose(text, **kwargs)
