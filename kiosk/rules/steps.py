"""Calculation steps: how a figure was reached, for screens and receipts.

Each step is an i18n key (its label, in ``kiosk/i18n/*/rules.toml``), the
numbers as a language-neutral formula string and the result in fen, so a
screen can render ``基础养老金：8,000.00 × (1 + 1.0000) ÷ 2 × 240 ÷ 12 × 1% = 1,600.00``
in zh_CN or en without redoing any arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kiosk.rules.money import Fen, format_yuan


@dataclass(frozen=True)
class CalculationStep:
    """One line of a calculation: label key, formula with numbers, result."""

    key: str
    formula: str
    result_fen: Fen

    def render(self, label: str) -> str:
        """``label：formula = result`` with the result in yuan; just
        ``label：result`` when the formula is nothing but the result (a
        figure taken as given, e.g. the resident basic pension)."""
        result = format_yuan(self.result_fen)
        formula = self.formula.strip()
        if not formula or formula == result:
            return f"{label}：{result}"
        return f"{label}：{formula} = {result}"


def yuan(fen: Fen) -> str:
    """Fen shown as yuan in formulas: 800000 -> "8,000.00"."""
    return format_yuan(fen)


def pct(rate: Decimal) -> str:
    """A fraction as a percentage without trailing zeros: 0.085 -> "8.5%"."""
    value = (rate * 100).normalize()
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"
