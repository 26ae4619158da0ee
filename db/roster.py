"""Resident roster spreadsheets: import (validate, upsert) and export.

A township office keeps its roster in Excel: ``.xlsx``, or ``.csv`` saved as
UTF-8 (with or without BOM) or GBK/GB18030 (what Excel writes on a Chinese
Windows). Columns are those of DESIGN.md §4, with Chinese or English
headers. Every bad row is reported as ``第N行 列名: reason`` where N is the
row number a person sees in Excel (the header is row 1).

Import works in two phases so that memory stays small at 100k rows: the
first reads and validates every row, keeping only the raw cells of the
rows; the second re-validates the good rows (cheap) and writes them in
chunks inside one transaction, comparing against what the database holds
(upsert by ID number, only changed fields are updated). All-or-nothing
unless ``skip_invalid``; then the bad rows go to ``NAME.invalid.EXT``
beside the input with a 错误原因 column.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from db import audit
from db.bulk import insert_rows
from db.connection import write_transaction
from db.files import csv_cell, os_user, private_file
from db.models import Card, Contribution, Resident, utc_now_naive
from kiosk.i18n import translate
from kiosk.rules.enrolment import valid_region_code
from kiosk.rules.identity import NAME_MAX_LENGTH, InvalidIdNumber, parse_id_number
from kiosk.rules.money import format_yuan
from kiosk.rules.text import (
    InvalidText,
    check_name,
    normalise_name,
    normalise_number,
    normalise_phone,
    normalise_text,
)

#: Canonical column keys, in the order files are written.
COLUMNS: tuple[str, ...] = ("name", "id_number", "phone", "address", "village", "hukou_region",
                            "retirement_category", "card_number")
REQUIRED: tuple[str, ...] = ("name", "id_number", "phone", "address", "village")
#: Columns of old rosters that are recognised and ignored: 户口性质 (农业/非农业) was abolished in 2014.
IGNORED: tuple[str, ...] = ("hukou",)
#: Optional columns that update a resident only when the file has them and the cell is not empty.
OPTIONAL_FIELDS: tuple[str, ...] = ("hukou_region", "retirement_category")

#: The Chinese header written on export and used in messages.
LABELS: dict[str, str] = {
    "name": "姓名",
    "id_number": "公民身份号码",
    "phone": "联系电话",
    "address": "户籍地址",
    "village": "村(社区)",
    "hukou_region": "户籍地",
    "retirement_category": "退休类别",
    "hukou": "户口性质",
    "card_number": "社会保障卡号",
}

#: Header spellings seen in real rosters, already normalised by _norm_header.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "name", "fullname"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "身份证", "公民身份证号码", "证件号码",
                  "id_number", "idnumber", "id"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "phone", "mobile", "tel"),
    "address": ("户籍地址", "地址", "住址", "家庭住址", "户籍所在地", "address"),
    "village": ("村(社区)", "村/社区", "村", "社区", "所在村", "村居", "village"),
    "hukou_region": ("户籍地", "户籍地代码", "户籍地区划代码", "户籍区划代码", "户籍地行政区划代码",
                     "hukou_region", "hukouregion", "hukou_region_code"),
    "retirement_category": ("退休类别", "女职工退休类别", "退休人员类别", "retirement_category",
                            "retirementcategory"),
    "hukou": ("户口性质", "户籍性质", "户口类型", "hukou", "hukou_type"),
    "card_number": ("社会保障卡号", "社保卡号", "社保卡号码", "卡号", "card_number", "cardnumber", "card"),
}

MAX_CELL = 200
ERROR_COLUMN = "错误原因"
#: 退休类别 cells and what they mean (women only; men retire as "male").
RETIREMENT_VALUES = {"女干部": "female_cadre", "干部": "female_cadre", "female_cadre": "female_cadre",
                     "女工人": "female_worker", "工人": "female_worker", "female_worker": "female_worker"}
RETIREMENT_LABELS = {"female_cadre": "女干部", "female_worker": "女工人"}
_REGION = re.compile(r"^[1-9]\d{5}$", re.ASCII)
_MOBILE = re.compile(r"^1\d{10}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_CARD = re.compile(r"^[0-9A-Z]{9}$")
_CHUNK = 500
#: The header is looked for in this many rows from the top, under any title rows.
HEADER_SEARCH_ROWS = 10
#: What Excel writes for a long number in a General-format cell: 3.60726E+17.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$", re.ASCII)
#: Excel keeps 15 significant digits, so an 18-digit ID saved as a number ends in 000.
_SHORTENED = re.compile(r"^\d{15}000$", re.ASCII)
#: Which normaliser a text column goes through (kiosk.rules.text); any other: normalise_text.
_NORMALISERS = {"name": normalise_name, "phone": normalise_phone, "address": normalise_text,
                "village": normalise_text, "hukou_region": normalise_number,
                "retirement_category": normalise_text, "card_number": normalise_number}


class RosterError(ValueError):
    """A problem with the file as a whole (format, encoding, header)."""


@dataclass(frozen=True)
class RowError:
    """One reason one row was refused."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}: {self.reason}"


