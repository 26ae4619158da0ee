"""The ASCII fast paths of printers.layout agree with the per-character rules."""

from __future__ import annotations

import pytest

from printers.layout import char_width, display_width, in_printer_font, needs_image


@pytest.mark.parametrize(("text", "width"), [
    ("", 0), ("RC7K2M9Q4XPA", 12), ("1,234.50", 8), ("a\tb", 2), ("\x00\x1b@", 1), ("del\x7f", 3),
    ("金额 12.50", 10), ("養老\x1b", 4),
])
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width
    assert display_width(text) == sum(char_width(c) for c in text)


def test_every_ascii_character_matches_its_own_width_and_font() -> None:
    for code in range(0x80):
        ch = chr(code)
        assert char_width(ch) == (1 if 0x20 <= code <= 0x7E else 0)
        assert display_width(ch) == char_width(ch)
        assert not needs_image(ch)
        assert in_printer_font(ch) or char_width(ch) == 0


def test_needs_image_only_for_characters_outside_the_font() -> None:
    assert not needs_image("T20261129A007 \t\r")
    assert not needs_image("张三 12.50")
    assert needs_image("price €5")  # GBK's € is one byte, which no printer font has
    assert needs_image("𠀀 ok")
