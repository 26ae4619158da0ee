"""The resident's 社保卡服务密码: six digits, not guessable from the card.

Pure rules only (no database): what a service password must look like.
Hashing reuses the staff PINs' argon2id hasher (:mod:`kiosk.rules.pins`).
"""

from __future__ import annotations

import datetime as dt

LENGTH = 6

_ASCENDING = "01234567890123456"
_DESCENDING = "98765432109876543"


class WeakServicePassword(ValueError):
    """A password that breaks a rule; ``reason`` names which, ``str()`` says it in Chinese,
    ``key`` (``refusal.service_password.<reason>``) names the same message in the catalogs."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.params: dict[str, object] = {}

    @property
    def key(self) -> str:
        """The catalog key of the message (its zh_CN text is ``str(self)``)."""
        return f"refusal.service_password.{self.reason}"


def birth_forms(birth: dt.date) -> set[str]:
    """Six-digit spellings of a birth date people pick as passwords:
    YYMMDD, MMDDYY, DDMMYY, and MMDD followed or preceded by the two-digit year."""
    yy, mm, dd = f"{birth:%y}", f"{birth:%m}", f"{birth:%d}"
    return {yy + mm + dd, mm + dd + yy, dd + mm + yy}


def check_service_password(password: str, id_number: str = "", birth: dt.date | None = None) -> None:
    """Raise :class:`WeakServicePassword` unless ``password`` is six digits that
    are not one digit repeated (000000), not a run (123456, 654321, 890123),
    not a short pattern repeated (121212, 123123), not the birth date of
    ``birth`` (see :func:`birth_forms`; a password starting or ending with
    the birth MMDD is refused too) and not the last six characters of
    ``id_number``. ``reason`` is one of: format, same, run, repeat, birth, id_tail.
    """
    if len(password) != LENGTH or not password.isdigit() or not password.isascii():
        raise WeakServicePassword("format", "服务密码须为6位数字")
    if len(set(password)) == 1:
        raise WeakServicePassword("same", "服务密码不能是同一个数字重复（如000000），请换一个")
    if password in _ASCENDING or password in _DESCENDING:
        raise WeakServicePassword("run", "服务密码不能是连续数字（如123456、654321），请换一个")
    if password[:2] * 3 == password or password[:3] * 2 == password:
        raise WeakServicePassword("repeat", "服务密码不能是重复的数字组合（如121212、123123），请换一个")
    if birth is not None:
        mmdd = f"{birth:%m%d}"
        if password in birth_forms(birth) or password.startswith(mmdd) or password.endswith(mmdd):
            raise WeakServicePassword("birth", "服务密码不能使用出生日期，请换一个")
    if id_number and password == id_number[-LENGTH:].upper():
        raise WeakServicePassword("id_tail", "服务密码不能是身份证号码的后六位，请换一个")
