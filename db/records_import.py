"""Enrolment and contribution spreadsheets: ``kiosk import enrolments|contributions``.

Same rules as the roster import (:mod:`db.roster`, whose file reader,
cell text and report this module reuses): ``.csv`` (UTF-8 with or without
BOM, or GBK) or the first sheet of ``.xlsx``; a header row in Chinese or
English found among the first rows under any title rows; every bad row
reported as ``第N行 列名: reason``; all-or-nothing unless ``skip_invalid``
(then the bad rows go to ``NAME.invalid.EXT``); importing the same file
twice changes nothing (idempotent).

Enrolments (参保登记): 公民身份号码/id_number, 险种/insurance, 制度/scheme,
参保日期/start_date, 状态/status, 单位统一社会信用代码/employer_uscc (optional),
终止日期/end_date (optional). The resident must already be on the roster.
The flows' rules hold: the resident scheme only for pension and medical,
flexible workers only in pension and medical, the employee scheme only
through an employer (a valid unified social credit code), no two schemes of
one insurance covering the same days, resident pension from 16 to 60,
nothing starting in the future. The key is (person, insurance, scheme,
start date): a row already there with the same status, end and employer is
unchanged; otherwise its status/end/employer are updated. One open (active or
suspended) enrolment per person, insurance and scheme, judged on the records
as the whole file leaves them: a row that would add a second one (on record or
twice in the file) is refused, and so is any row for a person recorded as
deceased except history that ended on or before the death (attack E13/E14).

Contributions (缴费记录): 公民身份号码, 险种, 制度, 所属期/period (YYYY-MM for
the employee and flexible schemes, YYYY for the resident scheme), 缴费基数/base,
个人缴费/individual, 单位缴费/employer, 政府补贴/subsidy, in 元 with at most two
decimals. A period needs an enrolment of that insurance and scheme covering
it, lies in the past or this month, and passes the same rule functions the
rule audit applies (one implementation, :mod:`kiosk.rules.enrolment`): the
scheme's age window (:func:`contribution_age_refusal`: from 16, resident
pension before 60, employee and flexible months before the statutory
retirement date of the person's category) and, for resident pension, the
allowed years (:func:`resident_year_refusal`: none before 2009); a period after
the person's recorded death is refused.

Historic records keep their period's own date (decided, moneyfix 4): a
contribution for an earlier period was collected by the old system in its
period, so ``paid_at`` is that period's date (a resident year: 30 June of
that year; a month: its 15th, 10:00 local), never the import day; only
periods of the current year (resident) or month (monthly schemes) are
stamped with the import's time. The rule audit's "allowed years" rule thus
judges each year at its own period; the import itself is the audit-log
entry ``contribution.import`` (file, rows). A period already on record with the same amounts is
unchanged; with different amounts the row is refused: records are never
overwritten by an import (a correction is an adjustment approved by a
second person). New pension periods credit the personal account exactly as
the counter does (:mod:`kiosk.services.payments`): employee 8% of the base
(the policy's individual pension rate), flexible the policy's account rate
of the base, resident the individual part plus the subsidy; each ledger
entry is dated on the first day of its period, so 记账利息 is computed from
the right date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

import peewee

from db import audit
from db.connection import write_transaction
from db.ledger import account_for, post
from db.models import Contribution, Employer, Enrolment, Resident, utc_now_naive
from db.roster import (
    HEADER_SEARCH_ROWS,
    ImportReport,
    RosterError,
    RowError,
    _norm_header,
    _write_invalid,
    _zh,
    cell_text,
    column_shortened,
    excel_damage,
    open_sheet,
)
from kiosk.rules import enrolment as enrol_rules
from kiosk.rules.identity import InvalidIdNumber, is_valid_uscc, parse_id_number
from kiosk.rules.money import Fen, round_fen
from kiosk.rules.parameters import PolicyParams
from kiosk.rules.text import InvalidText, normalise_number

INSURANCE_VALUES = {
    "养老": "pension", "养老保险": "pension", "基本养老保险": "pension", "pension": "pension",
    "医疗": "medical", "医疗保险": "medical", "基本医疗保险": "medical", "医保": "medical", "medical": "medical",
    "失业": "unemployment", "失业保险": "unemployment", "unemployment": "unemployment",
    "工伤": "injury", "工伤保险": "injury", "injury": "injury", "work_injury": "injury",
    "生育": "maternity", "生育保险": "maternity", "maternity": "maternity",
}
SCHEME_VALUES = {
    "职工": "employee", "企业职工": "employee", "城镇职工": "employee", "employee": "employee",
    "城乡居民": "resident", "居民": "resident", "resident": "resident",
    "灵活就业": "flexible", "灵活就业人员": "flexible", "个体": "flexible", "flexible": "flexible",
}
STATUS_VALUES = {
    "参保": "active", "正常": "active", "参保缴费": "active", "正常参保": "active", "active": "active",
    "暂停": "suspended", "暂停缴费": "suspended", "中断": "suspended", "suspended": "suspended",
    "终止": "ended", "停保": "ended", "终止参保": "ended", "ended": "ended",
}
INSURANCE_ZH = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险", "injury": "工伤保险",
                "maternity": "生育保险"}
SCHEME_ZH = {"employee": "职工", "resident": "城乡居民", "flexible": "灵活就业"}
#: Which insurances each scheme has (RULES §3, §4, §6).
SCHEME_INSURANCES = {"employee": ("pension", "medical", "unemployment", "injury", "maternity"),
                     "resident": ("pension", "medical"), "flexible": ("pension", "medical")}


@dataclass(frozen=True)
class Column:
    """One column: key, label used in messages, accepted header spellings, required or not."""

    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = True


_ID = Column("id_number", "公民身份号码", ("公民身份号码", "身份证号", "身份证号码", "身份证", "证件号码",
                                              "社会保障号码", "id_number", "idnumber", "id"))
_INSURANCE = Column("insurance", "险种", ("险种", "险种类型", "保险类型", "insurance"))
_SCHEME = Column("scheme", "制度", ("制度", "参保类别", "参保类型", "人员类别", "scheme"))
ENROLMENT_COLUMNS = (
    _ID, _INSURANCE, _SCHEME,
    Column("start_date", "参保日期", ("参保日期", "参保时间", "开始日期", "start_date", "start")),
    Column("status", "状态", ("状态", "参保状态", "status"), required=False),
    Column("employer_uscc", "单位统一社会信用代码", ("单位统一社会信用代码", "统一社会信用代码", "单位代码",
                                                   "employer_uscc", "uscc"), required=False),
    Column("end_date", "终止日期", ("终止日期", "停保日期", "end_date", "end"), required=False),
)
CONTRIBUTION_COLUMNS = (
    _ID, _INSURANCE, _SCHEME,
    Column("period", "所属期", ("所属期", "费款所属期", "缴费所属期", "缴费年月", "缴费年度", "period")),
    Column("base", "缴费基数", ("缴费基数", "缴费基数(元)", "基数", "base"), required=False),
    Column("individual", "个人缴费", ("个人缴费", "个人缴费(元)", "个人缴纳", "individual")),
    Column("employer", "单位缴费", ("单位缴费", "单位缴费(元)", "单位缴纳", "employer"), required=False),
    Column("subsidy", "政府补贴", ("政府补贴", "政府补贴(元)", "财政补贴", "subsidy"), required=False),
)

_MONTH = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")
_YEAR = re.compile(r"^(\d{4})年?(度)?$")
_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")
_MAX_FEN = 10**10


@dataclass(frozen=True)
class _Header:
    columns: dict[str, int]
    labels: tuple[str, ...]
    notes: tuple[str, ...]


def _find_header(rows: Iterator[tuple[int, tuple[Any, ...]]], columns: Sequence[Column],
                 file_name: str) -> _Header:
    """The first row among the first HEADER_SEARCH_ROWS that names every required column."""
    lookup = {_norm_header(alias): col.key for col in columns for alias in col.aliases}
    required = [c for c in columns if c.required]
    best: tuple[int, list[str]] | None = None
    for number, cells in rows:
        labels = tuple(cell_text(c) for c in cells)
        if not any(label.strip() for label in labels):
            continue
        found: dict[str, int] = {}
        unknown: list[str] = []
        for index, label in enumerate(labels):
            key = lookup.get(_norm_header(label)) if label.strip() else None
            if key is None:
                if label.strip():
                    unknown.append(label.strip())
            elif key not in found:
                found[key] = index
        missing = [c.label for c in required if c.key not in found]
        if not missing:
            notes = [f"已忽略不认识的列：{'、'.join(unknown)}"] if unknown else []
            if number > 1:
                notes.append(f"表头在第{number}行，上面的标题行已跳过")
            return _Header(found, labels, tuple(notes))
        if best is None or len(missing) < len(best[1]):
            best = (number, missing)
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise RosterError(f"{file_name}：文件是空的（没有表头）")
    raise RosterError(f"{file_name}：缺少必需的列：{'、'.join(best[1])}（第{best[0]}行最像表头）")


class _Rows:
    """Reads a file, validates each row with ``check`` and collects the report."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path = path
        self.columns = columns
        self.labels = {c.key: c.label for c in columns}
        self.report = ImportReport()
        self.kept: list[tuple[int, tuple[Any, ...]]] = []
        self.bad: dict[int, list[str]] = {}
        self.header: _Header | None = None

    def refuse(self, row: int, key: str, reason: str) -> None:
        label = self.labels.get(key, key)
        self.report.errors.append(RowError(row, label, reason))
        self.bad.setdefault(row, []).append(f"{label}: {reason}")

    def read(self, check: Callable[[int, dict[str, Any]], Any]) -> list[tuple[int, Any]]:
        sheet = open_sheet(self.path)
        self.report.notes.extend(sheet.notes)
        good: list[tuple[int, Any]] = []
        from_csv = self.path.suffix.lower() == ".csv"
        try:
            rows = iter(sheet.rows)
            self.header = _find_header(rows, self.columns, self.path.name)
            self.report.notes.extend(self.header.notes)
            self.kept = [(number, cells) for number, cells in rows
                         if not all(cell_text(c).strip() == "" for c in cells)]
            raws = [(number, {key: (cells[i] if i < len(cells) else None)
                              for key, i in self.header.columns.items()}) for number, cells in self.kept]
            shortened = from_csv and column_shortened(raw.get("id_number") for _, raw in raws)
            for number, raw in raws:
                damage = excel_damage(raw.get("id_number"), from_csv=shortened)
                if damage is not None and not cell_text(raw.get("id_number")).strip().startswith("'"):
                    self.refuse(number, "id_number", damage)
                    continue
                result = check(number, raw)
                if number not in self.bad:
                    good.append((number, result))
        finally:
            if sheet.close is not None:
                sheet.close()
        self.report.errors.sort(key=lambda e: e.row)
        self.report.invalid = len(self.bad)
        if not self.kept:
            self.report.notes.append("只有表头，没有数据行")
        return good

    def finish_invalid(self, skip_invalid: bool) -> bool:
        """True when writing may go ahead; writes the reject file with ``skip_invalid``."""
        if self.bad and not skip_invalid:
            return False
        if self.bad and self.header is not None:
            self.report.invalid_file = _write_invalid(self.path, self.header.labels, self.kept, self.bad)
        return True


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    """A select's rows as plain tuples (peewee's types see model rows)."""
    return cast(list[tuple[Any, ...]], list(query.tuples().iterator()))


