"""db.ledger's refusals are catalog messages: an overdraft says the balance and the payment in
yuan, in Chinese (``message``) and on the English counter in English (a service passing one on:
tests/services/test_refusals_services.py)."""

from __future__ import annotations

import datetime as dt
import re

import peewee
import pytest

from db.ledger import LedgerError, account_for, post
from kiosk.i18n import Translator, translate_message
from tests.db.test_schema_and_check import NOW, make_resident

HAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
DAY = dt.date(2026, 1, 5)


def test_an_overdraft_is_refused_with_a_catalog_message(database: peewee.Database) -> None:
    resident = make_resident()
    with database.atomic():
        account = account_for(resident, "pension_resident", today=DAY, now=NOW)
        post(account, 123_456, "contribution", entry_date=DAY, now=NOW)
    with pytest.raises(LedgerError) as refused, database.atomic():
        post(account, -200_000, "payout", entry_date=DAY, now=NOW)
    error = refused.value
    assert error.key == "refusal.ledger.overdraft"
    assert error.params == {"balance": "1,234.56", "amount": "2,000.00"}
    assert error.message == str(error)
    assert error.message.startswith("个人账户余额不足：余额 1,234.56 元，本次支出 2,000.00 元")
    english = translate_message(Translator("en"), error.key, error.params)
    assert english.startswith("The personal account does not hold enough: balance 1,234.56 yuan")
    assert not HAN.search(english)
    assert account_for(resident, "pension_resident", today=DAY, now=NOW).balance_fen == 123_456  # nothing written


def test_an_unknown_account_kind_is_a_catalog_message(database: peewee.Database) -> None:
    with pytest.raises(LedgerError) as refused:
        account_for(make_resident(), "piggy_bank", today=DAY, now=NOW)
    assert refused.value.key == "refusal.ledger.unknown_kind" and "“piggy_bank”" in refused.value.message
    english = translate_message(Translator("en"), refused.value.key, refused.value.params)
    assert '"piggy_bank"' in english and not HAN.search(english)

