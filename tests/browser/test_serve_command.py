"""``kiosk serve`` without a browser: the command it runs, its arguments,
its errors, and the page it serves (no internet font, reconnects)."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kiosk.cli import build_parser, main
from kiosk.serve import app_command


def test_app_command_runs_the_same_python_with_an_absolute_config(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(app_command("counter", config="etc/kiosk.toml", counter=3))
    assert argv[:3] == [sys.executable, "-m", "kiosk"]
    assert argv[argv.index("--config") + 1] == str(tmp_path / "etc" / "kiosk.toml")
    assert argv[argv.index("run"):] == ["run", "--mode", "counter", "--counter", "3"]
    # The command it builds is one the real parser accepts.
    parsed = build_parser().parse_args(argv[3:])
    assert (parsed.command, parsed.mode) == ("run", "counter")


def test_app_command_quotes_paths_with_spaces(tmp_path: Path) -> None:
    config = tmp_path / "my configs" / "kiosk.toml"
    argv = shlex.split(app_command("self", config=str(config)))
    assert str(config) in argv
    assert "--counter" not in argv


def test_app_command_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        app_command("admin")


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "70000"], ["--port", "http"],
                                  ["--mode", "admin"]])
def test_bad_arguments_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", *args])
    assert exit_info.value.code == 2
    assert "serve" in capsys.readouterr().err


def test_defaults_are_loopback_8000() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.mode) == ("127.0.0.1", 8000, None)


def test_broken_config_is_one_line_before_serving(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    config = tmp_path / "kiosk.toml"
    config.write_text("[terminal\nmode = ", encoding="utf-8")
    assert main(["--config", str(config), "serve", "--port", "8999"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk:") and "\n" not in err


def test_missing_textual_serve_says_how_to_install(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "textual_serve" else real(name, *a))
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    assert main(["serve"]) == 2
    assert "shebao-kiosk[browser]" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_served_page_is_ours_offline_and_reconnects(tmp_path: Path) -> None:
    pytest.importorskip("textual_serve")
    config = tmp_path / "kiosk.toml"
    config.write_text('[hall]\nname = "页面测试镇"\n[database]\n'
                      f'url = "sqlite:///{tmp_path / "k.db"}"\n', encoding="utf-8")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "KIOSK_LOG_DIR": str(tmp_path / "logs"), "HOME": str(tmp_path)},
    )
    try:
        deadline = time.monotonic() + 15
        page = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"kiosk serve exited with {process.returncode}")
                time.sleep(0.1)
        assert page, "kiosk serve never answered"
        assert "页面测试镇" in page  # the hall name from kiosk.toml is the page title
        assert "googleapis" not in page and "https://" not in page  # nothing from the internet
        assert "reloadWhenUp" in page  # comes back by itself after the app exits
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/js/textual.js", timeout=5) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "systemd"


def _unit(name: str) -> dict[str, str]:
    """Keys of a unit file, lower-case; repeated keys (ExecStartPre) joined by newlines."""
    text = (DEPLOY / name).read_text(encoding="utf-8").replace("\\\n", " ")
    keys: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            key, value = key.strip().lower(), " ".join(value.split())
            keys[key] = f"{keys[key]}\n{value}" if key in keys else value
    return keys


def test_browser_units_agree_on_the_server() -> None:
    serve = _unit("shebao-kiosk-serve@.service")
    browser = _unit("shebao-kiosk-browser@.service")
    argv = shlex.split(serve["execstart"].replace("%i", "self"))
    assert argv[0].endswith("/bin/kiosk")
    args = build_parser().parse_args(argv[1:])
    assert (args.command, args.mode, args.host) == ("serve", "self", "127.0.0.1")
    # Chromium opens, and the start-up wait polls, the port the server listens on.
    assert f"http://127.0.0.1:{args.port}/" in browser["execstart"]
    assert f"/dev/tcp/127.0.0.1/{args.port}" in browser["execstartpre"]
    assert "--kiosk" in browser["execstart"]
    assert "shebao-kiosk-serve@%i.service" in browser["requires"]
    assert "shebao-kiosk-serve@%i.service" in browser["after"]