def _text(raw: Any) -> str:
    return cell_text(raw).strip()


def _id_number(rows: _Rows, number: int, raw: Any, today: dt.date, residents: Mapping[str, tuple[int, dt.date]]
               ) -> tuple[int, dt.date] | None:
    text = _text(raw).lstrip("'")
    try:
        parsed = parse_id_number(normalise_number(text), today=today)
    except InvalidText:
        rows.refuse(number, "id_number", "身份证号码含有不可见或控制字符")
        return None
    except InvalidIdNumber as exc:
        rows.refuse(number, "id_number", exc.message)
        return None
    found = residents.get(parsed.number)
    if found is None:
        rows.refuse(number, "id_number", "花名册中没有此人：请先用 kiosk import residents 导入或到窗口登记")
    return found


def _choice(rows: _Rows, number: int, key: str, raw: Any, values: Mapping[str, str], what: str) -> str | None:
    text = _text(raw).replace(" ", "")
    value = values.get(text) or values.get(text.lower())
    if value is None:
        shown = "、".join(k for k in values if not k.isascii())
        rows.refuse(number, key, f"{what}为空" if not text else f"{what}“{text[:20]}”不认识，应为：{shown}")
    return value


def _date(rows: _Rows, number: int, key: str, raw: Any, today: dt.date, *, required: bool) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    else:
        text = _text(raw).replace("/", "-").replace(".", "-")
        if not text:
            if required:
                rows.refuse(number, key, "日期为空，应写成 2020-03-01")
            return None
        try:
            day = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            rows.refuse(number, key, f"日期“{text[:20]}”不对，应写成 2020-03-01")
            return None
    if day > today:
        rows.refuse(number, key, f"日期 {day.isoformat()} 晚于今天")
        return None
    return day


