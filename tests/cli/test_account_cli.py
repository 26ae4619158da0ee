"""`kiosk account credit-interest YEAR`: credits once, says so the second time, one line on refusal."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from db.ledger import account_for, post
from db.models import LedgerEntry, Resident, bind
from tests.cli.test_staff_audit import cli_env  # noqa: F401  (the fixture shared with those tests)
from tests.support import run_cli


def test_credit_interest_twice(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                               capsys: pytest.CaptureFixture[str]) -> None:
    bind(cli_env)
    now = dt.datetime(2016, 1, 1)
    with cli_env.atomic():
        resident = Resident.create(id_number="110101199003074514", name="张三", sex="male",
                                   birth_date=dt.date(1990, 3, 7), created_at=now, updated_at=now)
        account = account_for(resident.id, "pension_employee", today=dt.date(2015, 1, 1), now=now)
        post(account, 480_000, "contribution", entry_date=dt.date(2015, 1, 10), now=now)
    assert run_cli(monkeypatch, ["account", "credit-interest", "2015"]) == 0
    assert "1个账户" in capsys.readouterr().out
    bind(cli_env)
    entry = LedgerEntry.get(LedgerEntry.kind == "interest")
    assert entry.amount_fen == 13_200 and entry.entry_date == dt.date(2015, 12, 31)  # 4,800 × 2.75% × 12/12
    assert run_cli(monkeypatch, ["account", "credit-interest", "2015"]) == 0
    assert "已经结算过" in capsys.readouterr().out
    bind(cli_env)
    assert LedgerEntry.select().where(LedgerEntry.kind == "interest").count() == 1
    assert run_cli(monkeypatch, ["account", "credit-interest", "2031"]) == 2
    err = capsys.readouterr().err.strip()
    assert "尚未结束" in err and len(err.splitlines()) == 1
