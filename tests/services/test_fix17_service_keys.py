"""Issue 17: service refusals carry catalog keys that exist in both languages, and a screen
renders them in its language, translating ``*_key`` params (a status, a channel) first."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.i18n import Translator, catalog
from kiosk.services import ServiceError
from kiosk.services.payments import _tendered
from screens.base import HostMixin

SERVICES = Path(__file__).resolve().parents[2] / "kiosk" / "services"


def _keys_raised() -> set[str]:
    """Every literal ``key=`` of a ServiceError and every literal key of a ``.keyed(...)``
    refusal in kiosk/services."""
    keys: set[str] = set()
    for path in SERVICES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "keyed" and node.args and isinstance(node.args[0], ast.Constant):
                keys.add(str(node.args[0].value))
                continue
            if not (name.endswith(("Error", "Found", "Conflict", "Denied"))):
                continue
            for keyword in node.keywords:
                if keyword.arg == "key" and isinstance(keyword.value, ast.Constant):
                    keys.add(str(keyword.value.value))
    return keys


def test_every_key_a_service_raises_is_in_both_catalogs() -> None:
    keys = _keys_raised()
    assert {"fix17text.queue.counter_busy", "fix17text.pay.short"} <= keys
    for language in ("zh_CN", "en"):
        assert sorted(k for k in keys if k not in catalog(language)) == []


def _shown(error: ServiceError, language: str) -> str:
    screen = SimpleNamespace(t=Translator(language))
    return HostMixin.service_message(screen, error)  # type: ignore[arg-type]


def test_payment_refusal_in_the_screens_language() -> None:
    with pytest.raises(ServiceError) as refused:
        _tendered("50", 10000, "cash")
    assert _shown(refused.value, "en") == "Received 50.00 yuan is less than the 100.00 yuan due"
    assert _shown(refused.value, "zh_CN") == refused.value.message


def test_key_params_are_translated_first() -> None:
    error = ServiceError("本窗口还有 A001（办理中），请先办结、过号或挂起", key="fix17text.queue.counter_busy",
                         params={"code": "A001", "status_key": "fix17text.queue.status.serving"})
    assert _shown(error, "en") == "This counter still has A001 (being served); finish it, mark it no-show or hold it first"
    assert _shown(error, "zh_CN") == error.message


def test_entitlement_refusal_in_english() -> None:
    from kiosk.services import claims
    from kiosk.services import entitlement as ent

    decision = ent.Decision("pension", False, ("too_few_months", "below_pension_age"), None, None, None, ())
    error = claims.refusal(decision, "支付")
    assert error.message.startswith("记录不支持本次申领，不能支付：")
    assert _shown(error, "zh_CN") == error.message
    english = _shown(error, "en")
    assert english.startswith("The records do not support this claim; cannot pay it: Too few months of contributions")
    assert "Pension age (retirement date) not yet reached" in english


def test_keyed_refusal_takes_its_text_from_the_catalog() -> None:
    # ``code`` after the key is the error's code; ``code=`` is the message's parameter.
    error = ServiceError.keyed("fix17text.queue.counter_busy", "busy", code="A001",
                               status_key="fix17text.queue.status.serving")
    assert (error.code, error.key) == ("busy", "fix17text.queue.counter_busy")
    assert error.message == "本窗口还有 A001（办理中），请先办结、过号或挂起"
    assert _shown(error, "en") == "This counter still has A001 (being served); finish it, mark it no-show or hold it first"
    assert _shown(error, "zh_CN") == error.message