def _residents(ids: Sequence[str]) -> dict[str, tuple[int, dt.date]]:
    found: dict[str, tuple[int, dt.date]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        for id_number, rid, birth in _tuples(Resident.select(Resident.id_number, Resident.id, Resident.birth_date).where(
                Resident.id_number.in_(chunk))):
            found[id_number] = (rid, birth)
    return found


def _deaths(ids: Sequence[int]) -> dict[int, dt.date]:
    """{resident id: date of death} for those of ``ids`` recorded as deceased."""
    found: dict[int, dt.date] = {}
    for start in range(0, len(ids), 500):
        for rid, death in _tuples(Resident.select(Resident.id, Resident.death_date).where(
                cast(Any, Resident).id.in_(list(ids[start:start + 500])) & Resident.death_date.is_null(False))):
            found[rid] = death
    return found


def _all_ids(path: Path, columns: Sequence[Column], today: dt.date) -> list[str]:
    """Every parseable ID number in the file (one pre-pass, so residents load in chunks)."""
    sheet = open_sheet(path)
    ids: set[str] = set()
    try:
        rows = iter(sheet.rows)
        header = _find_header(rows, columns, path.name)
        index = header.columns["id_number"]
        for _, cells in rows:
            if index < len(cells):
                try:
                    ids.add(parse_id_number(normalise_number(_text(cells[index]).lstrip("'")), today=today).number)
                except (InvalidIdNumber, InvalidText):
                    continue
    finally:
        if sheet.close is not None:
            sheet.close()
    return sorted(ids)


# --- enrolments -------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentRow:
    """A valid enrolment row, ready to write."""

    resident_id: int
    insurance: str
    scheme: str
    start_date: dt.date
    status: str
    end_date: dt.date | None
    employer_uscc: str


def _overlaps(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None) -> bool:
    return a_start <= (b_end or dt.date.max) and b_start <= (a_end or dt.date.max)


def import_enrolments(database: peewee.Database, path: Path, *, today: dt.date, now: dt.datetime,
                      skip_invalid: bool = False, actor: str = "admin-cli", terminal: str = "cli") -> ImportReport:
    """Validate the whole enrolment file, then write it in one transaction (see module docstring)."""
    now = utc_now_naive(now)
    rows = _Rows(path, ENROLMENT_COLUMNS)
    with database.connection_context():
        residents = _residents(_all_ids(path, ENROLMENT_COLUMNS, today))
        existing: dict[int, list[tuple[str, str, dt.date, dt.date | None, str]]] = {}
        ids = [rid for rid, _ in residents.values()]
        for start in range(0, len(ids), 500):
            for rid, ins, scheme, begin, end, status in _tuples(Enrolment.select(
                    Enrolment.resident, Enrolment.insurance, Enrolment.scheme, Enrolment.start_date,
                    Enrolment.end_date, Enrolment.status).where(
                    Enrolment.resident.in_(ids[start:start + 500]))):
                existing.setdefault(rid, []).append((ins, scheme, begin, end, status))
        deaths = _deaths(ids)
        in_file: dict[tuple[int, str], list[tuple[int, str, dt.date, dt.date | None]]] = {}

        def check(number: int, raw: dict[str, Any]) -> EnrolmentRow | None:
            who = _id_number(rows, number, raw.get("id_number"), today, residents)
            insurance = _choice(rows, number, "insurance", raw.get("insurance"), INSURANCE_VALUES, "险种")
            scheme = _choice(rows, number, "scheme", raw.get("scheme"), SCHEME_VALUES, "制度")
            start = _date(rows, number, "start_date", raw.get("start_date"), today, required=True)
            status = _choice(rows, number, "status", raw.get("status") or "参保", STATUS_VALUES, "状态")
            end = _date(rows, number, "end_date", raw.get("end_date"), today, required=False)
            uscc = _text(raw.get("employer_uscc")).upper()
            if None in (who, insurance, scheme, start, status):
                return None
            assert who is not None and insurance is not None and scheme is not None and start is not None
            rid, birth = who
            if insurance not in SCHEME_INSURANCES[scheme]:
                rows.refuse(number, "scheme", f"{SCHEME_ZH[scheme]}没有{INSURANCE_ZH[insurance]}"
                            f"（{SCHEME_ZH[scheme]}只有：{'、'.join(INSURANCE_ZH[i] for i in SCHEME_INSURANCES[scheme])}）")
            if scheme == "employee" and not uscc:
                rows.refuse(number, "employer_uscc", "职工参保须通过用人单位：请填写单位统一社会信用代码"
                            "（个人参保请填“灵活就业”或“城乡居民”）")
            if uscc and not is_valid_uscc(uscc):
                rows.refuse(number, "employer_uscc", f"统一社会信用代码“{uscc[:20]}”校验不通过")
            if uscc and scheme != "employee":
                rows.refuse(number, "employer_uscc", "只有职工参保才填单位（灵活就业和城乡居民为个人参保）")
            if status == "ended" and end is None:
                rows.refuse(number, "end_date", "终止参保须填写终止日期")
            if end is not None and end < start:
                rows.refuse(number, "end_date", "终止日期早于参保日期")
            if start < birth:
                rows.refuse(number, "start_date", "参保日期早于出生日期")
            elif scheme == "resident" and insurance == "pension":
                age = start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day))
                if not 16 <= age < 60:
                    rows.refuse(number, "start_date", f"城乡居民养老保险参保年龄为16至60周岁（参保时{age}岁）")
            elif scheme in ("employee", "flexible") and insurance == "pension":
                age = start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day))
                if age < 16:
                    rows.refuse(number, "start_date", f"参保时未满16周岁（{age}岁）")
            death = deaths.get(rid)
            if death is not None and not (status == "ended" and end is not None and end <= death):
                # Coverage ends at death (attack E13): only history that ended by then may come in.
                rows.refuse(number, "id_number", _zh("fixe_deceased.import.deceased", date=death.isoformat()))
            if number in rows.bad:
                return None
            for ins, other, begin, old_end, old_status in existing.get(rid, []):
                if ins != insurance or other == scheme or (old_status == "ended" and old_end is None):
                    continue
                if _overlaps(start, end, begin, old_end):
                    rows.refuse(number, "scheme", f"与已有的{SCHEME_ZH.get(other, other)}{INSURANCE_ZH[ins]}"
                                f"（{begin.isoformat()}起）重叠：同一险种不能同时参加两种制度")
                    return None
            for other_row, other, begin, other_end in in_file.get((rid, insurance), []):
                if other != scheme and _overlaps(start, end, begin, other_end):
                    rows.refuse(number, "scheme", f"与第{other_row}行的{SCHEME_ZH[other]}{INSURANCE_ZH[insurance]}重叠")
                    return None
                if other == scheme and begin == start:
                    rows.refuse(number, "start_date", f"与第{other_row}行重复")
                    return None
            in_file.setdefault((rid, insurance), []).append((number, scheme, start, end))
            return EnrolmentRow(rid, insurance, scheme, start, str(status), end, uscc)

        good = rows.read(check)
        if _refuse_second_active(rows, good, existing):
            good = [(number, row) for number, row in good if number not in rows.bad]
        if not rows.finish_invalid(skip_invalid):
            return rows.report
        with write_transaction(database):
            for _, row in good:
                _write_enrolment(row, rows.report, now)
            audit.append(actor=actor, terminal=terminal, action="enrolment.import", now=now, entity="enrolment",
                         detail={"file": path.name, "added": rows.report.added, "updated": rows.report.updated,
                                 "unchanged": rows.report.unchanged, "invalid": rows.report.invalid})
    rows.report.written = True
    return rows.report


