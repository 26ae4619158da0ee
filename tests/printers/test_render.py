"""ESC/POS bytes: pinned goldens per template, and what a printer would make of them.

Goldens live in tests/printers/golden/<template>-<paper>.bin; set
KIOSK_UPDATE_GOLDEN=1 to rewrite them after an intended change. The semantic
tests below are independent of the goldens (decoded with the test tokenizer
and zxing-cpp) and must never be "updated" to pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from printers.escpos_render import RenderOptions, render_escpos
from printers.templates import PaymentInput, payment_receipt
from tests.printers import samples
from tests.printers.escpos_decode import decode

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KIOSK_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_bytes_match_golden(name: str, paper: int) -> None:
    data = render_escpos(samples.ALL[name](), RenderOptions(paper=paper))
    assert data == render_escpos(samples.ALL[name](), RenderOptions(paper=paper))  # deterministic
    path = GOLDEN / f"{name}-{paper}.bin"
    if UPDATE or not path.exists():
        if not UPDATE and os.environ.get("CI"):
            pytest.fail(f"missing golden {path.name}; run with KIOSK_UPDATE_GOLDEN=1 and commit it")
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{path.name} differs; if intended, KIOSK_UPDATE_GOLDEN=1"


def test_job_starts_with_init_and_chinese_mode_and_ends_with_cut() -> None:
    data = render_escpos(samples.acceptance())
    assert data.startswith(b"\x1b@\x1c&")
    tokens = decode(data).tokens
    assert tokens[-1].kind == "cut"
    assert b"\x1bt" not in data  # never a code-page switch (MagicEncode) in the stream


def test_chinese_text_is_gb18030_and_never_replaced() -> None:
    decoded = decode(render_escpos(samples.acceptance(), RenderOptions(paper=80)))
    text = decoded.text
    assert "受理回执" in text and "示范镇社保服务大厅" in text
    assert "参保人：" in text and "张*丰" in text and "1101**********4514" in text
    assert "110101199003074514" not in text  # masked
    assert "承诺时限：" in text and "20个工作日" in text
    assert "1. 居民身份证原件" in text
    assert "?" not in text
    assert "姓名：张三".encode("gb18030") == b"\xd0\xd5\xc3\xfb\xa3\xba\xd5\xc5\xc8\xfd"


def test_gbk_option_encodes_text_as_gbk() -> None:
    doc = samples.payment()
    data = render_escpos(doc, RenderOptions(encoding="gbk"))
    assert "缴费收据".encode("gbk") in data
    with pytest.raises(ValueError, match="gb18030 or gbk"):
        RenderOptions(encoding="utf-8")


@pytest.mark.parametrize("paper", [58, 80])
def test_ticket_qr_and_barcodes_scan(paper: int) -> None:
    decoded = decode(render_escpos(samples.ticket(), RenderOptions(paper=paper)))
    codes = decoded.codes()
    assert ("QRCode", "https://example.org/q/T20261129A007") in codes
    assert ("Code128", "T20261129A007") in codes
    assert "A007" in decoded.lines
    assert "前面等候：" in decoded.text and "5人" in decoded.text
    width = {58: 384, 80: 576}[paper]
    assert all(img.width == width for img in decoded.rasters)


@pytest.mark.parametrize("paper", [58, 80])
def test_acceptance_barcode_is_the_application_number(paper: int) -> None:
    codes = decode(render_escpos(samples.acceptance(), RenderOptions(paper=paper))).codes()
    assert ("Code128", "SQ20261129000123") in codes
    assert ("QRCode", "SQ20261129000123") in codes


@pytest.mark.parametrize("name", ["payment", "statement", "benefit", "assessment", "estimate", "report"])
def test_verification_code_is_printed_and_scannable(name: str) -> None:
    doc = samples.ALL[name]()
    decoded = decode(render_escpos(doc, RenderOptions(paper=58)))
    assert doc.code in decoded.text
    assert ("Code128", doc.code) in decoded.codes()


def test_money_lines_and_totals() -> None:
    text = decode(render_escpos(samples.assessment())).text
    assert "应缴合计：" in text and "1,320.00元" in text  # 960.00 + 360.00
    assert "20%" in text and "7.5%" in text
    text = decode(render_escpos(samples.statement())).text
    assert "2024年 职工养老保险" in text and "2025年 职工养老保险" in text
    assert "累计缴费月数：" in text and "18个月" in text
    assert "5,760.00元" in text  # individual 320.00 x 18


def test_rare_character_goes_as_picture_not_as_text() -> None:
    decoded = decode(render_escpos(samples.rare_name(), RenderOptions(paper=58)))
    assert "𠮷" not in decoded.text and "?" not in decoded.text
    assert "祥" not in decoded.text  # the whole line is a picture
    assert any(img.height == 30 for img in decoded.rasters)  # one text line tall


def test_reprint_and_training_are_marked() -> None:
    doc = samples.payment().as_reprint("RC0000000001")
    text = decode(render_escpos(doc)).text
    assert "【补打】" in text and "原校验码：" in text and "RC7K2M9Q4T1B" in text
    assert "【培训】" not in text
    doc = payment_receipt(samples.ctx(training=True), PaymentInput(samples.PERSON, (("x", 1),), "现金", "RC7K2M9Q4T1B"))
    text = decode(render_escpos(doc)).text
    assert text.count("【培训】") == 2


def test_native_qr_and_hardware_barcode_only_when_asked_and_supported() -> None:
    doc = samples.ticket()
    native = decode(render_escpos(doc, RenderOptions(native_qr=True, native_barcode=True, profile="TM-T20II")))
    assert [t.value for t in native.tokens if t.kind == "qr_native"] == ["https://example.org/q/T20261129A007"]
    assert [t.value for t in native.tokens if t.kind == "barcode"] == [b"{BT20261129A007"]
    # a 58 mm Chinese profile has neither: falls back to pictures
    fallback = decode(render_escpos(doc, RenderOptions(paper=58, native_qr=True, native_barcode=True, profile="ZJ-5870")))
    assert not [t for t in fallback.tokens if t.kind in ("qr_native", "barcode")]
    assert ("QRCode", "https://example.org/q/T20261129A007") in fallback.codes()


def test_rendering_prints_nothing_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    render_escpos(samples.ticket(), RenderOptions(native_barcode=True))
    render_escpos(samples.ticket(), RenderOptions(paper=58))
    assert capsys.readouterr().out == ""
