"""Check a 代发文件 (bank disbursement file) against the run that wrote it (attack D6):
``kiosk benefit run-check YYYY-MM --file PATH``.

A posted run records, per paid line, the account it paid to (as it was at the
run) and the line's 业务参考号 (``benefit_payment.bank_account``/``reference``,
migration 15), and the SHA-256 of the file it wrote (``benefit_run.file_sha256``
and the run's audit entry). :func:`check_file` reads a file (.csv or .xlsx as
:func:`kiosk.services.benefit_run.write_file` writes them) and compares:

- the whole file's SHA-256 with the recorded one (``hash_matches``: None when
  the run recorded none, e.g. it wrote no file or predates migration 15);
- each line, found by its 业务参考号, with the database: 姓名 (the resident's name as the file
  writes it), 公民身份号码, 社保卡号 (the resident's active card, or a card of theirs replaced
  since), 银行账号 (when recorded), 金额 and 所属月份; a reference the run did not pay is
  ``unknown_reference``; a line of the run missing from the file is ``missing_line``;
- the control-total line (合计): its count and sum, the lines' count and sum and the run's must
  all agree, else one ``total`` difference naming all three; a file without a 合计 line is not a
  代发文件 (refused: ``not_a_disbursement_file``).

The file is read as :mod:`db.roster` reads a roster: a .csv in UTF-8 (BOM optional) or GBK/GB18030
(Excel's "CSV" on a Chinese Windows), an .xlsx through the same reader and error mapping.

Differences name the line (its 序号, 1 = the first payee) and the field;
values are masked as a bystander may see them (bank accounts: last 4 digits,
ID numbers: first and last 4, card numbers: first and last 2, names as
:func:`~kiosk.rules.identity.mask_name`); amounts in fen. Reads only; the caller audits.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.models import BenefitPayment, BenefitRun, Card, Resident
from db.roster import READ_ERRORS, detect_encoding, load_workbook
from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.rules.money import Fen, InvalidAmount, parse_yuan
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.benefit_run import file_sha256, payee_name
from kiosk.services.info_change import mask_account

#: Columns of the 代发文件 (benefit_run.HEADER) this check reads.
COL_SEQ, COL_NAME, COL_ID, COL_CARD, COL_ACCOUNT, COL_AMOUNT, COL_MONTH, COL_REFERENCE = 0, 1, 3, 4, 5, 6, 7, 8


@dataclass(frozen=True)
class Difference:
    """One disagreement: the file's line (序号; 0 = the control-total line or a line not in the
    file), its reference, the field, and both values (masked; amounts as fen digits)."""

    line: int
    reference: str
    field: str  # name | id_number | card_number | bank_account | amount | month | unknown_reference
    #             | missing_line | total
    file_value: str  # total: the 合计 line's "count/fen" ("?" for a cell that is no number)
    database_value: str
    lines_value: str = ""  # total only: the count and sum of the file's lines, "count/fen"

    def as_json(self) -> dict[str, Any]:
        """``{"line", "reference", "field", "file", "database"}``, and ``"lines"`` for ``total``."""
        data = {"line": self.line, "reference": self.reference, "field": self.field,
                "file": self.file_value, "database": self.database_value}
        if self.field == "total":
            data["lines"] = self.lines_value
        return data


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
    name: str
    amount_fen: Fen = 0
    card: str = ""  # the active card ("" when none)
    cards: set[str] = field(default_factory=set)  # every card of the resident (one replaced since the run)


def _cell(value: Any) -> str:
    """A cell as written, without the spreadsheet guards (leading tab, a ``'`` before a formula lead)."""
    text = "" if value is None else str(value)
    text = text.removeprefix("\t")
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:]
    return text.strip()