def _refuse_second_active(rows: _Rows, good: Sequence[tuple[int, EnrolmentRow]],
                          existing: Mapping[int, Sequence[tuple[str, str, dt.date, dt.date | None, str]]]) -> bool:
    """Refuse each row that would leave a person with a second open (active or suspended)
    enrolment of one insurance and scheme (attack E14), judged on the records as the whole file
    would leave them: a row ending the old enrolment in the same file makes room for a new one.
    The one kept is the enrolment on record, else the earliest row. True when a row was refused."""
    # (resident, insurance, scheme) -> {start: (status, row number or 0, on record)}
    groups: dict[tuple[int, str, str], dict[dt.date, tuple[str, int, bool]]] = {}
    for rid, entries in existing.items():
        for ins, scheme, begin, _end, status in entries:
            groups.setdefault((rid, ins, scheme), {})[begin] = (status, 0, True)
    touched: set[tuple[int, str, str]] = set()
    for number, row in good:
        key = (row.resident_id, row.insurance, row.scheme)
        group = groups.setdefault(key, {})
        group[row.start_date] = (row.status, number, row.start_date in group and group[row.start_date][2])
        touched.add(key)
    refused = False
    for key in sorted(touched):
        open_ = sorted((not on_record, number, start, status)
                       for start, (status, number, on_record) in groups[key].items() if status != "ended")
        if len(open_) < 2:
            continue
        first_from_file, first_row, first_start, first_status = open_[0]
        insurance, scheme = INSURANCE_ZH[key[1]], SCHEME_ZH[key[2]]
        for from_file, number, _start, _status in open_[1:]:
            if not from_file:
                continue  # two already on record: the rule audit names them (duplicate_enrolment)
            if first_from_file:
                reason = _zh("fixe_deceased.import.second_active_row", row=first_row, scheme=scheme,
                             insurance=insurance, start=first_start.isoformat())
            else:
                reason = _zh("fixe_deceased.import.second_active", scheme=scheme, insurance=insurance,
                             start=first_start.isoformat(), status=_zh(f"fixe_deceased.import.status_{first_status}"))
            rows.refuse(number, "start_date", reason)
            refused = True
    if refused:
        rows.report.errors.sort(key=lambda e: e.row)
        rows.report.invalid = len(rows.bad)
    return refused


