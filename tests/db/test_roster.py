"""Roster import/export: the 1,000-row acceptance test on both backends and
every file format, row-level reasons, upsert, round trips, fuzzing."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import peewee
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.models import AuditEntry, Card, Contribution, Resident, Staff
from db.roster import (
    RosterError,
    ValidRow,
    export_contributions,
    export_residents,
    import_residents,
    validate_cells,
)
from kiosk.cli import main
from kiosk.rules.identity import check_digit
from tests.support import numbered_name

TODAY = dt.date(2026, 11, 29)
NOW = dt.datetime(2026, 11, 29, 1, 30)
# An old-style roster: 户口性质 (abolished 2014) is still in many offices' files and is accepted and ignored.
HEADER = ["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)", "户口性质", "社会保障卡号"]


def make_id(serial: int, birth: dt.date = dt.date(1980, 1, 1), region: str = "360726") -> str:
    first17 = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def good_rows(count: int) -> list[list[Any]]:
    rows = []
    for i in range(count):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=(i // 1000) * 400 + i % 300)
        number = make_id(i, birth)
        if number.endswith("000"):  # a real ID ending in 000 is marked as text, as Excel's ' does
            number = "'" + number
        rows.append([numbered_name(f"张{'伟芳敏静丽强磊军洋勇'[i % 10]}", i % 7), number, f"138{i:08d}",
                     f"安远县欣山镇龙岗村{i}号", "龙岗村", "农业" if i % 5 else "非农业",
                     f"A{i:08d}" if i % 3 == 0 else ""])
    return rows


def roster_with_ten_bad_rows() -> tuple[list[list[Any]], set[int]]:
    """1,000 data rows; 10 of them bad. Returns rows and bad spreadsheet row numbers."""
    rows = good_rows(1000)
    bad: dict[int, Callable[[list[Any]], None]] = {
        5: lambda r: r.__setitem__(1, r[1][:17] + ("0" if r[1][17] != "0" else "1")),  # check digit
        50: lambda r: r.__setitem__(1, make_id(5, dt.date(1990, 1, 1))[:6] + "19900230" + "0121"),  # no 30 Feb
        100: lambda r: r.__setitem__(1, rows[699][1]),  # duplicate of index 699 (both rows bad)
        200: lambda r: r.__setitem__(0, "  "),  # missing name
        300: lambda r: r.__setitem__(2, "1380013800"),  # 10-digit phone
        400: lambda r: r.__setitem__(4, "龙岗村" * 25),  # village too long (户口性质 at 5 is ignored now)
        500: lambda r: r.__setitem__(1, r[1][:17]),  # 17 digits
        600: lambda r: r.__setitem__(0, "=HYPERLINK(\"x\")"),  # formula
        800: lambda r: r.__setitem__(6, "A1234"),  # bad card number
    }
    for index, spoil in bad.items():
        spoil(rows[index])
    # data index i is spreadsheet row i + 2 (row 1 is the header)
    return rows, {i + 2 for i in bad} | {699 + 2}


def write_roster(path: Path, rows: list[list[Any]], *, encoding: str = "utf-8",
                 header: list[str] | None = None) -> Path:
    header = header or HEADER
    if path.suffix == ".xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return path


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., int]]:
    """Run `kiosk ...` against a fresh database of each backend."""
    monkeypatch.setenv("KIOSK_DATABASE_URL", db_url)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert main(["db", "init"]) == 0
    yield lambda *args: main([str(a) for a in args])


def count_residents(db_url: str) -> int:
    from db.connection import open_database

    database = open_database(db_url)
    with database.connection_context():
        return Resident.select().count()


@pytest.mark.parametrize("fmt", ["utf-8", "utf-8-sig", "gbk", "xlsx"])
def test_thousand_rows_with_ten_bad(fmt: str, cli: Callable[..., int], db_url: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    rows, bad_rows = roster_with_ten_bad_rows()
    suffix = ".xlsx" if fmt == "xlsx" else ".csv"
    path = write_roster(tmp_path / f"roster{suffix}", rows, encoding=fmt if suffix == ".csv" else "utf-8")
    capsys.readouterr()

    assert cli("import", "residents", path) == 1
    out = capsys.readouterr().out
    reported = {int(line[1:line.index("行")]) for line in out.splitlines() if line.startswith("第")}
    assert reported == bad_rows
    assert len(bad_rows) == 10
    assert "第7行 公民身份号码: 校验码不对" in out
    assert "第52行 公民身份号码: 出生日期不对" in out
    assert "第102行 公民身份号码: 身份证号码与第701行重复" in out
    assert "第701行 公民身份号码: 身份证号码与第102行重复" in out
    assert "第202行 姓名: 姓名为空" in out
    assert "第602行 姓名: 单元格是公式" in out
    assert "第502行 公民身份号码: 位数不对" in out
    assert count_residents(db_url) == 0
    assert not (tmp_path / f"roster.invalid{suffix}").exists()

    assert cli("import", "residents", path, "--skip-invalid") == 0
    out = capsys.readouterr().out
    assert "新增 added 990" in out and "有错 invalid 10" in out
    assert count_residents(db_url) == 990
    invalid = tmp_path / f"roster.invalid{suffix}"
    assert invalid.exists()
    if suffix == ".csv":
        with invalid.open(encoding="utf-8-sig", newline="") as handle:
            written = list(csv.reader(handle))
    else:
        sheet = openpyxl.load_workbook(invalid, read_only=True).worksheets[0]
        written = [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert written[0][-1] == "错误原因"
    assert len(written) == 11
    # a CSV keeps long ID numbers text for Excel with a leading tab (db.files.csv_cell)
    assert {r[1].removeprefix("\t") for r in written[1:]} >= {rows[699][1], rows[500][1]}

    # the same file again changes nothing
    assert cli("import", "residents", path, "--skip-invalid") == 0
    assert "新增 added 0，更新 updated 0，未变 unchanged 990" in capsys.readouterr().out
    assert count_residents(db_url) == 990


def test_gbk_file_is_detected(database: peewee.Database, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "gbk.csv", [["欧阳娜娜", make_id(1), "", "欣山镇", "东湖社区", "非农业", ""]],
                        encoding="gbk")
    report = import_residents(database, path, today=TODAY, now=NOW)
    assert report.added == 1 and any("GBK" in n for n in report.notes)
    assert Resident.get().name == "欧阳娜娜"
    assert Resident.get().village == "东湖社区"


def test_upsert_updates_only_changed_fields_and_audits(database: peewee.Database, tmp_path: Path) -> None:
    rows = good_rows(3)
    path = write_roster(tmp_path / "r.csv", rows)
    first = import_residents(database, path, today=TODAY, now=NOW, actor="S001")
    assert (first.added, first.updated, first.unchanged, first.invalid) == (3, 0, 0, 0)
    resident = Resident.get(Resident.id_number == rows[1][1])
    assert resident.sex == "male" and resident.birth_date == dt.date(1950, 1, 2)  # serial 001: odd
    assert Resident.get(Resident.id_number == rows[2][1]).sex == "female"
    rows[1][2] = "0797-3721234"
    rows[2][6] = "B00000002"  # a new card for row 3
    later = NOW + dt.timedelta(days=1)
    second = import_residents(database, write_roster(path, rows), today=TODAY, now=later)
    assert (second.added, second.updated, second.unchanged) == (0, 2, 1)
    assert Resident.get(Resident.id_number == rows[1][1]).phone == "0797-3721234"
    assert Resident.get(Resident.id_number == rows[0][1]).updated_at == NOW
    assert Card.get(Card.card_number == "B00000002").resident.id_number == rows[2][1]
    entries = list(AuditEntry.select().where(AuditEntry.action == "roster.import").order_by(AuditEntry.seq))
    assert [e.actor for e in entries] == ["S001", "admin-cli"]
    assert entries[1].detail["updated"] == 2 and entries[0].detail["added"] == 3


def test_fifteen_digit_number_is_upgraded(database: peewee.Database, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.csv", [["李四", "110101900307451", "", "", "村", "农业", ""]])
    assert import_residents(database, path, today=TODAY, now=NOW).added == 1
    assert Resident.get().id_number == "110101199003074514"


def test_english_and_variant_headers(database: peewee.Database, tmp_path: Path) -> None:
    header = [" Name ", "ID_Number", "phone", "address", "village", "hukou", "Card_Number"]
    path = write_roster(tmp_path / "en.csv", good_rows(2), header=header)
    assert import_residents(database, path, today=TODAY, now=NOW).added == 2
    header = ["姓名", "身份证号", "手机号码", "地址", "村（社区）", "户口性质", "备注"]
    rows = [[*r[:6], "x"] for r in good_rows(4)]
    report = import_residents(database, write_roster(tmp_path / "v.csv", rows, header=header), today=TODAY, now=NOW)
    assert (report.added, report.unchanged) == (2, 2)
    assert any("备注" in n for n in report.notes)


def test_missing_column_names_it_and_the_headers_found(database: peewee.Database, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.csv", [["a", "b"]], header=["姓名", "电话"])
    with pytest.raises(RosterError) as info:
        import_residents(database, path, today=TODAY, now=NOW)
    message = str(info.value)
    assert "公民身份号码" in message and "村(社区)" in message and "“电话”" in message
    assert "户口性质" not in message  # abolished in 2014: no longer required


def test_empty_files_and_bad_formats(database: peewee.Database, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(RosterError, match="空"):
        import_residents(database, empty, today=TODAY, now=NOW)
    book = openpyxl.Workbook()
    book.save(tmp_path / "empty.xlsx")
    with pytest.raises(RosterError, match="空"):
        import_residents(database, tmp_path / "empty.xlsx", today=TODAY, now=NOW)
    (tmp_path / "r.txt").write_text("x")
    with pytest.raises(RosterError, match=r"\.csv"):
        import_residents(database, tmp_path / "r.txt", today=TODAY, now=NOW)
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81\xff" * 10)
    with pytest.raises(RosterError, match="编码"):
        import_residents(database, tmp_path / "bin.csv", today=TODAY, now=NOW)
    header_only = write_roster(tmp_path / "h.csv", [])
    report = import_residents(database, header_only, today=TODAY, now=NOW)
    assert report.rows == 0 and any("没有数据行" in n for n in report.notes)


def test_xlsx_formula_cell_number_id_extra_sheet_and_huge_cell(database: peewee.Database, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    rows = good_rows(4)
    sheet.append(rows[0])
    sheet.append([*rows[1][:2], "=A2", *rows[1][3:]])
    sheet.append([rows[2][0], int(rows[2][1][:17]) * 10, *rows[2][2:]])  # an ID typed as a number
    sheet.append([*rows[3][:3], "长" * 201, *rows[3][4:]])
    book.create_sheet("说明")
    path = tmp_path / "f.xlsx"
    book.save(path)
    report = import_residents(database, path, today=TODAY, now=NOW)
    assert not report.written and Resident.select().count() == 0
    text = [str(e) for e in report.errors]
    assert any(t.startswith("第3行 联系电话: 单元格是公式") for t in text)
    assert any(t.startswith("第4行 公民身份号码: 身份证号码在 Excel 里是数字格式的单元格") for t in text)
    assert any(t.startswith("第5行 户籍地址: 内容过长") for t in text)
    assert report.invalid == 3
    assert any("说明" in n for n in report.notes)


def test_card_number_of_someone_else_is_refused(database: peewee.Database, tmp_path: Path) -> None:
    rows = good_rows(2)
    rows[0][6] = "C12345678"
    import_residents(database, write_roster(tmp_path / "a.csv", rows), today=TODAY, now=NOW)
    other = good_rows(3)[2]
    other[6] = "C12345678"
    report = import_residents(database, write_roster(tmp_path / "b.csv", [other]), today=TODAY, now=NOW)
    assert [str(e) for e in report.errors] == ["第2行 社会保障卡号: 社会保障卡号已属于另一位参保人"]
    both = [[*good_rows(5)[3][:6], "D00000001"], [*good_rows(5)[4][:6], "D00000001"]]
    report = import_residents(database, write_roster(tmp_path / "c.csv", both), today=TODAY, now=NOW)
    assert [e.row for e in report.errors] == [3]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_round_trips(suffix: str, database: peewee.Database, tmp_path: Path) -> None:
    rows = good_rows(30)
    rows[4][0] = "欧阳修"
    rows[7][2] = "0797-3721234"
    import_residents(database, write_roster(tmp_path / "in.csv", rows), today=TODAY, now=NOW)
    target = tmp_path / f"out{suffix}"
    assert export_residents(database, target) == 30
    if suffix == ".csv":
        assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_residents(database, target, today=TODAY, now=NOW)
    assert (report.added, report.updated, report.unchanged, report.invalid) == (0, 0, 30, 0)


def test_export_contributions_in_yuan(database: peewee.Database, tmp_path: Path) -> None:
    import_residents(database, write_roster(tmp_path / "in.csv", good_rows(1)), today=TODAY, now=NOW)
    resident = Resident.get()
    Contribution.create(resident=resident, insurance="pension", scheme="employee", month=dt.date(2026, 3, 1),
                        base_fen=543210, individual_fen=43457, employer_fen=86914, subsidy_fen=0, paid_at=NOW)
    Contribution.create(resident=resident, insurance="pension", scheme="resident", month=dt.date(2025, 1, 1),
                        individual_fen=30000, subsidy_fen=4500, paid_at=NOW)
    target = tmp_path / "c.csv"
    assert export_contributions(database, target) == 2
    with target.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][0] == "公民身份号码"
    # the leading tab keeps an 18-digit ID number text when Excel opens the file (db.files.csv_cell)
    assert lines[1] == ["\t" + resident.id_number, resident.name, "养老保险", "职工", "2026-03", "5432.10",
                        "434.57", "869.14", "0.00"]
    assert lines[2][3:] == ["城乡居民", "2025-01", "0.00", "300.00", "0.00", "45.00"]


def test_cli_staff_actor_and_bad_file(cli: Callable[..., int], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    path = write_roster(tmp_path / "r.csv", good_rows(2))
    assert cli("import", "residents", path, "--staff", "S999") == 2
    assert "S999" in capsys.readouterr().err
    from db.connection import open_database

    database = open_database(db_url)
    with database.connection_context():
        Staff.create(number="S001", name="张", role="clerk", pin_hash="x", created_at=NOW)
    assert cli("import", "residents", path, "--staff", "S001") == 0
    with database.connection_context():
        assert AuditEntry.get(AuditEntry.action == "roster.import").actor == "S001"
    assert cli("import", "residents", tmp_path / "missing.csv") == 2
    assert "找不到文件" in capsys.readouterr().err
    assert cli("export", "residents", tmp_path / "out.csv") == 0
    assert cli("export", "contributions", tmp_path / "c.xlsx") == 0
    assert cli("export", "residents", tmp_path / "out.txt") == 2


cell = st.one_of(st.none(), st.text(max_size=250), st.integers(), st.floats(), st.dates(),
                 st.from_regex(r"\A[0-9]{15,18}[0-9Xx]?\Z"))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({k: cell for k in ("name", "id_number", "phone", "address", "village", "hukou_region",
                                                 "retirement_category", "card_number")}))
def test_row_validator_never_raises(values: dict[str, Any]) -> None:
    result = validate_cells(values, today=TODAY)
    if isinstance(result, ValidRow):
        assert len(result.id_number) == 18 and result.name
        assert result.hukou_region == "" or len(result.hukou_region) == 6
        assert result.retirement_category in ("male", "female_cadre", "female_worker", "")
    else:
        assert result and all(column and reason for column, reason in result)


# --- the one normaliser and Excel's damage (issue 19) --------------------------

def test_names_import_in_normal_form_and_invisible_characters_are_refused(
        database: peewee.Database, tmp_path: Path) -> None:
    ids = [make_id(i) for i in range(1, 5)]
    rows = [[name, number, "", "", "龙岗村", "农业", ""]
            for name, number in zip(["张　三", " 李 四 ", "阿卜杜•热合曼", "王五\u200b"], ids, strict=True)]
    path = write_roster(tmp_path / "names.csv", rows)
    report = import_residents(database, path, today=TODAY, now=NOW)
    assert not report.written and Resident.select().count() == 0  # all-or-nothing
    assert [str(e) for e in report.errors] == [
        "第5行 姓名: 第3个字符是看不见的零宽字符（U+200B ZERO WIDTH SPACE），请删掉后重新输入"]

    report = import_residents(database, path, today=TODAY, now=NOW, skip_invalid=True)
    assert (report.added, report.invalid) == (3, 1)
    assert {r.id_number: r.name for r in Resident.select()} == {
        ids[0]: "张三", ids[1]: "李四", ids[2]: "阿卜杜\u00b7热合曼"}

    unpadded = [["张三", ids[0], "", "", "龙岗村", "农业", ""], ["李四", ids[1], "", "", "龙岗村", "农业", ""],
                ["阿卜杜·热合曼", ids[2], "", "", " 龙岗村 ", "农业", ""]]
    again = import_residents(database, write_roster(tmp_path / "plain.csv", unpadded), today=TODAY,
                             now=NOW + dt.timedelta(days=1))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert Resident.get(Resident.id_number == ids[0]).updated_at == NOW


def test_id_numbers_typed_in_groups_or_full_width_import(database: peewee.Database, tmp_path: Path) -> None:
    grouped = "110101 19900307 4514"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in make_id(7))
    rows = [["甲", grouped, "138 0013 8000", "", "村", "农业", ""], ["乙", full_width, "", "", "村", "农业", "ａ１２３４５６７８"]]
    report = import_residents(database, write_roster(tmp_path / "g.csv", rows), today=TODAY, now=NOW)
    assert report.added == 2, report.errors
    assert Resident.get(Resident.name == "甲").id_number == "110101199003074514"
    assert Resident.get(Resident.name == "甲").phone == "13800138000"
    assert Resident.get(Resident.name == "乙").id_number == make_id(7)
    assert Card.get().card_number == "A12345678"


def _shortened_id_that_passes_the_check_digit() -> str:
    """What Excel made of a real ID (its 15 first digits + 000), chosen so that it passes the check digit."""
    for serial in range(1000):
        real = make_id(serial, dt.date(1985, 6, 1))
        damaged = real[:15] + "000"
        if check_digit(damaged[:17]) == "0" and real != damaged:
            return damaged
    raise AssertionError("no such number")


def test_csv_id_shortened_by_excel_is_never_imported_silently(database: peewee.Database, tmp_path: Path) -> None:
    damaged = _shortened_id_that_passes_the_check_digit()
    # Excel shortens the whole column: every ID in the file ends in 000.
    rows = [["赵六", damaged, "", "", "村", "农业", ""], ["孙七", make_id(3)[:15] + "000", "", "", "村", "农业", ""]]
    path = write_roster(tmp_path / "excel.csv", rows)
    report = import_residents(database, path, today=TODAY, now=NOW, skip_invalid=True)
    assert report.added == 0 and report.invalid == 2
    assert not Resident.select().where(Resident.id_number == damaged).exists()
    first = report.errors[0]
    assert str(first).startswith("第2行 公民身份号码: ") and "Excel" in first.reason
    assert "文本" in first.reason and "'" in first.reason  # says how to keep the column as text
    # Marked as text with Excel's apostrophe, a number that really ends in 000 imports.
    rows = [["赵六", "'" + damaged, "", "", "村", "农业", ""]]
    assert import_residents(database, write_roster(tmp_path / "meant.csv", rows), today=TODAY, now=NOW).added == 1


def test_a_real_id_ending_in_000_imports_beside_ids_that_do_not(database: peewee.Database, tmp_path: Path) -> None:
    real = _shortened_id_that_passes_the_check_digit()  # a valid ID that happens to end in 000
    rows = [["赵六", real, "", "", "村", "农业", ""], ["孙七", make_id(3), "", "", "村", "农业", ""]]
    report = import_residents(database, write_roster(tmp_path / "real.csv", rows), today=TODAY, now=NOW)
    assert report.errors == [] and report.added == 2
    assert Resident.select().where(Resident.id_number == real).exists()


@pytest.mark.parametrize("cell", ["3.60726E+17", "3.60726198501E+17", "3.60726e17"])
def test_scientific_notation_gets_the_excel_message(cell: str, database: peewee.Database, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "sci.csv", [["周八", cell, "", "", "村", "农业", ""]])
    report = import_residents(database, path, today=TODAY, now=NOW)
    (error,) = report.errors
    assert error.column == "公民身份号码" and "科学计数法" in error.reason and "Excel" in error.reason
    assert "设置单元格格式" in error.reason and not report.written


def test_xlsx_with_a_merged_title_row_above_the_header_imports(database: peewee.Database, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["示范镇2025年城乡居民参保人员花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(["填报单位：示范镇社保所", None, None, "填报日期：2025-03-01"])
    sheet.append([])
    sheet.append(HEADER)
    rows = good_rows(3)
    for row in rows:
        sheet.append(row)
    sheet.append([rows[0][0], float(rows[0][1][:15] + "000"), *rows[0][2:]])  # a numeric ID cell
    path = tmp_path / "titled.xlsx"
    book.save(path)
    report = import_residents(database, path, today=TODAY, now=NOW, skip_invalid=True)
    assert report.added == 3 and report.invalid == 1
    assert any("表头在第4行" in note for note in report.notes)
    (error,) = report.errors
    assert error.row == 8 and "Excel" in error.reason
    assert {r.name for r in Resident.select()} == {r[0] for r in rows}


def test_header_search_is_bounded_and_names_what_is_missing(database: peewee.Database, tmp_path: Path) -> None:
    path = tmp_path / "deep.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for i in range(12):
            writer.writerow([f"说明{i}"])
        writer.writerow(HEADER)
    with pytest.raises(RosterError, match="缺少必需的列"):
        import_residents(database, path, today=TODAY, now=NOW)