def read_rows(path: Path) -> list[list[str]]:
    """Every row of a .csv (UTF-8 with or without BOM, or GBK/GB18030) or .xlsx (first sheet)
    代发文件, cells as text (:func:`db.roster.detect_encoding`, :func:`db.roster.load_workbook`).
    Raises ServiceError ``unreadable`` when the file cannot be read (missing, damaged, renamed)."""
    try:
        with path.open("rb"):
            pass  # a missing file or a folder is said as such, before any format is guessed
        if path.suffix.lower() == ".xlsx":
            workbook = load_workbook(path, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
        with path.open(encoding=detect_encoding(path), newline="") as handle:
            return [[_cell(v) for v in row] for row in csv.reader(handle)]
    except READ_ERRORS as exc:  # RosterError (encoding, not an .xlsx) is a ValueError among them
        raise ServiceError.keyed("refusal.run_check.unreadable", "unreadable", path=str(path),
                                 problem=str(getattr(exc, "strerror", None) or exc)[:120]) from None


def _paid_lines(run_month: dt.date) -> dict[str, _Paid]:
    """The run's lines by reference: ``reference`` as recorded, else derived as the run derives it."""
    rows: list[tuple[Any, ...]] = list(BenefitPayment.select(BenefitPayment.benefit, BenefitPayment.reference, BenefitPayment.bank_account,
                                  BenefitPayment.amount_fen, Resident.id, Resident.id_number, Resident.name)
            .join(Resident).where((BenefitPayment.run_month == run_month) & BenefitPayment.benefit.is_null(False))
            .order_by(BenefitPayment.id).tuples().iterator())
    lines: dict[str, _Paid] = {}
    for benefit_id, reference, account, amount, resident_id, id_number, name in rows:
        key = str(reference or "") or f"DF{run_month:%Y%m}{int(benefit_id):07d}"
        line = lines.setdefault(key, _Paid(int(resident_id), str(id_number), str(account or ""),
                                           payee_name(str(name or ""))))
        line.amount_fen += int(amount)
        if account and not line.account:
            line.account = str(account)
    by_resident: dict[int, list[_Paid]] = {}
    for line in lines.values():
        by_resident.setdefault(line.resident_id, []).append(line)
    cards = (Card.select(Card.resident, Card.card_number, Card.status)
             .where(Card.resident.in_(list(by_resident))).tuples().iterator()) if by_resident else iter(())
    for resident_id, number, status in cards:
        for line in by_resident[int(resident_id)]:
            line.cards.add(str(number))
            if status == "active":
                line.card = str(number)
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
    footer = next((r for r in rows[1:] if r and r[0] == "合计"), None)
    if footer is None:
        raise ServiceError.keyed("refusal.run_check.not_a_disbursement_file", "not_a_disbursement_file",
                                 path=str(path))
    result = FileCheck(month, str(path), digest, str(run.file_sha256 or ""))
    result.accounts_recorded = any(line.account for line in paid.values()) or not paid
    body = [r for r in rows[1:] if r and any(r) and r[0] != "合计"]
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
        if payee_name(cells[COL_NAME]) != expected.name:
            add(Difference(number, reference, "name", mask_name(cells[COL_NAME]), mask_name(expected.name)))
        if cells[COL_ID] != expected.id_number:
            add(Difference(number, reference, "id_number", mask_id_number(cells[COL_ID]),
                           mask_id_number(expected.id_number)))
        if cells[COL_CARD] != expected.card and cells[COL_CARD] not in expected.cards:
            add(Difference(number, reference, "card_number", mask_id_number(cells[COL_CARD]),
                           mask_id_number(expected.card)))
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
    footer_total = _amount(footer[COL_AMOUNT]) if len(footer) > COL_AMOUNT else None
    count_text = footer[1].removesuffix("笔").strip() if len(footer) > 1 else ""
    footer_count = int(count_text) if count_text.isascii() and count_text.isdigit() else None
    # The three must agree: the 合计 line, the lines it sums (a duplicated or edited line changes
    # these only) and the run. All three are reported, so the text says which one is off.
    if not footer_count == len(body) == len(paid) or not footer_total == file_total == total:
        shown = f"{'?' if footer_count is None else footer_count}/{'?' if footer_total is None else footer_total}"
        add(Difference(0, "", "total", shown, f"{len(paid)}/{total}", f"{len(body)}/{file_total}"))
    return result