def _employer_id(uscc: str, now: dt.datetime) -> int | None:
    if not uscc:
        return None
    employer, _ = Employer.get_or_create(uscc=uscc, defaults={"name": f"（导入）{uscc}", "created_at": now})
    return int(employer.id)


def _write_enrolment(row: EnrolmentRow, report: ImportReport, now: dt.datetime) -> None:
    employer = _employer_id(row.employer_uscc, now)
    old = Enrolment.get_or_none((Enrolment.resident == row.resident_id) & (Enrolment.insurance == row.insurance)
                                & (Enrolment.scheme == row.scheme) & (Enrolment.start_date == row.start_date))
    if old is None:
        Enrolment.create(resident=row.resident_id, insurance=row.insurance, scheme=row.scheme, status=row.status,
                         start_date=row.start_date, end_date=row.end_date, employer=employer)
        report.added += 1
        return
    changes: dict[str, Any] = {}
    if old.status != row.status:
        changes["status"] = row.status
    if old.end_date != row.end_date:
        changes["end_date"] = row.end_date
    if old.__data__.get("employer") != employer:
        changes["employer"] = employer
    if changes:
        Enrolment.update(**changes).where(Enrolment.id == old.id).execute()
        report.updated += 1
    else:
        report.unchanged += 1


# --- contributions ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionRow:
    """A valid contribution row, ready to write (money in fen)."""

    resident_id: int
    insurance: str
    scheme: str
    month: dt.date
    base_fen: Fen
    individual_fen: Fen
    employer_fen: Fen
    subsidy_fen: Fen


