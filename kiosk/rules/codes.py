"""Card input at every identify prompt, and the codes the kiosk prints itself.

A card reader or scanner types a number and Enter (full-width, grouped or
lower-case input is normalised first). Accepted: an 18-character
citizen ID number, a legacy 15-digit one (upgraded), a 9-character social
security card number, or a code from one of our own receipts:

- ticket:       ``T`` + local date ``YYYYMMDD`` + ticket number, e.g. ``T20261129A007``
- application:  ``SQ`` + ``YYYYMMDD`` + 6-digit serial, e.g. ``SQ20261129000123``
- receipt:      ``RC`` + 10 characters of Crockford base32, e.g. ``RC7K2M9Q4T1B``
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from kiosk.rules.identity import InvalidIdNumber, normalise_id_input, parse_id_number

InputKind = Literal["id_number", "card_number", "ticket", "application", "receipt"]

TICKET_CODE = re.compile(r"^T(\d{8})([A-Z])(\d{3,4})$", re.ASCII)
APPLICATION_NO = re.compile(r"^SQ(\d{8})(\d{6})$", re.ASCII)
RECEIPT_CODE = re.compile(r"^RC[0-9A-HJKMNP-TV-Z]{10}$")
CARD_NUMBER = re.compile(r"^[0-9A-Z]{9}$")


@dataclass(frozen=True)
class CardInput:
    """What a scan or typed number turned out to be, normalised."""

    kind: InputKind
    value: str


def ticket_code(day: dt.date, number: str) -> str:
    """The scannable code printed on a queue ticket."""
    return f"T{day:%Y%m%d}{number}"


def application_number(day: dt.date, serial: int) -> str:
    """A unique application number for the day's ``serial``-th application."""
    return f"SQ{day:%Y%m%d}{serial:06d}"


def _check_code_date(digits: str) -> None:
    """A code we printed carries a real date; a misread one must not reach
    the services (they parse the date and would fail without a message)."""
    try:
        dt.datetime.strptime(digits, "%Y%m%d")
    except ValueError:
        raise InvalidIdNumber("date", f"条码上的日期 {digits} 不对，请重新扫描或到窗口咨询",
                              "refusal.identity.code_date", digits=digits) from None


def parse_card_input(text: str, *, today: dt.date | None = None) -> CardInput:
    """Classify and check what the reader typed; raises InvalidIdNumber with
    a reason (length, characters, region, date, check_digit) otherwise.

    Every reader, keypad and keyboard goes through the one normaliser first
    (:func:`kiosk.rules.identity.normalise_id_input`): full-width characters,
    groups typed with spaces or dashes and a lower-case x are all accepted.
    """
    value = normalise_id_input(text)
    ticket = TICKET_CODE.match(value)
    if ticket:
        _check_code_date(ticket.group(1))
        return CardInput("ticket", value)
    application = APPLICATION_NO.match(value)
    if application:
        _check_code_date(application.group(1))
        return CardInput("application", value)
    if RECEIPT_CODE.match(value):
        return CardInput("receipt", value)
    if len(value) == 9 and CARD_NUMBER.match(value):
        return CardInput("card_number", value)
    if len(value) in (15, 18) or value.isdigit():
        return CardInput("id_number", parse_id_number(value, today=today).number)
    if not value:
        raise InvalidIdNumber("empty", "没有读到号码，请重新刷卡或输入", "refusal.identity.empty_read")
    raise InvalidIdNumber(
        "length",
        f"位数不对：读到{len(value)}位。请输入18位身份证号码、9位社保卡号，或扫描本机打印的条码",
        "refusal.identity.length_read", count=len(value),
    )
