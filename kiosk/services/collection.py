"""Village collection lists (issue 15.3): who has not paid this year's resident pension or
resident medical contribution, by village, for the 协管员 who collects them.

A resident owes the year's resident pension when enrolled in it (active), alive, and
aged 16 to 60 in the year (国发〔2014〕8号; RULES §4, §13.4: no payments after 60); the
year's resident medical contribution when enrolled in resident medical. Paid means a
contribution row for that insurance, the resident scheme and the year (month YYYY-01-01).
The medical amount due is the policy's individual fee for the year; the pension tier is
the person's choice (left blank). :func:`export_unpaid` writes the list (.csv/.xlsx, mode
0600, formula-safe) and audits it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from db import audit
from db.connection import write_transaction
from db.files import os_user
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


HEADER = ("村(社区)", "姓名", "证件号码(掩码)", "联系电话", "险种", "年度", "应缴(元)")


def export_unpaid(ctx: ServiceContext, year: int, path: Path, village: str | None = None) -> int:
    """Write the list to ``path`` (.csv or .xlsx, 0600) and audit it; returns the rows written."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ServiceError(f"{path.name}：只能导出为 .csv 或 .xlsx", code="bad_file")
    rows = unpaid(ctx, year, village)
    body = [(r.village, r.name, r.masked[1], r.phone, _NAMES[r.insurance], str(year),
             format_yuan(r.due_fen, grouping=False) if r.due_fen is not None else "按所选档次") for r in rows]
    try:
        _write_table(path, HEADER, body)
    except OSError as exc:
        raise ServiceError(f"文件写不进去（{exc.strerror or exc}）：请换一个可写的位置", code="file") from None
    try:
        with ctx.database.connection_context(), write_transaction(ctx.database):
            audit.append(actor=ctx.actor, terminal=ctx.terminal, action="collection.export", now=ctx.now(),
                         entity="collection", entity_id=str(year),
                         detail={"village": village or "", "rows": len(rows), "path": str(path), "os_user": os_user()})
    except BaseException:
        path.unlink(missing_ok=True)  # an export nobody can account for is not left behind
        raise
    return len(rows)
