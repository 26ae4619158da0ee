"""Staff PINs: kept only as argon2id hashes, checked in constant time."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Modest cost: counter machines are slow and a PIN is checked at every login.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


class WeakPin(ValueError):
    """A PIN that does not meet the rules; the (Chinese) message says which, ``key``
    (``refusal.pins.<reason>``: format, simple) names it in the catalogs."""

    def __init__(self, message: str, reason: str = "format") -> None:
        super().__init__(message)
        self.reason = reason
        self.params: dict[str, object] = {}

    @property
    def key(self) -> str:
        """The catalog key of the message (its zh_CN text is ``str(self)``)."""
        return f"refusal.pins.{self.reason}"


def check_pin_rules(pin: str) -> None:
    """4 to 12 digits, not all the same digit, not a simple run like 1234."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise WeakPin("PIN 须为4到12位数字")
    if len(set(pin)) == 1 or pin in "01234567890123" or pin in "98765432109876":
        raise WeakPin("PIN 太简单（相同数字或连续数字），请换一个", "simple")


def hash_pin(pin: str) -> str:
    """An argon2id hash of ``pin`` for storage."""
    return _HASHER.hash(pin)


def verify_pin(pin_hash: str, pin: str) -> bool:
    """True when ``pin`` matches the stored hash."""
    try:
        return _HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
