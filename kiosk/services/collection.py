"""Village collection lists (issue 15.3): who has not paid this year's resident pension or
resident medical contribution, by village, for the 协管员 who collects them.

A resident owes the year's resident pension when enrolled in it (active), alive, and
aged 16 to 60 in the year (国发〔2014〕8号; RULES §4, §13.4: no payments after 60); the
year's resident medical contribution when enrolled in resident medical. Paid means a
contribution row for that insurance, the resident scheme and the year (month YYYY-01-01).
The medical amount due is the policy's individual fee for the year; the pension tier is
the person's choice (left blank). :func:`export_by_village` writes the list (.xlsx one
sheet per village, .csv one file per village; mode 0600, formula-safe) with the channel
the policy names for each, and audits it; see :data:`HEADER` for what is masked and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from db import audit
from db.connection import write_transaction
from db.files import os_user, private_file
from db.models import Contribution, Enrolment, Resident
from db.roster import _write_table
from kiosk.policy import PolicyError
from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.payments import policy_book

_NAMES = {"pension": "城乡居民养老保险", "medical": "城乡居民医疗保险"}


@dataclass(frozen=True)
class UnpaidRow:
    """One unpaid resident contribution: who (masked for screens), where, which insurance, amount due."""

    village: str
    resident_id: int
    name: str
    id_number: str
    phone: str
    insurance: str
    due_fen: int | None

    @property
    def masked(self) -> tuple[str, str]:
        return mask_name(self.name), mask_id_number(self.id_number)


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def unpaid(ctx: ServiceContext, year: int, village: str | None = None) -> list[UnpaidRow]:
    """Residents who owe ``year``'s resident pension or medical contribution, by village then name."""
    try:
        fee: int | None = policy_book(ctx).policy_for(dt.date(year, 1, 1)).medical.resident_annual_fee_fen
    except PolicyError:
        fee = None
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows: list[UnpaidRow] = []
    with ctx.database.connection_context():
        query = (Enrolment.select(Enrolment, Resident).join(Resident)
                 .where((Enrolment.scheme == "resident") & Enrolment.insurance.in_(tuple(_NAMES))
                        & (Enrolment.status == "active") & (Enrolment.start_date <= last)
                        & (Resident.death_date.is_null() | (Resident.death_date >= first))))
        if village:
            query = query.where(Resident.village == village)
        paid = {(int(r), str(i)) for r, i in Contribution.select(Contribution.resident, Contribution.insurance)
                .where((Contribution.scheme == "resident") & (Contribution.month == first)).tuples().iterator()}
        for enrolment in query:
            person: Resident = enrolment.resident
            if (person.id, enrolment.insurance) in paid:
                continue
            if enrolment.insurance == "pension" and not (_age_on(person.birth_date, last) >= 16
                                                         and _age_on(person.birth_date, first) < 60):
                continue
            rows.append(UnpaidRow(str(person.village), int(person.id), str(person.name), str(person.id_number),
                                  str(person.phone), str(enrolment.insurance),
                                  fee if enrolment.insurance == "medical" else None))
    return sorted(rows, key=lambda r: (r.village, r.id_number, r.insurance))


