"""Large block letters for ticket numbers, readable across a hall.

Textual's ``Digits`` widget has no G, H, Q or V, which are queue prefixes,
so the board and the counter console use this small 5-row block font
(0-9, A-Z). ``scale`` widens each pixel so a 4-character code fills a wall
screen; the text stays plain Unicode blocks, which every terminal draws.
"""

from __future__ import annotations

from rich.text import Text

from screens.widgets.plain import Static

_FONT_ROWS = {
    "0": ("###", "#.#", "#.#", "#.#", "###"), "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"), "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"), "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"), "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"), "9": ("###", "#.#", "###", "..#", "###"),
    "A": (".#.", "#.#", "###", "#.#", "#.#"), "B": ("##.", "#.#", "##.", "#.#", "##."),
    "C": (".##", "#..", "#..", "#..", ".##"), "D": ("##.", "#.#", "#.#", "#.#", "##."),
    "E": ("###", "#..", "##.", "#..", "###"), "F": ("###", "#..", "##.", "#..", "#.."),
    "G": (".##", "#..", "#.#", "#.#", ".##"), "H": ("#.#", "#.#", "###", "#.#", "#.#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"), "J": ("..#", "..#", "..#", "#.#", ".#."),
    "K": ("#.#", "#.#", "##.", "#.#", "#.#"), "L": ("#..", "#..", "#..", "#..", "###"),
    "M": ("#.#", "###", "###", "#.#", "#.#"), "N": ("##.", "#.#", "#.#", "#.#", "#.#"),
    "O": (".#.", "#.#", "#.#", "#.#", ".#."), "P": ("##.", "#.#", "##.", "#..", "#.."),
    "Q": (".#.", "#.#", "#.#", "##.", ".##"), "R": ("##.", "#.#", "##.", "#.#", "#.#"),
    "S": (".##", "#..", ".#.", "..#", "##."), "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "U": ("#.#", "#.#", "#.#", "#.#", "###"), "V": ("#.#", "#.#", "#.#", "#.#", ".#."),
    "W": ("#.#", "#.#", "###", "###", "#.#"), "X": ("#.#", "#.#", ".#.", "#.#", "#.#"),
    "Y": ("#.#", "#.#", ".#.", ".#.", ".#."), "Z": ("###", "..#", ".#.", "#..", "###"),
    "-": ("...", "...", "###", "...", "..."), " ": ("...", "...", "...", "...", "..."),
}
ROWS = 5


def block_lines(text: str, scale: int = 2) -> list[str]:
    """``text`` as ROWS lines of block characters; unknown characters become blanks."""
    glyphs = [_FONT_ROWS.get(ch, _FONT_ROWS[" "]) for ch in text.upper()]
    on, off = "█" * scale, " " * scale
    lines = []
    for row in range(ROWS):
        parts = ["".join(on if px == "#" else off for px in glyph[row]) for glyph in glyphs]
        lines.append((" " * scale).join(parts))
    return lines


class BigCode(Static):
    """A ticket number in block letters; ``code`` keeps the plain text for tests."""

    DEFAULT_CSS = """
    BigCode { width: auto; height: 5; }
    """

    def __init__(self, code: str = "", *, scale: int = 2, id: str | None = None, classes: str = "") -> None:
        super().__init__("", id=id, classes=classes)
        self.scale = scale
        self.code = ""
        self.show(code)

    def show(self, code: str) -> None:
        """Display ``code`` (empty shows nothing)."""
        self.code = code
        self.update(Text("\n".join(block_lines(code, self.scale)) if code else ""))