@dataclass(frozen=True)
class ValidRow:
    """A row that passed every check, normalised for storage."""

    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    phone: str
    address: str
    village: str
    hukou_region: str  # 6-digit region code, "" when the file does not say
    retirement_category: str  # male | female_cadre | female_worker | "" (a woman whose category is not given)
    card_number: str


@dataclass
class ImportReport:
    """What an import did (or, when ``written`` is False, would not do)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invalid_file: Path | None = None
    written: bool = False

    @property
    def rows(self) -> int:
        return self.added + self.updated + self.unchanged + self.invalid


# --- cells and headers -------------------------------------------------------

def _norm_header(text: str) -> str:
    """Trim, drop inner spaces, half-width parentheses and slashes, lower case."""
    s = text.strip().replace("（", "(").replace("）", ")").replace("／", "/").replace("\u3000", "")
    s = re.sub(r"\s+", "", s).lower()
    return s.lstrip("\ufeff")


_HEADER_LOOKUP = {_norm_header(alias): key for key, aliases in _ALIASES.items() for alias in aliases}


def cell_text(value: Any) -> str:
    """A cell as text: integral floats lose ``.0``, dates become ISO, None is ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Header:
    """Which file column holds which field; ``labels`` as written in the file."""

    columns: dict[str, int]
    labels: tuple[str, ...]
    notes: tuple[str, ...]

    def label(self, key: str) -> str:
        index = self.columns.get(key)
        if index is None or index >= len(self.labels) or not self.labels[index].strip():
            return LABELS[key]
        return self.labels[index].strip()


def read_header(cells: Sequence[Any]) -> Header:
    """Map a header row to fields; RosterError names any missing column."""
    labels = tuple(cell_text(c) for c in cells)
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, label in enumerate(labels):
        if not label.strip():
            continue
        key = _HEADER_LOOKUP.get(_norm_header(label))
        if key is None:
            unknown.append(label.strip())
            continue
        if key in columns:
            raise RosterError(
                f"表头有两列都是“{LABELS[key]}”（第{columns[key] + 1}列和第{index + 1}列），请删掉一列")
        columns[key] = index
    missing = [LABELS[k] for k in REQUIRED if k not in columns]
    if missing:
        found = "、".join(f"“{label.strip()}”" for label in labels if label.strip()) or "（没有）"
        raise RosterError(f"缺少必需的列：{'、'.join(missing)}。表头中找到的列：{found}")
    notes: tuple[str, ...] = (f"已忽略不认识的列：{'、'.join(unknown)}",) if unknown else ()
    if any(key in columns for key in IGNORED):
        notes += ("已忽略“户口性质”列：农业/非农业户口2014年起取消，不再登记；户籍地请填“户籍地”列（6位行政区划代码）",)
    return Header(columns, labels, notes)


