"""A table of claim scenarios decided by the entitlement service, on SQLite and PostgreSQL.

One township per backend is built once (people through the registration
service, enrolments and contributions through ``kiosk import`` 's import
functions, earlier claims walked through the application service with a
clerk and a supervisor, on the day they were made), then every scenario
asks :func:`kiosk.services.entitlement.decide` as of its date. Amounts are
checked against the pure rules (or RULES.md's worked figures).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import peewee
import pytest

from db.connection import open_database
from db.models import Resident, bind
from db.schema import init_schema
from kiosk.clock import FixedClock
from kiosk.i18n import Translator
from kiosk.rules import benefits, medical
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext, ServiceError
from kiosk.services import applications as apps
from kiosk.services import entitlement as ent
from kiosk.services.staff import add_staff
from tests.conftest import PG_URL, _pg_admin, _require_pg
from tests.entitlement.township import Records, policy

TODAY = dt.date(2026, 11, 29)
P2026 = policy(TODAY)
WAGE = P2026.unemployment.minimum_wage_fen
UNEMP = benefits.unemployment_monthly_amount(WAGE, P2026.unemployment.benefit_ratio)
MAT_DAYS = 98 + P2026.maternity.local_extra_days


@dataclass
class Town:
    """The built township: people by key, and the contexts that act in it."""

    db: peewee.Database
    ctx: ServiceContext
    people: dict[str, int] = field(default_factory=dict)
    clerk: ServiceContext | None = None


def _materials(type_: str) -> list[str]:
    return [m.code for m in WORKFLOWS[type_].materials]


def _at(ctx: ServiceContext, day: dt.date) -> None:
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.set_local(dt.datetime.combine(day, dt.time(10, 0)))


def _claim(clerk: ServiceContext, supervisor: ServiceContext, rid: int, type_: str, day: dt.date,
           data: dict[str, Any] | None = None) -> str:
    """A claim made on ``day`` and walked to 待遇支付 (one payment)."""
    _at(clerk, day)
    info = apps.submit(clerk, rid, type_, data or {}, materials_received=_materials(type_))
    apps.advance(clerk, info.number, "reviewed")
    apps.advance(clerk, info.number, "calculated")
    apps.advance(supervisor, info.number, "approved")
    apps.advance(clerk, info.number, "paid")
    return info.number


def _register_unemployed(clerk: ServiceContext, rid: int, day: dt.date) -> None:
    _at(clerk, day)
    reg = apps.submit(clerk, rid, "unemployment_registration", materials_received=_materials(
        "unemployment_registration"))
    apps.advance(clerk, reg.number, "registered")


def build(town: Town, folder: Path) -> None:
    """Everyone the scenarios ask about."""
    ctx = town.ctx
    clerk_info = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    boss_info = add_staff(ctx, "2001", "李主任", "supervisor", "3691")
    clerk = ctx.as_staff(clerk_info.id, clerk_info.number)
    boss = ctx.as_staff(boss_info.id, boss_info.number)
    town.clerk = clerk
    r = Records(clerk, folder)
    p = town.people

    def person(key: str, birth: dt.date, **kw: Any) -> int:
        p[key] = r.person(birth, **kw)
        return p[key]

    # -- employee / flexible pension
    who = person("flex45", dt.date(1981, 6, 10))
    r.enrol(who, "pension", "flexible", "2025-01-01")
    r.pay_months(who, "pension", "flexible", "2025-01", 12)
    for key, months in (("m1965_180", 180), ("m1965_179", 179)):
        who = person(key, dt.date(1965, 1, 15))
        r.enrol(who, "pension", "employee", "2010-01-01")
        r.pay_months(who, "pension", "employee", "2010-02", months)
    who = person("fw1975", dt.date(1975, 3, 20), female=True, category="female_worker")
    r.enrol(who, "pension", "employee", "2010-01-01")
    r.pay_months(who, "pension", "employee", "2010-03", 180)
    who = person("fw_unrecorded", dt.date(1975, 3, 20), female=True)
    r.enrol(who, "pension", "employee", "2010-01-01")
    r.pay_months(who, "pension", "employee", "2010-03", 180)
    who = person("fc1970", dt.date(1970, 1, 5), female=True, category="female_cadre")
    r.enrol(who, "pension", "employee", "2009-01-01")
    r.pay_months(who, "pension", "employee", "2009-12", 180)
    who = person("m1966_flex", dt.date(1966, 1, 10))
    r.enrol(who, "pension", "flexible", "2011-01-01")
    r.pay_months(who, "pension", "flexible", "2011-01", 180)
    who = person("m1967", dt.date(1967, 3, 1))
    r.enrol(who, "pension", "employee", "2005-01-01")
    r.pay_months(who, "pension", "employee", "2005-01", 200)
    for key, months in (("m1977_240", 240), ("m1977_239", 239)):
        who = person(key, dt.date(1977, 1, 1))
        r.enrol(who, "pension", "employee", "2005-01-01")
        r.pay_months(who, "pension", "employee", "2005-01", months)
    who = person("pensioner", dt.date(1960, 2, 1))
    r.enrol(who, "pension", "employee", "2000-01-01")
    r.pay_months(who, "pension", "employee", "2000-01", 240)
    r.enrol(who, "unemployment", "employee", "2000-01-01", end="2019-12-31", status="终止")
    r.pay_months(who, "unemployment", "employee", "2000-01", 240)
    who = person("dead", dt.date(1958, 1, 1))
    r.enrol(who, "pension", "employee", "2000-01-01")
    r.enrol(who, "injury", "employee", "2000-01-01")
    r.pay_months(who, "pension", "employee", "2000-01", 200)
    who = person("dead_uninsured", dt.date(1950, 1, 1))
    # -- resident pension
    who = person("r_w60_4y", dt.date(1966, 5, 10), female=True)
    r.enrol(who, "pension", "resident", "2021-01-01")
    r.pay_years(who, range(2022, 2026))
    for key, first in (("r_m15", 2005), ("r_m14", 2006)):
        who = person(key, dt.date(1960, 3, 1))
        r.enrol(who, "pension", "resident", "2004-01-01")
        r.pay_years(who, range(first, 2020))
    person("r_none", dt.date(1960, 3, 1))
    who = person("r_mixed", dt.date(1975, 8, 1), female=True, category="female_worker")
    r.enrol(who, "pension", "resident", "2007-01-01", end="2020-12-31", status="终止")
    r.pay_years(who, range(2008, 2021))
    r.enrol(who, "pension", "flexible", "2021-01-01")
    r.pay_months(who, "pension", "flexible", "2021-01", 23)
    # -- unemployment
    who = person("u_villager", dt.date(1980, 1, 1))
    r.enrol(who, "pension", "resident", "2010-01-01")
    for months in (11, 12, 59, 60, 119, 120):
        who = person(f"u_{months}", dt.date(1985, 1, 1))
        r.enrol(who, "unemployment", "employee", "2010-01-01", end="2026-10-31", status="终止")
        r.pay_months(who, "unemployment", "employee", _month_back("2026-10", months - 1), months)
    for key in ("u_voluntary", "u_unregistered", "u_same_month"):
        who = person(key, dt.date(1986, 1, 1))
        r.enrol(who, "unemployment", "employee", "2020-01-01")
        r.pay_months(who, "unemployment", "employee", "2024-10", 24)
    who = person("u_carry", dt.date(1984, 1, 1))
    r.enrol(who, "unemployment", "employee", "2015-01-01")
    r.pay_months(who, "unemployment", "employee", "2015-09", 100)
    r.pay_months(who, "unemployment", "employee", "2024-06", 5)
    who = person("u_reset", dt.date(1984, 1, 1))
    r.enrol(who, "unemployment", "employee", "2015-01-01")
    r.pay_months(who, "unemployment", "employee", "2019-11", 50)
    r.pay_months(who, "unemployment", "employee", "2024-03", 13)
    # -- maternity
    person("mat_man_none", dt.date(1990, 1, 1))
    who = person("mat_man_emp", dt.date(1990, 1, 1))
    r.enrol(who, "medical", "employee", "2020-01-01")
    for key in ("mat_w_emp", "mat_w_dup"):
        who = person(key, dt.date(1995, 2, 3), female=True)
        r.enrol(who, "medical", "employee", "2020-01-01")
    who = person("mat_w_res", dt.date(1995, 2, 3), female=True)
    r.enrol(who, "medical", "resident", "2020-01-01")
    person("mat_w_none", dt.date(1995, 2, 3), female=True)
    who = person("mat_w_ended", dt.date(1994, 2, 3), female=True)
    r.enrol(who, "medical", "employee", "2018-01-01", end="2025-12-31", status="终止")
    # -- medical
    person("med_none", dt.date(1970, 1, 1))
    for key, scheme in (("med_res", "resident"), ("med_emp", "employee"), ("med_dup", "resident")):
        who = person(key, dt.date(1970, 1, 1))
        r.enrol(who, "medical", scheme, "2020-01-01")
    who = person("med_ended", dt.date(1970, 1, 1))
    r.enrol(who, "medical", "resident", "2018-01-01", end="2024-12-31", status="终止")
    # -- injury
    who = person("inj_none", dt.date(1980, 1, 1))
    r.enrol(who, "pension", "employee", "2020-01-01")
    who = person("inj_emp", dt.date(1980, 1, 1))
    r.enrol(who, "injury", "employee", "2020-01-01")
    r.pay_months(who, "injury", "employee", "2025-03", 12, base="6000.00")
    who = person("inj_nobase", dt.date(1980, 1, 1))
    r.enrol(who, "injury", "employee", "2020-01-01")
    r.load()
    with town.db.connection_context():
        for dead in (p["dead"], p["dead_uninsured"]):  # 死亡登记 as the records hold it
            Resident.update(death_date=dt.date(2026, 1, 10)).where(Resident.id == dead).execute()
    # -- earlier claims, each on its own day
    _claim(clerk, boss, p["pensioner"], "benefit_pension", dt.date(2020, 3, 1), {"scheme": "employee"})
    _register_unemployed(clerk, p["u_carry"], dt.date(2024, 1, 10))
    _claim(clerk, boss, p["u_carry"], "benefit_unemployment", dt.date(2024, 1, 15))
    _register_unemployed(clerk, p["u_reset"], dt.date(2024, 1, 10))
    _claim(clerk, boss, p["u_reset"], "benefit_unemployment", dt.date(2024, 1, 15))
    _register_unemployed(clerk, p["u_same_month"], dt.date(2026, 11, 2))
    _claim(clerk, boss, p["u_same_month"], "benefit_unemployment", dt.date(2026, 11, 3))
    _register_unemployed(clerk, p["u_unregistered"], dt.date(2026, 11, 2))  # registered ...
    _claim(clerk, boss, p["mat_w_dup"], "benefit_maternity", dt.date(2026, 9, 20),
           {"employer_wage_fen": 600000, "birth_date": "2026-09-01"})
    _claim(clerk, boss, p["med_dup"], "benefit_medical", dt.date(2026, 3, 20),
           {"total_fen": 500000, "level": "township", "bill_number": "B1", "admission_date": "2026-03-01"})
    _at(clerk, TODAY)
    # ... but the registration of u_unregistered was withdrawn: none completed now
    with town.db.connection_context():
        from db.models import Application

        Application.update(status="withdrawn").where((Application.resident == p["u_unregistered"])
                                                     & (Application.type == "unemployment_registration")).execute()


def _month_back(last: str, months: int) -> str:
    year, month = (int(x) for x in last.split("-"))
    index = year * 12 + month - 1 - months
    return f"{index // 12}-{index % 12 + 1:02d}"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def town(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    """The township, built once per backend."""
    folder = tmp_path_factory.mktemp("town")
    schema = ""
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'kiosk.db'}"
    else:
        _require_pg()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin()
        try:
            admin.connect()
        except peewee.OperationalError as exc:
            pytest.skip(f"PostgreSQL unreachable: {exc}")
        admin.execute_sql(f'CREATE SCHEMA "{schema}"')
        admin.close()
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options={quote(f'-c search_path={schema}')}"
    clock = FixedClock(moment=dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC))
    db = open_database(url)
    db.connect()
    init_schema(db, clock.now_utc().replace(tzinfo=None))
    town = Town(db, ServiceContext(db, clock, terminal="C01", extras={"rng": random.Random(7)}))
    try:
        build(town, folder)
        yield town
    finally:
        db.close()
        if schema:
            admin = _pg_admin()
            admin.connect()
            admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.close()


@dataclass(frozen=True)
class Case:
    """One claim: who, what, when, the facts typed, and the expected answer."""

    name: str
    who: str
    kind: str
    on: dt.date
    reasons: frozenset[str] = frozenset()
    facts: tuple[tuple[str, str], ...] = ()
    monthly: int | str | None = "any"
    lump: int | str | None = "any"
    months: int | str | None = "any"


def case(name: str, who: str, kind: str, on: dt.date | str = TODAY, reasons: tuple[str, ...] = (),
         facts: dict[str, str] | None = None, **expected: Any) -> Case:
    day = dt.date.fromisoformat(on) if isinstance(on, str) else on
    return Case(name, who, kind, day, frozenset(reasons), tuple((facts or {}).items()), **expected)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


INJ = {"determination_number": "赣人社工伤认字〔2026〕17号", "accident_date": "2026-03-01"}
MAT = {"birth_date": "2026-10-01", "employer_wage": "6000"}
BILL = {"total": "10000", "level": "township", "admission_date": "2026-06-01"}


def _reimbursed(total: int, level: str, pool: int = 0, own: int = 0) -> int:
    result = medical.reimburse(total, level, P2026.medical, pool_paid_this_year_fen=pool,
                               out_of_pocket_this_year_fen=own)
    return result.pool_fen + result.serious_fen


CASES: list[Case] = [
    # -- issue 14's cases
    case("flexible worker aged 45 with 12 months", "flex45", "pension",
         reasons=("below_pension_age", "too_few_months")),
    case("woman of 60 with 4 resident years", "r_w60_4y", "pension", reasons=("too_few_months",)),
    case("man with no insurance claims maternity", "mat_man_none", "maternity", facts=MAT,
         reasons=("not_applicable", "not_enrolled")),
    case("no medical insurance, reimbursement", "med_none", "medical", facts=BILL, reasons=("not_enrolled",)),
    case("villager never insured, 130 months typed", "u_villager", "unemployment",
         facts={"contribution_months": "130", "registered_on": "2026-11-01"},
         reasons=("not_enrolled", "too_few_months")),
    case("13 resident years + 23 flexible months: employee pension", "r_mixed", "pension",
         reasons=("too_few_months",)),
    case("13 resident years + 23 flexible months: resident pension at 51", "r_mixed", "pension",
         facts={"scheme": "resident"}, reasons=("below_pension_age", "too_few_months")),
    # -- employee pension: retirement dates under the delay, minimum months
    case("man born 1965-01: day before 60y1m", "m1965_180", "pension", "2025-02-14", ("below_pension_age",)),
    case("man born 1965-01: at 60y1m, 180 months", "m1965_180", "pension", "2025-02-15", monthly="positive"),
    case("man born 1965-01: later, still entitled", "m1965_180", "pension", TODAY, monthly="positive"),
    case("man born 1965-01: 179 months", "m1965_179", "pension", "2025-03-01", ("too_few_months",)),
    case("man born 1965-01: 179 months, before the date", "m1965_179", "pension", "2025-02-14",
         ("below_pension_age", "too_few_months")),
    case("female worker 1975-03: day before 50y2m", "fw1975", "pension", "2025-05-19", ("below_pension_age",)),
    case("female worker 1975-03: at 50y2m", "fw1975", "pension", "2025-05-20", monthly="positive"),
    case("woman, category unrecorded: taken as worker", "fw_unrecorded", "pension", "2025-05-20",
         monthly="positive"),
    case("female cadre 1970-01: day before 55y1m", "fc1970", "pension", "2025-02-04", ("below_pension_age",)),
    case("female cadre 1970-01: at 55y1m", "fc1970", "pension", "2025-02-05", monthly="positive"),
    case("flexible retirement 3 months early", "m1966_flex", "pension", "2026-03-01",
         facts={"retire_on": "2026-02-01"}, monthly="positive"),
    case("no early retirement chosen: statutory 60y4m", "m1966_flex", "pension", "2026-03-01",
         ("below_pension_age",)),
    case("early retirement below the old age", "m1966_flex", "pension", "2026-03-01",
         facts={"retire_on": "2025-12-01"}, reasons=("outside_flexible_window", "below_pension_age")),
    case("late retirement beyond 3 years", "m1966_flex", "pension", TODAY, facts={"retire_on": "2029-06-01"},
         reasons=("outside_flexible_window",)),
    case("late retirement within 3 years, not reached", "m1966_flex", "pension", TODAY,
         facts={"retire_on": "2027-01-01"}, reasons=("below_pension_age",)),
    case("man born 1967-03 at 59", "m1967", "pension", TODAY, ("below_pension_age",)),
    case("retiring 2040: 240 months needed, 240 paid", "m1977_240", "pension", "2040-01-01", monthly="positive"),
    case("retiring 2040: 239 months", "m1977_239", "pension", "2040-01-01", ("too_few_months",)),
    case("retiring 2040: the day before", "m1977_240", "pension", "2039-12-31", ("below_pension_age",)),
    case("pensioner claims again", "pensioner", "pension", TODAY, ("already_receiving",)),
    case("pensioner claims unemployment", "pensioner", "unemployment", TODAY,
         ("already_receiving", "not_registered"), facts={}),
    case("dead man's pension after death", "dead", "pension", TODAY, ("deceased",)),
    case("dead man's pension before death", "dead", "pension", "2025-12-01", monthly="positive"),
    case("typed months do not count", "m1965_179", "pension", "2025-03-01", ("too_few_months",),
         facts={"contribution_months": "400"}),
    case("deemed months from the personnel file count", "m1965_179", "pension", "2025-03-01",
         facts={"deemed_months": "12", "deemed_document": "安人社档审〔2025〕12号"}, monthly="positive"),
    case("deemed months without the archive decision do not count", "m1965_179", "pension", "2025-03-01",
         ("deemed_unproven", "too_few_months"), facts={"deemed_months": "12"}),
    case("deemed months beyond the bounds are clipped, not refused", "fw1975", "pension", "2025-05-20",
         facts={"deemed_months": "300", "deemed_document": "安人社档审〔2025〕7号"}, monthly="positive"),
    # -- resident pension
    case("resident: day before 60", "r_m15", "pension", "2020-02-29", ("below_pension_age",)),
    case("resident: at 60 with 15 years", "r_m15", "pension", "2020-03-01", monthly="positive"),
    case("resident: 15 years, today", "r_m15", "pension", TODAY, monthly="positive"),
    case("resident: 14 years", "r_m14", "pension", TODAY, ("too_few_months",)),
    case("resident: 14 years before 60", "r_m14", "pension", "2020-02-29", ("too_few_months", "below_pension_age")),
    case("resident: never enrolled", "r_none", "pension", TODAY, ("not_enrolled", "too_few_months")),
    case("resident: never enrolled, at 59", "r_none", "pension", "2019-06-01",
         ("not_enrolled", "too_few_months", "below_pension_age")),
    case("woman of 60, 4 years, asked in 2025", "r_w60_4y", "pension", "2025-12-01",
         ("below_pension_age", "too_few_months")),
    # -- unemployment: tiers, registration, will
    case("unemployment 11 months", "u_11", "unemployment", facts={"registered_on": "2026-11-05"},
         reasons=("too_few_months",)),
    case("unemployment 12 months", "u_12", "unemployment", facts={"registered_on": "2026-11-05"},
         months=12, monthly=UNEMP),
    case("unemployment 59 months", "u_59", "unemployment", facts={"registered_on": "2026-11-05"}, months=12),
    case("unemployment 60 months", "u_60", "unemployment", facts={"registered_on": "2026-11-05"}, months=18),
    case("unemployment 119 months", "u_119", "unemployment", facts={"registered_on": "2026-11-05"}, months=18),
    case("unemployment 120 months", "u_120", "unemployment", facts={"registered_on": "2026-11-05"}, months=24),
    case("unemployment, left by own will", "u_voluntary", "unemployment",
         facts={"registered_on": "2026-11-05", "involuntary": "no"}, reasons=("voluntary",)),
    case("unemployment without registration", "u_unregistered", "unemployment", reasons=("not_registered",)),
    case("unemployment: months counted only before the date", "u_12", "unemployment", "2026-09-30",
         facts={"registered_on": "2026-09-01"}, reasons=("too_few_months",)),
    case("carry-over after a short re-employment", "u_carry", "unemployment", "2024-12-10",
         facts={"registered_on": "2024-12-01"}, months=17),
    case("still unemployed since the claim", "u_carry", "unemployment", "2024-04-10",
         facts={"registered_on": "2024-04-01"}, reasons=("already_receiving",)),
    case("contribution time reset after a claim", "u_reset", "unemployment", "2025-05-01",
         facts={"registered_on": "2025-04-20"}, months=23),
    case("second claim in the same month", "u_same_month", "unemployment", TODAY, ("duplicate_claim",)),
    case("claim running next month, no new job", "u_same_month", "unemployment", "2026-12-15",
         ("already_receiving",)),
    case("unemployment, dead", "dead", "unemployment", TODAY, ("deceased", "not_enrolled", "too_few_months",
                                                              "not_registered")),
    # -- maternity
    case("man insured claims maternity", "mat_man_emp", "maternity", facts=MAT, reasons=("not_applicable",)),
    case("woman insured, normal birth", "mat_w_emp", "maternity", facts=MAT,
         lump=600000 * MAT_DAYS // 30, monthly=None),
    case("woman insured, difficult birth", "mat_w_emp", "maternity", facts={**MAT, "difficult_birth": "yes"},
         lump=600000 * (MAT_DAYS + 15) // 30),
    case("woman insured, twins", "mat_w_emp", "maternity", facts={**MAT, "extra_babies": "1"},
         lump=600000 * (MAT_DAYS + 15) // 30),
    case("twins and difficult", "mat_w_emp", "maternity",
         facts={**MAT, "extra_babies": "1", "difficult_birth": "yes"}, lump=600000 * (MAT_DAYS + 30) // 30),
    case("miscarriage at 3 months", "mat_w_emp", "maternity", facts={**MAT, "miscarriage_months": "3"},
         lump=600000 * 15 // 30),
    case("miscarriage at 5 months", "mat_w_emp", "maternity", facts={**MAT, "miscarriage_months": "5"},
         lump=600000 * 42 // 30),
    case("maternity without the employer's wage", "mat_w_emp", "maternity", facts={"birth_date": "2026-10-01"},
         reasons=("missing_fact",)),
    case("resident medical gives no allowance", "mat_w_res", "maternity", facts=MAT, reasons=("not_applicable",)),
    case("woman uninsured", "mat_w_none", "maternity", facts=MAT, reasons=("not_enrolled",)),
    case("birth after the enrolment ended", "mat_w_ended", "maternity", facts=MAT, reasons=("not_enrolled",)),
    case("birth while enrolled", "mat_w_ended", "maternity", facts={**MAT, "birth_date": "2025-06-01"},
         lump=600000 * MAT_DAYS // 30),
    case("birth before the enrolment began", "mat_w_emp", "maternity", facts={**MAT, "birth_date": "2019-06-01"},
         reasons=("not_enrolled",)),
    case("same birth claimed twice", "mat_w_dup", "maternity", facts={**MAT, "birth_date": "2026-09-01"},
         reasons=("duplicate_claim",)),
    case("a later birth is a new claim", "mat_w_dup", "maternity", "2028-03-01",
         facts={**MAT, "birth_date": "2028-02-01"}, lump=600000 * (98 + policy(_d("2028-02-01")).maternity
                                                                    .local_extra_days) // 30),
    # -- medical
    case("resident medical, township hospital", "med_res", "medical", facts=BILL,
         lump=_reimbursed(1_000_000, "township"), monthly=None),
    case("resident medical, county hospital", "med_res", "medical", facts={**BILL, "level": "county"},
         lump=_reimbursed(1_000_000, "county")),
    case("employee medical", "med_emp", "medical", facts=BILL, lump=_reimbursed(1_000_000, "township")),
    case("admission after the enrolment ended", "med_ended", "medical", facts=BILL, reasons=("not_enrolled",)),
    case("admission while enrolled", "med_ended", "medical", facts={**BILL, "admission_date": "2024-06-01"},
         lump="positive"),
    case("bill missing", "med_res", "medical", facts={"level": "township"}, reasons=("missing_fact",)),
    case("same bill twice", "med_dup", "medical", facts={**BILL, "bill_number": "B1"}, reasons=("duplicate_claim",)),
    case("second bill, earlier one counted", "med_dup", "medical", facts={**BILL, "bill_number": "B2"},
         lump="positive"),
    case("admission after death", "dead", "medical", facts=BILL, reasons=("deceased", "not_enrolled")),
    # -- work injury
    case("injury without injury insurance", "inj_none", "injury", facts={**INJ, "grade": "9"},
         reasons=("not_enrolled",)),
    case("injury grade 9 on the recorded wage", "inj_emp", "injury", facts={**INJ, "grade": "9"},
         lump=9 * 600000, monthly=None),
    case("injury grade 9, typed wage ignored", "inj_emp", "injury", facts={**INJ, "grade": "9", "own_wage": "9000"},
         lump=9 * 600000),
    case("injury grade 1", "inj_emp", "injury", facts={**INJ, "grade": "1"}, lump=27 * 600000, monthly=540000),
    case("injury grade 4", "inj_emp", "injury", facts={**INJ, "grade": "4"}, lump=21 * 600000, monthly=450000),
    case("injury grade 5", "inj_emp", "injury", facts={**INJ, "grade": "5"}, lump=18 * 600000, monthly=420000),
    case("injury grade 6", "inj_emp", "injury", facts={**INJ, "grade": "6"}, lump=16 * 600000, monthly=360000),
    case("injury grade 7", "inj_emp", "injury", facts={**INJ, "grade": "7"}, lump=13 * 600000, monthly=None),
    case("injury grade 10", "inj_emp", "injury", facts={**INJ, "grade": "10"}, lump=7 * 600000),
    case("injury without determination", "inj_emp", "injury", facts={"grade": "9", "accident_date": "2026-03-01"},
         reasons=("no_determination",)),
    case("injury without grade", "inj_emp", "injury", facts=INJ, reasons=("missing_fact",)),
    case("accident before the injury enrolment", "inj_emp", "injury",
         facts={**INJ, "accident_date": "2019-05-01", "grade": "9"}, reasons=("not_enrolled",)),
    case("no bases on record: typed wage, bounded to 60%", "inj_nobase", "injury",
         facts={**INJ, "grade": "9", "own_wage": "3000"},
         lump=9 * benefits.injury_own_wage(300000, policy(_d("2026-03-01")).wage.average_monthly_wage_fen)),
    case("no bases on record, no wage typed", "inj_nobase", "injury", facts={**INJ, "grade": "9"},
         reasons=("missing_fact",)),
    # -- funeral
    case("funeral grant for a living person", "m1965_180", "funeral", reasons=("not_deceased",)),
    case("funeral grant: the policy's local amount", "dead", "funeral",
         lump=policy(_d("2026-01-10")).lifecycle.employee_funeral_grant_fen),
    case("funeral grant after a work death", "dead", "funeral", facts={"cause": "work_injury"},
         lump=6 * policy(_d("2026-01-10")).wage.average_monthly_wage_fen),
    case("funeral grant asked before the death", "dead", "funeral", "2025-12-01", ("not_deceased",)),
    case("funeral grant, never insured", "dead_uninsured", "funeral", reasons=("not_enrolled",)),
    # -- a person with no records at all, every kind
    case("no records: pension", "mat_man_none", "pension", TODAY,
         ("not_enrolled", "too_few_months", "below_pension_age")),
    case("no records: unemployment", "mat_man_none", "unemployment", TODAY,
         ("not_enrolled", "too_few_months", "not_registered")),
    case("no records: medical", "mat_man_none", "medical", facts=BILL, reasons=("not_enrolled",)),
    case("no records: injury", "mat_man_none", "injury", facts=INJ, reasons=("not_enrolled",)),
    case("no records: injury, no determination", "mat_man_none", "injury",
         reasons=("not_enrolled", "no_determination")),
    case("no records: funeral", "mat_man_none", "funeral", reasons=("not_deceased",)),
]


def _check(value: Any, expected: int | str | None) -> bool:
    if expected == "any":
        return True
    if expected == "positive":
        return isinstance(value, int) and value > 0
    return bool(value == expected)


@pytest.mark.parametrize("scenario", CASES, ids=[c.name for c in CASES])
def test_claim(town: Town, scenario: Case) -> None:
    bind(town.db)
    decision = ent.decide(town.ctx, town.people[scenario.who], scenario.kind, on=scenario.on,
                          facts=dict(scenario.facts))
    assert set(decision.reasons) == scenario.reasons, ent.render_steps(decision.steps, lambda k, **p: k)
    assert decision.eligible is (not scenario.reasons)
    if scenario.reasons:
        assert (decision.monthly_fen, decision.lump_sum_fen, decision.months) == (None, None, None)
    assert _check(decision.monthly_fen, scenario.monthly), decision.monthly_fen
    assert _check(decision.lump_sum_fen, scenario.lump), decision.lump_sum_fen
    assert _check(decision.months, scenario.months), decision.months
    assert decision.steps  # every answer says how it was reached


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 100 and len({c.name for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == set(ent.KINDS)


def test_the_counter_refuses_what_the_records_refuse(town: Town) -> None:
    """The same decisions through the application service: not even accepted."""
    bind(town.db)
    clerk = town.clerk
    assert clerk is not None
    refused: dict[str, tuple[str, dict[str, Any], str]] = {
        "u_same_month": ("benefit_unemployment", {}, "重复申领"),
        "u_villager": ("benefit_unemployment", {"contribution_months": 130}, "未参加该项保险"),
        "flex45": ("benefit_pension", {"scheme": "employee"}, "未到待遇领取年龄"),
        "r_w60_4y": ("benefit_pension", {}, "累计缴费时间不足"),
        "mat_man_none": ("benefit_maternity", {"employer_wage_fen": 600000}, "不适用于本人"),
        "med_none": ("benefit_medical", {"total_fen": 3_458_000, "level": "county"}, "未参加该项保险"),
        # A death on record refuses the claim before any rule (attack E13: no new business).
        "dead": ("benefit_pension", {}, "已于2026-01-10死亡注销，不能再受理"),
    }
    for key, (type_, data, words) in refused.items():
        with pytest.raises(ServiceError, match=words):
            apps.submit(clerk, town.people[key], type_, data, materials_received=_materials(type_))


def test_deemed_months_are_bounded_by_the_rules(town: Town) -> None:
    """Moneyfix 3: 300 deemed months typed for a woman born 1975-03 with 180 recorded months count
    only from the month after her 16th birthday to the month before the personal-account start
    (1991-04 … 1995-12, 57 months), the same as typing 57; the steps say so."""
    bind(town.db)
    doc = {"deemed_document": "安人社档审〔2025〕7号"}
    typed = ent.decide(town.ctx, town.people["fw1975"], "pension", on=dt.date(2025, 5, 20),
                       facts={"deemed_months": "300", **doc})
    bounded = ent.decide(town.ctx, town.people["fw1975"], "pension", on=dt.date(2025, 5, 20),
                         facts={"deemed_months": "57", **doc})
    none = ent.decide(town.ctx, town.people["fw1975"], "pension", on=dt.date(2025, 5, 20), facts={})
    assert typed.detail["deemed_months"] == 57 and typed.detail["deemed_typed"] == 300
    assert typed.monthly_fen == bounded.monthly_fen
    assert none.monthly_fen is not None and typed.monthly_fen is not None and typed.monthly_fen > none.monthly_fen
    assert any(step.key == "deemed_clipped" for step in typed.steps if isinstance(step, ent.Note))
    lines = ent.render_steps(typed.steps, Translator("zh_CN"))
    assert any("1991-04" in line and "1995-12" in line and "57" in line for line in lines), lines
