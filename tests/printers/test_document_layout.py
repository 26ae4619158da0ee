"""Document JSON round trip, receipt codes, and width-based layout."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.codes import RECEIPT_CODE, parse_card_input
from printers.document import Document, new_receipt_code
from printers.layout import (
    TextLine,
    display_width,
    in_printer_font,
    key_value,
    layout,
    needs_image,
    paper_for,
    text_lines,
    wrap,
)
from tests.printers import samples


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_every_template_round_trips_through_json(name: str) -> None:
    doc = samples.ALL[name]()
    text = doc.to_json()
    assert Document.from_json(text) == doc
    assert Document.from_json(json.loads(text)) == doc
    assert Document.from_json(text).to_json() == text


def test_receipt_codes_follow_the_rules_format_and_the_injected_seed() -> None:
    a = [new_receipt_code(random.Random(42)) for _ in range(2)]
    assert a[0] == a[1]  # same seed, same code
    many = {new_receipt_code(random.Random(i)) for i in range(200)}
    assert len(many) == 200
    for code in many:
        assert RECEIPT_CODE.match(code)
        assert parse_card_input(code).kind == "receipt"  # a counter can scan it back
    assert new_receipt_code(None) != new_receipt_code(None)


def test_document_rejects_bad_code_and_naive_time() -> None:
    doc = samples.ticket()
    with pytest.raises(ValueError, match="RC"):
        Document.from_dict({**doc.to_dict(), "code": "RC123"})
    with pytest.raises(ValueError, match="timezone"):
        Document.from_dict({**doc.to_dict(), "time": "2026-11-29T09:30:00", "tz": None})
    with pytest.raises(ValueError, match="block type"):
        Document.from_dict({**doc.to_dict(), "blocks": [{"type": "video"}]})


def test_reprint_keeps_content_and_gets_its_own_code() -> None:
    doc = samples.payment()
    again = doc.as_reprint("RC0000000001")
    assert again.reprint and again.original_code == doc.code and again.code == "RC0000000001"
    assert again.blocks == doc.blocks


def test_widths_cjk_two_ascii_one_and_printer_font() -> None:
    assert display_width("A007") == 4
    assert display_width("姓名：张三") == 10
    assert display_width("—") == 2  # printed full width in Chinese mode
    assert in_printer_font("张") and in_printer_font("【") and in_printer_font("a")
    assert not in_printer_font("𠮷") and not in_printer_font("鿏") and not in_printer_font("€")
    assert needs_image("姓名：𠮷祥") and not needs_image("姓名：张三")


@given(st.text(alphabet=st.sampled_from(list("社保服务大厅ab c，。𠮷1234567890（）")), max_size=120),
       st.integers(min_value=4, max_value=48))
def test_wrap_never_splits_or_loses_a_character(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_keeps_closing_punctuation_off_line_starts() -> None:
    lines = wrap("一二三四五六七，八九", 14)  # the comma would start line 2
    assert lines == ["一二三四五六", "七，八九"]
    assert wrap("ABC DEFGH", 6) == ["ABC", "DEFGH"]  # ASCII words stay whole


@pytest.mark.parametrize("paper", [58, 80])
def test_key_value_rows_right_align_values(paper: int) -> None:
    cols = paper_for(paper).columns
    (line,) = key_value("合计", "1,234.56元", cols)
    assert isinstance(line, TextLine)
    assert display_width(line.text) == cols
    assert line.text.startswith("合计：") and line.text.endswith("1,234.56元")
    long = key_value("业务事项", "城乡居民基本养老保险待遇申领及其他很长很长的说明文字", cols)
    assert len(long) > 1 and all(display_width(x.text) <= cols for x in long if isinstance(x, TextLine))


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_no_line_is_wider_than_the_paper(name: str, paper: int) -> None:
    cols = paper_for(paper).columns
    lines = layout(samples.ALL[name](), paper)
    for line in lines:
        if isinstance(line, TextLine):
            assert display_width(line.text) * line.scale <= cols, line
    assert all(display_width(t) <= cols for t in text_lines(lines, paper))


def test_rare_name_line_is_an_image_line() -> None:
    lines = layout(samples.rare_name(), 58)
    images = [x for x in lines if isinstance(x, TextLine) and x.image]
    assert images and all("𠮷" in x.text for x in images)
    assert not any(isinstance(x, TextLine) and not x.image and "𠮷" in x.text for x in lines)


def test_bad_paper_width_is_refused() -> None:
    with pytest.raises(ValueError, match="58 or 80"):
        paper_for(76)
