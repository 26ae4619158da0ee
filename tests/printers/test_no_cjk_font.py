"""A machine without any Chinese font (``KIOSK_FONT_DIRS`` pointed at an empty folder):
every receipt is still renderable — printer-encodable characters go as text, the
others as a visible □; previews use Pillow's built-in font with boxes — and nothing
the resident or the technician sees is a traceback. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from db.models import PrintJob
from kiosk.cli import main
from kiosk.clock import FixedClock
from printers import graphics
from printers.devices import open_device
from printers.document import Document, KeyValue, Note, new_receipt_code
from printers.escpos_render import RenderOptions, render_escpos
from printers.spool import PrintSpool
from tests.printers import samples
from tests.printers.escpos_decode import decode


@pytest.fixture
def no_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "emptyfonts"
    empty.mkdir()
    monkeypatch.setenv(graphics.FONT_DIRS_ENV, str(empty))
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    return empty


def _receipt(clock: FixedClock) -> Document:
    return Document("test", "测试小票", "示范镇社保服务大厅", "T01", clock.now_local(), new_receipt_code(5),
                    (KeyValue("姓名", "王𠮷"), Note("请妥善保管")))


def test_the_font_lookup_sees_no_chinese_font(no_font: Path) -> None:
    assert graphics.cjk_font() is None
    with pytest.raises(graphics.FontNotFound):
        graphics.find_cjk_font()


def test_a_rare_character_prints_as_text_with_a_box(no_font: Path, clock: FixedClock) -> None:
    data = render_escpos(_receipt(clock), RenderOptions(encoding="gbk"))
    text = decode(data).text
    assert "王□" in text and "请妥善保管" in text


@pytest.mark.parametrize("scheme", ["preview", "file"])
def test_printer_test_is_one_calm_line(no_font: Path, tmp_path: Path, scheme: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[printer]\npaper = 80\n", encoding="utf-8")
    url = f"preview:{tmp_path / 'out'}" if scheme == "preview" else f"file:{tmp_path / 'page.bin'}"
    assert main(["--config", str(config), "printer", "test", "--printer", url]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and len(out.out.strip().splitlines()) == 1
    assert "测试页已发送" in out.out
    if scheme == "preview":
        (png,) = (tmp_path / "out").glob("test-*.png")
        assert png.stat().st_size > 0


def test_a_queued_receipt_with_a_rare_name_prints(no_font: Path, database: peewee.Database, tmp_path: Path,
                                                  clock: FixedClock) -> None:
    options = RenderOptions(encoding="gbk")
    spool = PrintSpool(database, open_device(f"file:{tmp_path / 'printer.bin'}", options), clock,
                       terminal="T01", options=options)
    job_id = spool.submit(_receipt(clock))
    assert spool.run_once() == 1
    assert spool.job(job_id).status == "printed"
    assert "王□" in decode((tmp_path / "printer.bin").read_bytes()).text


def test_a_preview_printer_prints_and_the_resident_is_told(no_font: Path, database: peewee.Database,
                                                           tmp_path: Path, clock: FixedClock) -> None:
    """kiosk demo on a fresh machine: the ticket is printed to the preview, not an error."""
    from kiosk.app import Services
    from kiosk.policy import load_policy

    options = RenderOptions()
    spool = PrintSpool(database, open_device(f"preview:{tmp_path / 'receipts'}", options), clock,
                       terminal="T01", options=options)
    services = Services(printer=spool.device, spool=spool, policy=load_policy(None))
    document = samples.ticket()
    outcome = services.print_document(document)
    assert outcome.printed, outcome.message
    job = PrintJob.get()
    assert job.status == "printed" and not job.last_error
    assert list((tmp_path / "receipts").glob("*.png"))