def _money(rows: _Rows, number: int, key: str, raw: Any, *, required: bool) -> Fen | None:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = f"{Decimal(str(raw)):f}"
    else:
        text = _text(raw).replace(",", "").replace("，", "").removesuffix("元")
    if not text:
        if required:
            rows.refuse(number, key, "金额为空（没有的请填 0）")
            return None
        return 0
    if text.endswith(".0"):
        text = text[:-2]
    if not _MONEY.match(text):
        rows.refuse(number, key, f"金额“{text[:20]}”不对：应为元，最多两位小数，不能为负")
        return None
    try:
        fen = round_fen(Decimal(text) * 100)
    except InvalidOperation:
        rows.refuse(number, key, f"金额“{text[:20]}”不对")
        return None
    if fen > _MAX_FEN:
        rows.refuse(number, key, "金额过大，请核对")
        return None
    return fen


def _period(rows: _Rows, number: int, raw: Any, scheme: str, today: dt.date) -> dt.date | None:
    if isinstance(raw, (dt.date, dt.datetime)):
        day = raw.date() if isinstance(raw, dt.datetime) else raw
        text = f"{day:%Y-%m}"
    else:
        text = _text(raw).replace(" ", "")
        if text.endswith(".0"):
            text = text[:-2]
    if scheme == "resident":
        match = _YEAR.match(text)
        if not match:
            rows.refuse(number, "period", f"城乡居民按年缴费，所属期应为年度，如 2024（收到“{text[:20]}”）")
            return None
        month = dt.date(int(match.group(1)), 1, 1)
        if month.year > today.year:
            rows.refuse(number, "period", f"所属期 {month.year} 年晚于今年")
            return None
        return month
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        rows.refuse(number, "period", f"按月缴费，所属期应为年月，如 2024-03（收到“{text[:20]}”）")
        return None
    month = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if month > today.replace(day=1):
        rows.refuse(number, "period", f"所属期 {month:%Y-%m} 晚于本月")
        return None
    return month


