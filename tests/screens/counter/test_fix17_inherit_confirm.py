"""Issue 17: the counter's 继承 confirmation (审核/支付) names the overpayment recovered, so the
net total it shows adds up (funeral grant + inherited balance - recovered)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from kiosk.i18n import Translator
from kiosk.services.applications import ApplicationInfo
from screens.counter.lifecycle import confirm_lines


def _inheritance(**money: int) -> ApplicationInfo:
    data: dict[str, Any] = {"heir_name": "李四", "heir_id_number": "360726198001011234", "relationship": "子女",
                            "bank_account": "6222020200001234", **money}
    return cast(ApplicationInfo, SimpleNamespace(type="inheritance", data=data))


def test_inheritance_confirmation_names_the_recovered_overpayment() -> None:
    info = _inheritance(funeral_grant_fen=300000, inheritable_fen=50000, overpaid_fen=80000, recover_fen=80000,
                        amount_fen=270000)
    english = "\n".join(confirm_lines(Translator("en"), info, "paid"))
    assert "total 2,700.00 yuan" in english
    assert "of which 800.00 yuan recovers overpaid benefits" in english
    chinese = "\n".join(confirm_lines(Translator("zh_CN"), info, "reviewed"))
    assert "其中扣回多发待遇" in chinese


def test_no_recovery_line_when_nothing_was_overpaid() -> None:
    info = _inheritance(funeral_grant_fen=300000, inheritable_fen=50000, amount_fen=350000)
    assert not any("其中扣回" in line for line in confirm_lines(Translator("zh_CN"), info, "paid"))
