"""Integer fen, the one rounding step, display and parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.money import InvalidAmount, fen_to_yuan, format_yuan, parse_yuan, round_fen, yuan_to_fen


@pytest.mark.parametrize(
    ("value", "fen"), [("0.5", 1), ("1.5", 2), ("2.4999", 2), ("-0.5", -1), ("71942.4", 71942)]
)
def test_round_half_up(value: str, fen: int) -> None:
    assert round_fen(Decimal(value)) == fen


def test_conversions() -> None:
    assert yuan_to_fen("143.50") == 14350
    assert yuan_to_fen(Decimal("0.005")) == 1
    assert fen_to_yuan(28688) == Decimal("286.88")


@pytest.mark.parametrize(
    ("fen", "text"), [(0, "0.00"), (5, "0.05"), (123456, "1,234.56"), (-231942, "-2,319.42")]
)
def test_format_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"), [("1,234.5", 123450), ("¥200", 20000), ("200元", 20000), (" 0.01 ", 1), ("１２", 1200)]
)
def test_parse_yuan(text: str, fen: int | None) -> None:
    if fen is None:
        with pytest.raises(InvalidAmount):
            parse_yuan(text)
    else:
        assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "-1", "1.234", "1e20", "NaN"])
def test_parse_yuan_rejects(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


@given(st.integers(0, 10**11))
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
