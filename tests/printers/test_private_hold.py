"""Attack E20: on a self-service kiosk a 参保证明 (full name and ID number) that could not print
prints only while its resident is identified there; after the session it is held for 补打 at a
counter. Tickets and masked receipts still print when the printer is back. Real spool, real
sockets (a refused port, then a loopback printer)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import peewee
import pytest

from db.models import AuditEntry, PrintJob, bind
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services import queue as q
from kiosk.services.certificates import issue_certificate
from printers.devices import open_device
from printers.spool import HELD, VOIDED, PrintSpool
from tests.printers.fake_printer import fake_printer, refusing_port
from tests.services.resident_factory import Seeded, seed_residents
from tests.support import run_cli, use_cli_environment


def until(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    """Poll ``condition`` (generous timeout: the machine may be busy); its last answer."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def _certificate(ctx: ServiceContext, resident_id: int) -> str:
    """Issue a certificate at the kiosk (stored pending); its code."""
    today = ctx.today()
    _job, document = issue_certificate(ctx, resident_id, dt.date(today.year - 2, 1, 1), today.replace(day=1))
    return document.code


def _kiosk_spool(database: peewee.Database, clock: FixedClock) -> PrintSpool:
    """The self-service kiosk's spool while its printer refuses connections."""
    device = open_device(f"network://127.0.0.1:{refusing_port()}", timeout=1.0)
    return PrintSpool(database, device, clock, terminal="K01", unattended=True)


def _kiosk(database: peewee.Database, clock: FixedClock) -> tuple[Seeded, ServiceContext, PrintSpool]:
    """The test residents, a service context at kiosk K01 and its spool (printer refusing)."""
    return seed_residents(database), ServiceContext(database, clock, terminal="K01"), _kiosk_spool(database, clock)


def _status(code: str) -> str:
    return str(PrintJob.get(PrintJob.code == code).status)


def test_certificate_prints_while_its_resident_is_here_and_an_earlier_ones_is_held(
        database: peewee.Database, clock: FixedClock) -> None:
    seeded, ctx, spool = _kiosk(database, clock)
    spool.attend(seeded.li)
    left = _certificate(ctx, seeded.li)
    assert spool.run_once(force=True) == 0 and _status(left) == "pending"  # printer refusing
    spool.attend(None)  # 李 ended her session
    spool.attend(seeded.zhang)
    here = _certificate(ctx, seeded.zhang)
    assert spool.run_once(force=True) == 0 and _status(here) == "pending"
    with fake_printer("ok") as printer:
        spool.device = open_device(printer.url, timeout=2.0)  # the printer is back, 张 still at the kiosk
        assert spool.run_once(force=True) == 1
        assert until(lambda: len(printer.jobs) >= 1)
        assert spool.run_once(force=True) == 0
    assert len(printer.jobs) == 1 and here.encode() in printer.jobs[0] and left.encode() not in printer.jobs[0]
    assert _status(here) == "printed"
    held = PrintJob.get(PrintJob.code == left)
    assert held.status == "held" and held.last_error == HELD


def test_ticket_waiting_after_the_session_ended_still_prints(
        database: peewee.Database, clock: FixedClock) -> None:
    seeded, ctx, spool = _kiosk(database, clock)
    spool.attend(seeded.zhang)
    ticket = q.take_ticket(ctx, "A", receipt=True)
    certificate = _certificate(ctx, seeded.zhang)
    assert spool.run_once(force=True) == 0
    spool.attend(None)  # the session ended (idle, 退出, another card)
    with fake_printer("ok") as printer:
        spool.device = open_device(printer.url, timeout=2.0)
        assert spool.run_once(force=True) == 1  # the ticket (masked) only
        assert until(lambda: len(printer.jobs) >= 1)
        assert spool.run_once(force=True) == 0
    assert PrintJob.get_by_id(ticket.print_job_id).status == "printed"
    assert len(printer.jobs) == 1 and certificate.encode() not in printer.jobs[0]
    assert _status(certificate) == "held"
    assert [job.code for job in spool.held()] == [certificate]


def test_staff_void_a_held_document_nobody_came_for(database: peewee.Database, db_url: str, clock: FixedClock,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Attack F6: a held certificate nobody collects is voided by staff (audited), never printed;
    only a held one can be voided."""
    seeded, ctx, spool = _kiosk(database, clock)
    spool.attend(seeded.zhang)
    code = _certificate(ctx, seeded.zhang)
    spool.run_once(force=True)  # the printer refuses: it waits
    spool.attend(None)  # she left
    spool.run_once(force=True)  # the pass that holds what she left
    job = PrintJob.get(PrintJob.code == code)
    assert job.status == "held"
    database.close()
    use_cli_environment(monkeypatch, tmp_path, db_url)
    assert run_cli(monkeypatch, ["printer", "jobs", "--terminal", "K01", "--void", str(job.id)]) == 0
    assert str(job.id) in capsys.readouterr().out
    assert run_cli(monkeypatch, ["printer", "jobs", "--terminal", "K01"]) == 0
    assert code not in capsys.readouterr().out
    assert run_cli(monkeypatch, ["printer", "jobs", "--terminal", "K01", "--void", str(job.id)]) == 2  # not held now
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    bind(database)
    voided = PrintJob.get_by_id(job.id)
    assert voided.status == "cancelled" and voided.last_error == VOIDED and voided.printed_at is None
    entry = AuditEntry.get(AuditEntry.action == "receipt.void")
    assert entry.entity_id == str(job.id) and entry.actor == "admin-cli" and "os_user" in entry.detail
