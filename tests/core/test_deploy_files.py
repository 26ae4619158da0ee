"""The sample configurations and service units in deploy/ stay usable."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from kiosk.config import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.parametrize("path", sorted((DEPLOY / "config").glob("*.toml")), ids=lambda p: p.name)
def test_sample_configs_load(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    settings = load_settings(path)
    assert settings.source == str(path)


@pytest.mark.parametrize("path", sorted((DEPLOY / "systemd").glob("*.service")), ids=lambda p: p.name)
def test_units_restart_and_use_the_kiosk_user(path: Path) -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(path, encoding="utf-8")
    service = unit["Service"]
    assert service["User"] == "kiosk"
    if service.get("Type") != "oneshot":
        assert service["Restart"] == "always"  # also after a clean-looking exit (issue 19)
        assert "postgresql.service" in unit["Unit"]["After"]
