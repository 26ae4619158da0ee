"""Check a 代发文件 (bank disbursement file) against the run that wrote it (attack D6):
``kiosk benefit run-check YYYY-MM --file PATH``.

A posted run records, per paid line, the account it paid to (as it was at the
run) and the line's 业务参考号 (``benefit_payment.bank_account``/``reference``,
migration 15), and the SHA-256 of the file it wrote (``benefit_run.file_sha256``
and the run's audit entry). :func:`check_file` reads a file (.csv or .xlsx as
:func:`kiosk.services.benefit_run.write_file` writes them) and compares:

- the whole file's SHA-256 with the recorded one (``hash_matches``: None when
  the run recorded none, e.g. it wrote no file or predates migration 15);
- each line, found by its 业务参考号, with the database: 公民身份号码, 银行账号
  (when recorded), 金额 and 所属月份; a reference the run did not pay is
  ``unknown_reference``; a line of the run missing from the file is
  ``missing_line``; the control-total line (count and sum) is ``total``.

Differences name the line (its 序号, 1 = the first payee) and the field;
values are masked as a bystander may see them (bank accounts: last 4 digits,
ID numbers: first and last 4); amounts in fen. Reads only; the caller audits.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.models import BenefitPayment, BenefitRun, Resident
from kiosk.rules.identity import mask_id_number
from kiosk.rules.money import Fen, InvalidAmount, parse_yuan
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.benefit_run import file_sha256
from kiosk.services.info_change import mask_account

#: Columns of the 代发文件 (benefit_run.HEADER) this check reads.
COL_SEQ, COL_ID, COL_ACCOUNT, COL_AMOUNT, COL_MONTH, COL_REFERENCE = 0, 3, 5, 6, 7, 8


@dataclass(frozen=True)
class Difference:
    """One disagreement: the file's line (序号; 0 = the control-total line or a line not in the
    file), its reference, the field, and both values (masked; amounts as fen digits)."""

    line: int
    reference: str
    field: str  # id_number | bank_account | amount | month | unknown_reference | missing_line | total
    file_value: str
    database_value: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "reference": self.reference, "field": self.field,
                "file": self.file_value, "database": self.database_value}


@dataclass
class FileCheck:
    """The result; :meth:`as_json` is the ``--json`` shape."""

    month: dt.date
    file: str
    sha256: str
    recorded_sha256: str
    lines: int = 0
    differences: list[Difference] = field(default_factory=list)
    accounts_recorded: bool = True  # False when the run predates migration 15 (no account per line)

    @property
    def hash_matches(self) -> bool | None:
        return None if not self.recorded_sha256 else self.sha256 == self.recorded_sha256

    @property
    def ok(self) -> bool:
        return not self.differences and self.hash_matches is not False

    def as_json(self) -> dict[str, Any]:
        """``{"month", "file", "sha256", "recorded_sha256", "hash_matches", "lines", "accounts_recorded",
        "differences": [{"line", "reference", "field", "file", "database"}], "ok"}``."""
        return {"month": f"{self.month:%Y-%m}", "file": self.file, "sha256": self.sha256,
                "recorded_sha256": self.recorded_sha256, "hash_matches": self.hash_matches, "lines": self.lines,
                "accounts_recorded": self.accounts_recorded,
                "differences": [d.as_json() for d in self.differences], "ok": self.ok}


@dataclass
class _Paid:
    resident_id: int
    id_number: str
    account: str
    amount_fen: Fen = 0


def _cell(value: Any) -> str:
    """A cell as written, without the spreadsheet guards (leading tab, a ``'`` before a formula lead)."""
    text = "" if value is None else str(value)
    text = text.removeprefix("\t")
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:]
    return text.strip()


def read_rows(path: Path) -> list[list[str]]:
    """Every row of a .csv (UTF-8, BOM optional) or .xlsx (first sheet) 代发文件, cells as text.
    Raises ServiceError ``unreadable`` when the file cannot be read."""
    try:
        if path.suffix.lower() == ".xlsx":
            import openpyxl

            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [[_cell(v) for v in row] for row in csv.reader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError, IndexError) as exc:
        raise ServiceError.keyed("refusal.run_check.unreadable", "unreadable", path=str(path),
                                 problem=str(getattr(exc, "strerror", None) or exc)[:120]) from None


