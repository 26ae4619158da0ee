"""Build a person's records the way an office loads them: enrolment and
contribution spreadsheets through ``db.records_import`` (the same code as
``kiosk import enrolments|contributions``), people through the registration
service. Used by the entitlement scenario table and the service tests.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from db.models import Resident
from db.records_import import import_contributions, import_enrolments
from kiosk.policy import PolicyError, load_policy
from kiosk.rules.identity import check_digit
from kiosk.rules.parameters import PolicyParams
from kiosk.services import ServiceContext
from kiosk.services.registration import register_resident
from tests.support import numbered_name

BOOK = load_policy(None)
EMPLOYER_USCC = "91350100M000100Y43"
_INSURANCE = {"pension": "养老", "medical": "医疗", "unemployment": "失业", "injury": "工伤", "maternity": "生育"}
_SCHEME = {"employee": "职工", "flexible": "灵活就业", "resident": "城乡居民"}
#: Individual share of the base by (insurance, scheme), for believable rows.
_RATE = {("pension", "employee"): "0.08", ("pension", "flexible"): "0.20", ("medical", "employee"): "0.02",
         ("medical", "flexible"): "0.02", ("unemployment", "employee"): "0.005"}


def policy(day: dt.date) -> PolicyParams:
    try:
        return BOOK.policy_for(day)
    except PolicyError:
        return BOOK.versions[0]


def id_number(birth: dt.date, seq: int) -> str:
    first17 = f"360726{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def _months(first: str, count: int) -> list[str]:
    year, month = (int(x) for x in first.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass
class Records:
    """Rows waiting to be imported; :meth:`load` writes the two files and imports them."""

    ctx: ServiceContext
    folder: Path
    enrolments: list[list[str]] = field(default_factory=list)
    contributions: list[list[str]] = field(default_factory=list)
    ids: dict[int, str] = field(default_factory=dict)
    _seq: int = 100

    def person(self, birth: dt.date, *, female: bool = False, category: str = "") -> int:
        """Register a person (valid ID number); ``category`` female_cadre | female_worker for women."""
        self._seq += 2
        number = id_number(birth, self._seq + (1 if not female else 0))
        info = register_resident(self.ctx, number, numbered_name("测试", self._seq), issue_card=False)
        if category:
            with self.ctx.database.connection_context():
                Resident.update(retirement_category=category).where(Resident.id == info.id).execute()
        self.ids[info.id] = number
        return info.id

    def enrol(self, rid: int, insurance: str, scheme: str, start: str, *, end: str = "", status: str = "参保") -> None:
        uscc = EMPLOYER_USCC if scheme == "employee" else ""
        self.enrolments.append([self.ids[rid], _INSURANCE[insurance], _SCHEME[scheme], start, status, uscc, end])

    def pay_months(self, rid: int, insurance: str, scheme: str, first: str, count: int, base: str = "5000.00") -> None:
        rate = float(_RATE.get((insurance, scheme), "0"))
        individual = f"{float(base) * rate:.2f}"
        employer = "0" if scheme == "flexible" else f"{float(base) * 0.1:.2f}"
        for month in _months(first, count):
            self.contributions.append([self.ids[rid], _INSURANCE[insurance], _SCHEME[scheme], month, base, individual,
                                       employer, "0"])

    def pay_years(self, rid: int, years: range | list[int], *, insurance: str = "pension", individual: str = "500.00",
                  subsidy: str = "60.00") -> None:
        for year in years:
            self.contributions.append([self.ids[rid], _INSURANCE[insurance], "城乡居民", str(year), "", individual, "0",
                                       subsidy])

    def load(self) -> None:
        """Import what was added (enrolments first); the imports must accept every row."""
        today, now = self.ctx.today(), self.ctx.now()
        if self.enrolments:
            path = self.folder / f"enrol{len(self.ids)}_{self._seq}.csv"
            _write(path, ["公民身份号码", "险种", "制度", "参保日期", "状态", "单位统一社会信用代码", "终止日期"],
                   self.enrolments)
            report = import_enrolments(self.ctx.database, path, today=today, now=now)
            assert report.written, [str(e) for e in report.errors]
        if self.contributions:
            path = self.folder / f"contrib{len(self.ids)}_{self._seq}.csv"
            _write(path, ["公民身份号码", "险种", "制度", "所属期", "缴费基数", "个人缴费", "单位缴费", "政府补贴"],
                   self.contributions)
            report = import_contributions(self.ctx.database, path, today=today, now=now, policy=policy)
            assert report.written, [str(e) for e in report.errors]
        self.enrolments, self.contributions = [], []


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
