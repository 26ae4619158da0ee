"""参保证明 with its verification code, ``verify_code``, and the 缴费核定通知单 printed at 核定
(issue 15.4), on SQLite and PostgreSQL: the preview PNG's QR and barcode decode to the stored
codes (the QR carries the certificate's facts); the certificate names the person in full, the
preview for a screen masks them; the genuine code verifies and says what the certificate says
(period, months, totals) with the person masked; an altered code, an altered QR, a QR whose facts
were changed with a recomputed plain hash and an edited stored certificate do not; a purpose
with a control character is refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

import peewee
import pytest
import zxingcpp

from db.models import AuditEntry, PrintJob, Resident
from kiosk.clock import FixedClock
from kiosk.services import ServiceError
from kiosk.services import applications as apps
from kiosk.services import certificates as certs
from kiosk.services.payments import reprint_receipt
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
    with database.connection_context():
        person = Resident.get_by_id(town.people["villager"])
    assert f"{person.name} {person.id_number}" in text  # in full on paper: the employer must see whose it is
    screen = "\n".join(preview_text(certs.preview_certificate(town.clerk, town.people["villager"],
                                                              dt.date(2020, 1, 1), dt.date(2024, 12, 1))))
    assert person.id_number not in screen and person.id_number[-4:] in screen and "*" in screen
    codes = _codes(document)
    qr = codes["QRCode"]
    assert qr.startswith(f"SBZM2:{document.code}:") and document.code in codes.values()
    assert "期间 2020-01 至 2024-12" in qr and "5年" in qr and "个人缴费合计" in qr  # the facts ride in the QR
    with database.connection_context():
        assert PrintJob.get_by_id(job).code == document.code
        assert AuditEntry.select().where(AuditEntry.action == "certificate.issue").count() == 1

    genuine = certs.verify_code(town.clerk, qr)
    assert genuine.genuine and genuine.kind == "certificate" and "*" in genuine.identity
    assert person.id_number not in genuine.identity and person.name not in genuine.identity
    typed = certs.verify_code(town.clerk, document.code.lower())  # typed from the paper
    assert typed.genuine and typed.period == "2020-01 至 2024-12" and typed.issued == "2026-03-02"
    assert typed.agency == town.ctx.hall_name and typed.purpose == "子女入学"
    pension = next(row for row in typed.paid if row[0].startswith("养老") and "城乡居民" in row[0])
    assert pension[1] == "5年" and typed.individual_total.endswith("元") and typed.individual_total in text
    assert all(row[2] in text and row[3] in text for row in typed.paid)  # the amounts the paper printed
    assert typed.enrolments and all(status in text for _, status, _ in typed.enrolments)
    first_line, facts = qr.split("\n", 1)
    mac = first_line.rsplit(":", 1)[1]
    altered_mac = qr.replace(mac, ("A" if mac[0] != "A" else "B") + mac[1:], 1)
    assert (certs.verify_code(town.clerk, altered_mac).genuine, certs.verify_code(town.clerk, altered_mac).reason) \
        == (False, "altered")
    # Someone changes the QR's facts (5 years become 9) and re-encodes it with a hash anyone can compute.
    forged_facts = facts.replace("5年", "9年")
    assert forged_facts != facts
    plain = base64.b32encode(hashlib.sha256(forged_facts.encode("utf-8")).digest()).decode("ascii")[:16]
    forged = certs.verify_code(town.clerk, f"SBZM2:{document.code}:{plain}\n{forged_facts}")
    assert (forged.genuine, forged.reason) == (False, "altered")
    kept_mac = certs.verify_code(town.clerk, f"{first_line}\n{forged_facts}")  # the genuine MAC, other facts
    assert (kept_mac.genuine, kept_mac.reason) == (False, "altered")
    assert not certs.verify_code(town.clerk, first_line).genuine  # the facts cut off
    other = document.code[:-1] + ("0" if document.code[-1] != "0" else "1")
    assert certs.verify_code(town.clerk, other).reason == "unknown"
    with pytest.raises(ServiceError):
        certs.verify_code(town.clerk, "SBZM1:only-two")

    with database.connection_context():  # the spool printed it (补打 is for a receipt that printed: attack D2)
        PrintJob.update(status="printed").where(PrintJob.id == job).execute()
    copy = reprint_receipt(town.clerk, document.code)  # 补打 at the counter: a new code, the same certificate
    again = certs.verify_code(town.clerk, copy.code)
    assert again.genuine and again.period == typed.period and again.paid == typed.paid
    with database.connection_context():  # someone edits the stored certificate's figures
        row = PrintJob.get_by_id(job)
        stored = row.document
        stored["blocks"] = [b if b.get("type") != "kv" or b.get("key") != "用途" else {**b, "value": "贷款"}
                            for b in stored["blocks"]]
        PrintJob.update(document=stored).where(PrintJob.id == job).execute()
    assert certs.verify_code(town.clerk, qr).reason == "altered"
    with database.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "verify.code").count() == 10

    with pytest.raises(ServiceError):
        certs.issue_certificate(town.clerk, town.people["villager"], dt.date(2024, 1, 1), dt.date(2023, 1, 1))
    with pytest.raises(ServiceError) as bell:  # a BEL typed into the purpose would print as □
        certs.issue_certificate(town.clerk, town.people["villager"], dt.date(2020, 1, 1), dt.date(2024, 12, 1),
                                purpose="子女\x07入学")
    assert "用途" in bell.value.message and "U+0007" in bell.value.message and bell.value.key
    with pytest.raises(ServiceError) as long:
        certs.issue_certificate(town.clerk, town.people["villager"], dt.date(2020, 1, 1), dt.date(2024, 12, 1),
                                purpose="入" * 41)
    assert "40" in long.value.message
    with database.connection_context():
        assert PrintJob.select().where(PrintJob.kind == "certificate").count() == 2  # the first and its 补打 only


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
    receipt = certs.verify_code(town.clerk, document.code)
    assert receipt.genuine and receipt.title == "缴费核定通知单" and receipt.issued == "2026-03-02"
    assert receipt.amount.endswith("元") and receipt.amount in text  # what the notice asks to be paid