def _paid_lines(run_month: dt.date) -> dict[str, _Paid]:
    """The run's lines by reference: ``reference`` as recorded, else derived as the run derives it."""
    rows: list[tuple[Any, ...]] = list(BenefitPayment.select(BenefitPayment.benefit, BenefitPayment.reference, BenefitPayment.bank_account,
                                  BenefitPayment.amount_fen, Resident.id, Resident.id_number)
            .join(Resident).where((BenefitPayment.run_month == run_month) & BenefitPayment.benefit.is_null(False))
            .order_by(BenefitPayment.id).tuples().iterator())
    lines: dict[str, _Paid] = {}
    for benefit_id, reference, account, amount, resident_id, id_number in rows:
        key = str(reference or "") or f"DF{run_month:%Y%m}{int(benefit_id):07d}"
        line = lines.setdefault(key, _Paid(int(resident_id), str(id_number), str(account or "")))
        line.amount_fen += int(amount)
        if account and not line.account:
            line.account = str(account)
    return lines


def _amount(text: str) -> Fen | None:
    try:
        return parse_yuan(text)
    except InvalidAmount:
        return None


def check_file(ctx: ServiceContext, month: dt.date, path: Path) -> FileCheck:
    """Compare the 代发文件 at ``path`` with the run posted for ``month`` (reads only).

    Raises ServiceError ``not_posted`` when no run was posted for the month,
    ``unreadable`` when the file cannot be read.
    """
    rows = read_rows(path)
    digest = file_sha256(path)
    with ctx.database.connection_context():
        run = BenefitRun.get_or_none(BenefitRun.month == month)
        if run is None:
            raise ServiceError.keyed("refusal.run_check.not_posted", "not_posted", month=f"{month:%Y-%m}")
        paid = _paid_lines(month)
    result = FileCheck(month, str(path), digest, str(run.file_sha256 or ""))
    result.accounts_recorded = any(line.account for line in paid.values()) or not paid
    body = [r for r in rows[1:] if r and any(r) and r[0] != "合计"]
    footer = next((r for r in rows[1:] if r and r[0] == "合计"), None)
    result.lines = len(body)
    seen: set[str] = set()
    add = result.differences.append
    file_total: Fen = 0
    for number, row in enumerate(body, 1):
        cells = row + [""] * (len(rows[0]) - len(row)) if rows else row
        reference = cells[COL_REFERENCE] if len(cells) > COL_REFERENCE else ""
        amount = _amount(cells[COL_AMOUNT]) if len(cells) > COL_AMOUNT else None
        file_total += amount or 0
        expected = paid.get(reference)
        if expected is None or reference in seen:
            add(Difference(number, reference, "unknown_reference", reference, ""))
            continue
        seen.add(reference)
        if cells[COL_ID] != expected.id_number:
            add(Difference(number, reference, "id_number", mask_id_number(cells[COL_ID]),
                           mask_id_number(expected.id_number)))
        if expected.account and cells[COL_ACCOUNT] != expected.account:
            add(Difference(number, reference, "bank_account", mask_account(cells[COL_ACCOUNT]),
                           mask_account(expected.account)))
        if amount != expected.amount_fen:
            add(Difference(number, reference, "amount", cells[COL_AMOUNT] if amount is None else str(amount),
                           str(expected.amount_fen)))
        if cells[COL_MONTH] != f"{month:%Y-%m}":
            add(Difference(number, reference, "month", cells[COL_MONTH][:10], f"{month:%Y-%m}"))
    for reference in paid:
        if reference not in seen:
            add(Difference(0, reference, "missing_line", "", str(paid[reference].amount_fen)))
    total = sum(line.amount_fen for line in paid.values())
    footer_total = _amount(footer[COL_AMOUNT]) if footer and len(footer) > COL_AMOUNT else None
    footer_count = footer[1].removesuffix("笔") if footer and len(footer) > 1 else ""
    if footer_total != total or footer_total != file_total or footer_count != str(len(paid)):
        add(Difference(0, "", "total", f"{footer_count}/{footer_total}", f"{len(paid)}/{total}"))
    return result
