"""Payments: resident pension at a tier with subsidy, medical fee, tendered
amounts, duplicates, reprints; ledgers stay whole after a batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from db.check import run_checks
from db.models import Account, Contribution, LedgerEntry, Payment, PrintJob
from kiosk.clock import FixedClock
from kiosk.policy import load_policy
from kiosk.services import Conflict, ServiceContext, ServiceError, payments
from kiosk.services import applications as apps
from kiosk.services.registration import ResidentInfo

POLICY = load_policy(None).policy_for(dt.date(2026, 11, 29))


def enrol(clerk: ServiceContext, resident_id: int, type_: str = "enrol_resident_pension") -> None:
    info = apps.submit(clerk, resident_id, type_, materials_received=["id_card", "hukou", "bank"][
        : 3 if type_ == "enrol_resident_pension" else 2])
    for status in ("reviewed", "account_opened", "card_issued"):
        apps.advance(clerk, info.number, status)


def test_resident_pension_payment_credits_tier_and_subsidy(clerk: ServiceContext,
                                                           make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    with pytest.raises(ServiceError, match="请先办理参保登记"):
        payments.pay_resident_pension(clerk, person.id, 30000, "cash")
    enrol(clerk, person.id)
    tiers = payments.resident_pension_tiers(clerk)
    tier = tiers[2]
    quote = payments.quote_resident_pension(clerk, person.id, tier.annual_fen)
    assert quote.individual_pays_fen == tier.annual_fen and quote.subsidy_fen == tier.subsidy_fen
    with pytest.raises(ServiceError, match=r"没有1\.00元这一档次"):
        payments.pay_resident_pension(clerk, person.id, 100, "cash")
    with pytest.raises(ServiceError, match="不足应收"):
        payments.pay_resident_pension(clerk, person.id, tier.annual_fen, "cash", tendered="100")
    info = payments.pay_resident_pension(clerk, person.id, tier.annual_fen, "cash", tendered="¥1,000")
    assert info.change_fen == 100000 - tier.annual_fen and info.amount_fen == tier.annual_fen
    assert info.method_name == "现金" and info.received_by == "1001"
    account = Account.get(Account.resident == person.id)
    assert account.balance_fen == tier.annual_fen + tier.subsidy_fen
    entries = LedgerEntry.select().where(LedgerEntry.account == account.id)
    assert sum(e.amount_fen for e in entries) == account.balance_fen
    contribution = Contribution.get(Contribution.resident == person.id)
    assert contribution.month == dt.date(2026, 1, 1) and contribution.payment.receipt_code == info.receipt_code
    job = PrintJob.get(PrintJob.code == info.receipt_code)
    assert job.kind == "payment" and job.document["title"] == "缴费收据"
    with pytest.raises(Conflict, match=r"2026年度.*已经缴纳过"):
        payments.pay_resident_pension(clerk, person.id, tier.annual_fen, "bank")
    assert Payment.select().count() == 1  # the refused payment left nothing behind


def test_difficult_group_pays_less_and_government_tops_up(clerk: ServiceContext,
                                                          make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident(low_income=True)
    enrol(clerk, person.id)
    tier = POLICY.resident_pension.tiers[0]
    info = payments.pay_resident_pension(clerk, person.id, tier.annual_fen, "card")
    paid_by_government = min(POLICY.resident_pension.difficult_paid_fen, tier.annual_fen)
    assert info.amount_fen == tier.annual_fen - paid_by_government
    assert Account.get(Account.resident == person.id).balance_fen == tier.annual_fen + tier.subsidy_fen


def test_medical_fee_and_bad_method(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    enrol(clerk, person.id, "enrol_resident_medical")
    with pytest.raises(ServiceError, match="支付方式"):
        payments.pay_resident_medical(clerk, person.id, "bitcoin")
    with pytest.raises(ServiceError, match="不是金额"):
        payments.pay_resident_medical(clerk, person.id, "cash", tendered="abc")
    info = payments.pay_resident_medical(clerk, person.id, "bank")
    assert info.amount_fen == POLICY.medical.resident_annual_fee_fen
    assert Account.select().where(Account.resident == person.id).count() == 0


def test_reprint_marks_bu_da_with_new_code(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    enrol(clerk, person.id)
    info = payments.pay_resident_pension(clerk, person.id, POLICY.resident_pension.tiers[0].annual_fen, "cash")
    with pytest.raises(ServiceError, match="等待打印"):  # not printed yet: it comes out by itself (attack D2)
        payments.reprint_receipt(clerk, info.receipt_code)
    PrintJob.update(status="printed").where(PrintJob.code == info.receipt_code).execute()  # the spool printed it
    again = payments.reprint_receipt(clerk, info.receipt_code)
    assert again.code != info.receipt_code and again.original_code == info.receipt_code
    job = PrintJob.get_by_id(again.job_id)
    assert job.document["reprint"] is True and job.reprint_of.code == info.receipt_code
    with pytest.raises(ServiceError, match="没有编号"):
        payments.reprint_receipt(clerk, "RC0000000000")
    assert [p.receipt_code for p in payments.list_payments(clerk, person.id)] == [info.receipt_code]


def test_batch_of_operations_keeps_ledgers_whole(clerk: ServiceContext, clock: FixedClock,
                                                 make_resident: Callable[..., ResidentInfo]) -> None:
    tiers = POLICY.resident_pension.tiers
    clock.set_local(dt.datetime(2024, 3, 1, 9, 0))  # each year paid in its own year (no 补缴 for them)
    people = [make_resident(village="西村") for _ in range(5)]
    for person in people:
        enrol(clerk, person.id)
    for year in (2024, 2025, 2026):
        clock.set_local(dt.datetime(year, 3, 1, 9, 0))
        for i, person in enumerate(people):
            payments.pay_resident_pension(clerk, person.id, tiers[(i + year) % len(tiers)].annual_fen, "cash", year=year)
    assert Payment.select().count() == 15
    for account in Account.select():
        assert account.balance_fen == sum(e.amount_fen for e in account.entries)
    assert run_checks(clerk.database) == []
