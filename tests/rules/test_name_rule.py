"""The name rule (kiosk.rules.text.check_name): real names pass — CJK including the
supplementary planes, minority names with the middle dot, foreign names in Latin
letters with spaces — and markup, digits and symbols are refused with the character."""

from __future__ import annotations

import functools

import pytest

from kiosk.i18n import translate
from kiosk.rules.text import InvalidText, check_name, normalise_name


def translate_in(language: str, key: str, **params: object) -> str:
    return translate(key, language, **params)


@pytest.mark.parametrize("text", ["张三", "𠮷田", "阿卜杜•热合曼", "John  Smith", "O'Brien", "Jean-Pierre", "李〇", "Zoë"])
def test_real_names_pass(text: str) -> None:
    check_name(normalise_name(text))


@pytest.mark.parametrize(("text", "char"), [("[@click=app.quit]x[/]", "["), ("张3", "3"), ("王@", "@"),
                                            ("a=b", "="), ("李<b>", "<"), ("赵（钱）", "(")])
def test_symbols_are_refused_with_the_character(text: str, char: str) -> None:
    with pytest.raises(InvalidText) as refused:
        check_name(normalise_name(text))
    assert refused.value.reason == "name_symbol" and refused.value.params["char"] == char
    for language in ("zh_CN", "en"):
        message = refused.value.describe(functools.partial(translate_in, language))
        assert char in message and "normalise." not in message
