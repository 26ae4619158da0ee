"""Contribution collection as it really works (issue 15.3), on SQLite and PostgreSQL.

The 缴费核定通知单 printed at 核定 (ESC/POS bytes to a real socket printer, decoded back:
personal and employer totals, every line, the channel, the reference QR); the policy's
collection channels (counter refused where not allowed, channel confirmations recorded once
by reference); the employer share never collected from a person; the channel's confirmation
file (good rows, a duplicate reference, an unmatched row, an employer-share amount; nothing
written while any row is bad, the good rows with --skip-invalid, idempotent on re-import);
the village list for the 协管员 (one sheet / file per village, masked).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import stat
import time
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import peewee
import pytest
import zxingcpp

from db.models import Application, AuditEntry, Contribution, Payment, PrintJob, Resident
from kiosk.clock import FixedClock
from kiosk.policy import DEFAULT_POLICY_FILE, policy_from_mapping
from kiosk.rules.contribution import assess_resident_medical
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceError, collection, collection_import, payments
from kiosk.services import applications as apps
from printers.devices import open_device
from printers.document import Document
from printers.preview import render_png
from printers.spool import PrintSpool
from tests.entitlement.township import Records, policy
from tests.printers.escpos_decode import decode
from tests.printers.fake_printer import fake_printer
from tests.services.benefit_town import Town, build

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    town = build(database, clock, tmp_path, pensions=False, unemployment=False)
    town.at(DAY)
    records = Records(town.clerk, tmp_path)
    p = town.people
    p["flexible"] = records.person(dt.date(1985, 5, 5))
    records.enrol(p["flexible"], "pension", "flexible", "2024-01-01")
    p["employee"] = records.person(dt.date(1988, 7, 7))
    records.enrol(p["employee"], "pension", "employee", "2024-01-01")
    for key in ("resident", "neighbour"):
        p[key] = records.person(dt.date(1990, 6, 1))
        records.enrol(p[key], "pension", "resident", "2020-01-01")
        records.enrol(p[key], "medical", "resident", "2020-01-01")
    records.load()
    with database.connection_context():
        for key, village, phone in (("resident", "东村", "13800001234"), ("neighbour", "西村", "13900005678")):
            Resident.update(village=village, phone=phone).where(Resident.id == p[key]).execute()
    return town


def _assess(town: Town, key: str, data: dict[str, Any]) -> str:
    info = apps.submit(town.clerk, town.people[key], "assessment", data, materials_received=["id_card"])
    for step in ("amount_calculated", "notified"):
        info = apps.advance(town.clerk, info.number, step)
    return info.number


def _employee(town: Town) -> str:
    return _assess(town, "employee", {"scheme": "employee", "declared_wage_fen": 600_000,
                                      "start_month": "2026-03", "month_count": 1})


def _flexible(town: Town) -> str:
    floor = policy(DAY).wage.base_floor_fen
    return _assess(town, "flexible", {"scheme": "flexible", "base_fen": floor, "start_month": "2026-03",
                                      "month_count": 2})


def _notice(database: peewee.Database, number: str) -> dict[str, Any]:
    with database.connection_context():
        return dict(Application.get(Application.number == number).data)


def test_notice_prints_totals_channel_and_reference(town: Town, database: peewee.Database) -> None:
    number = _employee(town)
    data = _notice(database, number)
    lines = data["notice"]["lines"]
    personal = sum(line["amount_fen"] for line in lines if line["payer"] == "individual")
    employer = sum(line["amount_fen"] for line in lines if line["payer"] == "employer")
    assert personal == data["notice"]["individual_fen"] and employer == data["notice"]["employer_fen"] > 0
    with database.connection_context():
        job = PrintJob.get_by_id(int(data["notice_print_job"]))
        document = Document.from_dict(job.document)
    with fake_printer("ok") as printer:
        spool = PrintSpool(database, open_device(printer.url, timeout=2), town.ctx.clock,
                           terminal=town.clerk.terminal)
        spool.run_once()
        deadline = time.monotonic() + 30
        while not printer.jobs and time.monotonic() < deadline:
            time.sleep(0.05)
        printed = decode(printer.jobs[0])
    text = "\n".join(printed.lines)
    assert "缴费核定通知单" in text and "个人应缴合计" in text and f"{format_yuan(personal)}元" in text
    assert "单位应缴" in text and f"{format_yuan(employer)}元（由单位申报缴纳）" in text
    assert "税务部门征收" in text and "完税凭证" in text and number in text
    for line in lines:  # every line: its amount in yuan and its rate as a percentage
        assert format_yuan(line["amount_fen"]) in text
    assert "8%" in text and "2%" in text  # pension and medical personal rates of the default policy
    codes = dict(printed.codes())
    assert codes["QRCode"] == number and codes["Code128"] == document.code
    png = {r.format.name: r.text for r in zxingcpp.read_barcodes(render_png(document, 80))}
    assert png["QRCode"] == number


def test_employer_share_never_collected_from_the_person(town: Town, database: peewee.Database) -> None:
    number = _employee(town)
    notice = _notice(database, number)["notice"]
    personal, employer = notice["individual_fen"], notice["employer_fen"]
    assert apps.get_application(town.clerk, number).amount_fen == personal  # what the counter asks for
    with pytest.raises(ServiceError) as refused:  # the employee scheme is not collected at the counter
        apps.advance(town.clerk, number, "recorded", data={"method": "cash"})
    assert refused.value.code == "counter_not_allowed"
    with pytest.raises(ServiceError) as refused:
        apps.advance(town.clerk, number, "recorded", data={"method": "tax", "channel_reference": "SP2026030001",
                                                           "channel_amount_fen": personal + employer})
    assert refused.value.code == "employer_share" and "单位部分" in refused.value.message
    with database.connection_context():
        assert Application.get(Application.number == number).status == "notified"
        assert Payment.select().count() == 0
    info = apps.advance(town.clerk, number, "recorded", data={"method": "tax", "channel_reference": "sp2026030001",
                                                              "channel_amount_fen": personal})
    with database.connection_context():
        payment = Payment.get(Payment.receipt_code == info.data["receipt_code"])
        assert (payment.amount_fen, payment.method, payment.channel, payment.reference) == (
            personal, "tax", "tax", "SP2026030001")
        rows = list(Contribution.select().where(Contribution.payment == payment.id))
        assert rows and all(row.employer_fen == 0 for row in rows)
        assert sum(row.individual_fen for row in rows) == personal


def _book_with(**rules: dict[str, Any]) -> Any:
    raw = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["version"][0].setdefault("collection", {}).update(rules)
    return policy_from_mapping(raw)


def test_channel_rules_from_policy(town: Town, database: peewee.Database) -> None:
    rid = town.people["resident"]
    # Counter cash where the shipped policy allows it (resident schemes, [local] example).
    assert payments.collection_rule(town.clerk, "resident", "medical").counter
    local = dataclasses.replace(town.clerk, extras={**town.clerk.extras, "policy": _book_with(
        **{"resident.medical": {"channel": "bank", "counter": False}})})
    for method, reference, code in (("cash", None, "counter_not_allowed"), ("card", None, "counter_not_allowed"),
                                    ("tax", "TX0001", "wrong_channel"), ("withhold", None, "bad_reference"),
                                    ("withhold", "流水=1", "bad_reference")):
        with pytest.raises(ServiceError) as refused:
            payments.pay_resident_medical(local, rid, method, channel_reference=reference)
        assert refused.value.code == code, (method, reference)
    info = payments.pay_resident_medical(local, rid, "withhold", channel_reference="BK-20260302-0001")
    with database.connection_context():
        payment = Payment.get_by_id(info.id)
        assert (payment.channel, payment.reference, payment.method) == ("bank", "BK-20260302-0001", "withhold")
        assert AuditEntry.select().where(AuditEntry.action == "payment.record").count() == 1
    with pytest.raises(ServiceError) as refused:  # the same confirmation for someone else
        payments.pay_resident_medical(local, town.people["neighbour"], "withhold",
                                      channel_reference="bk-20260302-0001")
    assert refused.value.code == "duplicate_reference"
    # Where the counter may collect, cash works as before.
    assert payments.pay_resident_medical(town.clerk, town.people["neighbour"], "cash").method == "cash"


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["税票号", "公民身份号码", "险种", "所属期", "金额", "缴费核定单号"])
        writer.writerows(rows)
    return path


def _id(database: peewee.Database, rid: int) -> str:
    with database.connection_context():
        return str(Resident.get_by_id(rid).id_number)


def test_confirmation_file_import(town: Town, database: peewee.Database, tmp_path: Path) -> None:
    flexible, employee = _flexible(town), _employee(town)
    flex_notice, emp_notice = _notice(database, flexible)["notice"], _notice(database, employee)["notice"]
    fee = assess_resident_medical(policy(DAY).medical).individual_fen
    tier = policy(DAY).resident_pension.tiers[1].annual_fen
    p = town.people
    ids = {key: _id(database, p[key]) for key in ("resident", "neighbour", "flexible", "employee")}
    good = [["SP1001", ids["resident"], "医疗", "2026", format_yuan(fee, grouping=False), ""],
            ["SP1002", ids["resident"], "养老", "2026", format_yuan(tier, grouping=False), ""],
            ["SP1003", ids["flexible"], "养老", "2026-03", format_yuan(flex_notice["individual_fen"], grouping=False),
             flexible]]
    bad = [["SP1001", ids["neighbour"], "医疗", "2026", format_yuan(fee, grouping=False), ""],  # line 5
           ["SP1005", ids["neighbour"], "养老", "2026-05", "100", ""],  # line 6: no assessment for the month
           ["SP1006", ids["employee"], "养老", "2026-03",  # line 7: the employer share included
            format_yuan(emp_notice["individual_fen"] + emp_notice["employer_fen"], grouping=False), employee]]
    mixed = _write_csv(tmp_path / "税务回执.csv", good + bad)

    report = collection_import.import_confirmations(town.clerk, mixed)
    assert not report.written and report.invalid == 3
    assert {e.row for e in report.errors} == {5, 6, 7}
    messages = {e.row: e.reason for e in report.errors}
    assert "第2行" in messages[5] and "缴费核定" in messages[6] and "单位部分不能向个人收取" in messages[7]
    with database.connection_context():
        assert Payment.select().count() == 0  # a file with errors writes nothing

    report = collection_import.import_confirmations(town.clerk, mixed, skip_invalid=True)
    assert report.written and report.added == 3 and report.invalid == 3 and report.invalid_file is not None
    with database.connection_context():
        assert Payment.select().where(Payment.channel == "tax").count() == 3
        assert Application.get(Application.number == flexible).status == "recorded"
        assert Application.get(Application.number == employee).status == "notified"
        assert {(c.insurance, c.month) for c in Contribution.select().where(Contribution.resident == p["resident"])} \
            == {("medical", dt.date(2026, 1, 1)), ("pension", dt.date(2026, 1, 1))}
        assert not PrintJob.select().where(PrintJob.kind == "payment").exists()  # the channel issued receipts
        assert AuditEntry.select().where(AuditEntry.action == "collection.import").count() == 1

    again = tmp_path / "again.xlsx"  # the same confirmations as .xlsx: recorded once, nothing twice
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["流水号", "身份证号", "险种", "所属期", "金额", "核定单号"])
    for row in good:
        sheet.append(row)
    workbook.save(again)
    report = collection_import.import_confirmations(town.clerk, again, channel="tax")
    assert report.written and (report.added, report.unchanged, report.invalid) == (0, 3, 0)
    with database.connection_context():
        assert Payment.select().count() == 3
    with pytest.raises(ServiceError):
        collection_import.import_confirmations(town.clerk, again, channel="post")
    local = dataclasses.replace(town.clerk, extras={**town.clerk.extras, "policy": _book_with(
        **{"resident.medical": {"channel": "bank", "counter": False}})})
    other = _write_csv(tmp_path / "bank.csv", [["BK9999", ids["neighbour"], "医疗", "2026",
                                                 format_yuan(fee, grouping=False), ""]])
    report = collection_import.import_confirmations(local, other, channel="tax")
    assert not report.written and "银行代扣" in report.errors[0].reason


def test_bad_file_and_no_staff(town: Town, database: peewee.Database, tmp_path: Path) -> None:
    from db.roster import RosterError

    broken = tmp_path / "broken.csv"
    broken.write_text("姓名,金额\n张三,100\n", encoding="utf-8")
    with pytest.raises(RosterError, match="缺少必需的列"):
        collection_import.import_confirmations(town.clerk, broken)
    with pytest.raises(ServiceError):
        collection_import.import_confirmations(town.ctx, broken)
    with database.connection_context():
        assert Payment.select().count() == 0


def test_village_lists_for_the_collector(town: Town, database: peewee.Database, tmp_path: Path) -> None:
    rows = collection.unpaid(town.clerk, 2026)
    assert {(r.village, r.insurance) for r in rows} == {("东村", "pension"), ("东村", "medical"),
                                                        ("西村", "pension"), ("西村", "medical")}
    result = collection.export_by_village(town.clerk, 2026, tmp_path / "收缴.xlsx")
    assert result.rows == 4 and result.files == (tmp_path / "收缴.xlsx",)
    assert stat.S_IMODE(os.stat(result.files[0]).st_mode) == 0o600
    workbook = openpyxl.load_workbook(result.files[0], read_only=True)
    assert workbook.sheetnames == ["东村", "西村"]
    east = [list(r) for r in workbook["东村"].iter_rows(values_only=True)]
    assert east[0] == list(collection.HEADER) and len(east) == 3
    with database.connection_context():
        person = Resident.get_by_id(town.people["resident"])
    assert {row[1] for row in east[1:]} == {person.name}  # the collector needs the full name
    assert all(person.id_number not in row and "*" in row[2] for row in east[1:])  # the ID masked
    assert all(row[3] == "尾号1234" and "13800001234" not in row for row in east[1:])
    assert all("税务部门征收" in row[7] for row in east[1:])

    result = collection.export_by_village(town.clerk, 2026, tmp_path / "收缴.csv")
    assert [f.name for f in result.files] == ["收缴-东村.csv", "收缴-西村.csv"]
    with result.files[1].open(encoding="utf-8-sig", newline="") as handle:
        west = list(csv.reader(handle))
    assert len(west) == 3 and {row[0] for row in west[1:]} == {"西村"}
    with database.connection_context():
        entries = list(AuditEntry.select().where(AuditEntry.action == "collection.export"))
    assert len(entries) == 2
    # Paid through the channel: off the list.
    fee = assess_resident_medical(policy(DAY).medical).individual_fen
    payments.pay_resident_medical(town.clerk, town.people["resident"], "tax", channel_reference="SP7777")
    assert fee and {(r.village, r.insurance) for r in collection.unpaid(town.clerk, 2026, "东村")} == {
        ("东村", "pension")}


def test_print_notice_again(town: Town, database: peewee.Database) -> None:
    from kiosk.services import collection_notice

    number = _flexible(town)
    job_id, document = collection_notice.print_notice(town.clerk, number)
    first = _notice(database, number)["notice_print_job"]
    with database.connection_context():
        original = PrintJob.get_by_id(first)
        assert document.reprint and document.original_code == original.code and job_id != first
        assert AuditEntry.select().where(AuditEntry.action == "assessment.notice").count() == 1
    with pytest.raises(ServiceError):
        collection_notice.print_notice(town.clerk, "SQ00000000000000")


def test_import_completes_an_open_resident_assessment(town: Town, database: peewee.Database, tmp_path: Path) -> None:
    """A resident who chose a tier (缴费核定 at 核定缴费金额) and paid it at the tax authority: the
    confirmation row completes that application at 缴费记录 with the channel's reference."""
    tier = policy(DAY).resident_pension.tiers[2].annual_fen
    number = _assess(town, "neighbour", {"scheme": "resident", "tier_fen": tier, "year": 2026})
    path = _write_csv(tmp_path / "tax.csv", [["SP5005", _id(database, town.people["neighbour"]), "养老", "2026年",
                                              format_yuan(tier, grouping=False), ""]])
    report = collection_import.import_confirmations(town.clerk, path)
    assert report.written and report.added == 1, [str(e) for e in report.errors]
    with database.connection_context():
        row = Application.get(Application.number == number)
        payment = Payment.get(Payment.receipt_code == row.data["receipt_code"])
        assert row.status == "recorded" and (payment.reference, payment.amount_fen) == ("SP5005", tier)
        assert Contribution.get((Contribution.resident == town.people["neighbour"])
                                & (Contribution.insurance == "pension")).individual_fen == tier


def test_step_preview_shows_the_steps_own_figures(town: Town, database: peewee.Database) -> None:
    """计算缴费金额's confirmation shows what the step will store (the step's own calculation),
    and looking writes nothing."""
    from kiosk.services import resident_standing

    floor = policy(DAY).wage.base_floor_fen
    info = apps.submit(town.clerk, town.people["flexible"], "assessment",
                       {"scheme": "flexible", "base_fen": floor, "start_month": "2026-03", "month_count": 2},
                       materials_received=["id_card"])
    before = _notice(database, info.number)
    preview = resident_standing.step_preview(town.clerk, info.number, "amount_calculated")
    assert _notice(database, info.number) == before and "notice" not in before
    apps.advance(town.clerk, info.number, "amount_calculated")
    stored = _notice(database, info.number)
    assert preview == {"notice": stored["notice"], "amount_fen": stored["amount_fen"]}
    assert preview["amount_fen"] and len(stored["notice"]["months"]) == 2
    assert resident_standing.step_preview(town.clerk, info.number, "notified") == {}
