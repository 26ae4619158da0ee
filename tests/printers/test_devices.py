"""Devices from URLs, and real TCP printers on loopback that misbehave in every usual way."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from printers.devices import (
    ConnectionLost,
    CupsDevice,
    EscposDevice,
    FileDevice,
    NetworkDevice,
    PaperOut,
    PreviewDevice,
    PrinterError,
    PrinterNotTaking,
    PrinterStatus,
    PrinterTimeout,
    PrinterUnreachable,
    open_device,
    parse_online,
    parse_paper,
)
from printers.escpos_render import render_escpos
from tests.printers import samples
from tests.printers.escpos_decode import decode
from tests.printers.fake_printer import fake_printer, refusing_port


def test_urls_open_the_right_device(tmp_path: Path) -> None:
    assert isinstance(open_device(f"preview:{tmp_path}"), PreviewDevice)
    net = open_device("network://10.0.0.5:9100")
    assert isinstance(net, NetworkDevice) and (net.host, net.port, net.status_check) == ("10.0.0.5", 9100, True)
    assert not open_device("network://printer.local:9100?status=off").status_check  # type: ignore[attr-defined]
    assert isinstance(open_device("usb://0416:5011"), EscposDevice)
    assert isinstance(open_device("serial:///dev/ttyUSB0?baud=19200"), EscposDevice)
    file_dev = open_device("file:///dev/usb/lp0")
    assert isinstance(file_dev, FileDevice) and file_dev.path == Path("/dev/usb/lp0")
    cups = open_device("cups://receipts")
    assert isinstance(cups, CupsDevice) and cups.queue == "receipts"


@pytest.mark.parametrize("url", ["lpt1", "network://:9100", "network://host:99999", "usb://xyz:1",
                                 "serial://", "preview:", "http://x", ""])
def test_bad_urls_name_what_is_allowed(url: str) -> None:
    with pytest.raises(ValueError, match="network://HOST:9100") as info:
        open_device(url)
    assert "preview:DIR" in str(info.value)


def test_status_bytes() -> None:
    assert parse_online(b"\x12") is True and parse_online(b"\x1a") is False
    assert parse_online(b"") is None and parse_online(b"\xff") is None
    assert parse_paper(b"\x12") == "ok" and parse_paper(b"\x7e") == "out" and parse_paper(b"\x1e") == "near_end"
    assert parse_paper(b"") == "unknown"  # never "ok" from silence (python-escpos says 2 here)
    assert not PrinterStatus(None, "unknown").paper_ok and PrinterStatus(None, "unknown").unknown


def test_network_printer_receives_the_job_and_reports_ok() -> None:
    data = render_escpos(samples.ticket())
    with fake_printer("ok") as printer:
        device = open_device(printer.url, timeout=2)
        device.send(data)
        status = device.status(timeout=1)
        for _ in range(50):
            if printer.jobs:
                break
            time.sleep(0.02)
    assert printer.jobs == [data]
    assert decode(printer.jobs[0]).codes()
    assert status.paper_ok and status.online is True


def test_refused_connection_is_unreachable_with_a_chinese_message() -> None:
    device = open_device(f"network://127.0.0.1:{refusing_port()}", timeout=1)
    with pytest.raises(PrinterUnreachable, match="无法连接打印机") as info:
        device.send(b"x")
    assert isinstance(info.value, PrinterError)
    status = device.status(timeout=0.5)
    assert status.online is False and not status.paper_ok


def test_printer_known_to_answer_that_hangs_times_out_and_gets_nothing() -> None:
    with fake_printer("ok") as printer:
        device = open_device(printer.url, timeout=0.3)
        assert device.status(timeout=2).paper_ok  # it answers status queries
        printer.mode = "silent"  # now it hangs (busy, jammed)
        with pytest.raises(PrinterTimeout, match="无应答"):
            device.send(render_escpos(samples.ticket()))
        status = device.status(timeout=0.3)
    assert status.unknown and not status.paper_ok and not status.paper_out
    assert printer.jobs == []


def test_printer_that_never_answers_status_is_used_without_it() -> None:
    """No status answers at all: the job goes out once, the printer's closing confirms it; status 状态未知."""
    data = render_escpos(samples.ticket())
    with fake_printer("mute") as printer:
        device = open_device(printer.url, timeout=0.5)
        assert device.send(data) is True
        assert device.send(data) is True  # the second job does not ask again
        status = device.status(timeout=0.5)
        deadline = time.monotonic() + 10
        while len(printer.jobs) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert printer.jobs == [data, data] and printer.status_queries == 1 + 1  # 1 probe + status()
    assert status.unknown and status.online is None and "状态未知" in status.message
    assert isinstance(device, NetworkDevice) and device.answers_status() is False