# --- row validation ----------------------------------------------------------

def _zh(key: str, **params: object) -> str:
    """A catalog message in Chinese, the language of the command line and its reports."""
    return translate(key, "zh_CN", **params)


def column_shortened(cells: Iterable[Any]) -> bool:
    """Whether a CSV column of ID numbers looks saved by Excel as numbers.

    Excel shortens a whole column, never one cell: when it saved the IDs as
    numbers, every 18-digit ID in the file ends in ``000``. A real ID can end
    in ``000`` too (sequence ``00`` and check digit ``0``, about one in a
    thousand), so only a column whose every 18-digit ID ends in ``000`` is
    taken as damaged; then each such cell is refused by :func:`excel_damage`.
    """
    seen = False
    for raw in cells:
        text = unicodedata.normalize("NFKC", cell_text(raw)).strip()
        if len(text) != 18 or not text[:17].isdigit():
            continue
        if not _SHORTENED.match(text):
            return False
        seen = True
    return seen


def excel_damage(raw: Any, *, from_csv: bool) -> str | None:
    """Why an ID cell looks like a number Excel damaged, or None.

    Excel stores numbers with 15 significant digits: an 18-digit ID typed
    into a number cell keeps its first 15 digits and ends in ``000`` (saved
    to CSV as such, or as ``3.60726E+17`` in a General-format column). Such
    a number can still pass the check digit by chance, so it is refused,
    never imported silently. ``from_csv`` is true for a CSV file whose ID
    column :func:`column_shortened` found damaged as a whole. A CSV cell
    written as ``'360726…000`` (the apostrophe Excel uses to mark text) is
    taken as meant.
    """
    keep = _zh("normalise.excel.keep_text")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if abs(raw) >= 1e15 or (isinstance(raw, float) and not raw.is_integer()):
            return _zh("normalise.excel.numeric_cell", value=cell_text(raw), keep_text=keep)
        return None
    if not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if _SCIENTIFIC.match(text):
        return _zh("normalise.excel.scientific", value=text[:20], keep_text=keep)
    if from_csv and _SHORTENED.match(text):
        return _zh("normalise.excel.shortened", value=text, keep_text=keep)
    return None


