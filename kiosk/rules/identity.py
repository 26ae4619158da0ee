"""Citizen ID numbers (GB 11643-1999), social security card input, masking and
the unified social credit code of employers (GB 32100-2015).

Checks run in the order a clerk would explain them: length and characters,
address code, birth date, check digit. Each failure carries a ``reason`` code
and a Chinese message that says what to do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kiosk.rules.text import InvalidText, normalise_number

Sex = Literal["male", "female"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # index: S mod 11
_ASCII_15 = re.compile(r"[0-9]{15}")
_ASCII_18 = re.compile(r"[0-9]{17}[0-9X]")

#: Province-level codes (positions 1-2) of GB/T 2260, plus 83 for Taiwan
#: residence permits (830000); 81/82 are Hong Kong and Macao.
PROVINCE_CODES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏",
    "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西",
    "46": "海南", "50": "重庆", "51": "四川", "52": "贵州", "53": "云南",
    "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门", "83": "台湾",
}

IdReason = Literal["empty", "length", "characters", "region", "date", "check_digit"]


class InvalidIdNumber(InvalidText):
    """An ID number (or card input) that fails a check; ``reason`` names which one.

    A kind of :class:`~kiosk.rules.text.InvalidText`, so one ``except`` covers
    every refusal of typed text. The Chinese ``message`` is built here for pure
    callers (imports, logs); ``key`` (``refusal.identity.*``, default
    ``refusal.identity.<reason>``) and ``params`` name the same message in the
    catalogs (its zh_CN text is ``message``), so what reaches a screen is
    shown in the reader's language.
    """

    def __init__(self, reason: IdReason, message: str, key: str = "", /, **params: object) -> None:
        super().__init__(reason, params)
        self.args = (message,)
        self.reason: IdReason = reason
        self.message = message
        self._key = key or f"refusal.identity.{reason}"

    def __str__(self) -> str:
        return self.message

    @property
    def key(self) -> str:
        """The catalog key of the message (``refusal.identity.*``)."""
        return self._key

    def describe(self, translate: Callable[..., str] | None = None) -> str:
        """The message through ``translate(key, **params)`` (a Translator), else the Chinese ``message``."""
        return self.message if translate is None else translate(self.key, **self.params)


def normalise_id_input(text: str) -> str:
    """What a reader, keypad or cell gave, as the characters of a number:
    full-width to ASCII, spaces and separators (``-``, ``·``, U+3000) removed,
    upper case (:func:`kiosk.rules.text.normalise_number`).

    Raises InvalidIdNumber("characters") naming an invisible or control
    character and its 1-based position.
    """
    try:
        return normalise_number(text)
    except InvalidText as exc:
        raise InvalidIdNumber(
            "characters",
            f"号码第{exc.params['position']}个字符是看不见的字符或控制字符（{exc.params['code']}），"
            "请清空后重新刷卡或输入",
            "refusal.identity.invisible", position=exc.params["position"], code=exc.params["code"],
        ) from None


@dataclass(frozen=True)
class IdNumber:
    """A checked 18-character citizen ID number and what it encodes."""

    number: str
    region_code: str
    birth_date: dt.date
    sex: Sex

    @property
    def province(self) -> str:
        return PROVINCE_CODES[self.region_code[:2]]

    def age_on(self, day: dt.date) -> int:
        """Whole years of age on ``day``."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 ASCII digits; ValueError otherwise."""
    if not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"not 17 ASCII digits: {first17!r}")
    # ord(c) - 48 is the digit's value; the list form is twice as fast as int() per digit.
    total = sum([w * (ord(c) - 48) for c, w in zip(first17, _WEIGHTS, strict=True)])
    return _CHECK_CHARS[total % 11]


def upgrade_15_to_18(number15: str) -> str:
    """Turn a first-generation 15-digit number into its 18-character form."""
    if not _ASCII_15.fullmatch(number15):
        raise InvalidIdNumber("length", "旧15位身份证号码应为15位数字", "refusal.identity.length_15")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_digit(first17)


def legacy_15_form(number18: str) -> str | None:
    """The first-generation 15-digit number an 18-character one was upgraded from
    (drop ``19`` and the check character), None for a birth year outside 19xx
    (no 15-digit card was issued for it). Finds an old record kept under its 15 digits."""
    if not _ASCII_18.fullmatch(number18) or number18[6:8] != "19":
        return None
    return number18[:6] + number18[8:17]