def _covered(spans: Sequence[tuple[str, str, dt.date, dt.date | None]], insurance: str, scheme: str,
             month: dt.date) -> bool:
    """An enrolment of insurance/scheme covering any day of the period (a month, or a year for residents)."""
    last = dt.date(month.year, 12, 31) if scheme == "resident" else (
        dt.date(month.year + month.month // 12, month.month % 12 + 1, 1) - dt.timedelta(days=1))
    return any(ins == insurance and sch == scheme and start <= last and (end is None or end >= month)
               for ins, sch, start, end in spans)


def import_contributions(database: peewee.Database, path: Path, *, today: dt.date, now: dt.datetime,
                         policy: Callable[[dt.date], PolicyParams], skip_invalid: bool = False,
                         actor: str = "admin-cli", terminal: str = "cli") -> ImportReport:
    """Validate the whole contribution file, then write it and credit the accounts in one transaction.

    ``policy(day)`` gives the parameters in force on a day (the personal-account
    rates of the employee and flexible schemes). See the module docstring.
    """
    now = utc_now_naive(now)
    rows = _Rows(path, CONTRIBUTION_COLUMNS)
    with database.connection_context():
        residents = _residents(_all_ids(path, CONTRIBUTION_COLUMNS, today))
        ids = [rid for rid, _ in residents.values()]
        spans: dict[int, list[tuple[str, str, dt.date, dt.date | None]]] = {}
        on_record: dict[tuple[int, str, str, dt.date], tuple[int, int, int, int]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for rid, ins, sch, begin, end in _tuples(Enrolment.select(
                    Enrolment.resident, Enrolment.insurance, Enrolment.scheme, Enrolment.start_date,
                    Enrolment.end_date).where(Enrolment.resident.in_(chunk))):
                spans.setdefault(rid, []).append((ins, sch, begin, end))
            for rid, ins, sch, month, base, ind, emp, sub in _tuples(Contribution.select(
                    Contribution.resident, Contribution.insurance, Contribution.scheme, Contribution.month,
                    Contribution.base_fen, Contribution.individual_fen, Contribution.employer_fen,
                    Contribution.subsidy_fen).where(Contribution.resident.in_(chunk))):
                on_record[(rid, ins, sch, month)] = (base, ind, emp, sub)
        people: dict[int, tuple[str, str]] = {}
        for start in range(0, len(ids), 500):
            for rid, sex, category in _tuples(Resident.select(Resident.id, Resident.sex, Resident.retirement_category)
                                              .where(cast(Any, Resident).id.in_(ids[start:start + 500]))):
                people[rid] = (str(sex), str(category or ""))
        deaths = _deaths(ids)
        resident_years: dict[int, set[int]] = {}
        for rid, ins, sch, month in on_record:
            if (ins, sch) == ("pension", "resident"):
                resident_years.setdefault(rid, set()).add(month.year)
        seen: dict[tuple[int, str, str, dt.date], int] = {}

        def check(number: int, raw: dict[str, Any]) -> ContributionRow | None:
            who = _id_number(rows, number, raw.get("id_number"), today, residents)
            insurance = _choice(rows, number, "insurance", raw.get("insurance"), INSURANCE_VALUES, "险种")
            scheme = _choice(rows, number, "scheme", raw.get("scheme"), SCHEME_VALUES, "制度")
            month = _period(rows, number, raw.get("period"), scheme, today) if scheme else None
            base = _money(rows, number, "base", raw.get("base"), required=False)
            individual = _money(rows, number, "individual", raw.get("individual"), required=True)
            employer = _money(rows, number, "employer", raw.get("employer"), required=False)
            subsidy = _money(rows, number, "subsidy", raw.get("subsidy"), required=False)
            if None in (who, insurance, scheme, month, base, individual, employer, subsidy):
                return None
            assert who is not None and insurance is not None and scheme is not None and month is not None
            assert base is not None and individual is not None and employer is not None and subsidy is not None
            rid, birth = who
            if insurance not in SCHEME_INSURANCES[scheme]:
                rows.refuse(number, "insurance", f"{SCHEME_ZH[scheme]}没有{INSURANCE_ZH[insurance]}")
                return None
            if scheme != "employee" and employer:
                rows.refuse(number, "employer", "灵活就业和城乡居民没有单位缴费（单位部分不能向个人收取）")
            if scheme != "resident" and subsidy:
                rows.refuse(number, "subsidy", "只有城乡居民保险有政府补贴")
            if scheme != "resident" and insurance == "pension" and base <= 0:
                rows.refuse(number, "base", "按月缴纳的养老保险须填写缴费基数")
            sex, category = people.get(rid, ("", ""))
            refusal = enrol_rules.contribution_age_refusal(insurance, scheme, month, birth=birth, sex=sex,
                                                           category=category)
            label = f"{month.year}年" if scheme == "resident" else f"{month:%Y-%m}"
            if refusal is not None:
                rows.refuse(number, "period", f"所属期{label}不在缴费年龄内：{refusal.message}")
            elif scheme == "resident" and insurance == "pension" and month.year >= enrol_rules.RESIDENT_SCHEME_START:
                # Years before 2009 (老农保 carried into 新农保) are still imported as the archive
                # holds them; the rule audit names them (before_scheme) for the agency to decide.
                paid_on = historic_paid_at(month, scheme, now).date()
                refusal = enrol_rules.resident_year_refusal(month.year, paid_on, birth=birth,
                                                            paid_years=resident_years.get(rid, set()))
                if refusal is not None:
                    rows.refuse(number, "period", f"所属期{label}：{refusal.message}")
            death = deaths.get(rid)
            if death is not None and month > death:
                rows.refuse(number, "period", _zh("fixe_deceased.import.contribution_after_death", period=label,
                                                  date=death.isoformat()))
            elif not _covered(spans.get(rid, []), insurance, scheme, month):
                rows.refuse(number, "period", f"该期没有{SCHEME_ZH[scheme]}{INSURANCE_ZH[insurance]}参保登记："
                            "请先导入参保登记（kiosk import enrolments）")
            key = (rid, insurance, scheme, month)
            if key in seen:
                rows.refuse(number, "period", f"与第{seen[key]}行是同一人同一险种同一所属期")
            seen.setdefault(key, number)
            old = on_record.get(key)
            if old is not None and old != (base, individual, employer, subsidy):
                rows.refuse(number, "period", "该期已有不同金额的缴费记录：导入不能改写记录，"
                            "更正须到窗口办理调整（经复核）")
            if number in rows.bad:
                return None
            return ContributionRow(rid, insurance, scheme, month, base, individual, employer, subsidy)

        good = rows.read(check)
        if not rows.finish_invalid(skip_invalid):
            return rows.report
        new = sorted((row for _, row in good if row is not None and (
            row.resident_id, row.insurance, row.scheme, row.month) not in on_record),
            key=lambda r: (r.resident_id, r.month, r.insurance, r.scheme))
        rows.report.unchanged = len(good) - len(new)
        with write_transaction(database):
            for row in new:
                _write_contribution(row, policy, today=today, now=now)
            rows.report.added = len(new)
            audit.append(actor=actor, terminal=terminal, action="contribution.import", now=now,
                         entity="contribution", detail={"file": path.name, "added": rows.report.added,
                                                        "unchanged": rows.report.unchanged,
                                                        "invalid": rows.report.invalid})
    rows.report.written = True
    return rows.report


def historic_paid_at(month: dt.date, scheme: str, now: dt.datetime) -> dt.datetime:
    """When an imported contribution counts as paid (naive UTC): the import's time for the current
    period, else the period's own date — 30 June of a resident year, the 15th of a month — at
    02:00 UTC (10:00 in the halls' zone), never after ``now`` (see the module docstring)."""
    if scheme == "resident":
        if month.year >= now.year:
            return now
        return dt.datetime(month.year, 6, 30, 2)
    if (month.year, month.month) >= (now.year, now.month):
        return now
    return min(now, dt.datetime(month.year, month.month, 15, 2))


def account_credit(row: ContributionRow, params: PolicyParams) -> tuple[str | None, list[tuple[str, Fen]]]:
    """The personal account and (ledger kind, amount) entries a contribution credits, as the counter does."""
    if row.insurance != "pension":
        return None, []
    if row.scheme == "employee":
        return "pension_employee", [("contribution", round_fen(row.base_fen * params.rates.pension.individual))]
    if row.scheme == "flexible":
        return "pension_employee", [("contribution", round_fen(row.base_fen * params.rates.flexible_account_rate))]
    return "pension_resident", [("contribution", row.individual_fen), ("subsidy", row.subsidy_fen)]


def _write_contribution(row: ContributionRow, policy: Callable[[dt.date], PolicyParams], *, today: dt.date,
                        now: dt.datetime) -> None:
    Contribution.create(resident=row.resident_id, insurance=row.insurance, scheme=row.scheme, month=row.month,
                        base_fen=row.base_fen, individual_fen=row.individual_fen, employer_fen=row.employer_fen,
                        subsidy_fen=row.subsidy_fen, paid_at=historic_paid_at(row.month, row.scheme, now))
    kind, entries = account_credit(row, policy(row.month))
    if kind is None:
        return
    # An account first credited by an import was opened with its first period (the rows are
    # written oldest first), not on the import day: its ledger starts there.
    account = account_for(row.resident_id, kind, today=min(today, row.month), now=now)
    period = f"{row.month.year}" if row.scheme == "resident" else f"{row.month:%Y-%m}"
    for ledger_kind, amount in entries:
        if amount:
            post(account, amount, ledger_kind, entry_date=row.month, now=now, reference=f"导入缴费 {period}")
