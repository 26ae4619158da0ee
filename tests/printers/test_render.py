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


def _hostile(name: str) -> object:
    """A payment receipt whose resident name and items carry printer commands and invisible characters."""
    from printers import templates as t

    person = t.Person(name, "110101199003074514")
    return t.payment_receipt(samples.ctx(11), t.PaymentInput(
        person, (("养老保险\x1dV\x00裁纸", 80000), ("医疗\x10\x04\x01\x9b2J", 40000)), "现金\x07",
        "RC7K2M9Q4T1B", clerk="00\x1bp0\x19\xfa12"))


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_control_bytes_in_fields_never_reach_the_printer(encoding: str) -> None:
    data = render_escpos(_hostile("张三\x1bp0\x19\xfa"), RenderOptions(encoding=encoding))  # type: ignore[arg-type]
    decoded = decode(data)  # the tokenizer raises on ESC p or any stray control byte
    commands = decoded.commands()
    assert not any(c.startswith(b"\x1bp") for c in commands)  # no cash drawer
    assert [t.kind for t in decoded.tokens].count("cut") == 1  # the renderer's own cut, none from data
    assert not any(c.startswith(b"\x10\x04") for c in commands)
    assert "00□p0□ú12" in decoded.text and "养老保险□V□裁纸" in decoded.text  # visibly replaced, not hidden


def test_characters_the_encoding_lacks_always_render_on_a_gbk_printer() -> None:
    from printers import templates as t

    options = RenderOptions(encoding="gbk")
    for name in ("王五\u200b", "王\u202e五", "Jose\u0301", "王€五", "王\ud800五", "张\u00a0三"):
        document = t.payment_receipt(samples.ctx(12), t.PaymentInput(
            t.Person(name, "110101199003074514"), (("养老保险", 80000),), "现金", "RC7K2M9Q4T1B"))
        decoded = decode(render_escpos(document, options))  # renders; every text run decodes
        assert "养老保险" in decoded.text and "RC7K2M9Q4T1B" in decoded.text
    text = decode(render_escpos(t.payment_receipt(samples.ctx(12), t.PaymentInput(
        t.Person("王五\u200b", "110101199003074514"), (("养老保险", 80000),), "现金", "RC7K2M9Q4T1B")),
        options)).text
    assert "\u200b" not in text


def test_encode_text_never_raises_and_never_passes_controls() -> None:
    from printers.escpos_render import encode_text

    assert encode_text("a\x1bp0\x9b\u200b张", "gbk") == b"a?p0??" + "张".encode("gbk")
    assert encode_text("普通文字 123", "gb18030") == "普通文字 123".encode("gb18030")