def parse_id_number(text: str, *, today: dt.date | None = None) -> IdNumber:
    """Check an 18-character (or legacy 15-digit) ID number and decode it.

    ``today`` bounds the birth date (no one is born in the future); it defaults
    to the system date only because this pure function has no clock.
    """
    # NFKC turns full-width digits and Ｘ (typed with a Chinese input method)
    # into ASCII and groups typed with spaces or dashes are joined; anything
    # still not ASCII 0-9/X is rejected below, because str.isdigit() also
    # accepts characters such as "²" that int() refuses.
    number = normalise_id_input(text)
    if not number:
        raise InvalidIdNumber("empty", "没有输入号码，请刷卡或输入18位身份证号码")
    if len(number) == 15 and _ASCII_15.fullmatch(number):
        _check_region(number[:6])
        _check_birth(number[6:12], century="19", today=today)
        number = upgrade_15_to_18(number)
    if len(number) != 18:
        raise InvalidIdNumber(
            "length", f"位数不对：输入了{len(number)}位，身份证号码应为18位（旧证15位）",
            "refusal.identity.length", count=len(number),
        )
    if not _ASCII_18.fullmatch(number):
        raise InvalidIdNumber("characters", "号码含有无效字符：前17位应为数字，最后一位为数字或X")
    _check_region(number[:6])
    birth = _check_birth(number[6:14], century="", today=today)
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber("check_digit", "校验码不对：最后一位与前17位不符，请核对号码是否输错")
    sex: Sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdNumber(number=number, region_code=number[:6], birth_date=birth, sex=sex)


def is_valid_id_number(text: str) -> bool:
    """True when ``parse_id_number`` accepts ``text``."""
    try:
        parse_id_number(text)
    except InvalidIdNumber:
        return False
    return True


def _check_region(code: str) -> None:
    if code[0] == "0" or code[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber("region", f"地址码不对：前两位“{code[:2]}”不是有效的省份代码",
                              "refusal.identity.region", prefix=code[:2])


def _check_birth(digits: str, *, century: str, today: dt.date | None) -> dt.date:
    text = century + digits
    try:
        birth = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise InvalidIdNumber(
            "date", f"出生日期不对：{text[:4]}年{text[4:6]}月{text[6:8]}日不存在",
            "refusal.identity.date_missing", year=text[:4], month=text[4:6], day=text[6:8],
        ) from None
    limit = today or dt.date.today()
    if birth > limit or birth.year < 1870:
        raise InvalidIdNumber("date", f"出生日期不对：{birth.isoformat()}不可能是出生日期",
                              "refusal.identity.date", birth=birth.isoformat())
    return birth


def mask_id_number(text: str) -> str:
    """Show only the first 4 and last 4 characters: 1101**********4514.

    Shorter identifiers (card numbers) keep their first and last two.
    """
    s = text.strip()
    if len(s) >= 15:
        return s[:4] + "*" * (len(s) - 8) + s[-4:]
    if len(s) >= 5:
        return s[:2] + "*" * (len(s) - 4) + s[-2:]
    return "*" * len(s)


#: Longest name accepted anywhere (registration, roster import): long enough
#: for transliterated minority names such as 买买提·艾力·阿不都热合曼.
NAME_MAX_LENGTH = 40


def mask_name(name: str) -> str:
    """Mask a name for bystanders: 张* / 张*明 / 欧阳** / 阿依**.

    Four characters and more keep the first two and always two stars: the
    number of stars must not tell a bystander how long a long name is.
    """
    s = name.strip()
    if len(s) <= 1:
        return "*" if s else ""
    if len(s) == 2:
        return s[0] + "*"
    if len(s) == 3:
        return s[0] + "*" + s[2]
    return s[:2] + "**"


def mask_phone(phone: str) -> str:
    """Mobile numbers as 138****5678; anything else keeps its last 4."""
    s = phone.strip()
    if len(s) == 11 and s.isdigit():
        return s[:3] + "****" + s[-4:]
    return "*" * max(0, len(s) - 4) + s[-4:]


# --- Unified social credit code (统一社会信用代码) ---------------------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(text: str) -> bool:
    """True for an 18-character code whose characters and check character are right."""
    code = text.strip().upper()
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]
