"""Chinese line breaking with 避头尾 (kinsoku): no line starts with closing
punctuation (，。、；：？！）」』》…) and none ends with an opening one (（「『《).

Rich folds a Chinese sentence (one long "word" without spaces) at any
character, so "，" or "。" can begin a line. :class:`Paragraph` is a Rich
renderable that breaks lines itself at the width it is given: between any
two CJK characters, at spaces, never before a closing mark (the mark is
pulled back onto the line, or the character before it is carried over), and
Latin words and numbers stay whole when they fit. Screens show guide pages,
tips and other prose through :func:`paragraph`.
"""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style, StyleType
from rich.text import Text

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


class Paragraph:
    """A Rich renderable: ``text`` wrapped with :func:`wrap` at the render width."""

    def __init__(self, text: str, style: StyleType = "") -> None:
        self.text = text
        self.style = style

    def __str__(self) -> str:
        return self.text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        style = console.get_style(self.style) if self.style else Style()
        for line in wrap(self.text, options.max_width):
            yield Text(line, style=style, no_wrap=True, overflow="ignore", end="\n")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((cell_len(line) for line in self.text.split("\n")), default=0)
        return Measurement(min(2, longest), longest)


def paragraph(text: str) -> Paragraph:
    """Prose for a Static: plain text (never markup), broken with 避头尾."""
    return Paragraph(text)
