"""The one input normaliser (kiosk.rules.text) and the number parsers built on it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.i18n import translate
from kiosk.rules.codes import parse_card_input
from kiosk.rules.identity import InvalidIdNumber, parse_id_number
from kiosk.rules.text import (
    InvalidText,
    normalise_name,
    normalise_number,
    normalise_phone,
    normalise_search,
    normalise_text,
)

TODAY = dt.date(2026, 11, 29)
ID = "110101199003074514"
FULL_WIDTH_ID = "１１０１０１１９９００３０７４５１４"


def zh(key: str, **params: object) -> str:
    return translate(key, "zh_CN", **params)


@pytest.mark.parametrize(("typed", "stored"), [
    ("张　三", "张三"),
    ("李 四", "李四"),
    ("  王五 ", "王五"),
    ("阿卜杜•热合曼", "阿卜杜·热合曼"),
    ("阿卜杜 ・ 热合曼", "阿卜杜·热合曼"),
    ("买买提･艾力‧阿不都∙热合曼", "买买提·艾力·阿不都·热合曼"),
    ("阿卜杜\u00b7热合曼", "阿卜杜·热合曼"),
    ("John \u3000  Smith", "John Smith"),
    ("Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"),
    ("Jose\u0301", "José"),  # a decomposed accent composes
])
def test_names_in_normal_form(typed: str, stored: str) -> None:
    assert normalise_name(typed) == stored


@pytest.mark.parametrize(("typed", "reason", "position", "code"), [
    ("王五\u200b", "zero_width", 3, "U+200B"),
    ("\ufeff王五", "zero_width", 1, "U+FEFF"),
    ("王\u2060五", "zero_width", 2, "U+2060"),
    ("王五\u202e", "bidi", 3, "U+202E"),
    ("王\u2067五", "bidi", 2, "U+2067"),
    ("王\u200f五", "bidi", 2, "U+200F"),
    ("王\x07五", "control", 2, "U+0007"),
    ("王\x85五", "control", 2, "U+0085"),
    ("王\u00ad五", "format", 2, "U+00AD"),
    ("王\u0301五", "combining", 2, "U+0301"),  # a mark on a CJK character
    ("\u0301", "combining", 1, "U+0301"),
    ("王五\ufe0f", "combining", 3, "U+FE0F"),
])
def test_invisible_and_control_characters_are_refused_naming_them(
        typed: str, reason: str, position: int, code: str) -> None:
    with pytest.raises(InvalidText) as info:
        normalise_name(typed)
    assert info.value.reason == reason
    assert info.value.params["position"] == position and info.value.params["code"] == code
    message = info.value.describe(zh)
    assert f"第{position}个字符" in message and code in message
    assert code in info.value.describe(lambda key, **p: translate(key, "en", **p))


def test_free_text_phone_and_search() -> None:
    assert normalise_text("  欣山镇 \t 龙岗村（3组）\n ") == "欣山镇 龙岗村（3组）"
    with pytest.raises(InvalidText):
        normalise_text("龙岗村\u200b")
    assert normalise_phone("１３８ ００１３ ８０００") == "13800138000"
    assert normalise_phone("（0797）—3721234") == "0797-3721234"
    assert normalise_search("  医疗\u200b　ＡＢＣ ") == "医疗 abc"


@pytest.mark.parametrize("typed", [
    FULL_WIDTH_ID,
    "110101 19900307 4514",
    "1101-0119-9003-0745-14",
    "110101\u300019900307\u30004514",
    " 110101·19900307·4514 ",
])
def test_id_numbers_typed_any_way_are_the_same_number(typed: str) -> None:
    assert normalise_number(typed) == ID
    assert parse_id_number(typed, today=TODAY).number == ID
    parsed = parse_card_input(typed, today=TODAY)
    assert (parsed.kind, parsed.value) == ("id_number", ID)


def test_lower_case_and_full_width_x_and_codes() -> None:
    with_x = "11010119900307002X"
    assert parse_id_number(with_x.lower(), today=TODAY).number == with_x
    assert parse_id_number(with_x[:17] + "Ｘ", today=TODAY).number == with_x
    assert normalise_number("ｘ") == "X" and normalise_number("x") == "X"
    assert parse_card_input("ｔ２０２６１１２９ａ００７", today=TODAY).value == "T20261129A007"
    assert parse_card_input("ａ１２３４５６７８", today=TODAY).kind == "card_number"


def test_invisible_character_in_a_number_names_it() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        parse_card_input(ID[:5] + "\u200b" + ID[5:], today=TODAY)
    assert info.value.reason == "characters"
    assert "第6个字符" in info.value.message and "U+200B" in info.value.message
    assert isinstance(info.value, InvalidText)  # one except covers every refusal


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_every_normaliser_is_idempotent(text: str) -> None:
    for normalise in (normalise_name, normalise_number, normalise_text, normalise_phone):
        try:
            once = normalise(text)
        except InvalidText:
            continue
        assert normalise(once) == once
    searched = normalise_search(text)
    assert normalise_search(searched) == searched


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=24))
def test_ascii_numbers_skip_no_step_of_the_normaliser(text: str) -> None:
    # normalise_number answers plain ASCII letters and digits (a card reader's number) at once;
    # for every ASCII text it must say what the full steps say.
    from kiosk.rules.text import _number_step, _settled

    try:
        expected: str | type[InvalidText] = _settled(_number_step, text, allow_layout=True)
    except InvalidText:
        expected = InvalidText
    try:
        assert normalise_number(text) == expected
    except InvalidText:
        assert expected is InvalidText
    assert normalise_number("36072619800101001x") == "36072619800101001X"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["张", "三", "阿", "·", "•", "・", " ", "\u3000", "a", "B", "\u200b", "\u0301"]),
                max_size=12).map("".join))
def test_names_never_keep_padding_or_foreign_dots(text: str) -> None:
    try:
        name = normalise_name(text)
    except InvalidText as exc:
        assert exc.reason in ("zero_width", "combining")
        return
    assert name == name.strip() and "  " not in name and "\u3000" not in name
    assert not set("•・") & set(name)


def test_guide_search_goes_through_the_normaliser() -> None:
    from kiosk.guide import load_guide

    guide = load_guide()
    plain = guide.search("pension")
    assert plain and plain != guide.topics
    assert guide.search("ＰＥＮＳＩＯＮ") == plain
    assert guide.search("pen\u200bsion") == plain
    assert guide.search("\u3000\u200b") == guide.topics  # nothing typed: every topic


def test_a_reader_s_line_break_in_a_number_is_whitespace() -> None:
    assert normalise_number(" 123456789\r\n") == "123456789"
    assert normalise_number("3607\t26") == "360726"
