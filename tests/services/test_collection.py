"""Village collection lists (村收缴名单): who has not paid a year's resident pension or medical
contribution, by village; export 0600 and audited; ``kiosk resident unpaid`` (SQLite, PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import stat
from pathlib import Path

import peewee
import pytest

from db import audit
from db.models import AuditEntry
from kiosk.clock import FixedClock
from kiosk.services import ServiceError, collection
from tests.cli.test_audit_cli import Cli
from tests.services.benefit_town import Town
from tests.support import village_town


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return village_town(database, clock, tmp_path)


def test_unpaid_by_village_and_export(town: Town, database: peewee.Database, tmp_path: Path) -> None:
    rows = collection.unpaid(town.clerk, 2025)
    assert sorted((r.village, r.resident_id, r.insurance) for r in rows) == sorted([
        ("东村", town.people["young"], "medical"), ("东村", town.people["young"], "pension"),
        ("西村", town.people["villager"], "pension"), ("西村", town.people["suspended"], "pension")])
    medical = next(r for r in rows if r.insurance == "medical")
    assert medical.due_fen == 40000 and next(r for r in rows if r.insurance == "pension").due_fen is None
    assert [r.village for r in rows] == sorted(r.village for r in rows)
    assert {r.resident_id for r in collection.unpaid(town.clerk, 2024)} == {town.people["young"]}  # medical only
    assert {r.insurance for r in collection.unpaid(town.clerk, 2024)} == {"medical"}
    assert len(collection.unpaid(town.clerk, 2025, "东村")) == 2

    out = tmp_path / "东村-2025.csv"
    assert collection.export_unpaid(town.clerk, 2025, out, "东村") == 2
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with out.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == list(collection.HEADER) and len(table) == 3
    assert all("*" in row[2] for row in table[1:])
    with database.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "collection.export").count() == 1
    with pytest.raises(ServiceError):
        collection.export_unpaid(town.clerk, 2025, tmp_path / "list.txt")


def test_unpaid_command(town: Town, database: peewee.Database, db_url: str, tmp_path: Path) -> None:
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    database.close()
    result = cli("resident", "unpaid", "2025", "--village", "西村", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["year"] == 2025 and len(data["unpaid"]) == 2 and data["file"] is None
    assert all("*" in row["id_number"] and row["insurance"] == "pension" for row in data["unpaid"])


def test_suspend_resume_and_end_an_enrolment(town: Town, database: peewee.Database) -> None:
    """停保 / 恢复缴费 / 终止参保 (staff only, audited); a suspended enrolment owes nothing on the village list."""
    from db.models import Enrolment
    from kiosk.services import lifecycle

    young = town.people["young"]
    with pytest.raises(ServiceError):
        lifecycle.change_enrolment(town.ctx, young, "medical", "resident", "suspend", dt.date(2025, 12, 1))
    assert lifecycle.change_enrolment(town.clerk, young, "medical", "resident", "suspend",
                                      dt.date(2025, 12, 1)) == "suspended"
    assert {r.insurance for r in collection.unpaid(town.clerk, 2025, "东村")} == {"pension"}
    with pytest.raises(ServiceError):
        lifecycle.change_enrolment(town.clerk, young, "medical", "resident", "suspend", dt.date(2025, 12, 1))
    assert lifecycle.change_enrolment(town.clerk, young, "medical", "resident", "resume",
                                      dt.date(2025, 12, 5)) == "active"
    assert lifecycle.change_enrolment(town.clerk, young, "pension", "resident", "end", dt.date(2025, 12, 6)) == "ended"
    with pytest.raises(ServiceError):
        lifecycle.change_enrolment(town.clerk, town.people["retiree"], "pension", "employee", "end",
                                   dt.date(2025, 12, 6))
    with database.connection_context():
        ended = Enrolment.get((Enrolment.resident == young) & (Enrolment.insurance == "pension"))
        assert (ended.status, ended.end_date) == ("ended", dt.date(2025, 12, 6))
        assert AuditEntry.select().where(AuditEntry.action.in_(("enrolment.suspend", "enrolment.resume",
                                                                "enrolment.end"))).count() == 3


def test_village_workbook_writer(tmp_path: Path) -> None:
    """The one writer of the 协管员's workbooks (unpaid list, 资格认证 due list): a sheet per village
    in order, clashing titles told apart, every cell text (a formula lead, an ID number stay as typed),
    an empty list one header-only sheet, mode 0600."""
    import openpyxl

    out = tmp_path / "list.xlsx"
    collection.write_village_workbook(out, ("村", "号"), {
        "东村": [("东村", "=1+1")], "a/b": [("a/b", "360726199001011234")], "a:b": [("a:b", "7")]})
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["东村", "a_b", "a_b02"]
    assert [c.value for c in book["东村"][2]] == ["东村", "=1+1"] and book["东村"]["B2"].data_type == "s"
    assert book["a_b"]["B2"].value == "360726199001011234" and book["a_b02"]["B2"].value == "7"
    collection.write_village_workbook(out, ("村", "号"), {})
    empty = openpyxl.load_workbook(out)
    assert empty.sheetnames == ["名单"] and [c.value for c in empty["名单"][1]] == ["村", "号"]
    assert empty["名单"].max_row == 1


def test_collection_refusals_come_from_both_catalogs(town: Town, tmp_path: Path) -> None:
    """Every refusal the collection services raise is a catalog key in both languages, with its code."""
    import ast

    from kiosk.i18n import Translator, catalog, translate_message
    from kiosk.services import collection_import, collection_notice, resident_standing

    keys = set()
    for module in (collection, collection_import, collection_notice, resident_standing):
        for node in ast.walk(ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "keyed":
                keys.add(node.args[0].value)  # type: ignore[attr-defined]
    assert "refusal.collection.bad_suffix" in keys and len(keys) >= 8
    for language in ("zh_CN", "en"):
        assert sorted(k for k in keys if k not in catalog(language)) == []

    with pytest.raises(ServiceError) as refused:
        collection.export_by_village(town.clerk, 2025, tmp_path / "list.txt")
    error = refused.value
    assert (error.code, error.key, error.message) == ("bad_file", "refusal.collection.bad_suffix",
                                                      "list.txt：只能导出为 .csv 或 .xlsx")
    assert translate_message(Translator("en"), error.key, error.params).startswith("list.txt: the list can only")
    with pytest.raises(ServiceError) as refused:
        collection.export_by_village(town.clerk, 2025, tmp_path / "missing" / "list.xlsx")
    assert refused.value.code == "file" and "可写的位置" in refused.value.message
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ServiceError) as refused:
        collection_notice.print_notice(town.clerk, "SQ404")
    assert (refused.value.code, refused.value.message) == ("application_unknown", "没有业务编号 SQ404")
