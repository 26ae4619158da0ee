"""Attack E20 through the real kiosk: a 参保证明 (full name and ID number) that could not print is
not printed by itself once the resident's session ended, even when the printer comes back; the
screen sends the resident to a counter with the code (no promise that it comes out here);
``kiosk printer jobs`` lists it; the counter's 补打 by that code prints it once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import peewee
import pytest

from db.models import PrintJob, bind
from kiosk.app import make_app
from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import ServiceContext
from kiosk.services.payments import reprint_receipt
from kiosk.services.staff import add_staff
from printers.devices import open_device
from printers.spool import PrintSpool
from screens.resident.certificate import CertificateScreen
from tests.printers.escpos_decode import decode
from tests.printers.fake_printer import fake_printer, refusing_port
from tests.printers.test_private_hold import until
from tests.services.resident_factory import ZHANG_CARD, ZHANG_ID
from tests.support import sign_in

from .kiosk_pilot import seeded

__all__ = ["seeded"]  # the fixture, imported for pytest


async def _wait(condition: Callable[[], object], seconds: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition() and loop.time() < deadline:
        await asyncio.sleep(0.02)


async def test_kiosk_certificate_left_behind_is_held_for_the_counter(
        seeded: peewee.Database, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(source="(test)")  # a self-service kiosk, terminal T01
    device = open_device(f"network://127.0.0.1:{refusing_port()}", timeout=1.0)  # the printer refuses
    app = make_app(settings, seeded, device, clock)
    with fake_printer("ok") as printer:
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot, ZHANG_CARD, home=True)
            await pilot.press("7")  # 打印凭证, then 2 参保证明
            await _wait(lambda: getattr(app.screen, "data", None) is not None)
            await pilot.press("2")
            await _wait(lambda: isinstance(app.screen, CertificateScreen) and app.screen.data is not None)
            await pilot.press("1", "plus")
            await _wait(lambda: isinstance(app.screen, CertificateScreen) and app.screen.outcome is not None)
            screen = app.screen
            assert isinstance(screen, CertificateScreen) and screen.outcome is not None
            job = PrintJob.get(PrintJob.kind == "certificate")
            message = screen.outcome.message
            assert job.status == "pending" and not screen.outcome.printed
            assert f"校验码 {job.code}" in message and "请凭校验码到窗口打印" in message and "自动打出" not in message
            app.end_session()  # 退出, the idle timeout and another card all end it here
            await pilot.pause()
            spool = app.services.spool
            spool.device = open_device(printer.url, timeout=2.0)  # the printer is back
            assert spool.run_once(force=True) == 0
            assert until(lambda: PrintJob.get_by_id(job.id).status == "held")
            await pilot.pause(0.2)  # the spool's own thread (started after the first paint) sends nothing either
            assert printer.jobs == [] and printer.connections == 0

        monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
        monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
        config = tmp_path / "kiosk.toml"
        config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "kiosk.db"}"\n[terminal]\nid = "T01"\n',
                          encoding="utf-8")
        capsys.readouterr()
        assert main(["--config", str(config), "printer", "jobs"]) == 0
        listed = capsys.readouterr().out
        bind(seeded)  # the command bound the models to its own connection
        assert f"{job.id}  {job.code}  certificate" in listed and "留待窗口补打" in listed

        counter = ServiceContext(seeded, clock, terminal="C01")
        staff = add_staff(counter, "1001", "王芳", "clerk", "2580")
        copy = reprint_receipt(counter.as_staff(staff.id, staff.number), job.code)  # 补打 with the code
        counter_spool = PrintSpool(seeded, open_device(printer.url, timeout=2.0), clock, terminal="C01")
        assert counter_spool.run_once(force=True) == 1
        assert until(lambda: len(printer.jobs) >= 1)
        assert spool.run_once(force=True) == 0 and counter_spool.run_once(force=True) == 0
    assert len(printer.jobs) == 1 and copy.code.encode() in printer.jobs[0]
    assert ZHANG_ID in decode(printer.jobs[0]).text  # in full, as a certificate should (at the counter)
    assert PrintJob.get_by_id(copy.job_id).status == "printed" and spool.held() == []
    assert main(["--config", str(config), "printer", "jobs"]) == 0
    assert job.code not in capsys.readouterr().out  # reprinted: no longer listed
