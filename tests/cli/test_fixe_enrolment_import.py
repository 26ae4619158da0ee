"""Attack E13/E14 through the command line (SQLite and PostgreSQL): ``kiosk import enrolments``
refuses, all or nothing with a line-numbered reason, a second open enrolment of one insurance and
scheme (on record or twice in the file) and a row for a person recorded as deceased; ``kiosk audit
rules --json`` names an enrolment starting after the death and two open ones of one insurance and
scheme (the DESIGN §4 contract)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import peewee
import pytest

from db.models import Enrolment, Resident, bind
from tests.services.conftest import id_number
from tests.support import run_cli, use_cli_environment

NOW = dt.datetime(2026, 11, 1, 2, 0)
HEADER = "公民身份号码,险种,制度,参保日期,状态,终止日期\n"
DEATH = dt.date(2026, 9, 15)


@pytest.fixture
def people(database: peewee.Database, db_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, str]]:
    """A (enrolled in resident medical from 2024-01-01), B (nothing yet), C (deceased 2026-09-15,
    her resident medical ended at the death): {key: (id, ID number)}."""
    use_cli_environment(monkeypatch, tmp_path, db_url)
    found: dict[str, tuple[int, str]] = {}
    with database.atomic():
        for seq, key in ((11, "A"), (13, "B"), (14, "C")):
            number = id_number(dt.date(1980, 4, 1), seq)
            row = Resident.create(id_number=number, name=f"测试{key}", sex="female" if seq % 2 == 0 else "male",
                                  birth_date=dt.date(1980, 4, 1), death_date=DEATH if key == "C" else None,
                                  created_at=NOW, updated_at=NOW)
            found[key] = (int(row.id), number)
        Enrolment.create(resident=found["A"][0], insurance="medical", scheme="resident",
                         start_date=dt.date(2024, 1, 1))
        Enrolment.create(resident=found["C"][0], insurance="medical", scheme="resident", status="ended",
                         start_date=dt.date(2020, 1, 1), end_date=DEATH)
    return found


def _import(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, lines: list[str]) -> int:
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return run_cli(monkeypatch, ["import", "enrolments", str(path)])


def _enrolments(database: peewee.Database, rid: int) -> list[tuple[str, str]]:
    bind(database)
    return [(str(e.start_date), e.status) for e in Enrolment.select().where(Enrolment.resident == rid)
            .order_by(Enrolment.start_date)]


def test_import_refuses_a_second_open_enrolment_and_the_deceased(
        people: dict[str, tuple[int, str]], database: peewee.Database, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (a, a_id), (b, b_id), (c, c_id) = people["A"], people["B"], people["C"]
    assert _import(monkeypatch, tmp_path, "bad.csv", [
        f"{a_id},medical,resident,2025-06-01,active,",  # row 2: A already has one from 2024-01-01
        f"{b_id},pension,resident,2020-01-01,active,",  # row 3: fine alone
        f"{b_id},pension,resident,2022-03-01,active,",  # row 4: a second one of row 3's
        f"{c_id},medical,resident,2026-11-01,active,",  # row 5: died 2026-09-15
    ]) == 1
    out = capsys.readouterr().out
    assert "第2行 参保日期: 此人已有城乡居民医疗保险参保登记（2024-01-01起，参保中）" in out
    assert "第4行 参保日期: 与第3行是同一人的城乡居民养老保险（2020-01-01起）" in out
    assert "第5行 公民身份号码: 此人已于2026-09-15死亡注销，不能再导入参保登记" in out
    assert not re.search(r"(?m)^第3行", out) and "有错 invalid 3" in out and "没有导入任何数据" in out
    assert _enrolments(database, a) == [("2024-01-01", "active")] and _enrolments(database, b) == []
    assert _enrolments(database, c) == [("2020-01-01", "ended")]

    # A new period with the old one ended in the same file, and the deceased's history that ended
    # before the death, are accepted.
    assert _import(monkeypatch, tmp_path, "good.csv", [
        f"{a_id},medical,resident,2024-01-01,ended,2025-05-31",
        f"{a_id},medical,resident,2025-06-01,active,",
        f"{c_id},pension,resident,2010-01-01,ended,2019-12-31",
    ]) == 0, capsys.readouterr().out
    assert "新增 added 2，更新 updated 1" in capsys.readouterr().out
    assert _enrolments(database, a) == [("2024-01-01", "ended"), ("2025-06-01", "active")]
    assert ("2010-01-01", "ended") in _enrolments(database, c)


def test_audit_rules_names_enrolment_after_death_and_duplicates(
        people: dict[str, tuple[int, str]], database: peewee.Database, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (a, _), (c, _) = people["A"], people["C"]
    assert run_cli(monkeypatch, ["audit", "rules", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    bind(database)
    with database.atomic():  # as the counter and the import wrote them before the fix (attack E13/E14)
        after = Enrolment.create(resident=c, insurance="medical", scheme="resident",
                                 start_date=dt.date(2026, 12, 1)).id
        second = Enrolment.create(resident=a, insurance="medical", scheme="resident",
                                  start_date=dt.date(2025, 6, 1)).id
        first = Enrolment.get((Enrolment.resident == a) & (Enrolment.start_date == dt.date(2024, 1, 1))).id
    assert run_cli(monkeypatch, ["audit", "rules", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    found = {(f["kind"], f["table"], f["id"]): f for f in payload["findings"]}
    assert set(found) == {("enrolled_after_death", "enrolment", after), ("duplicate_enrolment", "enrolment", second)}
    assert payload["checked"] > 0
    for finding in found.values():
        assert set(finding) >= {"kind", "table", "id", "reference", "resident", "rule"} and finding["rule"]
    assert "2026-09-15" in found[("enrolled_after_death", "enrolment", after)]["detail"]
    assert f"{first}" in found[("duplicate_enrolment", "enrolment", second)]["detail"]


def test_import_contributions_refuses_a_period_after_death(
        people: dict[str, tuple[int, str]], database: peewee.Database, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    c, c_id = people["C"]
    bind(database)
    with database.atomic():  # an enrolment left open past the death (as an import could before the fix)
        Enrolment.create(resident=c, insurance="pension", scheme="flexible", start_date=dt.date(2020, 1, 1))
    path = tmp_path / "contributions.csv"
    path.write_text("公民身份号码,险种,制度,所属期,缴费基数,个人缴费\n"
                    f"{c_id},pension,flexible,2026-09,4000,800\n"  # the month of death: still due
                    f"{c_id},pension,flexible,2026-10,4000,800\n", encoding="utf-8")
    assert run_cli(monkeypatch, ["import", "contributions", str(path)]) == 1
    out = capsys.readouterr().out
    assert "第3行 所属期: 此人已于2026-09-15死亡注销，所属期2026-10在死亡之后" in out and not re.search(r"(?m)^第2行", out)