def test_late_confirmation_counts_as_sent_not_as_failed() -> None:
    data = render_escpos(samples.ticket())
    with fake_printer("late", delay=10) as printer:
        device = open_device(printer.url, timeout=0.5)
        assert device.send(data) is False  # sent, not confirmed in time, and no error
    assert printer.jobs == [data]


def test_reset_after_the_whole_job_is_sent_unconfirmed_not_resent() -> None:
    """A printer that reads all (cut included) and then resets instead of closing has the job."""
    data = render_escpos(samples.ticket())
    with fake_printer("reset_after") as printer:
        device = open_device(printer.url, timeout=1)
        assert device.send(data) is False  # sent, unconfirmed: no ConnectionLost, so no resend
        deadline = time.monotonic() + 10
        while not printer.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
    assert printer.jobs == [data] and printer.connections == 1


def test_status_mode_from_the_url() -> None:
    modes = {url: open_device(url).status_mode for url in (  # type: ignore[attr-defined]
        "network://p:9100", "network://p:9100?status=on", "network://p:9100?status=off", "network://p?status=auto")}
    assert list(modes.values()) == ["auto", "on", "off", "auto"]
    with pytest.raises(ValueError, match="auto、on 或 off"):
        open_device("network://p:9100?status=maybe")


def test_printer_closing_mid_job_is_connection_lost() -> None:
    with fake_printer("close_mid_job") as printer:
        device = open_device(printer.url, timeout=1)
        with pytest.raises(ConnectionLost, match="中断"):
            device.send(render_escpos(samples.statement()))


def test_paper_out_is_reported_and_nothing_is_sent() -> None:
    with fake_printer("paper_out") as printer:
        device = open_device(printer.url, timeout=1)
        with pytest.raises(PaperOut, match="缺纸"):
            device.send(render_escpos(samples.ticket()))
        status = device.status(timeout=1)
    assert status.paper_out and not status.paper_ok and "缺纸" in status.message


def test_file_device_writes_bytes_and_never_queries(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    device = open_device(f"file://{target}")
    device.send(b"\x1b@hello")
    assert target.read_bytes() == b"\x1b@hello"
    assert device.status().unknown
    assert target.read_bytes() == b"\x1b@hello"  # no DLE EOT written into the paper stream
    with pytest.raises(PrinterUnreachable):
        open_device(f"file://{tmp_path}/missing/lp0").send(b"x")


def test_usb_without_device_is_unreachable() -> None:
    with pytest.raises(PrinterUnreachable):
        open_device("usb://0416:5011").send(b"x")
    assert open_device("usb://0416:5011").status(timeout=0.2).unknown


def test_preview_device_writes_png_bin_txt(tmp_path: Path) -> None:
    doc = samples.ticket()
    data = render_escpos(doc)
    device = open_device(f"preview:{tmp_path}")
    device.send(data, document=doc)
    stem = tmp_path / f"ticket-{doc.code}"
    assert stem.with_suffix(".bin").read_bytes() == data
    assert "A007" in stem.with_suffix(".txt").read_text(encoding="utf-8")
    assert stem.with_suffix(".png").stat().st_size > 1000
    for suffix in (".png", ".bin", ".txt"):  # receipts hold personal data: owner only
        assert stem.with_suffix(suffix).stat().st_mode & 0o777 == 0o600, suffix
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_printer_that_accepts_but_never_reads_does_not_get_the_job_counted_as_sent() -> None:
    """Attack D1: the connection is accepted, ~1-2 KB fit in the printer's buffer, the rest stays
    in our send queue. That is not "sent": PrinterNotTaking (a timeout, so the spool retries it),
    saying how much left, and the connection is reset so the queued rest never prints later."""
    data = render_escpos(samples.ticket())  # ~22 KB: far more than the printer's 1 KB buffer holds
    with fake_printer("silent", rcvbuf=1024) as printer:
        device = open_device(printer.url + "?status=off", timeout=0.5)
        with pytest.raises(PrinterNotTaking, match="不接收数据") as info:
            device.send(data)
        assert isinstance(info.value, PrinterTimeout)
        assert 0 < info.value.left < len(data) and info.value.total == len(data)
        assert "可能已打出一部分" in str(info.value)
        # the printer wakes up and reads everything it will ever get: only what had left, not the job
        assert info.value.left <= printer.held_bytes(0) < len(data)


def test_slow_printer_that_keeps_reading_gets_the_whole_job_once() -> None:
    """A printer reading 512 bytes every 50 ms takes ~2.3 s for the job, longer than the 2 s timeout:
    it keeps taking data, so the job is sent (once) and confirmed by its close."""
    data = render_escpos(samples.ticket())
    with fake_printer("slow", rcvbuf=1024, delay=0.05, chunk=512) as printer:
        device = open_device(printer.url + "?status=off", timeout=2.0)
        assert device.send(data) is True
        deadline = time.monotonic() + 10
        while not printer.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
    assert printer.jobs == [data] and printer.connections == 1
