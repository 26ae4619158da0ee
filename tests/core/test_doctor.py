"""`kiosk doctor` names what is missing and exits non-zero for the database."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kiosk.cli import EXIT_DATABASE, main


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "k.db"}"\n[printer]\nurl = "preview:{tmp_path / "r"}"\n',
        encoding="utf-8",
    )
    return path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_healthy_machine_passes(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "db", "init"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "✓ 数据库 database" in out and "✓ 中文字体 CJK font" in out and "✓ 打印机 printer" in out


def test_uninitialised_and_unreachable_database_fail(config: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["--config", str(config), "doctor"]) == EXIT_DATABASE
    assert "kiosk db init" in capsys.readouterr().out
    monkeypatch.setenv("KIOSK_DATABASE_URL", f"postgresql://kiosk:pw@127.0.0.1:{closed_port()}/kiosk")
    assert main(["--config", str(config), "doctor"]) == EXIT_DATABASE
    out = capsys.readouterr().out
    assert "✗ 数据库 database" in out and "无法连接" in out and "pw@" not in out


def test_missing_printer_is_named(config: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["--config", str(config), "db", "init"]) == 0
    port = closed_port()
    text = config.read_text(encoding="utf-8").replace('url = "preview:', f'url = "network://127.0.0.1:{port}"\n#')
    config.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", str(config), "doctor", "--printer-timeout", "0.5"]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if "打印机 printer" in row)
    assert line.startswith("✗") and f"network://127.0.0.1:{port}" in line and "打印机离线" in line


def test_missing_font_is_named(config: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from printers import graphics

    monkeypatch.setattr(graphics, "KNOWN_FONTS", ())
    monkeypatch.setenv("PATH", "/nonexistent")
    graphics.clear_font_caches()
    try:
        assert main(["--config", str(config), "db", "init"]) == 0
        capsys.readouterr()
        assert main(["--config", str(config), "doctor"]) == 0
        out = capsys.readouterr().out
        assert "✗ 中文字体 CJK font" in out and "fonts-wqy-microhei" in out
    finally:
        graphics.clear_font_caches()
