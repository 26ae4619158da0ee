"""Money as integer fen (分): conversion, the one rounding step, and display.

Calculations multiply Decimals and call :func:`round_fen` once at the end,
half-up, as a cashier would.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kiosk.rules.errors import RuleError

Fen = int

_ONE = Decimal(1)


class InvalidAmount(RuleError):
    """A typed amount that is not money: ``str()`` says what was wrong in Chinese;
    ``key`` (``refusal.money.*``) and ``params`` name the same message in the catalogs."""

    def __init__(self, message: str, key: str = "refusal.money.invalid", /, **params: object) -> None:
        super().__init__(message, key, **params)


def round_fen(value: Decimal) -> Fen:
    """Round a Decimal number of fen half-up to a whole fen."""
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


def yuan_to_fen(yuan: Decimal | int | str) -> Fen:
    """Exact yuan (Decimal, int or string such as "143.50") to fen, rounding once."""
    return round_fen(Decimal(str(yuan)) * 100)


def fen_to_yuan(fen: Fen) -> Decimal:
    """Fen to an exact Decimal of yuan with two places."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_yuan(fen: Fen, *, grouping: bool = True) -> str:
    """Show fen as yuan with two decimals: 123456 -> "1,234.56"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    body = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{body}.{cents:02d}"


def parse_yuan(text: str, *, maximum_fen: Fen = 10**11) -> Fen:
    """Parse what a clerk typed ("1,234.5", "¥200", "200元") into fen.

    Raises InvalidAmount naming the problem: not a number, negative, more
    than two decimals, or implausibly large.
    """
    cleaned = text.strip().replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥")
    cleaned = cleaned.removesuffix("元").strip()
    if not cleaned:
        raise InvalidAmount("金额为空，请输入金额", "refusal.money.empty")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidAmount(f"“{text.strip()[:20]}”不是金额，请只输入数字和小数点", "refusal.money.not_number",
                            text=text.strip()[:20]) from None
    if not value.is_finite():
        raise InvalidAmount("金额不是有限数字", "refusal.money.not_finite")
    if value < 0:
        raise InvalidAmount("金额不能为负数", "refusal.money.negative")
    if value * 100 > maximum_fen:  # before yuan_to_fen: 1E100 has no fen at Decimal's precision
        raise InvalidAmount("金额过大，请核对", "refusal.money.too_large")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidAmount("金额最多两位小数（到分）", "refusal.money.decimals")
    fen = yuan_to_fen(value)
    if fen > maximum_fen:
        raise InvalidAmount("金额过大，请核对", "refusal.money.too_large")
    return fen
