"""The 社保卡服务密码 rules: six digits, nothing guessable from the card."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.rules.service_password import WeakServicePassword, birth_forms, check_service_password

ID = "110101197003074515"
BIRTH = dt.date(1970, 3, 7)


@pytest.mark.parametrize(("password", "reason"), [
    ("12345", "format"), ("1234567", "format"), ("12a456", "format"), ("１２３４５６", "format"),
    ("000000", "same"), ("999999", "same"),
    ("123456", "run"), ("654321", "run"), ("890123", "run"), ("345678", "run"),
    ("121212", "repeat"), ("123123", "repeat"), ("909090", "repeat"),
    ("700307", "birth"), ("030770", "birth"), ("070370", "birth"), ("030799", "birth"), ("990307", "birth"),
    ("074515", "id_tail"),
])
def test_trivial_passwords_are_refused_with_a_reason(password: str, reason: str) -> None:
    with pytest.raises(WeakServicePassword) as refused:
        check_service_password(password, ID, BIRTH)
    assert refused.value.reason == reason and str(refused.value)  # a message to show


@pytest.mark.parametrize("password", ["246801", "518273", "730619", "070315"])
def test_ordinary_passwords_pass(password: str) -> None:
    check_service_password(password, ID, BIRTH)


def test_birth_forms_are_the_six_digit_spellings() -> None:
    assert birth_forms(BIRTH) == {"700307", "030770", "070370"}

