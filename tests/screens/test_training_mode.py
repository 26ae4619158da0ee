"""培训模式: a sandbox database, never the real one, and 培训 on every screen and receipt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

from db.connection import open_database
from db.models import PrintJob, Resident
from kiosk.app import KioskApp
from kiosk.commands.run import prepare_training_database
from kiosk.config import ConfigError, Settings, settings_from_mapping
from printers.document import Document
from printers.preview import preview_text
from tests.screens.test_resident_flows import SIZE, settle


def test_training_always_uses_the_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = settings_from_mapping({"database": {"url": "postgresql://kiosk@hall/kiosk"},
                                      "terminal": {"training": True}})
    assert settings.database_url() == f"sqlite:///{tmp_path / 'shebao-kiosk' / 'training.db'}"
    settings.database.training_url = "sqlite:////srv/practice.db"
    assert settings.database_url() == "sqlite:////srv/practice.db"
    settings.terminal.training = False
    assert settings.database_url() == "postgresql://kiosk@hall/kiosk"
    with pytest.raises(ConfigError, match="training_url must not be the real database"):
        settings_from_mapping({"database": {"url": "sqlite:////a.db", "training_url": "sqlite:////a.db"}})


def test_training_sandbox_is_created_with_practice_residents(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(source="(test)")
    settings.terminal.training = True
    settings.database.url = f"sqlite:///{tmp_path / 'real.db'}"
    settings.database.training_url = f"sqlite:///{tmp_path / 'practice.db'}"
    prepare_training_database(settings)
    assert "training staff: S001" in capsys.readouterr().err
    prepare_training_database(settings)  # a second start keeps the practice data
    sandbox = open_database(settings.database.training_url)
    assert Resident.select().count() == 200
    sandbox.close()
    assert not (tmp_path / "real.db").exists() or (tmp_path / "real.db").stat().st_size == 0


async def test_every_screen_and_receipt_says_training(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk(training=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.3)
        marks = app.screen.query("#training-mark").results(Static)
        assert [str(m.render()) for m in marks] == ["培训模式：练习数据，不是真实业务"]
        await pilot.press("f3")  # 取号: a pushed screen, and a printed ticket
        await settle(pilot, 0.5)
        await pilot.press("f1")
        await settle(pilot, 0.8)
        assert app.screen.query("#training-mark")
        job = PrintJob.select().order_by(PrintJob.id.desc()).get()
        assert any("培训" in line for line in preview_text(Document.from_dict(job.document), 80))


async def test_no_training_mark_in_normal_mode(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.3)
        assert not app.screen.query("#training-mark")
