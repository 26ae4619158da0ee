"""Demo data: a believable township for ``kiosk demo``, screenshots and benchmarks.

One fictional township of 安远县 (Jiangxi, region code 360726): a dozen
villages, residents aged 16–90 with valid ID numbers, employers with valid
unified social credit codes, enrolments across the five insurances and the
three schemes, years of contributions, personal-account ledgers whose
running balances add up, pension payments to retirees, applications in
every status of several workflows, and three staff accounts.

Everything comes from ``random.Random(seed)`` and the injected ``today`` /
``now``: the same seed gives the same data. Rows are generated per chunk of
residents and bulk-inserted (no ORM objects kept), so 100,000 residents fit
in memory. The amounts use :data:`DEMO_RATES`, demo figures only (close to
the national rates, not any province's policy).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from db import audit
from db.bulk import insert_rows
from db.connection import write_transaction
from db.defaults import ensure_defaults
from db.models import (
    Account,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    Benefit,
    BenefitPayment,
    BenefitRun,
    Card,
    Contribution,
    Employer,
    Enrolment,
    LedgerEntry,
    Resident,
    Staff,
    utc_now_naive,
)
from db.roster import tuples
from kiosk.policy import PolicyError
from kiosk.rules.codes import application_number
from kiosk.rules.enrolment import RESIDENT_SCHEME_START
from kiosk.rules.identity import USCC_CHARS, check_digit, uscc_check_char
from kiosk.rules.money import round_fen
from kiosk.rules.pins import WeakPin, check_pin_rules, hash_pin
from kiosk.rules.retirement import add_months, min_contribution_months, retirement_date
from kiosk.rules.workflows import REJECTED, RETURNED, WITHDRAWN, WORKFLOWS, Step, Workflow
from kiosk.services.reasons import REASON_KEY, fixed_code

REGION = "360726"  # 江西省赣州市安远县
TOWNSHIP = "江西省赣州市安远县欣山镇"
VILLAGES = ("龙岗村", "石门村", "桥头村", "上坊村", "下湾村", "枫树村", "梅林村", "新田村",
            "黄沙村", "塘背村", "长岭社区", "东湖社区")

#: Demo contribution rates (individual, employer) per (insurance, scheme).
#: Demo figures only; real ones come from the policy file.
DEMO_RATES: dict[tuple[str, str], tuple[Decimal, Decimal]] = {
    ("pension", "employee"): (Decimal("0.08"), Decimal("0.16")),
    ("medical", "employee"): (Decimal("0.02"), Decimal("0.06")),
    ("unemployment", "employee"): (Decimal("0.005"), Decimal("0.005")),
    ("injury", "employee"): (Decimal("0"), Decimal("0.004")),
    ("maternity", "employee"): (Decimal("0"), Decimal("0.008")),
    ("pension", "flexible"): (Decimal("0.20"), Decimal("0")),
    ("medical", "flexible"): (Decimal("0.07"), Decimal("0")),
}
#: Share of the base credited to the pension personal account (employee and flexible).
ACCOUNT_RATE = Decimal("0.08")
#: Resident pension tiers: (annual fen, subsidy fen, weight). Demo figures.
RESIDENT_TIERS = ((20000, 4000, 50), (30000, 4500, 20), (50000, 6000, 15), (100000, 8000, 8),
                  (200000, 10000, 4), (300000, 12000, 2), (500000, 15000, 1))
DIFFICULT_PAID_FEN = 20000  # government pays the lowest tier for 低保/重度残疾
RESIDENT_MEDICAL_FEE_FEN, RESIDENT_MEDICAL_SUBSIDY_FEN = 40000, 67000
BASIC_PENSION_FEN = 14300  # resident basic pension per month (national minimum, 2025)
# Unemployment amounts and months are the entitlement service's decision (_unemployment_claim), not figures here.

SURNAMES = ("刘", "钟", "陈", "王", "李", "张", "黄", "谢", "赖", "唐", "杨", "林", "曾", "魏", "郭",
            "廖", "邱", "何", "吴", "罗", "朱", "胡", "蔡", "徐", "叶", "欧阳")
MALE_CHARS = "伟强军华明建国平勇斌文辉涛志林峰海东春生福根发荣金祥"
FEMALE_CHARS = "芳娟敏静丽艳霞红梅兰英秀玉萍燕琴娜婷凤桂云花莲香"
PHONE_PREFIXES = ("138", "139", "158", "159", "187", "188", "135", "136", "137", "150", "151", "152",
                  "180", "181", "189", "199", "177", "133")
EMPLOYER_NAMES = ("安远县脐橙专业合作社", "安远县欣山建筑工程有限公司", "安远县东江水电有限公司",
                  "安远县三百山旅游开发有限公司", "赣州鑫源稀土材料有限公司", "安远县鹏达电子有限公司",
                  "安远县人民医院", "安远县第一中学", "安远县城乡供水有限公司", "安远县恒丰米业有限公司",
                  "安远县华联超市有限公司", "安远县顺达物流有限公司", "安远县金龙纺织有限公司",
                  "安远县绿源食品有限公司", "安远县宏图木业有限公司")
STAFF = (("S001", "钟晓梅", "clerk"), ("S002", "刘建国", "supervisor"), ("S003", "陈志远", "admin"))
DEMO_WORKFLOWS = ("enrol_resident_pension", "enrol_resident_medical", "enrol_employee", "assessment",
                  "benefit_pension", "benefit_unemployment", "benefit_maternity", "benefit_medical", "transfer",
                  "injury_determination", "card_apply", "card_replace", "card_unfreeze", "card_loss")
#: Who may be the applicant of each demo workflow (roles of :class:`_Plan`), so that every
#: claim, enrolment and contribution obeys the rules (``kiosk audit rules`` finds nothing).
APPLICANTS: dict[str, tuple[str, ...]] = {
    "enrol_resident_pension": ("villager",), "enrol_resident_medical": ("villager", "student", "elder"),
    "enrol_employee": ("employee",), "assessment": ("employee", "flexible"),
    "benefit_pension": ("retiree", "retired_employee"), "benefit_unemployment": ("unemployed",),
    "benefit_maternity": ("mother",), "benefit_medical": ("villager", "retiree", "employee", "elder"),
    "transfer": ("employee", "flexible"), "injury_determination": ("employee",),
}
#: Other 户籍地 of people who live here (migrants: 66号 temporary accounts depend on it).
OTHER_REGIONS = ("360702", "360721", "441302", "350102", "430102")
#: Every index ≡ key (mod 40) is this kind of person, so even a small township has each.
FORCED = {5: "retiree", 15: "employee", 21: "employee", 25: "retired_employee", 35: "mother"}
#: Every index ≡ 37 (mod 500) is a resident pensioner who died last summer (account settled).
DECEASED_EVERY, DECEASED_AT = 500, 37
# unemployment_registration is left out: its 25-character type does not fit
# Application.type (max_length=24), which PostgreSQL enforces.
_CHUNK = 1000


class DemoError(RuntimeError):
    """Demo data cannot be loaded here (e.g. the database already has residents)."""


@dataclass(frozen=True)
class DemoResident:
    """A resident worth typing on the kiosk, and why."""

    name: str
    id_number: str
    card_number: str
    note: str
    password: str = ""
    """The demo 服务密码 that opens this person's records at the kiosk (stored only hashed)."""


