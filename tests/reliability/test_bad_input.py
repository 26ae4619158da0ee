"""Bad input, fuzzed with hypothesis: every parser and every text a person
or a scanner can type into a service, and whole roster files. Each outcome is
success or a clear message (a ServiceError / InvalidIdNumber / InvalidAmount
/ RosterError with words in it) — never another exception, never a partial
write. The identify screen gets random text through Pilot: the app stays up
and shows a message, never a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from db.models import Enrolment, Payment, Resident
from db.roster import RosterError, import_residents
from kiosk.clock import FixedClock
from kiosk.rules.codes import CardInput, parse_card_input
from kiosk.rules.identity import InvalidIdNumber, check_digit, parse_id_number
from kiosk.rules.money import InvalidAmount, parse_yuan
from kiosk.rules.text import normalise_name, normalise_phone, normalise_text
from kiosk.services import ServiceContext, ServiceError, residents
from kiosk.services import queue as q
from kiosk.services.payments import pay_resident_pension, resident_pension_tiers
from kiosk.services.registration import find_resident, register_resident
from kiosk.services.staff import add_staff

TODAY = dt.date(2026, 11, 29)
CASES: Counter[str] = Counter()
DB_SETTINGS = settings(max_examples=60, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PURE_SETTINGS = settings(max_examples=400, deadline=None)


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    if CASES:
        print(f"\n[fuzz] {sum(CASES.values())} cases: {dict(CASES)}")


def _valid_id(draw_birth: dt.date, seq: int) -> str:
    first17 = f"110101{draw_birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


# Texts shaped like what a reader or a person types, and plain garbage.
ids = st.builds(_valid_id, st.dates(dt.date(1900, 1, 1), dt.date(2026, 11, 28)), st.integers(0, 999))
mangled = st.builds(lambda s, i, c: s[:i] + c + s[i + 1:], ids, st.integers(0, 18),
                    st.sampled_from(list("0123456789xX ＸＯ０１-")))
codes = st.one_of(
    st.from_regex(r"T\d{8}[A-Z]\d{3,4}", fullmatch=True),
    st.from_regex(r"SQ\d{14}", fullmatch=True),
    st.from_regex(r"RC[0-9A-Z]{10}", fullmatch=True),
    st.from_regex(r"[0-9A-Za-z]{9}", fullmatch=True),
    st.from_regex(r"\d{15}", fullmatch=True),
)
card_texts = st.one_of(st.text(max_size=40), ids, mangled, codes,
                       st.builds(lambda a, b: f"{a}{b}", codes, st.sampled_from(["\n", "\t", "\x00", "；", "🙂"])))


def _clear(message: str) -> None:
    assert isinstance(message, str) and message.strip() and "Traceback" not in message


@PURE_SETTINGS
@given(card_texts)
def test_parse_card_input_accepts_or_names_the_problem(text: str) -> None:
    CASES["parse_card_input"] += 1
    try:
        result = parse_card_input(text, today=TODAY)
    except InvalidIdNumber as exc:
        _clear(exc.message)
        return
    assert isinstance(result, CardInput) and result.value and " " not in result.value


@PURE_SETTINGS
@given(st.one_of(st.text(max_size=30), ids, mangled))
def test_parse_id_number_accepts_or_names_the_problem(text: str) -> None:
    CASES["parse_id_number"] += 1
    try:
        parsed = parse_id_number(text, today=TODAY)
    except InvalidIdNumber as exc:
        _clear(exc.message)
        return
    assert len(parsed.number) == 18 and parsed.birth_date <= TODAY


amounts = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"[¥￥]?-?[\d,，]{0,12}(\.\d{0,4})?元?", fullmatch=True),
    st.sampled_from(["NaN", "Infinity", "-0", "1e9", "1E-3", "0x10", "１２３", "٣", "1_000", "  "]),
)


@PURE_SETTINGS
@given(amounts)
def test_parse_yuan_accepts_or_names_the_problem(text: str) -> None:
    CASES["parse_yuan"] += 1
    try:
        fen = parse_yuan(text)
    except InvalidAmount as exc:
        _clear(str(exc))
        return
    assert isinstance(fen, int) and 0 <= fen <= 10**11


# --------------------------------------------------------------------- services


@pytest.fixture
def ctx(sqlite_database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(sqlite_database, clock, terminal="T01")


@pytest.fixture
def clerk(ctx: ServiceContext) -> ServiceContext:
    staff = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    return ctx.as_staff(staff.id, staff.number)


@settings(DB_SETTINGS, max_examples=150)
@given(card_texts)
def test_identify_and_lookups_answer_or_explain(ctx: ServiceContext, text: str) -> None:
    CASES["identify/find_resident/find_ticket"] += 1
    for call in (residents.identify, find_resident, q.find_ticket):
        try:
            call(ctx, text)
        except ServiceError as exc:
            _clear(exc.message)


@DB_SETTINGS
@given(name=st.text(max_size=70), phone=st.one_of(st.text(max_size=20), st.from_regex(r"1\d{10}", fullmatch=True),
                                                   st.from_regex(r"0\d{2,3}-?\d{7,8}", fullmatch=True)),
       address=st.text(max_size=200), seq=st.integers(0, 999))
def test_registration_fields_store_or_refuse_without_partial_rows(
        clerk: ServiceContext, name: str, phone: str, address: str, seq: int) -> None:
    CASES["register_resident"] += 1
    number = _valid_id(dt.date(1980, 1, 1) + dt.timedelta(days=seq), 11)
    before = Resident.select().count()
    try:
        info = register_resident(clerk, number, name, phone=phone, address=address)
    except ServiceError as exc:
        _clear(exc.message)
        assert Resident.select().count() == before
        return
    row = Resident.get_by_id(info.id)
    # Stored exactly as the one normaliser gives it (NFKC, trimmed, spaces collapsed): never another form.
    assert (row.name, row.phone, row.address) == (normalise_name(name), normalise_phone(phone),
                                                  normalise_text(address))
    assert Resident.select().count() == before + 1


@DB_SETTINGS
@given(tendered=st.one_of(amounts, st.none()))
def test_tendered_amount_records_or_refuses_without_partial_payment(clerk: ServiceContext,
                                                                   tendered: str | None) -> None:
    CASES["pay_resident_pension(tendered)"] += 1
    person = Resident.get_or_none(Resident.name == "缴费人")
    if person is None:
        person = Resident.get_by_id(register_resident(clerk, _valid_id(dt.date(1970, 1, 1), 11), "缴费人").id)
        Enrolment.create(resident=person.id, insurance="pension", scheme="resident", start_date=dt.date(2020, 1, 1))
    year = 1990 + Payment.select().count()
    tier = resident_pension_tiers(clerk)[0].annual_fen
    before = Payment.select().count()
    try:
        info = pay_resident_pension(clerk, person.id, tier, "cash", year=year, tendered=tendered)
    except ServiceError as exc:
        _clear(exc.message)
        assert Payment.select().count() == before
        return
    assert info.change_fen >= 0 and Payment.select().count() == before + 1


# --------------------------------------------------------------------- roster files

HEADERS = ["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)", "户口性质", "社会保障卡号",
           "name", "id_number", "phone", "hukou", "备注", "", "身份证号", "Name "]
cells = st.one_of(
    st.text(max_size=30), ids, st.sampled_from(["农业", "非农业", "=1+1", "=HYPERLINK(\"x\")", "@SUM(A1)",
                                               "+86 139", "-1", "'110101197003074515", "\u202e", "NULL"]),
    st.integers(-10**18, 10**18), st.floats(allow_nan=True), st.booleans(), st.none(),
    st.builds(lambda n: "长" * n, st.integers(150, 40_000)),
)


@st.composite
def roster_files(draw: Any) -> dict[str, Any]:
    header = draw(st.lists(st.sampled_from(HEADERS), max_size=9))
    if draw(st.booleans()):
        header = HEADERS[:6] + header[:2]  # often a usable header, so rows are checked too
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=8))
    kind = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "junk", "xlsx",
                                 "xlsx-extra", "xlsx-empty-first", "xlsx-empty", "xlsx-junk"]))
    return {"header": header, "rows": rows, "kind": kind}


def _write(path: Path, spec: dict[str, Any]) -> Path:
    kind, header, rows = spec["kind"], spec["header"], spec["rows"]
    if kind == "xlsx-junk":  # a CSV renamed to .xlsx, or a broken download
        path = path.with_suffix(".xlsx")
        path.write_bytes(b"PK\x03\x04" + ",".join(map(str, header)).encode() if rows else b"name,id\n")
        return path
    if kind.startswith("xlsx"):
        path = path.with_suffix(".xlsx")
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        target = book.create_sheet("数据") if kind == "xlsx-empty-first" else sheet
        if kind != "xlsx-empty":
            for row in [header, *rows]:
                target.append([c if not isinstance(c, str) else ILLEGAL_CHARACTERS_RE.sub("", c)[:32_000]
                               for c in row])  # Excel itself cannot hold control characters
        if kind == "xlsx-extra":
            book.create_sheet("说明").append(["这一页不导入"])
        book.save(path)
        return path
    path = path.with_suffix(".csv")
    if kind == "junk":
        path.write_bytes(random.Random(len(rows)).randbytes(300))
        return path
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(kind, errors="replace"))
    return path


@settings(DB_SETTINGS, max_examples=150)
@given(spec=roster_files(), skip_invalid=st.booleans())
def test_roster_files_import_or_refuse_all_or_nothing(sqlite_database: peewee.Database, tmp_path: Path,
                                                      spec: dict[str, Any], skip_invalid: bool) -> None:
    CASES[f"roster {spec['kind']}"] += 1
    path = _write(tmp_path / f"roster-{CASES.total()}", spec)
    before = Resident.select().count()
    try:
        report = import_residents(sqlite_database, path, today=TODAY, now=dt.datetime(2026, 11, 29, 1, 30),
                                  skip_invalid=skip_invalid)
    except RosterError as exc:
        _clear(str(exc))
        assert Resident.select().count() == before
        return
    for error in report.errors:
        _clear(str(error))
    if not report.written:
        assert report.errors and Resident.select().count() == before
    else:
        assert Resident.select().count() == before + report.added
        assert skip_invalid or not report.errors
