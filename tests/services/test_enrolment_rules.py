"""Enrolment rules (issue 14 item 2): age windows, no overlap across schemes, employee scheme
only through an employer, resident contributions only for this year (and the transitional
补缴); 户籍地 and the retirement category in the roster — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.models import Employer, Enrolment, Resident
from db.roster import import_residents
from kiosk.rules.enrolment import resident_contribution_years
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext, ServiceError, payments
from kiosk.services import applications as apps
from kiosk.services.registration import ResidentInfo

MakeResident = Callable[..., ResidentInfo]
USCC = "91350100M000100Y43"  # the example printed in GB 32100-2015


def _materials(type_: str) -> list[str]:
    return [m.code for m in WORKFLOWS[type_].materials if m.required]


def _enrol(ctx: ServiceContext, person: ResidentInfo, type_: str, **data: Any) -> apps.ApplicationInfo:
    info = apps.submit(ctx, person.id, type_, data, _materials(type_))
    for status in ("reviewed", "account_opened", "card_issued"):
        info = apps.advance(ctx, info.number, status)
    return info


def _refused(ctx: ServiceContext, person: ResidentInfo, type_: str, code: str, **data: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        apps.submit(ctx, person.id, type_, data, _materials(type_))
    assert refused.value.code == code, refused.value.message


@pytest.mark.parametrize(("birth", "code"), [
    (dt.date(2016, 6, 1), "too_young"),    # 10
    (dt.date(2010, 12, 1), "too_young"),   # 15 years 11 months
    (dt.date(1951, 3, 1), "too_old"),      # 75
    (dt.date(1966, 11, 29), "too_old"),    # 60 today
])
def test_resident_pension_age_window(clerk: ServiceContext, make_resident: MakeResident, birth: dt.date,
                                     code: str) -> None:
    _refused(clerk, make_resident(birth), "enrol_resident_pension", code)


def test_resident_pension_accepts_16_and_59_but_not_a_student(clerk: ServiceContext,
                                                              make_resident: MakeResident) -> None:
    _enrol(clerk, make_resident(dt.date(2010, 11, 29)), "enrol_resident_pension")  # 16 today
    _enrol(clerk, make_resident(dt.date(1966, 11, 30)), "enrol_resident_pension")  # 59, 60 tomorrow
    _refused(clerk, make_resident(dt.date(2008, 9, 1)), "enrol_resident_pension", "student", student=True)


def test_no_resident_pension_on_top_of_employee_or_flexible(clerk: ServiceContext,
                                                           make_resident: MakeResident) -> None:
    flexible = make_resident(dt.date(1985, 1, 1))
    _enrol(clerk, flexible, "enrol_employee", scheme="flexible")
    _refused(clerk, flexible, "enrol_resident_pension", "overlap")
    employee = make_resident(dt.date(1985, 1, 1))
    _enrol(clerk, employee, "enrol_employee", scheme="employee", employer_uscc=USCC, employer_name="示范镇农机厂")
    _refused(clerk, employee, "enrol_resident_pension", "overlap")
    _refused(clerk, employee, "enrol_resident_medical", "overlap")  # employee medical came with the five
    resident = make_resident(dt.date(1985, 1, 1))
    _enrol(clerk, resident, "enrol_resident_pension")
    _refused(clerk, resident, "enrol_employee", "overlap", scheme="flexible")


def test_overlap_checked_again_when_the_account_is_opened(clerk: ServiceContext,
                                                          make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1985, 1, 1))
    pending = apps.submit(clerk, person.id, "enrol_resident_pension", {}, _materials("enrol_resident_pension"))
    apps.advance(clerk, pending.number, "reviewed")
    _enrol(clerk, person, "enrol_employee", scheme="flexible")  # meanwhile, in the flexible scheme
    with pytest.raises(ServiceError) as refused:
        apps.advance(clerk, pending.number, "account_opened")
    assert refused.value.code == "overlap"
    assert not Enrolment.select().where((Enrolment.resident == person.id) & (Enrolment.scheme == "resident")).exists()


def test_employee_scheme_only_through_an_employer(ctx: ServiceContext, clerk: ServiceContext,
                                                  make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1985, 1, 1))
    _refused(clerk, person, "enrol_employee", "needs_employer", scheme="employee")
    _refused(clerk, person, "enrol_employee", "bad_employer", scheme="employee", employer_uscc="91350100M000100Y44")
    _refused(clerk, person, "enrol_employee", "needs_employer", scheme="employee", employer_uscc=USCC)  # no name
    _refused(ctx, person, "enrol_employee", "needs_employer", scheme="employee", employer_uscc=USCC,
             employer_name="示范镇农机厂")  # not from the self-service terminal
    _enrol(clerk, person, "enrol_employee", scheme="employee", employer_uscc=USCC.lower(), employer_name="示范镇农机厂")
    employer = Employer.get(Employer.uscc == USCC)
    rows = list(Enrolment.select().where(Enrolment.resident == person.id))
    assert len(rows) == 5 and all(r.__data__["employer"] == employer.id and r.scheme == "employee" for r in rows)


def test_employee_scheme_within_working_age(clerk: ServiceContext, make_resident: MakeResident) -> None:
    retired = make_resident(dt.date(1963, 1, 1))  # a man past 60 years and 10 months
    _refused(clerk, retired, "enrol_employee", "past_retirement", scheme="flexible")
    cadre = make_resident(dt.date(1972, 1, 1), female=True)
    Resident.update(retirement_category="female_cadre").where(Resident.id == cadre.id).execute()
    _enrol(clerk, cadre, "enrol_employee", scheme="flexible")  # a female cadre works to 55 + 7 months (2027-08)
    worker = make_resident(dt.date(1972, 1, 1), female=True)
    Resident.update(retirement_category="female_worker").where(Resident.id == worker.id).execute()
    _refused(clerk, worker, "enrol_employee", "past_retirement", scheme="flexible")  # retired at 50 (2022)


def test_resident_contributions_only_this_year(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1985, 1, 1))
    _enrol(clerk, person, "enrol_resident_pension")
    tier = payments.policy(clerk).resident_pension.tiers[0].annual_fen
    for year, code in ((2010, "past_year"), (2031, "future_year"), (2025, "past_year")):
        with pytest.raises(ServiceError) as refused:
            payments.pay_resident_pension(clerk, person.id, tier, "cash", year=year)
        assert refused.value.code == code
        with pytest.raises(ServiceError) as declared:
            apps.submit(clerk, person.id, "assessment", {"scheme": "resident", "tier_fen": tier, "year": year},
                        ["id_card"])
        assert declared.value.code == code
    assert payments.pay_resident_pension(clerk, person.id, tier, "cash", year=2026).amount_fen > 0


def test_transitional_back_payment_only_for_those_short_of_15_years_at_the_start() -> None:
    today = dt.date(2026, 11, 29)
    # 50 in 2009: fewer than 15 years to 60 when 新农保 began; paid 2020-2025, may make up 8 earlier years.
    allowed = resident_contribution_years(today, birth=dt.date(1959, 5, 1), paid_years=range(2020, 2026))
    assert allowed == (2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2026)
    assert 2010 not in allowed
    # 40 in 2009: had 20 years ahead, pays year by year.
    assert resident_contribution_years(today, birth=dt.date(1969, 5, 1), paid_years=()) == (2026,)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_roster_takes_hukou_region_and_category_and_ignores_hukou_type(ctx: ServiceContext, tmp_path: Path) -> None:
    from tests.services.conftest import id_number

    woman, man = id_number(dt.date(1975, 3, 1), 24), id_number(dt.date(1975, 3, 1), 25)
    new = _write(tmp_path / "new.csv", ["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)", "户籍地", "退休类别"],
                 [["孙丽", woman, "", "东村1号", "东村", "360730", "女干部"], ["吴刚", man, "", "东村2号", "东村", "", ""]])
    report = import_residents(ctx.database, new, today=ctx.today(), now=ctx.now())
    assert report.added == 2 and not report.errors
    row = Resident.get(Resident.id_number == woman)
    assert (row.hukou_region, row.retirement_category) == ("360730", "female_cadre")
    assert Resident.get(Resident.id_number == man).retirement_category == "male"
    old = _write(tmp_path / "old.csv", ["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)", "户口性质"],
                 [["孙丽", woman, "", "东村1号", "东村", "农业"]])
    report = import_residents(ctx.database, old, today=ctx.today(), now=ctx.now())
    assert report.unchanged == 1 and any("户口性质" in note for note in report.notes)
    row = Resident.get(Resident.id_number == woman)
    assert (row.hukou_region, row.retirement_category, row.hukou) == ("360730", "female_cadre", "")
    bad = _write(tmp_path / "bad.csv", ["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)", "户籍地", "退休类别"],
                 [["孙丽", woman, "", "", "东村", "江西", ""], ["吴刚", man, "", "", "东村", "", "女工人"]])
    report = import_residents(ctx.database, bad, today=ctx.today(), now=ctx.now())
    assert not report.written and {e.column for e in report.errors} == {"户籍地", "退休类别"}
