"""`kiosk db seed-demo` prints the demo residents' service passwords with their
cards (issue 19 follow-up), in the same line format as `kiosk demo`, and each
printed password opens that resident's records; on both backends."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from db.models import Resident, bind
from kiosk.cli import main
from kiosk.rules.pins import verify_pin


def test_seed_demo_prints_each_sample_password_that_opens_it(
        database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK_DATABASE_URL", db_url)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    assert main(["db", "init"]) == 0
    assert main(["db", "seed-demo", "--residents", "40", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "服务密码 password" in line]
    assert lines, out
    bind(database)
    for line in lines:
        id_number, password = line.split()[1], line.split("password", 1)[1].split()[0]
        row = Resident.get(Resident.id_number == id_number)
        assert verify_pin(row.service_password_hash, password), line
        assert f"{id_number}  card " in line  # the card and the password on the ID's line
