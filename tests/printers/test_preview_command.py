"""PNG/text previews at 58 and 80 mm, and ``kiosk printer test``."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.cli import main
from printers.escpos_render import RenderOptions
from printers.graphics import FontNotFound, find_cjk_font
from printers.preview import MARGIN, preview_text, render_png, write_preview
from tests.printers import samples
from tests.printers.fake_printer import refusing_port

try:
    find_cjk_font()
    HAVE_FONT = True
except FontNotFound:
    HAVE_FONT = False
needs_font = pytest.mark.skipif(not HAVE_FONT, reason="no CJK font (apt-get install fonts-wqy-microhei)")


@needs_font
@pytest.mark.parametrize(("paper", "dots"), [(58, 384), (80, 576)])
def test_png_preview_width_and_scannable_codes(tmp_path: Path, paper: int, dots: int) -> None:
    doc = samples.ticket()
    assert render_png(doc, paper).width == dots
    files = write_preview(doc, tmp_path, RenderOptions(paper=paper))
    png = Image.open(files.png)
    assert png.width == dots + 2 * MARGIN
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(png)}
    assert ("QRCode", "https://example.org/q/T20261129A007") in found
    assert files.bin.read_bytes().startswith(b"\x1b@\x1c&")
    assert files.txt.read_text(encoding="utf-8").splitlines() == preview_text(doc, paper)


def test_preview_text_lines_for_a_terminal() -> None:
    lines = preview_text(samples.payment(), 58)
    assert any("缴费收据" in line for line in lines)
    assert any(line.startswith("合计：") and line.endswith("1,200.00元") for line in lines)
    assert any("[条码 RC7K2M9Q4T1B]" in line for line in lines)


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import printers.graphics as g

    g.clear_font_caches()
    monkeypatch.setattr(g, "KNOWN_FONTS", ())
    monkeypatch.setattr(g.shutil, "which", lambda _: None)
    try:
        with pytest.raises(FontNotFound, match="fonts-wqy-microhei"):
            g.find_cjk_font()
    finally:
        g.clear_font_caches()


@needs_font
def test_kiosk_printer_test_writes_every_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[printer]\npaper = 58\n', encoding="utf-8")
    assert main(["--config", str(config), "printer", "test", "--printer", f"preview:{tmp_path / 'out'}"]) == 0
    (txt,) = (tmp_path / "out").glob("test-*.txt")
    text = txt.read_text(encoding="utf-8")
    for needle in ("打印测试页", "A007", "险种", "𠮷祥", "[二维码", "[条码 T20261129A007]", "58mm"):
        assert needle in text
    assert "测试页已发送" in capsys.readouterr().out


def test_kiosk_printer_test_unreachable_is_one_line_and_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("", encoding="utf-8")
    code = main(["--config", str(config), "printer", "test", "--printer", f"network://127.0.0.1:{refusing_port()}"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "打印机无法连接" in err and "测试页未打印" in err
    assert main(["--config", str(config), "printer", "test", "--printer", "lpt1"]) != 0
    assert "允许的形式" in capsys.readouterr().err
