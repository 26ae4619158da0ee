"""Citizen ID numbers and unified social credit codes (RULES.md §1, §12)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.identity import (
    InvalidIdNumber,
    is_valid_uscc,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_id_number,
    upgrade_15_to_18,
)

TODAY = dt.date(2026, 1, 1)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
TABLE = "10X98765432"


def reference_check(first17: str) -> str:
    # Independent: Wi = 2^(18-i) mod 11 and the published lookup table.
    assert [pow(2, 18 - i, 11) for i in range(1, 18)] == WEIGHTS
    return TABLE[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


@pytest.mark.parametrize(
    ("number", "region", "birth", "sex"),
    [
        ("110101199003074514", "110101", dt.date(1990, 3, 7), "male"),
        ("440305200002296121", "440305", dt.date(2000, 2, 29), "female"),
        ("51010419851130002X", "510104", dt.date(1985, 11, 30), "female"),
        ("11010519491231002X", "110105", dt.date(1949, 12, 31), "female"),
        ("440524188001010014", "440524", dt.date(1880, 1, 1), "male"),
    ],
)
def test_valid_examples(number: str, region: str, birth: dt.date, sex: str) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert (parsed.number, parsed.region_code, parsed.birth_date, parsed.sex) == (number, region, birth, sex)


def test_lowercase_x_is_accepted() -> None:
    assert parse_id_number("51010419851130002x", today=TODAY).number == "51010419851130002X"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110101199003074515", "check_digit"),
        ("440305200102296129", "date"),
        ("990101199003074518", "region"),
        ("11010119900307451", "length"),
        ("", "empty"),
        ("11010119900307451A", "characters"),
        ("110101202612310017", "date"),  # born after "today"
    ],
)
def test_invalid_examples(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(number, today=TODAY)
    assert info.value.reason == reason
    assert info.value.message


def test_checks_run_in_order_length_region_date_checksum() -> None:
    # Wrong region AND impossible date AND wrong check digit: the region is named first.
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number("990101200102306129", today=TODAY)
    assert info.value.reason == "region"


@pytest.mark.parametrize(
    ("old", "new"), [("110105491231002", "11010519491231002X"), ("440305850716123", "440305198507161230")]
)
def test_upgrade_15_digit(old: str, new: str) -> None:
    assert upgrade_15_to_18(old) == new
    assert parse_id_number(old, today=TODAY).number == new


def test_masking() -> None:
    assert mask_id_number("110101199003074514") == "1101**********4514"
    assert mask_name("张三") == "张*"
    assert mask_name("张小明") == "张*明"
    assert mask_name("欧阳娜娜") == "欧阳**"
    # A long name's mask does not give away its length.
    assert mask_name("阿依古丽·买买提") == mask_name("阿依古丽") == "阿依**"
    assert mask_phone("13812345678") == "138****5678"


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(["11", "31", "44", "51", "65", "81", "82", "83"]))
    rest = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    first17 = f"{province}{rest}{birth:%Y%m%d}{seq}"
    return first17 + reference_check(first17)


@given(valid_numbers())
def test_generated_valid_numbers_pass(number: str) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.sex == ("male" if int(number[16]) % 2 else "female")


@given(valid_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_fails(number: str, position: int, char: str) -> None:
    if number[position] == char or (char == "X" and position != 17):
        return
    changed = number[:position] + char + number[position + 1:]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed, today=TODAY)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T"])
def test_uscc_valid(code: str) -> None:
    assert is_valid_uscc(code)
    assert is_valid_uscc(code.lower())


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100I43", "91350100M000100Y4", ""])
def test_uscc_invalid(code: str) -> None:
    assert not is_valid_uscc(code)


USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(st.integers(0, 17), st.sampled_from(USCC))
def test_uscc_single_change_fails(position: int, char: str) -> None:
    code = "91350100M000100Y43"
    if code[position] == char:
        return
    assert not is_valid_uscc(code[:position] + char + code[position + 1:])


def test_full_width_digits_are_normalised() -> None:
    assert parse_id_number("１１０１０１１９９００３０７４５１４", today=TODAY).number == "110101199003074514"


@pytest.mark.parametrize("number", ["11010119900307451٣", "110101199003074５1Y"])
def test_non_ascii_digits_are_characters_errors(number: str) -> None:
    # Before the fix, str.isdigit() let "٣" through and int() later crashed
    # with a bare ValueError instead of a reason the kiosk can explain.
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(number, today=TODAY)
    assert info.value.reason == "characters"


def test_superscript_digit_never_crashes() -> None:
    with pytest.raises(InvalidIdNumber):
        parse_id_number("110101199003074²14", today=TODAY)
