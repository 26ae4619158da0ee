"""Who may enrol where (参保登记规则), as pure functions of the facts.

Sources: 国发〔2014〕8号 (resident pension: age ≥16, not a full-time student,
not covered by employee pension, at the 户籍地; contributions by year),
SIL Arts. 10/58 (employee insurance through the employer; flexible workers
insure themselves in the employee pension), 人社部发〔2014〕17号 Art. 8 (one
insurance is never held in two schemes at once), NPC 2024 Decision (the
statutory retirement age that ends employee working age). RULES.md §4, §13.4.

Every refusal is an :class:`EnrolmentRefusal` with a stable ``code`` and a
plain Chinese ``message`` that says what to do instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.rules.identity import PROVINCE_CODES
from kiosk.rules.retirement import retirement_date

RESIDENT_PENSION_MIN_AGE = 16
"""国发〔2014〕8号: 年满16周岁（不含在校学生）."""
RESIDENT_PENSION_MAX_AGE = 60
"""Enrolment for contributions is up to 60 (RULES.md §13.4); at 60 the resident claims the pension."""
WORKING_AGE_MIN = 16
"""劳动法 Art. 15: no employment under 16."""
RETIREMENT_CATEGORIES = ("male", "female_cadre", "female_worker")
CATEGORY_NAMES = {"male": "男职工", "female_cadre": "女干部", "female_worker": "女工人"}

#: Which schemes of one insurance exclude each other (人社部发〔2014〕17号 Art. 8; SIL Art. 10/23).
OVERLAPS: dict[tuple[str, str], tuple[str, ...]] = {
    ("pension", "resident"): ("employee", "flexible"),
    ("pension", "employee"): ("resident", "flexible"),
    ("pension", "flexible"): ("resident", "employee"),
    ("medical", "resident"): ("employee",),
    ("medical", "employee"): ("resident",),
}
SCHEME_NAMES = {"employee": "职工", "resident": "城乡居民", "flexible": "灵活就业人员"}
INSURANCE_NAMES = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险",
                   "injury": "工伤保险", "maternity": "生育保险"}


class EnrolmentRefusal(ValueError):
    """An enrolment or contribution the rules do not allow; ``code`` is stable,
    ``message`` Chinese; ``key`` (default ``refusal.enrolment.<code>``) and
    ``params`` name the same message in the catalogs (``*_key`` params are
    catalog keys: a scheme, insurance or category name)."""

    def __init__(self, code: str, message: str, key: str = "", /, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.key = key or f"refusal.enrolment.{code}"
        self.params: dict[str, object] = dict(params)


@dataclass(frozen=True)
class ActiveEnrolment:
    """An enrolment in force: insurance and scheme (what the overlap rule needs)."""

    insurance: str
    scheme: str


def valid_region_code(code: str) -> bool:
    """A plausible 6-digit administrative division code (GB/T 2260): six ASCII
    digits, a known province prefix. Used for 户籍地."""
    return len(code) == 6 and code.isascii() and code.isdigit() and code[:2] in PROVINCE_CODES


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def category_for(sex: str, recorded: str) -> str:
    """The retirement category to use: ``male`` for men; a woman's recorded
    category, or ``female_worker`` (the earlier age, 50→55) when none is on record."""
    if sex == "male":
        return "male"
    return recorded if recorded in ("female_cadre", "female_worker") else "female_worker"


def check_age(insurance: str, scheme: str, *, birth: dt.date, sex: str, category: str, day: dt.date,
              student: bool = False) -> None:
    """Age window of a scheme on ``day``; raises EnrolmentRefusal.

    Resident pension: 16 ≤ age < 60 and not a full-time student
    (``too_young``, ``student``, ``too_old``). Employee and flexible schemes:
    working age, from 16 to the statutory retirement date of the person's
    category (``too_young``, ``past_retirement``). Resident medical has no age
    window (newborns enrol too).
    """
    age = age_on(birth, day)
    if scheme == "resident":
        if insurance != "pension":
            return
        if age < RESIDENT_PENSION_MIN_AGE:
            raise EnrolmentRefusal("too_young", f"城乡居民养老保险须年满{RESIDENT_PENSION_MIN_AGE}周岁才能参保"
                                                f"（现年{age}岁）", "refusal.enrolment.too_young_resident",
                                   minimum=RESIDENT_PENSION_MIN_AGE, age=age)
        if student:
            raise EnrolmentRefusal("student", "在校学生不参加城乡居民养老保险（国发〔2014〕8号），毕业后再参保")
        if age >= RESIDENT_PENSION_MAX_AGE:
            raise EnrolmentRefusal("too_old", f"已满{RESIDENT_PENSION_MAX_AGE}周岁（现年{age}岁），不能再参保缴费；"
                                              "符合条件的可直接申领待遇，或按政策一次性补缴", "",
                                   maximum=RESIDENT_PENSION_MAX_AGE, age=age)
        return
    if scheme in ("employee", "flexible"):
        if age < WORKING_AGE_MIN:
            raise EnrolmentRefusal("too_young", f"未满{WORKING_AGE_MIN}周岁，不能参加职工社会保险（现年{age}岁）",
                                   "", minimum=WORKING_AGE_MIN, age=age)
        retire = retirement_date(birth, category_for(sex, category))
        if day >= retire:
            raise EnrolmentRefusal("past_retirement",
                                   f"已到法定退休年龄（{retire:%Y-%m-%d}，{CATEGORY_NAMES[category_for(sex, category)]}），"
                                   "不能新参加职工养老保险；缴费不足的可申请延长缴费或办理城乡养老保险衔接", "",
                                   date=f"{retire:%Y-%m-%d}",
                                   category_key=f"refusal.name.category.{category_for(sex, category)}")


def check_overlap(insurance: str, scheme: str, active: Iterable[ActiveEnrolment]) -> None:
    """No insurance in two schemes at once (17号 Art. 8); raises EnrolmentRefusal ``overlap``."""
    excluded = OVERLAPS.get((insurance, scheme), ())
    for item in active:
        if item.insurance == insurance and item.scheme in excluded:
            raise EnrolmentRefusal(
                "overlap", f"已参加{SCHEME_NAMES[item.scheme]}{INSURANCE_NAMES[insurance]}，"
                           f"不能同时参加{SCHEME_NAMES[scheme]}{INSURANCE_NAMES[insurance]}"
                           "（同一险种不能重复参保）；如需变更，请先办理停保或关系转移", "",
                scheme_key=f"refusal.name.scheme.{item.scheme}", wanted_key=f"refusal.name.scheme.{scheme}",
                insurance_key=f"refusal.name.insurance.{insurance}")


RESIDENT_SCHEME_START = 2009
"""新农保 began in 2009 (国发〔2009〕32号); no resident-scheme year before it can be paid."""


def resident_contribution_years(today: dt.date, *, birth: dt.date, paid_years: Iterable[int],
                                scheme_start: int = RESIDENT_SCHEME_START) -> tuple[int, ...]:
    """The years a resident-pension contribution may be paid for on ``today``.

    The current year, and — the transitional 补缴 of 国发〔2014〕8号 (as of
    新农保, 国发〔2009〕32号) — for a person who had fewer than 15 years to 60
    when the scheme began, unpaid earlier years from ``scheme_start`` on, as
    many as bring the paid years to 15 ("允许补缴，累计缴费不超过15年"). Everyone
    else pays year by year: a missed year cannot be paid later. Never a
    future year. RULES.md §4 marks the transitional wording ⚠ unverified;
    provinces that allow more 补缴 [local] change it here.
    """
    paid = set(paid_years)
    allowed = {today.year}
    if birth.year + RESIDENT_PENSION_MAX_AGE - scheme_start < 15:
        room = 15 - len(paid | {today.year})
        first = max(scheme_start, birth.year + RESIDENT_PENSION_MIN_AGE)
        gaps = [year for year in range(today.year - 1, first - 1, -1) if year not in paid]
        allowed.update(gaps[:max(0, room)])
    return tuple(sorted(allowed))


def check_resident_year(year: int, today: dt.date, *, birth: dt.date, paid_years: Iterable[int]) -> None:
    """Refuse a resident-pension contribution year outside the current year and
    the transitional 补缴; raises EnrolmentRefusal ``future_year`` or ``past_year``.
    A year already paid passes here (the caller refuses the duplicate)."""
    if year > today.year:
        raise EnrolmentRefusal("future_year", f"不能预缴{year}年度的城乡居民养老保险费，只能缴纳本年度（{today.year}年）",
                               "", year=year, this_year=today.year)
    paid = set(paid_years)
    if year in paid:
        return  # a year already paid: the payment path refuses it as a duplicate ("已经缴纳过")
    allowed = resident_contribution_years(today, birth=birth, paid_years=paid)
    if year not in allowed:
        extra = [y for y in allowed if y != today.year]
        hint = f"；按过渡政策可补缴：{'、'.join(str(y) for y in extra)}年" if extra else ""
        raise EnrolmentRefusal("past_year", f"{year}年度已过，城乡居民养老保险按年缴费，只能缴纳本年度"
                                            f"（{today.year}年）{hint}",
                               "refusal.enrolment.past_year_catchup" if extra else "", year=year,
                               this_year=today.year, years_zh="、".join(str(y) for y in extra),
                               years_en=", ".join(str(y) for y in extra))


def period_end(month: dt.date, scheme: str) -> dt.date:
    """The last day a contribution row covers: its month, or its year in the resident scheme."""
    if scheme == "resident":
        return dt.date(month.year, 12, 31)
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def contribution_age_refusal(insurance: str, scheme: str, month: dt.date, *, birth: dt.date, sex: str,
                             category: str) -> EnrolmentRefusal | None:
    """Why a contribution row for ``month`` is outside the scheme's age window, or None.

    The one implementation the records import (db.records_import) and the rule
    audit (kind ``contribution_age``) share: too young is judged at the end of the
    period the row covers (a year for the resident scheme), too old / past the
    statutory retirement date at its start (:func:`check_age` on those days).
    """
    start = month.replace(month=1, day=1) if scheme == "resident" else month.replace(day=1)
    for day, codes in ((period_end(month, scheme), ("too_young",)), (start, ("too_old", "past_retirement"))):
        try:
            check_age(insurance, scheme, birth=birth, sex=sex, category=category, day=day)
        except EnrolmentRefusal as exc:
            if exc.code in codes:
                return exc
    return None


def resident_year_refusal(year: int, paid_on: dt.date, *, birth: dt.date,
                          paid_years: Iterable[int]) -> EnrolmentRefusal | None:
    """Why a resident-pension year paid on ``paid_on`` is outside the allowed years, or None:
    ``before_scheme`` (before 新农保 began, 国发〔2009〕32号), else :func:`check_resident_year`'s
    ``future_year`` / ``past_year``. Shared by the records import and the rule audit."""
    if year < RESIDENT_SCHEME_START:
        return EnrolmentRefusal("before_scheme", f"{year}年城乡居民养老保险尚未建立（{RESIDENT_SCHEME_START}年起试点）",
                                "", year=year, start=RESIDENT_SCHEME_START)
    try:
        check_resident_year(year, paid_on, birth=birth, paid_years=paid_years)
    except EnrolmentRefusal as exc:
        return exc
    return None
