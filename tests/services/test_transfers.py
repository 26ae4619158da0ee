"""Transfers per 国办发〔2009〕66号 and 人社部发〔2014〕17号, on SQLite and PostgreSQL: applied at the
new place with a 联系函, the old place's transfer with 12% pooled, arrival merged, temporary
accounts by age and 户籍地, the 参保缴费凭证, and 17号 linkage only one way at pension age."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from db.check import run_checks
from db.connection import write_transaction
from db.ledger import account_for, post
from db.models import Account, Contribution, Enrolment, LedgerEntry, PrintJob, Resident, Transfer
from kiosk.policy import load_policy
from kiosk.services import ServiceContext, ServiceError
from kiosk.services import applications as apps
from kiosk.services.accounts import account_balance_with_interest
from kiosk.services.registration import ResidentInfo

MakeResident = Callable[..., ResidentInfo]
MATERIALS = ["id_card", "payment_cert"]
BASE = 500_000  # 5,000 yuan a month


def _history(person: ResidentInfo, *, employee_months: int = 0, resident_years: tuple[int, ...] = (),
             scheme: str = "flexible", active: str | None = None, first: dt.date = dt.date(2006, 1, 1)) -> None:
    """Enrolments, paid months and the account entries of a working life, written directly."""
    now = dt.datetime(2026, 1, 1)
    with write_transaction(Resident._meta.database):  # type: ignore[attr-defined]
        if employee_months:
            account = account_for(person.id, "pension_employee", today=first, now=now)
            for k in range(employee_months):
                month = dt.date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
                Contribution.create(resident=person.id, insurance="pension", scheme=scheme, month=month,
                                    base_fen=BASE, individual_fen=40_000, employer_fen=80_000, paid_at=now)
                post(account, 40_000, "contribution", entry_date=month, now=now)
        if resident_years:
            account = account_for(person.id, "pension_resident", today=dt.date(resident_years[0], 1, 1), now=now)
            for year in resident_years:
                Contribution.create(resident=person.id, insurance="pension", scheme="resident",
                                    month=dt.date(year, 1, 1), individual_fen=50_000, subsidy_fen=6_000, paid_at=now)
                post(account, 56_000, "contribution", entry_date=dt.date(year, 3, 1), now=now)
        if active:
            Enrolment.create(resident=person.id, insurance="pension", scheme=active, status="active",
                             start_date=first)


def _walk(ctx: ServiceContext, number: str, *statuses: str, **data: Any) -> apps.ApplicationInfo:
    info = apps.get_application(ctx, number)
    for status in statuses:
        info = apps.advance(ctx, number, status, expected_version=info.version, data=dict(data) or None)
    return info


def _region(person: ResidentInfo, code: str) -> None:
    Resident.update(hukou_region=code).where(Resident.id == person.id).execute()


def test_interprovincial_transfer_in_letter_arrival_and_merge(clerk: ServiceContext,
                                                              make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1980, 5, 1))  # 46: no temporary account whatever the 户籍地
    _history(person, employee_months=12, active="flexible", first=dt.date(2026, 1, 1))
    before = Account.get((Account.resident == person.id) & (Account.kind == "pension_employee")).balance_fen
    info = apps.submit(clerk, person.id, "transfer", {"kind": "employee_interprovincial", "direction": "in",
                                                       "other_region": "广东省深圳市"}, MATERIALS)
    assert info.data["temporary"] is False
    info = _walk(clerk, info.number, "reviewed")
    assert info.data["letter_number"] == "LXH" + info.number
    letter = PrintJob.get_by_id(info.data["letter_job"])
    assert letter.document["title"] == "养老保险关系转移接续联系函"
    assert not LedgerEntry.select().where(LedgerEntry.reference == info.number).exists()  # nothing moves yet
    info = _walk(clerk, info.number, "transferring", account_fen=3_456_789, pooled_fen=1_234_500, months=96)
    assert not LedgerEntry.select().where(LedgerEntry.reference == info.number).exists()
    info = _walk(clerk, info.number, "continued")
    moved = Transfer.get(Transfer.application == info.id)
    assert (moved.direction, moved.months, moved.account_fen, moved.pooled_fen) == ("in", 96, 3_456_789, 1_234_500)
    balance = Account.get((Account.resident == person.id) & (Account.kind == "pension_employee")).balance_fen
    assert balance == before + 3_456_789
    assert run_checks(clerk.database) == []


@pytest.mark.parametrize(("birth", "female", "hukou", "temporary"), [
    (dt.date(1975, 6, 1), False, "440305", True),    # a man of 51 from elsewhere
    (dt.date(1977, 6, 1), False, "440305", False),   # 49
    (dt.date(1985, 6, 1), True, "440305", True),     # a woman of 41
    (dt.date(1975, 6, 1), False, "360726", False),   # 51, but this is his 户籍地
])
def test_temporary_account_by_age_and_hukou(clerk: ServiceContext, make_resident: MakeResident, birth: dt.date,
                                            female: bool, hukou: str, temporary: bool) -> None:
    person = make_resident(birth, female=female)
    _region(person, hukou)
    _history(person, employee_months=3, active="flexible", first=dt.date(2026, 8, 1))
    info = apps.submit(clerk, person.id, "transfer", {"other_region": "广东省深圳市"}, MATERIALS)
    assert info.data["temporary"] is temporary
    info = _walk(clerk, info.number, "reviewed")
    assert ("letter_number" in info.data) is not temporary
    if temporary:
        info = _walk(clerk, info.number, "transferring", "continued")
        moved = Transfer.get(Transfer.application == info.id)
        assert moved.temporary and moved.account_fen == 0 and info.data["temporary_account"]
        assert not LedgerEntry.select().where(LedgerEntry.reference == info.number).exists()


def test_transfer_out_only_on_the_new_places_letter(ctx: ServiceContext, clerk: ServiceContext,
                                                   make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1980, 5, 1))
    _history(person, employee_months=30, active="flexible", first=dt.date(2016, 1, 1))
    out = {"direction": "out", "other_region": "广东省深圳市", "other_region_code": "440305"}
    with pytest.raises(ServiceError) as self_service:
        apps.submit(ctx, person.id, "transfer", out, MATERIALS)
    assert self_service.value.code == "apply_at_new_place"
    with pytest.raises(ServiceError) as no_letter:
        apps.submit(clerk, person.id, "transfer", out, MATERIALS)
    assert no_letter.value.code == "missing_letter"
    book = load_policy(None)
    with_interest = account_balance_with_interest(person.id, "pension_employee", clerk.today(), book)
    ledger = Account.get(Account.resident == person.id).balance_fen
    assert with_interest > ledger  # 2016-2018 earn 记账利率
    info = apps.submit(clerk, person.id, "transfer", {**out, "letter_number": "粤人社转〔2026〕88号"}, MATERIALS)
    info = _walk(clerk, info.number, "reviewed", "transferring")
    pooled = int((Decimal(BASE) * 30 * Decimal("0.12")).quantize(Decimal(1)))
    assert (info.data["account_fen"], info.data["pooled_fen"], info.data["months"]) == (with_interest, pooled, 30)
    assert Account.get(Account.resident == person.id).balance_fen == 0
    certificate = PrintJob.get_by_id(info.data["certificate_job"])
    assert certificate.document["title"] == "参保缴费凭证（转移）"
    info = _walk(clerk, info.number, "continued")
    assert not Enrolment.select().where((Enrolment.resident == person.id) & (Enrolment.status == "active")).exists()
    assert run_checks(clerk.database) == []


def test_no_transfer_out_for_a_temporary_case(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1970, 5, 1))  # 56, 户籍地 here (360726)
    _history(person, employee_months=12, active="flexible", first=dt.date(2020, 1, 1))
    with pytest.raises(ServiceError) as refused:
        apps.submit(clerk, person.id, "transfer", {"direction": "out", "other_region": "广东省深圳市",
                                                   "other_region_code": "440305", "letter_number": "X1"}, MATERIALS)
    assert refused.value.code == "temporary_account"


def test_employee_to_resident_only_under_15_years_at_pension_age(clerk: ServiceContext,
                                                                 make_resident: MakeResident) -> None:
    young = make_resident(dt.date(1970, 5, 1))  # 56 with 20 employee years: the case of the issue
    _history(young, employee_months=240, scheme="employee", active="employee")
    with pytest.raises(ServiceError) as early:
        apps.submit(clerk, young.id, "transfer", {"kind": "employee_to_resident", "other_region": "本县"}, MATERIALS)
    assert early.value.code == "below_pension_age"
    long = make_resident(dt.date(1962, 1, 1))  # 64, retired at 60, 20 employee years
    _history(long, employee_months=240, scheme="employee")
    with pytest.raises(ServiceError) as refused:
        apps.submit(clerk, long.id, "transfer", {"kind": "employee_to_resident", "other_region": "本县"}, MATERIALS)
    assert refused.value.code == "linkage_not_allowed" and "满15年" in refused.value.message


def test_employee_to_resident_credits_the_resident_account_with_the_years(clerk: ServiceContext,
                                                                         make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1962, 1, 1))
    _history(person, employee_months=120, scheme="employee", first=dt.date(2008, 1, 1),
             resident_years=(2020, 2021, 2022), active="resident")
    book = load_policy(None)
    employee = account_balance_with_interest(person.id, "pension_employee", clerk.today(), book)
    resident = Account.get((Account.resident == person.id) & (Account.kind == "pension_resident")).balance_fen
    info = apps.submit(clerk, person.id, "transfer", {"kind": "employee_to_resident", "other_region": "本县"},
                       MATERIALS)
    assert info.data["employee_months"] == 120
    info = _walk(clerk, info.number, "reviewed", "transferring", "continued")
    accounts = {a.kind: a.balance_fen for a in Account.select().where(Account.resident == person.id)}
    assert accounts == {"pension_employee": 0, "pension_resident": resident + employee}
    moved = Transfer.get((Transfer.application == info.id) & (Transfer.direction == "in"))
    assert (moved.kind, moved.months, moved.account_fen, moved.pooled_fen) == ("employee_to_resident", 120, employee, 0)
    schemes = {(e.scheme, e.status) for e in Enrolment.select().where(Enrolment.resident == person.id)}
    assert ("resident", "active") in schemes and ("employee", "active") not in schemes
    assert run_checks(clerk.database) == []


def test_typed_employee_to_resident_transfer_in_credits_the_resident_account(clerk: ServiceContext,
                                                                             make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1962, 1, 1))
    Enrolment.create(resident=person.id, insurance="pension", scheme="resident", status="active",
                     start_date=dt.date(2015, 1, 1))
    info = apps.submit(clerk, person.id, "transfer", {"kind": "employee_to_resident", "other_region": "浙江省杭州市"},
                       MATERIALS)
    info = _walk(clerk, info.number, "reviewed", "transferring", account_fen=2_000_000, months=84)
    info = _walk(clerk, info.number, "continued")
    accounts = {a.kind: a.balance_fen for a in Account.select().where(Account.resident == person.id)}
    assert accounts.get("pension_resident") == 2_000_000 and not accounts.get("pension_employee")
    assert Transfer.get(Transfer.application == info.id).months == 84


def test_resident_to_employee_at_15_years_refunds_the_overlap(clerk: ServiceContext,
                                                             make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1962, 1, 1))
    _history(person, employee_months=180, scheme="employee", first=dt.date(2006, 1, 1),
             resident_years=(2019, 2020, 2021, 2022), active="resident")  # 2019-2020 also employee years
    short = make_resident(dt.date(1962, 2, 1))
    _history(short, employee_months=100, scheme="employee", resident_years=(2020,), active="resident")
    with pytest.raises(ServiceError) as refused:
        apps.submit(clerk, short.id, "transfer", {"kind": "resident_to_employee", "other_region": "本县"}, MATERIALS)
    assert refused.value.code == "linkage_not_allowed"
    info = apps.submit(clerk, person.id, "transfer", {"kind": "resident_to_employee", "other_region": "本县"},
                       MATERIALS)
    employee_before = Account.get((Account.resident == person.id) & (Account.kind == "pension_employee")).balance_fen
    info = _walk(clerk, info.number, "reviewed", "transferring", "continued")
    assert info.data["overlap_years"] == [2019, 2020] and info.data["overlap_refund_fen"] == 100_000
    accounts = {a.kind: a.balance_fen for a in Account.select().where(Account.resident == person.id)}
    assert accounts["pension_resident"] == 0
    moved = Transfer.get((Transfer.application == info.id) & (Transfer.direction == "in"))
    assert moved.months == 0  # resident years are not converted into employee years
    assert accounts["pension_employee"] == employee_before + moved.account_fen
    assert moved.account_fen > 4 * 56_000 - 100_000  # the rest of the resident account, with its interest
    assert run_checks(clerk.database) == []