def validate_cells(values: Mapping[str, Any], *, today: dt.date,
                   labels: Mapping[str, str] | None = None, from_csv: bool = False) -> ValidRow | list[tuple[str, str]]:
    """Check one row's cells (keyed by COLUMNS); the row or (column, reason) pairs.

    Every text cell goes through its normaliser (kiosk.rules.text): names
    ``张　三`` → ``张三``, ``阿卜杜•热合曼`` → ``阿卜杜·热合曼``; invisible and
    control characters are refused naming their position. ID numbers that
    Excel damaged are refused with a message that says how to keep the column
    as text (``from_csv``: the cells are CSV text, see :func:`excel_damage`).
    Never raises for any cell content: anything a spreadsheet can hold is
    either accepted or refused with a reason a clerk can act on.
    """
    names = labels or LABELS
    problems: list[tuple[str, str]] = []
    text: dict[str, str] = {}
    for key in COLUMNS:
        raw = values.get(key)
        cell = cell_text(raw)
        label = names.get(key, LABELS[key])
        if key == "id_number" and cell.strip().startswith("'"):
            cell = cell.strip()[1:]  # Excel's text marker: the number is meant as written
        elif key == "id_number" and (damage := excel_damage(raw, from_csv=from_csv)) is not None:
            problems.append((label, damage))
            text[key] = "\0"
            continue
        if cell.strip().startswith("="):
            problems.append((label, "单元格是公式，请改为直接填写内容（复制后“粘贴为数值”）"))
            cell = ""
        elif len(cell.strip()) > MAX_CELL:
            problems.append((label, f"内容过长（{len(cell.strip())}字，最多{MAX_CELL}字）"))
            cell = ""
        elif key != "id_number":  # the ID goes through parse_id_number's own normaliser
            try:
                cell = _NORMALISERS.get(key, normalise_text)(cell)
            except InvalidText as exc:
                problems.append((label, exc.describe(_zh)))
                cell = ""
        text[key] = cell.strip()
    flagged = {column for column, _ in problems}

    def check(key: str, reason: str | None) -> None:
        label = names.get(key, LABELS[key])
        if reason is not None and label not in flagged:
            problems.append((label, reason))

    name = text["name"]
    check("name", "姓名为空" if not name else (f"姓名过长（最多{NAME_MAX_LENGTH}字）" if len(name) > NAME_MAX_LENGTH else None))
    if name:
        try:  # the name rule of registration and 信息变更: letters, ·, spaces; no digits or symbols
            check_name(name)
        except InvalidText as exc:
            check("name", exc.describe(_zh))

    parsed = None
    if text["id_number"] != "\0":
        try:
            parsed = parse_id_number(text["id_number"], today=today)
        except InvalidIdNumber as exc:
            check("id_number", exc.message)

    phone = text["phone"]
    if phone and not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        check("phone", f"电话号码“{phone[:20]}”不对：手机为1开头的11位数字，固定电话要带区号（如0797-1234567）")

    village = text["village"]
    check("village", "村(社区)名称过长（最多60字）" if len(village) > 60 else None)

    region = text["hukou_region"]
    check("hukou_region", None if not region or (_REGION.match(region) and valid_region_code(region)) else
          f"户籍地“{region[:20]}”不对：应为6位行政区划代码（如360726），可留空")

    category = ""
    if parsed is not None and parsed.sex == "male":
        category = "male"
        check("retirement_category", None if not text["retirement_category"]
              or text["retirement_category"] in ("男", "male") else "男性不填退休类别（女干部/女工人只适用于女性）")
    elif text["retirement_category"]:
        category = RETIREMENT_VALUES.get(text["retirement_category"].replace(" ", ""), "")
        check("retirement_category", None if category else
              f"退休类别“{text['retirement_category'][:20]}”不对：女性填“女干部”或“女工人”，不清楚可留空")

    card = text["card_number"]
    check("card_number", None if not card or _CARD.match(card) else
          f"社会保障卡号“{card[:20]}”不对：应为9位数字或大写字母")

    if problems or parsed is None:
        return problems or [(names.get("id_number", LABELS["id_number"]), "身份证号码无效")]
    return ValidRow(name=name, id_number=parsed.number, sex=parsed.sex, birth_date=parsed.birth_date,
                    phone=phone, address=text["address"], village=village, hukou_region=region,
                    retirement_category=category, card_number=card)


# --- reading files -----------------------------------------------------------