@dataclass(frozen=True)
class DemoStaff:
    """A demo staff account and its PIN (shown once, stored only hashed)."""

    number: str
    name: str
    role: str
    pin: str


@dataclass
class DemoSummary:
    """What ``seed_demo`` created: rows per table, people to try, staff PINs."""

    counts: dict[str, int] = field(default_factory=dict)
    samples: list[DemoResident] = field(default_factory=list)
    staff: list[DemoStaff] = field(default_factory=list)


def _month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _pin(rng: random.Random) -> str:
    while True:
        pin = f"{rng.randrange(10**6):06d}"
        try:
            check_pin_rules(pin)
        except WeakPin:
            continue
        return pin


def _uscc(rng: random.Random, used: set[str]) -> str:
    while True:
        body = "91" + REGION + "".join(rng.choice(USCC_CHARS[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        code = body + uscc_check_char(body)
        if code not in used:
            used.add(code)
            return code


@dataclass
class _Plan:
    """One generated resident before insert (discarded after its chunk)."""

    id_number: str
    name: str
    sex: str
    birth: dt.date
    role: str  # student | villager | employee | flexible | retiree | retired_employee
    values: tuple[Any, ...]
    employer: int | None = None
    card: str = ""
    card_status: str = "active"
    difficult: bool = False
    category: str = ""
    months: int = 0  # monthly contribution months of employees and flexible workers
    tags: set[str] = field(default_factory=set)  # extra applicant roles (mother, unemployed, deceased)
    death: dt.date | None = None
    pension_from: dt.date | None = None  # first month of a pension in payment


@dataclass(frozen=True)
class _Pensioner:
    """A pensioner whose claim, benefit and payments :func:`_pensions` makes from the records."""

    resident_id: int
    scheme: str  # resident | employee
    first_month: dt.date  # the first month of entitlement (the month after the pension age)
    death: dt.date | None


class _Generator:
    """Holds the random stream and uniqueness sets for one seeding run."""

    def __init__(self, rng: random.Random, today: dt.date, now: dt.datetime, seed: int = 0) -> None:
        self.rng, self.today, self.now, self.seed = rng, today, now, seed
        self.ids: set[str] = set()
        self.cards: set[str] = set()
        self.this_month = today.replace(day=1)
        self.pools: dict[str, list[int]] = {}  # resident ids by role and tag (who may apply for what)
        self.pension_from: dict[int, dt.date] = {}  # first pension month of pensioners
        self.claimed: dict[str, set[int]] = {}  # who already has a live claim of a DISTINCT_CLAIMS type
        self.pensioners: list[_Pensioner] = []  # decided and paid after all chunks: _pensions()
        self.serials: dict[dt.date, int] = {}  # application numbers per day

    def at(self, day: dt.date, hour: int = 2) -> dt.datetime:
        """A naive-UTC moment on ``day``, never after now."""
        return min(dt.datetime(day.year, day.month, day.day, hour), self.now)

    def name(self, index: int, male: bool) -> str:
        rng = self.rng
        surname = "欧阳" if index == 0 else rng.choice(SURNAMES[:-1] if rng.random() > 0.01 else SURNAMES)
        chars = MALE_CHARS if male else FEMALE_CHARS
        single = index in (1, 2) or rng.random() < 0.2
        return surname + rng.choice(chars) + ("" if single else rng.choice(chars))

    def person(self, index: int, employers: Sequence[int]) -> _Plan:
        """One resident whose role fits the rules: students under 18; working-age people
        employees, flexible workers or villagers; past the statutory retirement age of their
        category (women: 女工人 50→55, 女干部 55→58) retired employees; at 60 resident
        pensioners only if born 1964 or later (15 resident years since 2009 possible), else
        elders with resident medical insurance only (or retired employees)."""
        rng, today = self.rng, self.today
        forced = "deceased" if index % DECEASED_EVERY == DECEASED_AT else FORCED.get(index % 40)
        male = rng.random() < 0.5
        age = int(rng.triangular(16, 90, 52))
        if forced in ("retiree", "deceased"):
            age = 61
        elif forced == "retired_employee":
            age, male = 58, False
        elif forced == "employee":
            age, male = 35, True
        elif forced == "mother":
            age, male = 29, False
        birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        if (today.month, today.day) < (birth.month, birth.day) and (age == 16 or forced):
            birth = birth.replace(year=birth.year - 1)  # be that age already
        if forced in ("retiree", "deceased") and birth.year < RESIDENT_SCHEME_START + 15 - 60 <= today.year - 60:
            # A township seeded as of an earlier day (seed-demo --as-of): a resident pensioner still
            # needs 15 resident years since 2009 before 60, so one born no earlier than 1964.
            birth = birth.replace(year=RESIDENT_SCHEME_START + 15 - 60, month=min(birth.month, today.month), day=1)
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        while True:
            serial = rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{REGION}{birth:%Y%m%d}{serial:03d}"
            number = first17 + check_digit(first17)
            if number not in self.ids:
                self.ids.add(number)
                break
        category = "male" if male else ("female_cadre" if rng.random() < 0.3 else "female_worker")
        if forced == "retired_employee":
            category = "female_cadre"
        retired = today >= retirement_date(birth, category)
        draw = rng.random()
        tags: set[str] = set()
        if age < 18:
            role = "student"
        elif forced in ("retiree", "deceased"):
            role = "retiree"
            if forced == "deceased":
                tags.add("deceased")
        elif forced in ("retired_employee", "employee", "mother"):
            role = "employee" if forced == "mother" else forced
        elif age >= 60:
            if birth.year >= RESIDENT_SCHEME_START + 15 - 60:  # 15 resident years from 2009 fit before 60
                role = "retired_employee" if draw < 0.15 and retired else "retiree"
            else:
                role = "retired_employee" if draw < 0.3 and retired else "elder"
        elif retired:
            role = "retired_employee" if draw < 0.15 else "villager"
        else:
            role = "employee" if draw < 0.12 and employers else "flexible" if draw < 0.18 else "villager"
        if role == "employee" and not employers:
            role = "villager"
        months = 0
        if role in ("employee", "flexible"):
            months = 30 if forced else rng.randint(12, 36)
            if role == "employee" and not forced and index % 3 == 0:
                # Every third employee has a longer career (5 to 7 years): with 5–10 years paid,
                # unemployment lasts 18 months (RULES.md), so the demo has claims of 12 and 18 months.
                months += 48
            sixteen = _month_add(add_months(birth, 16 * 12).replace(day=1), 1)  # first month fully at 16
            months = min(months, (self.this_month.year - sixteen.year) * 12 + self.this_month.month - sixteen.month)
            if role == "employee" and not male and age < 45:
                tags.add("mother")
            if role == "employee" and months >= 15:
                tags.add("unemployed")  # may claim unemployment (12+ months) in the demo
        name = self.name(index, male)
        phone = "" if age > 70 and rng.random() < 0.5 else rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        village = rng.choice(VILLAGES)
        address = f"{TOWNSHIP}{village}{rng.randint(1, 9)}组{rng.randint(1, 80)}号"
        hukou = "非农业" if rng.random() < (0.4 if role == "employee" else 0.1) else "农业"
        # 户籍地: villagers and pensioners are registered here; some workers came from elsewhere.
        region = rng.choice(OTHER_REGIONS) if role in ("employee", "flexible") and rng.random() < 0.15 else REGION
        recorded = category if role in ("employee", "flexible", "retired_employee") else ""
        disabled = rng.random() < 0.03
        low_income = rng.random() < 0.05
        employer = rng.choice(employers) if role == "employee" else None
        values = (number, name, "male" if male else "female", birth, phone, address, village, hukou,
                  recorded, disabled, low_income, employer, self.now, self.now, region)
        plan = _Plan(number, name, values[2], birth, role, values, employer,
                     difficult=(disabled or low_income) and role in ("villager", "retiree"), category=category,
                     months=months, tags=tags)
        if rng.random() < 0.92 or forced:
            while True:
                card = rng.choice("ABCDEFGHJK") + f"{rng.randrange(10**8):08d}"
                if card not in self.cards:
                    self.cards.add(card)
                    break
            plan.card = card
            plan.card_status = "frozen" if rng.random() < 0.02 and not forced else "active"
        return plan


@dataclass
class _Rows:
    """Rows of one chunk, per table, as tuples ready for insert_many."""

    cards: list[tuple[Any, ...]] = field(default_factory=list)
    enrolments: list[tuple[Any, ...]] = field(default_factory=list)
    contributions: list[tuple[Any, ...]] = field(default_factory=list)
    benefits: list[tuple[Any, ...]] = field(default_factory=list)
    # (resident id, account kind) -> movements (date, kind, amount)
    movements: dict[tuple[int, str], list[tuple[dt.date, str, int]]] = field(default_factory=dict)


def _plan_money(gen: _Generator, plan: _Plan, rid: int, rows: _Rows) -> None:
    """Enrolments, contributions, ledger movements and benefits of one resident, within the
    rules the rule audit checks: resident years from 2009, at 16–59, paid in their year; employee
    months within working age; no separate maternity after 2019; no employer share on personal
    rows; pensions from the month after the pension age with the months that make one."""
    rng, today = gen.rng, gen.today

    def enrol(insurance: str, scheme: str, start: dt.date, status: str = "active",
              end: dt.date | None = None, employer: int | None = None) -> None:
        rows.enrolments.append((rid, insurance, scheme, status, start, end, employer))

    def move(kind: str, day: dt.date, entry: str, amount: int) -> None:
        if amount:
            rows.movements.setdefault((rid, kind), []).append((day, entry, amount))

    turned16 = plan.birth.year + 16
    if plan.role in ("student", "villager", "retiree", "elder"):
        first_med = max(today.year - 2, turned16)
        enrol("medical", "resident", dt.date(first_med, 1, 1))
        for year in range(first_med, today.year + 1):
            rows.contributions.append((rid, "medical", "resident", dt.date(year, 1, 1), 0, RESIDENT_MEDICAL_FEE_FEN,
                                       0, RESIDENT_MEDICAL_SUBSIDY_FEN, None, gen.at(dt.date(year, 1, 10))))
    if plan.role in ("villager", "retiree"):
        last_year = plan.birth.year + 59  # contributions while under 60 on 1 January
        if plan.role == "retiree":
            # 新农保 from 2009: every year to 60, at most two missed years above the 15 required.
            spare = last_year - RESIDENT_SCHEME_START + 1 - 15
            paid_years = []
            for year in range(RESIDENT_SCHEME_START, last_year + 1):
                if spare > 0 and rng.random() < 0.1:
                    spare -= 1  # a missed year the 15 do not need
                    continue
                paid_years.append(year)
        else:
            first_year = max(2014, turned16 + rng.randint(0, 12))
            last_paid = min(today.year if rng.random() < 0.7 else today.year - 1, last_year)
            paid_years = [y for y in range(first_year, last_paid + 1) if rng.random() > 0.1]
        weights = [t[2] for t in RESIDENT_TIERS]
        enrol("pension", "resident", dt.date(paid_years[0] if paid_years else min(max(2014, turned16), today.year), 1, 1))
        for year in paid_years:
            annual, subsidy, _ = RESIDENT_TIERS[0] if plan.difficult else rng.choices(RESIDENT_TIERS, weights)[0]
            individual = 0 if plan.difficult else annual
            gov = subsidy + (DIFFICULT_PAID_FEN if plan.difficult else 0)
            paid = dt.date(year, 3, 15)
            rows.contributions.append((rid, "pension", "resident", dt.date(year, 1, 1), 0, individual, 0, gov,
                                       None, gen.at(paid)))
            move("pension_resident", paid, "contribution", individual)
            move("pension_resident", paid, "subsidy", gov)
        if plan.role == "retiree":
            start = _month_add(plan.birth.replace(day=1), 60 * 12 + 1)  # the month after turning 60
            if "deceased" in plan.tags:  # died last summer: paid to the month of death, account settled
                plan.death = _month_add(gen.this_month, -4).replace(day=12)
            if start <= gen.this_month:
                plan.pension_from = start  # benefit, claim and payments: _pensions() after the chunk
    if plan.role in ("employee", "flexible"):
        scheme = "employee" if plan.role == "employee" else "flexible"
        start = _month_add(gen.this_month, -plan.months)
        if plan.role == "employee":
            base = rng.randrange(44, 121) * 10000
            # Maternity insurance is part of employee medical since 2019 (国办发〔2019〕10号).
            insurances: tuple[str, ...] = ("pension", "medical", "unemployment", "injury")
        else:
            base = rng.choice((438000, 584000, 730000))
            insurances = ("pension", "medical")
        for insurance in insurances:
            enrol(insurance, scheme, start, employer=plan.employer)
        for k in range(plan.months):
            month = _month_add(start, k)
            paid = month.replace(day=15)
            for insurance in insurances:
                ind_rate, emp_rate = DEMO_RATES[(insurance, scheme)]
                individual, employer_fen = round_fen(base * ind_rate), round_fen(base * emp_rate)
                rows.contributions.append((rid, insurance, scheme, month, base, individual, employer_fen, 0,
                                           plan.employer, gen.at(paid)))
            move("pension_employee", paid, "contribution", round_fen(base * ACCOUNT_RATE))
            if plan.role == "employee":
                move("medical", paid, "contribution", round_fen(base * DEMO_RATES[("medical", "employee")][0]))
    if plan.role == "retired_employee":
        retire = retirement_date(plan.birth, plan.category)
        retire_month = retire.replace(day=1)
        required = min_contribution_months(retire.year)
        adult = _month_add(add_months(plan.birth, 18 * 12).replace(day=1), 1)
        months = max(required, min(rng.randint(required, required + 120), (retire_month.year - adult.year) * 12
                                   + retire_month.month - adult.month))
        start = _month_add(retire_month, -months)  # paid up to the month before retirement
        base = rng.randrange(30, 80) * 10000
        enrol("pension", "employee", start, "ended", retire)
        enrol("medical", "employee", start)
        for k in range(months):
            month = _month_add(start, k)
            rows.contributions.append((rid, "pension", "employee", month, base, round_fen(base * Decimal("0.08")),
                                       round_fen(base * Decimal("0.16")), 0, None, gen.at(month.replace(day=15))))
            # The individual 8% goes to the personal account (国发〔2005〕38号), as for employees.
            move("pension_employee", month.replace(day=15), "contribution", round_fen(base * ACCOUNT_RATE))
        first_pension = _month_add(retire_month, 1)
        if first_pension <= gen.this_month:
            plan.pension_from = first_pension  # the amount comes from the records: _pensions()

def _bank_account(id_number: str) -> str:
    """A demo 社保卡金融账户 (19 digits, 6217…): what the monthly run pays into — the card NUMBER is
    not an account. Derived from the ID number (not the generator's random stream, so the rest of the
    demo stays as it was)."""
    digest = int(hashlib.sha256(f"bank:{id_number}".encode()).hexdigest(), 16)
    return f"6217{digest % 10**15:015d}"


def _insert_chunk(database: peewee.Database, gen: _Generator, plans: list[_Plan]) -> None:
    now = gen.now
    insert_rows(database, Resident, (
        Resident.id_number, Resident.name, Resident.sex, Resident.birth_date, Resident.phone, Resident.address,
        Resident.village, Resident.hukou, Resident.retirement_category, Resident.disabled, Resident.low_income,
        Resident.employer, Resident.created_at, Resident.updated_at, Resident.hukou_region, Resident.bank_account),
        [(*p.values, _bank_account(p.id_number) if p.card else "") for p in plans])
    ids: dict[str, int] = dict(tuples(Resident.select(Resident.id_number, Resident.id)
                                      .where(Resident.id_number.in_([p.id_number for p in plans]))))
    rows = _Rows()
    for plan in plans:
        rid = ids[plan.id_number]
        if plan.card:
            issued = dt.date(gen.rng.randint(2012, gen.today.year - 1), gen.rng.randint(1, 12), gen.rng.randint(1, 28))
            rows.cards.append((rid, plan.card, plan.card_status, issued, gen.at(issued)))
        _plan_money(gen, plan, rid, rows)
        for pool in (plan.role, *plan.tags):
            gen.pools.setdefault(pool, []).append(rid)
        if plan.pension_from is not None:
            gen.pension_from[rid] = plan.pension_from
            gen.pensioners.append(_Pensioner(rid, "resident" if plan.role == "retiree" else "employee",
                                             plan.pension_from, plan.death))
    for plan in plans:
        if plan.death is not None:
            Resident.update(death_date=plan.death).where(Resident.id == ids[plan.id_number]).execute()
    insert_rows(database, Card, (Card.resident, Card.card_number, Card.status, Card.issued_on, Card.status_changed_at),
          rows.cards)
    insert_rows(database, Enrolment, (Enrolment.resident, Enrolment.insurance, Enrolment.scheme, Enrolment.status,
                                Enrolment.start_date, Enrolment.end_date, Enrolment.employer), rows.enrolments)
    insert_rows(database, Contribution, (Contribution.resident, Contribution.insurance, Contribution.scheme,
                                   Contribution.month, Contribution.base_fen, Contribution.individual_fen,
                                   Contribution.employer_fen, Contribution.subsidy_fen, Contribution.employer,
                                   Contribution.paid_at), rows.contributions)
    insert_rows(database, BenefitPayment, (BenefitPayment.resident, BenefitPayment.application,
                                     BenefitPayment.benefit_type, BenefitPayment.period, BenefitPayment.amount_fen,
                                     BenefitPayment.paid_at), rows.benefits)
    # Accounts with their final balance, then the ledger with running balances.
    ledgers: dict[tuple[int, str], list[tuple[dt.date, str, int, int]]] = {}
    accounts = []
    for key, movements in rows.movements.items():
        movements.sort(key=lambda m: m[0])  # stable: contribution before subsidy on the same day
        balance, chain = 0, []
        for day, kind, amount in movements:
            balance += amount
            chain.append((day, kind, amount, balance))
        ledgers[key] = chain
        accounts.append((key[0], key[1], balance, movements[0][0], now))
    insert_rows(database, Account, (Account.resident, Account.kind, Account.balance_fen, Account.opened_on,
                              Account.updated_at), accounts)
    resident_ids = list({key[0] for key in ledgers})
    entries = []
    for start in range(0, len(resident_ids), 500):
        for account_id, rid, kind in tuples(Account.select(Account.id, Account.resident, Account.kind)
                                            .where(Account.resident.in_(resident_ids[start:start + 500]))):
            for seq, (day, entry_kind, amount, after) in enumerate(ledgers[(rid, kind)], start=1):
                entries.append((account_id, seq, day, entry_kind, amount, after, f"demo:{day.year}", now))
    insert_rows(database, LedgerEntry, (LedgerEntry.account, LedgerEntry.seq, LedgerEntry.entry_date, LedgerEntry.kind,
                                  LedgerEntry.amount_fen, LedgerEntry.balance_after_fen, LedgerEntry.reference,
                                  LedgerEntry.created_at), entries)


def _claim_events(app_id: int, day: dt.datetime, staff: dict[str, int], rng: random.Random,
                  steps: Sequence[Step]) -> list[tuple[Any, ...]]:
    """The events of a benefit claim taken at the counter: every step by the clerk except the
    复核 (``Step.supervisor``), which the supervisor takes (受审分离, RULES §13.5)."""
    rows, previous, moment = [], "", day
    for step in steps:
        actor = staff["supervisor"] if step.supervisor else staff["clerk"]
        rows.append((app_id, previous, step.code, step.name_zh, actor, "T01", "", moment))
        previous, moment = step.code, moment + dt.timedelta(hours=rng.randint(2, 20))
    return rows


def _pensions(database: peewee.Database, gen: _Generator, ctx: Any, staff: dict[str, int]) -> None:
    """Every pensioner's claim, benefit and payments, as the counter and the monthly run make them.

    The amount is the entitlement service's decision (:func:`kiosk.services.entitlement.decide`)
    from the person's records on the first month of entitlement; the approved application is
    accepted by the clerk and approved (复核) by the supervisor; every month from the first to
    last month is paid (benefit_id and run_month set, type as the run writes it) with the account
    part out of the personal account, so ``kiosk benefit run`` goes on from this month. A
    pensioner who died is paid to the month of death and the account is inherited.
    """
    from kiosk.i18n import Translator
    from kiosk.services import benefit_run, entitlement

    zh = Translator("zh_CN")
    rng, this_month = random.Random(f"demo-pensions-{gen.seed}"), gen.this_month
    flow = WORKFLOWS["benefit_pension"]
    cards = set(benefit_run._cards())
    try:
        interval = benefit_run.policy_book(ctx).policy_for(this_month).lifecycle.certification_interval_months
    except PolicyError:  # a policy file without this month: the usual yearly interval
        interval = 12
    payments: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    payouts: dict[tuple[int, str], list[tuple[dt.date, int]]] = {}
    for who in gen.pensioners:
        decision = entitlement.decide(ctx, who.resident_id, "pension", on=who.first_month,
                                      facts={"scheme": who.scheme})
        if not decision.eligible or decision.monthly_fen is None:
            raise DemoError(f"演示养老金领取人 {who.resident_id} 不符合领取条件：{','.join(decision.reasons)}")
        detail = dict(decision.detail)
        monthly, part = int(decision.monthly_fen), int(detail.get("account_part_fen") or 0)
        kind = str(detail.get("account_kind") or f"pension_{who.scheme}")
        basic = 0
        if who.scheme == "resident":
            basic = benefit_run.policy_book(ctx).policy_for(who.first_month).resident_basic_pension_fen
        claimed = gen.at(who.first_month, 3)
        day = who.first_month
        gen.serials[day] = gen.serials.get(day, 0) + 1
        data = {"demo": True, "claim_date": day.isoformat(), "scheme": who.scheme, "amount_fen": monthly,
                "monthly_fen": monthly, "account_part_fen": part, "account_kind": kind,
                "entitlement": {"eligible": True, "scheme": who.scheme,
                                "steps": entitlement.render_steps(decision.steps, zh)}}
        app_id = Application.insert(
            number=application_number(day, gen.serials[day]), resident=who.resident_id, type="benefit_pension",
            status="paid", data=data, channel="counter", expected_days=flow.expected_days,
            version=len(flow.steps), accepted_by=staff["clerk"], approved_by=staff["supervisor"],
            created_at=claimed, updated_at=claimed + dt.timedelta(days=2)).execute()
        events.extend(_claim_events(app_id, claimed, staff, rng, flow.steps))
        last = this_month if who.death is None else min(this_month, who.death.replace(day=1))
        recent = max(who.first_month, _month_add(this_month, -rng.randint(0, interval - 2)))
        benefit = Benefit(monthly_fen=monthly, basic_fen=basic)
        benefit_id = Benefit.insert(
            resident=who.resident_id, application=app_id, kind="pension", scheme=who.scheme,
            start_month=who.first_month, monthly_fen=monthly, basic_fen=basic, account_kind=kind,
            account_part_fen=part, status="in_payment" if who.death is None else "stopped",
            reason="" if who.death is None else "deceased", end_month=None if who.death is None else last,
            certified_on=recent, bank_account="" if who.resident_id in cards else f"62170{who.resident_id:014d}",
            created_at=claimed, updated_at=claimed).execute()
        period = who.first_month
        # Months before this one were paid by earlier runs; this month is the next run's.
        while period < last or (who.death is not None and period <= last):
            amount = benefit_run.month_amount(ctx, benefit, period)
            paid_on = gen.at(period.replace(day=10))
            payments.append((who.resident_id, app_id, "pension", period, amount, paid_on, benefit_id, period,
                             "monthly"))
            payouts.setdefault((who.resident_id, kind), []).append((period.replace(day=10), part))
            period = _month_add(period, 1)
    insert_rows(database, ApplicationEvent, (ApplicationEvent.application, ApplicationEvent.from_status,
                                       ApplicationEvent.to_status, ApplicationEvent.step, ApplicationEvent.staff,
                                       ApplicationEvent.terminal, ApplicationEvent.note,
                                       ApplicationEvent.created_at), events)
    insert_rows(database, BenefitPayment, (BenefitPayment.resident, BenefitPayment.application,
                                     BenefitPayment.benefit_type, BenefitPayment.period, BenefitPayment.amount_fen,
                                     BenefitPayment.paid_at, BenefitPayment.benefit, BenefitPayment.run_month,
                                     BenefitPayment.kind), payments)
    deaths = {who.resident_id: who.death for who in gen.pensioners if who.death is not None}
    _append_ledger(database, gen, payouts, deaths)


def _append_ledger(database: peewee.Database, gen: _Generator, payouts: dict[tuple[int, str], list[tuple[dt.date, int]]],
                   deaths: dict[int, dt.date]) -> None:
    """Pension months paid out of the personal accounts (the account part, while the balance
    lasts, as the run posts it), then the inheritance of a deceased pensioner's balance."""
    entries, balances = [], {}
    for (rid, kind), months in payouts.items():
        account = Account.get_or_none((Account.resident == rid) & (Account.kind == kind))
        if account is None:
            continue
        seq = LedgerEntry.select(peewee.fn.MAX(LedgerEntry.seq)).where(LedgerEntry.account == account.id).scalar() or 0
        balance = int(account.balance_fen)
        for day, part in months:
            amount = min(part, balance)
            if amount <= 0:
                continue
            balance -= amount
            seq += 1
            entries.append((account.id, seq, day, "payout", -amount, balance, f"DF{day:%Y%m}", gen.now))
        if rid in deaths and balance > 0:
            seq += 1
            day = deaths[rid] + dt.timedelta(days=30)
            entries.append((account.id, seq, day, "inheritance", -balance, 0, f"demo:{day.year}", gen.now))
            balance = 0
        balances[account.id] = balance
    insert_rows(database, LedgerEntry, (LedgerEntry.account, LedgerEntry.seq, LedgerEntry.entry_date, LedgerEntry.kind,
                                  LedgerEntry.amount_fen, LedgerEntry.balance_after_fen, LedgerEntry.reference,
                                  LedgerEntry.created_at), entries)
    for account_id, balance in balances.items():
        Account.update(balance_fen=balance, updated_at=gen.now).where(Account.id == account_id).execute()


def _statuses(flow: Workflow) -> list[tuple[str, list[str]]]:
    """Every status the flow can be in, each with the step path leading to it."""
    codes = [s.code for s in flow.steps]
    result = [(code, codes[:i + 1]) for i, code in enumerate(codes)]
    for end in (RETURNED, REJECTED, WITHDRAWN):
        reachable = [i for i, code in enumerate(codes) if end in flow.allowed(code)]
        if reachable:
            result.append((end, codes[:reachable[-1 if end != RETURNED else 0] + 1]))
    return result


def _applications(database: peewee.Database, gen: _Generator, resident_ids: Sequence[int],
                  staff: dict[str, int], per_status: int, ctx: Any) -> None:
    rng, now, today = gen.rng, gen.now, gen.today
    serials = gen.serials
    apps, details = [], []
    for type_ in DEMO_WORKFLOWS:
        flow = WORKFLOWS[type_]
        for status, path in _statuses(flow):
            if type_ == "benefit_pension" and status == "paid":
                continue  # every pensioner has a paid claim of their own (_pensions)
            for _ in range(per_status):
                days = rng.randint(4, 60)
                day = today - dt.timedelta(days=days)
                serials[day] = serials.get(day, 0) + 1
                number = application_number(day, serials[day])
                created = now - dt.timedelta(days=days, hours=rng.randint(0, 6))
                channel = rng.choice(("self", "counter"))
                events, moment, previous = [], created, ""
                for step in [*path, *([status] if status not in path else [])]:
                    step_def = flow.step(step) if step not in (RETURNED, REJECTED, WITHDRAWN) else None
                    actor = None if (previous == "" and channel == "self") or step == WITHDRAWN else (
                        staff["supervisor"] if step_def is not None and step_def.supervisor else staff["clerk"])
                    note = {RETURNED: "材料不全，请补齐后再次提交", REJECTED: "不符合申领条件",
                            WITHDRAWN: "本人撤回"}.get(step, "")
                    events.append((previous, step, flow.step(step).name_zh if step_def else "", actor, note, moment))
                    previous, moment = step, moment + dt.timedelta(hours=rng.randint(2, 20))
                missing = status == RETURNED
                materials = []
                for material in flow.materials:
                    received = not (missing and material.required) and (len(path) > 1 or rng.random() < 0.6)
                    missing = missing and not material.required
                    materials.append((material.code, material.name_zh, received, created if received else None))
                applicant = _applicant(gen, type_, day, resident_ids, status in (RETURNED, REJECTED, WITHDRAWN))
                data = _claim_data(rng, type_, status, day)
                if status in (RETURNED, REJECTED):  # the note's catalog code: 办理进度 shows it in English too
                    data[REASON_KEY] = fixed_code(_DEMO_REASONS[status], events[-1][4])
                if type_ == "benefit_unemployment" and "amount_fen" in data:
                    entitled = _unemployment_claim(ctx, gen, applicant, day, data, paid=status == "paid")
                    if entitled is None:
                        continue  # a township too small to have anyone entitled: no such claim
                    applicant = entitled
                # 受理: the first staff member on it; 复核: the supervisor of the supervisor step.
                accepted = next((e[3] for e in events if e[3] is not None), None)
                approved = next((e[3] for e in events if e[1] not in (RETURNED, REJECTED, WITHDRAWN)
                                 and flow.step(e[1]).supervisor), None)
                apps.append((number, applicant, type_, status, data, channel,
                             flow.expected_days, len(events), created, events[-1][5], accepted, approved))
                details.append((events, materials, type_, status))
    insert_rows(database, Application, (Application.number, Application.resident, Application.type, Application.status,
                                  Application.data, Application.channel, Application.expected_days,
                                  Application.version, Application.created_at, Application.updated_at,
                                  Application.accepted_by, Application.approved_by), apps)
    ids: dict[str, int] = {}
    numbers = [a[0] for a in apps]
    for start in range(0, len(numbers), 500):
        ids.update(tuples(Application.select(Application.number, Application.id)
                          .where(Application.number.in_(numbers[start:start + 500]))))
    events_rows, material_rows, benefits = [], [], []
    for app, (events, materials, type_, status) in zip(apps, details, strict=True):
        app_id = ids[app[0]]
        for from_status, to_status, step, actor, note, moment in events:
            events_rows.append((app_id, from_status, to_status, step, actor, "T01", note, moment))
        for code, name, received, at in materials:
            material_rows.append((app_id, code, name, received, at))
        if status == "paid" and type_ in PAID_KINDS:
            period = app[9].date().replace(day=1)
            benefit_id = None
            if type_ == "benefit_unemployment":
                # A benefit in payment for its months: the run pays the months after the first.
                benefit_id = Benefit.insert(
                    resident=app[1], application=app_id, kind="unemployment", scheme="employee",
                    start_month=period, months=int(app[4]["months"]), monthly_fen=int(app[4]["amount_fen"]),
                    status="in_payment", created_at=app[9], updated_at=app[9]).execute()
            # The first unemployment month is a month; a maternity/medical payment is a one-off.
            benefits.append((app[1], app_id, PAID_KINDS[type_], period, int(app[4]["amount_fen"]), app[9],
                             benefit_id, "monthly" if benefit_id is not None else "lump_sum"))
    insert_rows(database, ApplicationEvent, (ApplicationEvent.application, ApplicationEvent.from_status,
                                       ApplicationEvent.to_status, ApplicationEvent.step, ApplicationEvent.staff,
                                       ApplicationEvent.terminal, ApplicationEvent.note,
                                       ApplicationEvent.created_at), events_rows)
    insert_rows(database, ApplicationMaterial, (ApplicationMaterial.application, ApplicationMaterial.code,
                                          ApplicationMaterial.name, ApplicationMaterial.received,
                                          ApplicationMaterial.received_at), material_rows)
    insert_rows(database, BenefitPayment, (BenefitPayment.resident, BenefitPayment.application,
                                     BenefitPayment.benefit_type, BenefitPayment.period, BenefitPayment.amount_fen,
                                     BenefitPayment.paid_at, BenefitPayment.benefit, BenefitPayment.kind), benefits)
    _assessment_notices(ctx, [(ids[app[0]], app[1], {e[1] for e in detail[0]})
                              for app, detail in zip(apps, details, strict=True) if app[2] == "assessment"])


def _assessment_notices(ctx: Any, rows: Sequence[tuple[int, int, set[str]]]) -> None:
    """The demo's 缴费核定 applications past 核定缴费金额 get their amounts, ContributionAssessment and
    缴费核定通知单 through the steps' own effects (:func:`kiosk.services.application_effects.apply`):
    the base as at 受理 (the person's pension scheme, a declared wage of the average), the amount at
    ``amount_calculated`` and the assessment and notice at ``notified`` — so ``kiosk collection
    notice SQ…`` prints the notice of every notified one. ``rows``: (application id, resident id,
    statuses the application went through)."""
    from kiosk.services import application_effects as effects
    from kiosk.services.payments import policy

    flow = WORKFLOWS["assessment"]
    wage = policy(ctx).wage.average_monthly_wage_fen
    for app_id, resident_id, reached in rows:
        if "amount_calculated" not in reached:
            continue
        enrolment = (Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == "pension")
                                              & Enrolment.scheme.in_(("employee", "flexible"))
                                              & (Enrolment.status == "active")).first())
        if enrolment is None:
            continue  # not enrolled: the applicant pools give every assessment an enrolled person
        row = Application.get_by_id(app_id)
        data = dict(row.data or {})
        data.update(scheme=str(enrolment.scheme), declared_wage_fen=wage, base_fen=wage,
                    start_month=f"{row.created_at:%Y-%m}", month_count=1)
        effects.check_submit(ctx, Resident.get_by_id(resident_id), flow, data)
        effects.apply(ctx, row, flow, "amount_calculated", data)
        if "notified" in reached:
            effects.apply(ctx, row, flow, "notified", data)
        Application.update(data=data).where(Application.id == app_id).execute()


#: Benefit claims the demo pays once at 待遇支付 (the monthly run pays pensions), and the payment type.
PAID_KINDS = {"benefit_unemployment": "unemployment", "benefit_medical": "medical_reimbursement",
              "benefit_maternity": "maternity"}
_AMOUNT_STATUSES = ("calculated", "approved", "paid")
_DEMO_REASONS = {RETURNED: "fix17text.reason.incomplete", REJECTED: "fix17text.reason.not_eligible"}
#: Claims one person has at most one of in the demo (entitlement counts months since the last).
DISTINCT_CLAIMS = ("benefit_unemployment",)


def _applicant(gen: _Generator, type_: str, day: dt.date, everyone: Sequence[int], ended: bool) -> int:
    """Someone the rules allow to make this application on ``day`` (a pensioner past the first
    pension month for a pension claim, an insured employee for unemployment, a woman employee
    for maternity ...); anyone for card services, or when the township has nobody fitting.
    Live unemployment claims go to different people (a second claim counts only the months
    paid since the first; ``ended`` claims — returned, rejected, withdrawn — do not count)."""
    roles = APPLICANTS.get(type_)
    if roles is None:
        return gen.rng.choice(everyone)
    dead = set(gen.pools.get("deceased", ()))
    pool = sorted({rid for role in roles for rid in gen.pools.get(role, ()) if rid not in dead})
    if type_ == "benefit_pension":
        pool = [rid for rid in pool if gen.pension_from.get(rid, dt.date.max) <= day]
    if type_ in DISTINCT_CLAIMS and not ended:
        used = gen.claimed.setdefault(type_, set())
        pool = [rid for rid in pool if rid not in used] or pool
        chosen = gen.rng.choice(pool) if pool else gen.rng.choice(everyone)
        used.add(chosen)
        return chosen
    return gen.rng.choice(pool) if pool else gen.rng.choice(everyone)


def _claim_data(rng: random.Random, type_: str, status: str, day: dt.date) -> dict[str, Any]:
    """An application's data: the claim date of a benefit claim (as claims.check_submit keeps
    it), its document facts, and once calculated the amount the 复核 approves."""
    data: dict[str, Any] = {"demo": True}
    if not type_.startswith("benefit_"):
        return data
    data["claim_date"] = day.isoformat()
    if type_ == "benefit_maternity":
        data.update(birth_date=(day - dt.timedelta(days=rng.randint(5, 40))).isoformat(), employer_wage_fen=600000)
    if status in _AMOUNT_STATUSES:
        amount = {"benefit_unemployment": 0, "benefit_maternity": 1960000,  # unemployment: _unemployment_claim
                  "benefit_pension": BASIC_PENSION_FEN}.get(type_, rng.randrange(500, 20000) * 100)
        data["amount_fen"] = amount
        data["entitlement"] = {"eligible": True, "scheme": "", "steps": []}  # as 待遇计算 records it
    return data


def _unemployment_claim(ctx: Any, gen: _Generator, chosen: int, day: dt.date, data: dict[str, Any], *,
                        paid: bool = False) -> int | None:
    """Decide an unemployment claim through the rules (:func:`kiosk.services.entitlement.decide`, the
    policy's minimum wage and ratio, months from the contribution record) and record the monthly
    amount, months and calculation in ``data``, as 待遇计算 does; the applicant, or the first other
    person of the pool the rules find entitled (None when nobody is). The demo has no 失业登记 rows (the type does not fit
    the demo's application numbering), so the registration is the document fact ``registered_on``."""
    from kiosk.i18n import Translator
    from kiosk.services import entitlement

    facts = {"registered_on": day.isoformat()}
    # Others with a live claim are left out: a second claim counts only the months paid since the first.
    used = gen.claimed.setdefault("benefit_unemployment", set())
    pool = [chosen, *sorted(rid for rid in gen.pools.get("unemployed", ()) if rid != chosen and rid not in used)]
    # The township's first paid claim goes to someone with 5+ years paid when there is one, so the
    # demo has an 18-month benefit in payment beside the 12-month ones.
    want_long = paid and not gen.claimed.get("unemployment_long")
    found: tuple[int, Any] | None = None
    for rid in pool:
        decision = entitlement.decide(ctx, rid, "unemployment", on=day, facts=facts)
        if not (decision.eligible and decision.monthly_fen is not None and decision.months):
            continue
        if want_long and int(decision.months) < 18:
            found = found or (rid, decision)  # kept in case nobody has 5+ years
            continue
        found = (rid, decision)
        break
    if found is None:
        return None
    rid, decision = found
    used.add(rid)
    if int(decision.months) >= 18:
        gen.claimed.setdefault("unemployment_long", set()).add(rid)
    data.update(facts, amount_fen=int(decision.monthly_fen), monthly_fen=int(decision.monthly_fen),
                months=int(decision.months),
                entitlement={"eligible": True, "scheme": "employee",
                             "steps": entitlement.render_steps(decision.steps, Translator("zh_CN"))})
    return rid


COUNTED = (Resident, Card, Employer, Enrolment, Contribution, Account, LedgerEntry, Benefit, BenefitPayment, Application,
           ApplicationEvent, ApplicationMaterial, Staff)


def seed_demo(database: peewee.Database, *, residents: int = 1000, seed: int = 2026, today: dt.date,
              now: dt.datetime) -> DemoSummary:
    """Fill an empty (initialised) database with a demo township; same seed, same data."""
    if residents < 1:
        raise DemoError("参保人数至少为1")
    now = utc_now_naive(now)
    if Resident.select().exists() or Staff.select().where(Staff.number.in_([s[0] for s in STAFF])).exists():
        raise DemoError("数据库里已有参保人或演示工作人员：演示数据只能装入新建的空数据库")
    rng = random.Random(seed)
    pin_rng = random.Random(f"demo-pins-{seed}")
    gen = _Generator(rng, today, now, seed)
    summary = DemoSummary()
    with write_transaction(database):
        ensure_defaults()
        staff_ids: dict[str, int] = {}
        for number, name, role in STAFF:
            pin = _pin(pin_rng)
            staff_ids[role] = Staff.insert(number=number, name=name, role=role, pin_hash=hash_pin(pin),
                                           created_at=now).execute()
            summary.staff.append(DemoStaff(number, name, role, pin))
        used: set[str] = set()
        employers = []
        for i in range(max(3, min(300, residents // 40))):
            base = EMPLOYER_NAMES[i % len(EMPLOYER_NAMES)]
            name = base if i < len(EMPLOYER_NAMES) else base.replace("安远县", f"安远县{VILLAGES[i % 12][:2]}")
            name = name if i < 2 * len(EMPLOYER_NAMES) else f"{name}（{i // len(EMPLOYER_NAMES)}）"
            employers.append((_uscc(rng, used), name, f"{TOWNSHIP}{rng.choice(VILLAGES)}", rng.randint(1, 4), now))
        insert_rows(database, Employer, (Employer.uscc, Employer.name, Employer.address, Employer.injury_class,
                                   Employer.created_at), employers)
        employer_ids = [i for (i,) in tuples(Employer.select(Employer.id).order_by(Employer.id))]
    resident_ids: list[int] = []
    for start in range(0, residents, _CHUNK):
        plans = [gen.person(i, employer_ids) for i in range(start, min(residents, start + _CHUNK))]
        with write_transaction(database):
            _insert_chunk(database, gen, plans)
        if len(summary.samples) < 6:
            _pick_samples(summary, plans)
    resident_ids = [i for (i,) in tuples(Resident.select(Resident.id).order_by(Resident.id))]
    summary.samples = _sample_passwords(summary.samples, random.Random(f"demo-passwords-{seed}"))
    from kiosk.clock import FixedClock
    from kiosk.services import ServiceContext

    ctx = ServiceContext(database, FixedClock(moment=now.replace(tzinfo=dt.UTC)))
    with write_transaction(database):
        _pensions(database, gen, ctx, staff_ids)
    with write_transaction(database):
        for sample in summary.samples:
            Resident.update(service_password_hash=hash_pin(sample.password)).where(
                Resident.id_number == sample.id_number).execute()
        _applications(database, gen, resident_ids, staff_ids, max(1, residents // 1000), ctx)
        _record_runs(ctx, staff_ids["supervisor"])
        summary.counts = {model._meta.table_name: model.select().count() for model in COUNTED}
        audit.append(actor="system", terminal="cli", action="demo.seed", now=now, entity="database",
                     detail={"seed": seed, "residents": residents, "counts": summary.counts})
    return summary


def _record_runs(ctx: Any, approver: int) -> None:
    """The monthly runs the seeded pension months imply (attack D7): one ``benefit_run`` row per
    ``run_month`` with its lines (benefits paid) and total, approved by the supervisor, no file
    (the demo wrote none) and the policy the amounts were computed with; and its ``benefit.run``
    audit entry, so every seeded payment is explained by a run."""
    from kiosk.services import benefit_run

    rows = tuples(BenefitPayment.select(BenefitPayment.run_month, peewee.fn.COUNT(BenefitPayment.benefit.distinct()),
                                        peewee.fn.SUM(BenefitPayment.amount_fen), peewee.fn.MAX(BenefitPayment.paid_at))
                  .where(BenefitPayment.run_month.is_null(False))
                  .group_by(BenefitPayment.run_month).order_by(BenefitPayment.run_month))
    for month, lines, total, last_paid in rows:
        month = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month))
        posted = last_paid if isinstance(last_paid, dt.datetime) else dt.datetime.fromisoformat(str(last_paid))
        policy = benefit_run.record_policy(ctx, month, posted)
        BenefitRun.insert(month=month, paid=int(lines), total_fen=int(total), approved_by=approver, file="",
                          created_at=posted, policy_digest=policy.digest, policy_version=policy.label).execute()
        audit.append(actor="system", terminal="cli", action="benefit.run", now=ctx.now(), entity="benefit_run",
                     entity_id=f"{month:%Y-%m}",
                     detail={"paid": int(lines), "total_fen": int(total), "file": "", "file_sha256": "",
                             "seeded": True, "posted_at": posted.isoformat(), "policy": {"digest": policy.digest, "version": policy.label,
                                                        "effective": policy.effective.isoformat()}})


_NOTES = {"villager": "村民：城乡居民养老+医保", "employee": "职工：五险", "flexible": "灵活就业",
          "retiree": "领取城乡居民养老金", "retired_employee": "企业退休人员", "student": "学生：居民医保",
          "elder": "老年居民：居民医保（未满15年，不领养老金）"}


def _sample_passwords(samples: Sequence[DemoResident], rng: random.Random) -> list[DemoResident]:
    """Each sample person with a demo service password, derived from the seed
    like the staff PINs and passing the same rules as a real one."""
    from dataclasses import replace

    from kiosk.rules.identity import parse_id_number
    from kiosk.rules.service_password import WeakServicePassword, check_service_password

    result = []
    for sample in samples:
        birth = parse_id_number(sample.id_number).birth_date
        while True:
            password = f"{rng.randrange(10**6):06d}"
            try:
                check_service_password(password, sample.id_number, birth)
            except WeakServicePassword:
                continue
            break
        result.append(replace(sample, password=password))
    return result


def _pick_samples(summary: DemoSummary, plans: Sequence[_Plan]) -> None:
    """One person of each kind, with an active card, to try on the kiosk."""
    seen = {s.note for s in summary.samples}
    for plan in plans:
        note = _NOTES[plan.role]
        if plan.card and plan.card_status == "active" and note not in seen:
            summary.samples.append(DemoResident(plan.name, plan.id_number, plan.card, note))
            seen.add(note)