#: Columns of the list for the 协管员. The collector goes door to door with it, so the list may be
#: seen by others: the full name (to find the household), the ID number masked (tells namesakes
#: apart), the phone only by its last four digits (to confirm a call-back, never to call strangers:
#: the hall phones from the system), what is due and how to pay (the channel the policy names).
HEADER = ("村(社区)", "姓名", "证件号码(掩码)", "联系电话(尾号)", "险种", "年度", "应缴(元)", "缴费渠道")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the rows and the files (one per village for .csv, one workbook for .xlsx)."""

    rows: int
    files: tuple[Path, ...]


def _channel(ctx: ServiceContext, year: int, insurance: str) -> str:
    from kiosk.services.payments import CHANNEL_ZH

    try:
        rule = policy_book(ctx).policy_for(dt.date(year, 1, 1)).collection.rule("resident", insurance)
    except PolicyError:
        return ""
    return CHANNEL_ZH[rule.channel] + ("，窗口可代收" if rule.counter else "")


def _row(ctx: ServiceContext, r: UnpaidRow, year: int) -> tuple[str, ...]:
    phone = r.phone.strip()
    return (r.village, r.name, r.masked[1], f"尾号{phone[-4:]}" if len(phone) >= 4 else "", _NAMES[r.insurance],
            str(year), format_yuan(r.due_fen, grouping=False) if r.due_fen is not None else "按所选档次",
            _channel(ctx, year, r.insurance))


def _safe_name(village: str) -> str:
    """A village name fit for a file name or sheet title (no path or sheet-title characters, ≤ 31)."""
    cleaned = "".join("_" if ch in '\\/:*?"<>|[]' or ord(ch) < 32 else ch for ch in village).strip(" .'")
    return (cleaned or "未填村居")[:31]


def write_village_workbook(path: Path, header: Sequence[str], by_village: Mapping[str, Sequence[Sequence[object]]],
                           empty_title: str = "名单") -> None:
    """Write a list for the 协管员 as .xlsx: one sheet per village (in ``by_village`` order, titled by
    :func:`_safe_name`; two villages whose titles clash get a two-digit suffix), ``header`` then the
    rows, every cell typed text (never a formula, an ID number never a number). No village at all
    gives one sheet ``empty_title`` with the header only. Mode 0600 from creation, moved into place
    when complete (:func:`db.files.private_file`). Raises OSError when ``path`` cannot be written."""
    import openpyxl  # only when writing a workbook (slow to import)
    from openpyxl.cell import WriteOnlyCell

    with private_file(path, "wb") as handle:  # first: an unwritable place fails before any sheet is built
        workbook = openpyxl.Workbook(write_only=True)
        titles: set[str] = set()
        for village, rows in (by_village or {empty_title: []}).items():
            base = title = _safe_name(village)
            n = len(titles)
            while title in titles:
                suffix = f"{n:02d}"
                title, n = base[:31 - len(suffix)] + suffix, n + 1
            titles.add(title)
            sheet = workbook.create_sheet(title)
            for values in (header, *rows):
                cells = []
                for value in values:
                    cell = WriteOnlyCell(sheet, value=str(value))
                    cell.data_type = "s"  # text: openpyxl would make "=..." a formula and digits a number
                    cells.append(cell)
                sheet.append(cells)
        workbook.save(handle)


def export_by_village(ctx: ServiceContext, year: int, path: Path, village: str | None = None) -> ExportResult:
    """Write the list for the 协管员: .xlsx one sheet per village; .csv one file per village
    (``STEM-村名.csv`` next to ``path``; just ``path`` with ``village``). Mode 0600, formula-safe,
    audited (``collection.export``: year, village, rows, files). ServiceError for another suffix or
    an unwritable place (nothing is left behind)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ServiceError.keyed("refusal.collection.bad_suffix", "bad_file", file=path.name)
    rows = unpaid(ctx, year, village)
    by_village: dict[str, list[tuple[str, ...]]] = {}
    for r in rows:
        by_village.setdefault(r.village or "未填村居", []).append(_row(ctx, r, year))
    files: list[Path] = []
    try:
        if suffix == ".xlsx":
            write_village_workbook(path, HEADER, by_village)
            files.append(path)
        elif village is not None or len(by_village) <= 1:
            _write_table(path, HEADER, next(iter(by_village.values()), []))
            files.append(path)
        else:
            for name, body in by_village.items():
                target = path.with_name(f"{path.stem}-{_safe_name(name)}{path.suffix}")
                _write_table(target, HEADER, body)
                files.append(target)
    except OSError as exc:
        for written in files:
            written.unlink(missing_ok=True)
        raise ServiceError.keyed("refusal.collection.unwritable", "file", problem=exc.strerror or str(exc)) from None
    try:
        with ctx.database.connection_context(), write_transaction(ctx.database):
            audit.append(actor=ctx.actor, terminal=ctx.terminal, action="collection.export", now=ctx.now(),
                         entity="collection", entity_id=str(year),
                         detail={"village": village or "", "rows": len(rows), "path": str(path),
                                 "files": [str(f) for f in files], "os_user": os_user()})
    except BaseException:
        for written in files:
            written.unlink(missing_ok=True)  # an export nobody can account for is not left behind
        raise
    return ExportResult(len(rows), tuple(files))


def export_unpaid(ctx: ServiceContext, year: int, path: Path, village: str | None = None) -> int:
    """:func:`export_by_village`; returns the rows written."""
    return export_by_village(ctx, year, path, village).rows