def detect_encoding(path: Path) -> str:
    """utf-8-sig when the whole file decodes strictly as UTF-8, else gb18030 (GBK is a subset: what
    Excel's "CSV" writes on a Chinese Windows). RosterError when neither decodes; OSError passes.
    Shared by every reader of a spreadsheet a person brings (roster, 代发文件 check)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise RosterError(f"{path.name}：无法识别文件编码（既不是 UTF-8 也不是 GBK），请在 Excel 中另存为“CSV UTF-8”")


#: What reading a damaged .csv or .xlsx can raise once it is open (a truncated zip member, broken
#: sheet XML — ElementTree's ParseError is a SyntaxError —, a bad CRC): a reader turns these into
#: its calm "cannot read" message.
READ_ERRORS: tuple[type[BaseException], ...] = (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError,
                                                IndexError, EOFError, SyntaxError, zipfile.BadZipFile, zlib.error)


def load_workbook(path: Path, *, data_only: bool) -> Any:
    """``openpyxl.load_workbook(path, read_only=True)``; a damaged or renamed file (not a zip, not a
    workbook, unreadable) is RosterError "不是有效的 .xlsx 文件". The one mapping of a reader's errors
    for every .xlsx a person brings (roster and record imports, the 代发文件 check)."""
    import openpyxl  # imported here: only needed for spreadsheets
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except (InvalidFileException, *READ_ERRORS) as exc:
        raise RosterError(f"{path.name}：不是有效的 .xlsx 文件（{exc}）") from None


@dataclass
class Sheet:
    """Rows of the first sheet as (row number, cells), plus notes about the file."""

    rows: Iterator[tuple[int, tuple[Any, ...]]]
    notes: list[str]
    close: Any = None
    from_csv: bool = False  # every cell is text that may have been through Excel


def open_sheet(path: Path) -> Sheet:
    """Open a .csv or .xlsx roster for streaming; RosterError on a bad file."""
    if not path.exists():
        raise RosterError(f"找不到文件 {path}")
    if not path.is_file():  # a folder named like a file (attack F4)
        raise RosterError(f"{path} 是文件夹，不是文件：请给出要导入的 .csv 或 .xlsx 文件")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            encoding = detect_encoding(path)
            handle = path.open(encoding=encoding, newline="")
        except OSError as exc:  # unreadable (permissions, a device): one calm line, not a traceback
            raise RosterError(f"{path.name}：无法读取（{exc.strerror or exc}）") from None
        notes = ["文件编码为 GBK/GB18030"] if encoding == "gb18030" else []

        def csv_rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
            for number, row in enumerate(csv.reader(handle), start=1):
                yield number, tuple(row)

        return Sheet(csv_rows(), notes, handle.close, from_csv=True)
    if suffix == ".xlsx":
        workbook = load_workbook(path, data_only=False)
        if not workbook.worksheets:
            workbook.close()
            raise RosterError(f"{path.name}：没有工作表")
        notes = []
        if len(workbook.sheetnames) > 1:
            others = "、".join(workbook.sheetnames[1:])
            notes.append(f"只导入第一个工作表“{workbook.sheetnames[0]}”，已忽略：{others}")
        sheet = workbook.worksheets[0]

        def xlsx_rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, tuple(row)

        return Sheet(xlsx_rows(), notes, workbook.close)
    raise RosterError(f"{path.name}：只支持 .csv 和 .xlsx 文件")


def _recognised(cells: Sequence[Any]) -> int:
    """How many different columns a row names (a header names several)."""
    return len({_HEADER_LOOKUP.get(_norm_header(cell_text(c))) for c in cells} - {None})


def find_header(rows: Iterator[tuple[int, tuple[Any, ...]]],
                file_name: str) -> tuple[Header, Iterator[tuple[int, tuple[Any, ...]]]]:
    """The header among the first HEADER_SEARCH_ROWS rows, under any title rows
    (a merged cell such as ``示范镇2025年参保人员花名册``), and the rows after it.

    RosterError: an empty file, or no row with every required column (the
    message is that of the row naming the most columns, so it lists what
    is missing from the real header).
    """
    seen: list[tuple[int, tuple[Any, ...]]] = []
    for number, cells in rows:
        if _blank(cells):
            continue
        seen.append((number, cells))
        if _recognised(cells) >= len(REQUIRED):
            try:
                header = read_header(cells)
            except RosterError:
                pass
            else:
                if len(seen) > 1:
                    note = _zh("normalise.roster.header_row", row=number, skipped=len(seen) - 1)
                    header = Header(header.columns, header.labels, (note, *header.notes))
                return header, rows
        if len(seen) >= HEADER_SEARCH_ROWS or number >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise RosterError(f"{file_name}：文件是空的（没有表头）")
    best = max(seen, key=lambda row: _recognised(row[1]))  # the first of the best on a tie
    read_header(best[1])  # raises, naming the missing columns
    raise RosterError(f"{file_name}：前{HEADER_SEARCH_ROWS}行中找不到表头")  # pragma: no cover - read_header raised


def _blank(cells: Sequence[Any]) -> bool:
    return all(cell_text(c).strip() == "" for c in cells)


def _values(header: Header, cells: Sequence[Any]) -> dict[str, Any]:
    return {key: (cells[index] if index < len(cells) else None) for key, index in header.columns.items()}


# --- import --------------------------------------------------------------------

_FIELDS = ("name", "phone", "address", "village", "hukou_region", "retirement_category")


def import_residents(database: peewee.Database, path: Path, *, today: dt.date, now: dt.datetime,
                     skip_invalid: bool = False, actor: str = "admin-cli",
                     terminal: str = "cli") -> ImportReport:
    """Validate the whole file, then upsert its residents in one transaction."""
    now = utc_now_naive(now)
    sheet = open_sheet(path)
    report = ImportReport(notes=list(sheet.notes))
    try:
        header, rows = find_header(iter(sheet.rows), path.name)
        report.notes += header.notes
        labels = {key: header.label(key) for key in COLUMNS}
        bad: dict[int, list[str]] = {}
        first_row_of: dict[str, int] = {}
        card_rows: dict[str, list[int]] = {}
        card_owner: dict[str, str] = {}
        duplicated: set[int] = set()

        def refuse(row: int, column: str, reason: str) -> None:
            report.errors.append(RowError(row, column, reason))
            bad.setdefault(row, []).append(f"{column}: {reason}")

        kept = [(number, cells) for number, cells in rows if not _blank(cells)]
        shortened = sheet.from_csv and column_shortened(_values(header, cells).get("id_number") for _, cells in kept)
        for number, cells in kept:
            result = validate_cells(_values(header, cells), today=today, labels=labels, from_csv=shortened)
            if isinstance(result, list):
                for column, reason in result:
                    refuse(number, column, reason)
                continue
            first = first_row_of.setdefault(result.id_number, number)
            if first != number:
                refuse(number, labels["id_number"], f"身份证号码与第{first}行重复")
                if first not in duplicated:
                    duplicated.add(first)
                    refuse(first, labels["id_number"], f"身份证号码与第{number}行重复")
            if result.card_number:
                card_rows.setdefault(result.card_number, []).append(number)
                owner = card_owner.setdefault(result.card_number, result.id_number)
                if owner != result.id_number:
                    refuse(number, labels["card_number"], "社会保障卡号与本表中另一人的相同")
        _check_cards_in_database(card_rows, card_owner, labels, refuse)
    finally:
        if sheet.close is not None:
            sheet.close()
    report.errors.sort(key=lambda e: e.row)
    report.invalid = len(bad)
    if not kept:
        report.notes.append("只有表头，没有数据行")
    if bad and not skip_invalid:
        return report
    if bad:
        report.invalid_file = _write_invalid(path, header.labels, kept, bad)
    with write_transaction(database):
        _upsert(kept, bad, header, labels, report, today=today, now=now, from_csv=shortened)
        audit.append(actor=actor, terminal=terminal, action="roster.import", now=now, entity="resident",
                     detail={"file": path.name, "added": report.added, "updated": report.updated,
                             "unchanged": report.unchanged, "invalid": report.invalid,
                             "invalid_file": str(report.invalid_file.resolve()) if report.invalid_file else "",
                             "os_user": os_user()})
    report.written = True
    return report


def _check_cards_in_database(card_rows: Mapping[str, list[int]], card_owner: Mapping[str, str],
                             labels: Mapping[str, str], refuse: Any) -> None:
    """Refuse rows whose card number already belongs to someone else."""
    numbers = list(card_rows)
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start:start + _CHUNK]
        query = (Card.select(Card.card_number, Resident.id_number).join(Resident)
                 .where(Card.card_number.in_(chunk)))
        for card_number, owner in tuples(query):
            if owner != card_owner[card_number]:
                for row in card_rows[card_number]:
                    refuse(row, labels["card_number"], "社会保障卡号已属于另一位参保人")


def tuples(query: Any) -> Iterator[tuple[Any, ...]]:
    """Stream a select as plain tuples (no model objects kept)."""
    return iter(query.tuples().iterator())


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _upsert(kept: Sequence[tuple[int, tuple[Any, ...]]], bad: Mapping[int, list[str]], header: Header,
            labels: Mapping[str, str], report: ImportReport, *, today: dt.date, now: dt.datetime,
            from_csv: bool) -> None:
    """Write the good rows chunk by chunk, touching only what changed."""
    has_card_column = "card_number" in header.columns
    # An optional column updates only when the file has it and the cell says something:
    # an old roster without 户籍地 or 退休类别 never wipes what a clerk recorded.
    optional = {name for name in OPTIONAL_FIELDS if name in header.columns}
    for chunk in _chunks([cells for number, cells in kept if number not in bad]):
        rows: list[ValidRow] = []
        for cells in chunk:
            result = validate_cells(_values(header, cells), today=today, labels=labels, from_csv=from_csv)
            assert isinstance(result, ValidRow)  # passed the same check in phase one
            rows.append(result)
        existing = {r[0]: r for r in tuples(Resident.select(
            Resident.id_number, Resident.id, Resident.name, Resident.phone, Resident.address,
            Resident.village, Resident.hukou_region, Resident.retirement_category)
            .where(Resident.id_number.in_([r.id_number for r in rows])))}
        cards = {c: rid for c, rid in tuples(Card.select(Card.card_number, Card.resident)
                 .where(Card.card_number.in_([r.card_number for r in rows if r.card_number])))}
        inserts: list[tuple[Any, ...]] = []
        changed_ids: set[str] = set()
        for row in rows:
            old = existing.get(row.id_number)
            if old is None:
                inserts.append((row.id_number, row.name, row.sex, row.birth_date, row.phone, row.address,
                                row.village, row.hukou_region, row.retirement_category, now, now))
                continue
            changes = {name: getattr(row, name) for name, value in zip(_FIELDS, old[2:], strict=True)
                       if getattr(row, name) != value
                       and (name not in OPTIONAL_FIELDS or (name in optional and getattr(row, name)))}
            if changes:
                changes["updated_at"] = now
                Resident.update(**changes).where(Resident.id == old[1]).execute()
                changed_ids.add(row.id_number)
        if inserts:
            insert_rows(Resident._meta.database, Resident, (
                Resident.id_number, Resident.name, Resident.sex, Resident.birth_date, Resident.phone,
                Resident.address, Resident.village, Resident.hukou_region, Resident.retirement_category,
                Resident.created_at, Resident.updated_at), inserts)
        report.added += len(inserts)
        new_cards = [r for r in rows if has_card_column and r.card_number and r.card_number not in cards]
        if new_cards:
            ids: dict[str, int] = dict(tuples(Resident.select(Resident.id_number, Resident.id)
                                              .where(Resident.id_number.in_([r.id_number for r in new_cards]))))
            # A new card number for someone known means the office issued a new card.
            Card.update(status="replaced", status_changed_at=now).where(
                Card.resident.in_([ids[r.id_number] for r in new_cards if r.id_number in existing]),
                Card.status == "active").execute()
            insert_rows(Card._meta.database, Card, (Card.resident, Card.card_number, Card.status, Card.issued_on,
                                                    Card.status_changed_at),
                        [(ids[r.id_number], r.card_number, "active", today, now) for r in new_cards])
            changed_ids.update(r.id_number for r in new_cards if r.id_number in existing)
        report.updated += len(changed_ids)
        report.unchanged += sum(1 for r in rows if r.id_number in existing and r.id_number not in changed_ids)


def _write_invalid(path: Path, labels: Sequence[str], kept: Iterable[tuple[int, tuple[Any, ...]]],
                   bad: Mapping[int, list[str]]) -> Path:
    """The refused rows, as they were, plus why: NAME.invalid.EXT beside the input."""
    target = path.with_name(f"{path.stem}.invalid{path.suffix.lower()}")
    header = [*labels, ERROR_COLUMN]
    width = len(labels)
    rows = ([*(cell_text(c) for c in cells[:width]), *[""] * (width - len(cells)), "；".join(bad[n])]
            for n, cells in kept if n in bad)
    _write_table(target, header, rows)
    return target


# --- export --------------------------------------------------------------------

def _write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV (UTF-8 with BOM, so Excel opens it) or a write-only .xlsx; returns data rows.

    The file is created with mode 0600 and moved into place when complete
    (:func:`db.files.private_file`). CSV cells are neutralised against
    formula injection (:func:`db.files.csv_cell`); .xlsx cells are typed as
    text, so neither a leading ``=`` nor an ID number is read as anything else.
    Raises RosterError for another suffix, OSError when the file cannot be written.
    """
    suffix = path.suffix.lower()
    count = 0
    if suffix == ".csv":
        with private_file(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([csv_cell(c) for c in header])
            for row in rows:
                writer.writerow([csv_cell(c) for c in row])
                count += 1
        return count
    if suffix == ".xlsx":
        import openpyxl
        from openpyxl.cell import WriteOnlyCell

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("参保人员")

        def text_cells(values: Iterable[Any]) -> list[WriteOnlyCell]:
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
                cell.data_type = "s"  # never a formula (openpyxl makes "=..." one), never a number
                cells.append(cell)
            return cells

        sheet.append(text_cells(header))
        for row in rows:
            sheet.append(text_cells(row))
            count += 1
        with private_file(path, "wb") as handle:
            workbook.save(handle)
        return count
    raise RosterError(f"{path.name}：只支持导出为 .csv 或 .xlsx")


def export_residents(database: peewee.Database, path: Path) -> int:
    """Write every resident in the import format; returns the number of rows."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise RosterError(f"{path.name}：只支持导出为 .csv 或 .xlsx")
    with database.atomic():  # one consistent snapshot
        cards: dict[int, str] = {}
        for resident_id, number in tuples(Card.select(Card.resident, Card.card_number)
                                          .where(Card.status == "active").order_by(Card.id)):
            cards[resident_id] = number
        query = (Resident.select(Resident.id, Resident.name, Resident.id_number, Resident.phone,
                                 Resident.address, Resident.village, Resident.hukou_region,
                                 Resident.retirement_category).order_by(Resident.id))
        rows = ((name, number, phone, address, village, region, RETIREMENT_LABELS.get(category, ""),
                 cards.get(rid, ""))
                for rid, name, number, phone, address, village, region, category in tuples(query))
        return _write_table(path, [LABELS[k] for k in COLUMNS], rows)


INSURANCE_NAMES = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险",
                   "injury": "工伤保险", "maternity": "生育保险"}
SCHEME_NAMES = {"employee": "职工", "resident": "城乡居民", "flexible": "灵活就业"}
CONTRIBUTION_HEADER = ("公民身份号码", "姓名", "险种", "参保类别", "所属期", "缴费基数(元)",
                       "个人缴费(元)", "单位缴费(元)", "政府补贴(元)")


def export_contributions(database: peewee.Database, path: Path) -> int:
    """Write one row per paid month (or year), amounts in yuan with 2 decimals."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise RosterError(f"{path.name}：只支持导出为 .csv 或 .xlsx")
    query = (Contribution.select(Resident.id_number, Resident.name, Contribution.insurance, Contribution.scheme,
                                 Contribution.month, Contribution.base_fen, Contribution.individual_fen,
                                 Contribution.employer_fen, Contribution.subsidy_fen)
             .join(Resident)
             .order_by(Resident.id, Contribution.insurance, Contribution.scheme, Contribution.month))

    def money(fen: int) -> str:
        return format_yuan(fen, grouping=False)

    rows = ((number, name, INSURANCE_NAMES.get(ins, ins), SCHEME_NAMES.get(scheme, scheme),
             f"{month:%Y-%m}", money(base), money(ind), money(emp), money(sub))
            for number, name, ins, scheme, month, base, ind, emp, sub in tuples(query))
    with database.atomic():
        return _write_table(path, CONTRIBUTION_HEADER, rows)
