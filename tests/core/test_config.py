"""Settings: lookup order, environment override, one-line errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import ConfigError, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))


def test_defaults_without_any_file(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.source == "(defaults)"
    assert settings.terminal.mode == "self" and settings.printer.paper == 80
    assert settings.database_url() == f"sqlite:///{tmp_path / 'xdg-data' / 'shebao-kiosk' / 'kiosk.db'}"


def test_lookup_order_explicit_then_env_then_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_dir = tmp_path / "xdg-config" / "shebao-kiosk"
    user_dir.mkdir(parents=True)
    write(user_dir / "kiosk.toml", '[hall]\nname = "用户目录"\n')
    assert load_settings().hall.name == "用户目录"
    env_file = write(tmp_path / "env.toml", '[hall]\nname = "环境变量"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(env_file))
    assert load_settings().hall.name == "环境变量"
    explicit = write(tmp_path / "explicit.toml", '[hall]\nname = "命令行"\n')
    assert load_settings(explicit).hall.name == "命令行"


def test_database_url_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "k.toml", '[database]\nurl = "sqlite:////tmp/a.db"\n')
    monkeypatch.setenv("KIOSK_DATABASE_URL", "postgresql://kiosk@db/kiosk")
    assert load_settings(config).database_url() == "postgresql://kiosk@db/kiosk"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[printer]\npaper = 60\n", "[printer] paper = 60: allowed 58 or 80"),
        ('[printer]\nencoding = "utf8"\n', "[printer] encoding = 'utf8': allowed gb18030 or gbk"),
        ('[terminal]\nmode = "admin"\n', "[terminal] mode = 'admin': allowed self, counter or display"),
        ('[terminal]\nidle_seconds = "60"\n', "[terminal] idle_seconds = '60': allowed a whole number"),
        ('[hall]\ntime_zone = "Mars/Base"\n', "[hall] time_zone = 'Mars/Base': allowed an IANA zone"),
        ('[terminal]\ncolour = "red"\n', "[terminal] unknown key 'colour'"),
        ("[screen]\nx = 1\n", "unknown section [screen]"),
        ('[database]\nurl = "mysql://x"\n', "[database] url = 'mysql://x': allowed sqlite:///PATH"),
        ("[hall\n", "not valid TOML"),
    ],
)
def test_bad_values_name_file_key_and_allowed(tmp_path: Path, toml: str, expected: str) -> None:
    config = write(tmp_path / "bad.toml", toml)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert message.startswith(str(config)) and expected in message and "\n" not in message


def test_cli_config_show_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path / "k.toml", '[printer]\npaper = 58\n[database]\nurl = "postgresql://kiosk:secret@db/kiosk"\n')
    assert main(["--config", str(config), "config", "show"]) == 0
    out = capsys.readouterr().out
    assert "printer.paper" in out and "58" in out and str(config) in out
    assert "secret" not in out
    bad = write(tmp_path / "bad.toml", "[printer]\npaper = 60\n")
    assert main(["--config", str(bad), "config", "show"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "paper" in err
