"""参保证明 with its verification code, ``verify_code``, and the 缴费核定通知单 printed at 核定
(issue 15.4), on SQLite and PostgreSQL: the preview PNG's QR and barcode decode to the stored
codes; the genuine code verifies; an altered code, an altered QR and an edited stored
certificate do not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest
import zxingcpp

from db.models import AuditEntry, PrintJob
from kiosk.clock import FixedClock
from kiosk.services import ServiceError
from kiosk.services import applications as apps
from kiosk.services import certificates as certs
from printers.document import Document
from printers.preview import preview_text, render_png
from tests.entitlement.township import Records, policy
from tests.services.benefit_town import Town, build


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return build(database, clock, tmp_path, unemployment=False)


def _codes(document: Document) -> dict[str, str]:
    return {r.format.name: r.text for r in zxingcpp.read_barcodes(render_png(document, 80))}


def test_certificate_prints_and_verifies(town: Town, database: peewee.Database) -> None:
    town.at(dt.date(2026, 3, 2))
    job, document = certs.issue_certificate(town.clerk, town.people["villager"], dt.date(2020, 1, 1),
                                            dt.date(2024, 12, 1), purpose="子女入学")
    text = "\n".join(preview_text(document))
    assert "参保证明" in text and "电子印章" in text and town.ctx.hall_name in text
    assert "城乡居民" in text and "5年" in text  # 2020-2024 paid years of the resident pension
    codes = _codes(document)
    qr = codes["QRCode"]
    assert qr.startswith(f"SBZM1:{document.code}:") and document.code in codes.values()
    with database.connection_context():
        assert PrintJob.get_by_id(job).code == document.code
        assert AuditEntry.select().where(AuditEntry.action == "certificate.issue").count() == 1

    genuine = certs.verify_code(town.clerk, qr)
    assert genuine.genuine and genuine.kind == "certificate" and "*" in genuine.identity
    assert certs.verify_code(town.clerk, document.code.lower()).genuine  # typed from the paper
    mac = qr.rsplit(":", 1)[1]
    altered_mac = qr[: -len(mac)] + ("A" if mac[0] != "A" else "B") + mac[1:]
    assert (certs.verify_code(town.clerk, altered_mac).genuine, certs.verify_code(town.clerk, altered_mac).reason) \
        == (False, "altered")
    other = document.code[:-1] + ("0" if document.code[-1] != "0" else "1")
    assert certs.verify_code(town.clerk, other).reason == "unknown"
    with pytest.raises(ServiceError):
        certs.verify_code(town.clerk, "SBZM1:only-two")

    with database.connection_context():  # someone edits the stored certificate's figures
        row = PrintJob.get_by_id(job)
        stored = row.document
        stored["blocks"] = [b if b.get("type") != "kv" or b.get("key") != "用途" else {**b, "value": "贷款"}
                            for b in stored["blocks"]]
        PrintJob.update(document=stored).where(PrintJob.id == job).execute()
    assert certs.verify_code(town.clerk, qr).reason == "altered"
    with database.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "verify.code").count() == 6

    with pytest.raises(ServiceError):
        certs.issue_certificate(town.clerk, town.people["villager"], dt.date(2024, 1, 1), dt.date(2023, 1, 1))


def test_assessment_notice_is_printed_at_notified(town: Town, database: peewee.Database, tmp_path: Path) -> None:
    town.at(dt.date(2026, 3, 2))
    records = Records(town.clerk, tmp_path)
    rid = records.person(dt.date(1985, 5, 5))
    records.enrol(rid, "pension", "flexible", "2024-01-01")
    records.load()
    floor = policy(dt.date(2026, 3, 2)).wage.base_floor_fen
    info = apps.submit(town.clerk, rid, "assessment", {"scheme": "flexible", "base_fen": floor,
                                                       "start_month": "2026-03", "month_count": 2},
                       materials_received=["id_card"])
    for step in ("amount_calculated", "notified"):
        info = apps.advance(town.clerk, info.number, step)
    with database.connection_context():
        job = PrintJob.get_by_id(int(info.data["notice_print_job"]))
        document = Document.from_dict(job.document)
    assert job.kind == "assessment" and document.title == "缴费核定通知单"
    text = "\n".join(preview_text(document))
    assert "2026-03 至 2026-04" in text and info.number in text and "灵活就业" in text
    assert _codes(document).get("Code128") == document.code
    assert certs.verify_code(town.clerk, document.code).genuine
