"""The application engine: every type through every status, refusals, reasons,
materials, effects and the two-clerk conflict — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import peewee
import pytest

from db.check import run_checks
from db.models import (
    Account,
    ApplicationEvent,
    AuditEntry,
    BenefitPayment,
    Card,
    Contribution,
    ContributionAssessment,
    Enrolment,
    LedgerEntry,
    Payment,
    PrintJob,
)
from kiosk.clock import FixedClock
from kiosk.policy import load_policy
from kiosk.rules.codes import APPLICATION_NO
from kiosk.services import Conflict, ServiceContext, ServiceError
from kiosk.services import applications as apps
from kiosk.services.accounts import account_balance_with_interest
from kiosk.services.registration import ResidentInfo
from kiosk.services.staff import PermissionDenied
from tests.entitlement.township import Records

MakeResident = Callable[..., ResidentInfo]
POLICY = load_policy(None).policy_for(dt.date(2026, 11, 29))


@pytest.fixture
def records(clerk: ServiceContext, tmp_path: Path) -> Records:
    """Enrolments and contributions loaded through the import (the records benefits are decided from)."""
    return Records(clerk, tmp_path)


def walk(ctx: ServiceContext, number: str, *statuses: str, **data: object) -> apps.ApplicationInfo:
    info = apps.get_application(ctx, number)
    for status in statuses:
        info = apps.advance(ctx, number, status, expected_version=info.version, data=dict(data) or None)
    return info


def test_enrolment_walks_to_card_and_opens_account(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident(card=False)
    info = apps.submit(clerk, person.id, "enrol_resident_pension", materials_received=["id_card", "hukou"],
                       print_receipt=True)
    assert APPLICATION_NO.match(info.number) and info.number.startswith("SQ20261129")
    assert info.status == "submitted" and info.status_name == "提交材料" and info.channel == "counter"
    assert [m.code for m in info.missing_materials] == ["bank"]
    assert PrintJob.select().where(PrintJob.kind == "acceptance").count() == 1
    with pytest.raises(ServiceError, match=r"材料不齐.*银行账户"):
        apps.advance(clerk, info.number, "reviewed")
    info = apps.mark_material(clerk, info.number, "bank")
    assert info.missing_materials == ()
    with pytest.raises(ServiceError, match="当前状态为“提交材料”，不能改为“建立个人账户”；可以办理：“审核”"):
        apps.advance(clerk, info.number, "account_opened")
    info = walk(clerk, info.number, "reviewed", "account_opened")
    assert Enrolment.get(Enrolment.resident == person.id).insurance == "pension"
    assert Account.get(Account.resident == person.id).kind == "pension_resident"
    assert Card.select().where(Card.resident == person.id).count() == 0
    info = walk(clerk, info.number, "card_issued")
    card = Card.get(Card.resident == person.id)
    assert info.finished and info.data["card_number"] == card.card_number and len(card.card_number) == 9
    assert [e.to_status for e in info.events] == ["submitted", "reviewed", "account_opened", "card_issued"]
    assert {e.staff_number for e in info.events} == {"1001"} and {e.terminal for e in info.events} == {"C01"}
    with pytest.raises(ServiceError, match="已办结"):
        apps.advance(clerk, info.number, "rejected", "迟到的原因")
    assert info.version == 4
    assert run_checks(clerk.database) == []


def test_return_needs_a_reason_and_can_be_resubmitted(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    info = apps.submit(clerk, person.id, "enrol_resident_medical", materials_received=["id_card"])
    with pytest.raises(ServiceError, match="必须填写原因"):
        apps.advance(clerk, info.number, "returned", "  ")
    info = apps.advance(clerk, info.number, "returned", "缺少户口簿")
    assert info.status == "returned" and info.reason == "缺少户口簿"
    assert {t.to_status for t in info.transitions} == {"submitted", "withdrawn"}
    info = apps.mark_material(clerk, info.number, "hukou")
    info = walk(clerk, info.number, "submitted", "reviewed", "account_opened", "card_issued")
    assert info.reason == "" and info.finished
    assert Enrolment.get(Enrolment.resident == person.id).insurance == "medical"


def test_resident_may_submit_but_not_advance(ctx: ServiceContext, clerk: ServiceContext,
                                             make_resident: MakeResident) -> None:
    person = make_resident()
    info = apps.submit(ctx, person.id, "enrol_resident_pension", materials_received=["id_card", "hukou", "bank"])
    assert info.channel == "self"
    with pytest.raises(PermissionDenied, match="工作人员登录"):
        apps.advance(ctx, info.number, "reviewed")
    with pytest.raises(Conflict, match="已有正在办理"):
        apps.submit(ctx, person.id, "enrol_resident_pension")
    info = apps.withdraw(clerk, info.number, "本人撤回")
    assert info.status == "withdrawn" and info.finished


def test_supervisor_rejects_benefit_with_reason_shown_to_resident(clerk: ServiceContext, supervisor: ServiceContext,
                                                                  records: Records) -> None:
    person_id = records.person(dt.date(1995, 2, 3), female=True)
    records.enrol(person_id, "medical", "employee", "2020-01-01")
    records.load()
    info = apps.submit(clerk, person_id, "benefit_maternity", {"employer_wage_fen": 600000},
                       materials_received=["id_card", "birth_cert", "medical_records"])
    walk(clerk, info.number, "reviewed", "calculated")
    with pytest.raises(PermissionDenied, match="审核员"):
        apps.advance(clerk, info.number, "approved")  # 复核 is a supervisor's
    with pytest.raises(PermissionDenied):
        apps.advance(clerk, info.number, "rejected", "材料不实")
    info = apps.advance(supervisor, info.number, "rejected", "出生医学证明与身份信息不符")
    assert info.status_name == "未通过"
    shown = apps.list_applications(clerk, resident_id=person_id)[0]
    assert shown.reason == "出生医学证明与身份信息不符"
    event = ApplicationEvent.select().order_by(ApplicationEvent.id.desc()).get()
    assert event.note == shown.reason and event.to_status == "rejected"


def test_maternity_allowance_is_computed_and_paid(clerk: ServiceContext, supervisor: ServiceContext,
                                                 records: Records, make_resident: MakeResident) -> None:
    man = make_resident(dt.date(1995, 2, 3))
    with pytest.raises(ServiceError, match="不适用于本人"):  # a man gets no maternity allowance
        apps.submit(clerk, man.id, "benefit_maternity", {"employer_wage_fen": 600000})
    person_id = records.person(dt.date(1995, 2, 3), female=True)
    with pytest.raises(ServiceError, match="未参加该项保险"):  # not insured: the records decide
        apps.submit(clerk, person_id, "benefit_maternity", {"employer_wage_fen": 600000})
    records.enrol(person_id, "medical", "employee", "2020-01-01")
    records.load()
    info = apps.submit(clerk, person_id, "benefit_maternity", {"employer_wage_fen": 600000, "difficult_birth": True},
                       materials_received=["id_card", "birth_cert", "medical_records"])
    assert apps.review_queue(supervisor) == []  # nothing to approve before an amount exists
    info = walk(clerk, info.number, "reviewed", "calculated")
    assert [a.number for a in apps.review_queue(supervisor)] == [info.number]
    days = 98 + 15 + POLICY.maternity.local_extra_days
    assert info.data["days"] == days and info.amount_fen == 600000 * days // 30
    walk(supervisor, info.number, "approved")
    assert apps.review_queue(supervisor) == []
    info = walk(clerk, info.number, "paid")
    payment = BenefitPayment.get(BenefitPayment.resident == person_id)
    assert payment.amount_fen == 600000 * days // 30 and payment.benefit_type == "maternity"


def test_unemployment_benefit_requires_registration(clerk: ServiceContext, supervisor: ServiceContext,
                                                    records: Records) -> None:
    person_id = records.person(dt.date(1985, 1, 1))
    records.enrol(person_id, "unemployment", "employee", "2019-01-01", end="2026-10-31", status="终止")
    records.pay_months(person_id, "unemployment", "employee", "2019-11", 7 * 12)
    records.load()
    materials = ["id_card", "termination", "bank"]
    with pytest.raises(ServiceError, match="须先办理失业登记"):
        apps.submit(clerk, person_id, "benefit_unemployment", materials_received=materials)
    reg = apps.submit(clerk, person_id, "unemployment_registration", materials_received=["id_card", "termination"])
    with pytest.raises(ServiceError, match="须先办理失业登记"):
        apps.submit(clerk, person_id, "benefit_unemployment", materials_received=materials)
    assert walk(clerk, reg.number, "registered").finished
    info = apps.submit(clerk, person_id, "benefit_unemployment", {"contribution_months": 130},
                       materials_received=materials)
    walk(clerk, info.number, "reviewed")
    info = walk(clerk, info.number, "calculated")  # the typed 130 months are ignored: 84 on record
    monthly = (POLICY.unemployment.minimum_wage_fen * 9 + 5) // 10
    assert info.data["months"] == 18 and info.data["monthly_fen"] == monthly
    walk(supervisor, info.number, "approved")
    assert walk(clerk, info.number, "paid").finished
    assert BenefitPayment.get(BenefitPayment.resident == person_id).amount_fen == monthly


def test_unemployment_too_few_months_cannot_be_calculated(clerk: ServiceContext, supervisor: ServiceContext,
                                                          records: Records) -> None:
    person_id = records.person(dt.date(1985, 1, 1))
    records.enrol(person_id, "unemployment", "employee", "2025-01-01", end="2026-10-31", status="终止")
    records.pay_months(person_id, "unemployment", "employee", "2025-12", 11)
    records.load()
    reg = apps.submit(clerk, person_id, "unemployment_registration", materials_received=["id_card", "termination"])
    walk(clerk, reg.number, "registered")
    with pytest.raises(ServiceError, match="累计缴费时间不足") as refused:
        apps.submit(clerk, person_id, "benefit_unemployment", {"contribution_months": 130},
                    materials_received=["id_card", "termination", "bank"])
    assert "不满1年" in refused.value.message  # 11 months on record; the typed 130 are not used
    assert not apps.list_applications(clerk, resident_id=person_id, type_="benefit_unemployment")


def test_work_injury_needs_determination_in_time(clerk: ServiceContext, supervisor: ServiceContext,
                                                 records: Records) -> None:
    person_id = records.person(dt.date(1980, 6, 1))
    records.enrol(person_id, "injury", "employee", "2020-01-01")
    records.load()
    claim_materials = ["id_card", "injury_decision", "bank"]
    with pytest.raises(ServiceError, match="须先经工伤认定"):
        apps.submit(clerk, person_id, "benefit_injury", materials_received=claim_materials)
    det_materials = ["injury_form", "employment_proof", "diagnosis", "id_card"]
    with pytest.raises(ServiceError, match="1年内"):
        apps.submit(clerk, person_id, "injury_determination", {"accident_date": "2025-11-01", "applicant": "worker"},
                    materials_received=det_materials)
    late_employer = apps.submit(clerk, person_id, "injury_determination",
                                {"accident_date": "2026-10-01", "applicant": "employer"}, materials_received=det_materials)
    assert late_employer.data["employer_late"] is True
    apps.withdraw(clerk, late_employer.number)
    det = apps.submit(clerk, person_id, "injury_determination", {"accident_date": "2026-03-01", "applicant": "worker"},
                      materials_received=det_materials)
    det = walk(clerk, det.number, "accepted", "forwarded")  # the township receives and forwards
    with pytest.raises(ServiceError, match="文号"):
        apps.advance(clerk, det.number, "determined")  # the 人社局's decision is recorded, not made here
    with pytest.raises(ServiceError, match="须先经工伤认定"):
        apps.submit(clerk, person_id, "benefit_injury", materials_received=claim_materials)
    walk(clerk, det.number, "determined", decision_number="赣人社工伤认字〔2026〕17号", decision_date="2026-04-20")
    info = apps.submit(clerk, person_id, "benefit_injury", {"grade": 9, "own_wage_fen": 600000},
                       materials_received=claim_materials)
    assert info.data["determination"] == det.number
    walk(clerk, info.number, "reviewed")
    info = walk(clerk, info.number, "calculated", disability_decision_number="鉴字〔2026〕5号",
                disability_decision_date="2026-06-01")
    walk(supervisor, info.number, "approved")
    info = walk(clerk, info.number, "paid")
    assert info.data["lump_sum_fen"] == 9 * 600000  # RULES.md §8 example: grade 9 × 6,000
    assert BenefitPayment.get(BenefitPayment.resident == person_id).amount_fen == 5_400_000
    with pytest.raises(ServiceError, match="重复申领"):  # one claim per determination
        apps.submit(clerk, person_id, "benefit_injury", {"grade": 9, "own_wage_fen": 600000})


def test_medical_reimbursement_includes_serious_illness(clerk: ServiceContext, supervisor: ServiceContext,
                                                        records: Records, make_resident: MakeResident) -> None:
    with pytest.raises(ServiceError, match="未参加该项保险"):  # no medical insurance, no reimbursement
        apps.submit(clerk, make_resident().id, "benefit_medical", {"total_fen": 10_000_000, "level": "county"})
    person_id = records.person(dt.date(1960, 5, 1))
    other_id = records.person(dt.date(1961, 5, 1))
    for who in (person_id, other_id):
        records.enrol(who, "medical", "resident", "2020-01-01")
    records.load()
    info = apps.submit(clerk, person_id, "benefit_medical", {"total_fen": 10_000_000, "level": "county"},
                       materials_received=["id_card", "ss_card", "invoices", "discharge"])
    walk(clerk, info.number, "reviewed")
    info = walk(clerk, info.number, "calculated")
    level = POLICY.medical.level("county")
    pool = int((Decimal(10_000_000 - level.deductible_fen) * level.ratio).to_integral_value())
    assert info.data["pool_fen"] == pool and info.data["serious_fen"] > 0
    assert info.amount_fen == pool + info.data["serious_fen"]
    assert info.data["self_fen"] == 10_000_000 - info.amount_fen
    with pytest.raises(ServiceError, match="医院等级“moon”不在政策文件中"):
        bad = apps.submit(clerk, other_id, "benefit_medical", {"total_fen": 100, "level": "moon"},
                          materials_received=["id_card", "ss_card", "invoices", "discharge"])
        walk(clerk, bad.number, "reviewed")
        walk(clerk, bad.number, "calculated")


def test_resident_pension_claim_pays_account_part_from_the_ledger(clerk: ServiceContext, supervisor: ServiceContext,
                                                                  make_resident: MakeResident,
                                                                  records: Records) -> None:
    young = make_resident(dt.date(1990, 1, 1))
    with pytest.raises(ServiceError, match="未到待遇领取年龄"):
        apps.submit(clerk, young.id, "benefit_pension", materials_received=["id_card", "ss_card", "claim_form", "bank"])
    short = records.person(dt.date(1966, 5, 1))
    person_id = records.person(dt.date(1966, 5, 1))
    for who in (short, person_id):
        records.enrol(who, "pension", "resident", "2010-01-01")
    records.pay_years(short, range(2012, 2026))  # 14 years: one short of 15
    records.pay_years(person_id, range(2011, 2026))  # 15 years, the last at 59
    records.load()
    with pytest.raises(ServiceError, match="累计缴费时间不足"):
        apps.submit(clerk, short, "benefit_pension", materials_received=["id_card", "ss_card", "claim_form", "bank"])
    balance = account_balance_with_interest(person_id, "pension_resident", clerk.today(), load_policy(None))
    ledger = Account.get(Account.resident == person_id).balance_fen
    assert balance > ledger == 15 * 56000  # 500 + 60 a year, plus the interest the policy credits
    info = apps.submit(clerk, person_id, "benefit_pension", materials_received=["id_card", "ss_card", "claim_form", "bank"])
    walk(clerk, info.number, "reviewed")
    info = walk(clerk, info.number, "calculated")
    account_part = int((Decimal(balance) / 139).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert info.data["monthly_fen"] == POLICY.resident_basic_pension_fen + account_part
    walk(supervisor, info.number, "approved")
    walk(clerk, info.number, "paid")
    payout = LedgerEntry.select().where(LedgerEntry.kind == "payout").get()
    assert payout.amount_fen == -account_part
    assert Account.get(Account.resident == person_id).balance_fen == ledger - account_part
    assert run_checks(clerk.database) == []
    with pytest.raises(ServiceError, match="已在领取"):  # one pension, never a second claim
        apps.submit(clerk, person_id, "benefit_pension", materials_received=["id_card", "ss_card", "claim_form", "bank"])


def test_flexible_assessment_four_steps_record_payment_and_ledger(clerk: ServiceContext,
                                                                  make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1985, 3, 3))
    with pytest.raises(ServiceError, match="尚未参加灵活就业人员养老保险"):
        apps.submit(clerk, person.id, "assessment", {"scheme": "flexible", "base_fen": 500000},
                    materials_received=["id_card"])
    enrol = apps.submit(clerk, person.id, "enrol_employee", {"scheme": "flexible"}, materials_received=["id_card"])
    walk(clerk, enrol.number, "reviewed", "account_opened", "card_issued")
    floor = POLICY.wage.base_floor_fen
    with pytest.raises(ServiceError, match="不在可选范围内"):
        apps.submit(clerk, person.id, "assessment", {"scheme": "flexible", "base_fen": floor - 1},
                    materials_received=["id_card"])
    info = apps.submit(clerk, person.id, "assessment",
                       {"scheme": "flexible", "base_fen": floor, "start_month": "2026-10", "month_count": 2},
                       materials_received=["id_card"])
    assert info.status_name == "确定缴费基数" and info.data["base"]["base_fen"] == floor
    with pytest.raises(ServiceError, match="可以办理：“计算缴费金额”、“未通过”、“已撤回”"):
        apps.advance(clerk, info.number, "returned", "no")
    info = walk(clerk, info.number, "amount_calculated")
    monthly = int((Decimal(floor) * Decimal("0.20")).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert info.amount_fen == 2 * monthly
    info = walk(clerk, info.number, "notified")
    assessment = ContributionAssessment.get(ContributionAssessment.resident == person.id)
    assert assessment.individual_fen == 2 * monthly and assessment.detail["lines"][0]["insurance"] == "pension"
    with pytest.raises(ServiceError, match="缴费方式"):
        apps.advance(clerk, info.number, "recorded")
    info = apps.advance(clerk, info.number, "recorded", data={"method": "bank"})
    payment = Payment.get(Payment.receipt_code == info.data["receipt_code"])
    assert payment.amount_fen == 2 * monthly and payment.method == "bank"
    months = [c.month for c in Contribution.select().where(Contribution.payment == payment.id).order_by(Contribution.month)]
    assert months == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    account_part = int((Decimal(floor) * Decimal("0.08")).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert Account.get((Account.resident == person.id) & (Account.kind == "pension_employee")).balance_fen \
        == 2 * account_part
    assert run_checks(clerk.database) == []


def test_interprovincial_transfer_out_empties_the_account(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1985, 3, 3))
    enrol = apps.submit(clerk, person.id, "enrol_employee", {"scheme": "flexible"}, materials_received=["id_card"])
    walk(clerk, enrol.number, "reviewed", "account_opened", "card_issued")
    base = POLICY.wage.base_floor_fen
    a = apps.submit(clerk, person.id, "assessment", {"scheme": "flexible", "base_fen": base, "start_month": "2026-01",
                                                     "month_count": 3}, materials_received=["id_card"])
    walk(clerk, a.number, "amount_calculated", "notified", "recorded", method="cash")
    balance = Account.get(Account.resident == person.id).balance_fen
    # The old place transfers out on the new place's 联系函 (国办发〔2009〕66号); 17号 linkage: tests/services/test_transfers.py.
    info = apps.submit(clerk, person.id, "transfer", {"direction": "out", "other_region": "广东省深圳市",
                                                      "other_region_code": "440305", "letter_number": "粤转〔2026〕1号"},
                       materials_received=["id_card", "payment_cert"])
    info = walk(clerk, info.number, "reviewed", "transferring")
    pooled = int((Decimal(base) * 3 * Decimal("0.12")).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert info.data["account_fen"] == balance and info.data["pooled_fen"] == pooled
    assert Account.get(Account.resident == person.id).balance_fen == 0
    assert run_checks(clerk.database) == []


def test_card_loss_freezes_at_once_then_unfreeze_and_replace(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    old = person.card
    assert old is not None
    loss = apps.submit(clerk.__class__(clerk.database, clerk.clock), person.id, "card_loss", materials_received=["id_card"])
    assert loss.finished and loss.status_name.startswith("挂失")
    assert Card.get(Card.card_number == old.card_number).status == "frozen"
    with pytest.raises(ServiceError, match="没有可挂失"):
        apps.submit(clerk, person.id, "card_loss")
    unfreeze = apps.submit(clerk, person.id, "card_unfreeze", materials_received=["id_card", "ss_card"])
    with pytest.raises(ServiceError, match="不能改为“已退回”"):
        apps.advance(clerk, unfreeze.number, "returned", "x")
    walk(clerk, unfreeze.number, "unfrozen")
    assert Card.get(Card.card_number == old.card_number).status == "active"
    with pytest.raises(ServiceError, match="已有社保卡"):
        apps.submit(clerk, person.id, "card_apply")
    replace = apps.submit(clerk, person.id, "card_replace", materials_received=["id_card", "photo"])
    replace = walk(clerk, replace.number, "made", "issued")
    assert Card.get(Card.card_number == old.card_number).status == "replaced"
    new = Card.get(Card.card_number == replace.data["card_number"])
    assert new.status == "active" and new.card_number != old.card_number
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.seq)]
    assert {"card.frozen", "card.active", "card.replaced", "card.issue"} <= set(actions)


def test_card_apply_for_someone_without_a_card(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident(card=False)
    info = apps.submit(clerk, person.id, "card_apply", materials_received=["id_card", "photo"])
    info = walk(clerk, info.number, "made", "issued")
    assert Card.get(Card.resident == person.id).card_number == info.data["card_number"]


def test_numbers_are_unique_and_restart_each_local_day(clerk: ServiceContext, clock: FixedClock,
                                                       make_resident: MakeResident) -> None:
    numbers = [apps.submit(clerk, make_resident().id, "card_loss").number for _ in range(3)]
    assert numbers == ["SQ20261129000001", "SQ20261129000002", "SQ20261129000003"]
    clock.set_local(dt.datetime(2026, 11, 30, 0, 0, 5))
    assert apps.submit(clerk, make_resident().id, "card_loss").number == "SQ20261130000001"


def test_two_clerks_at_once_one_wins(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    info = apps.submit(clerk, person.id, "enrol_resident_pension", materials_received=["id_card", "hukou", "bank"])
    version = info.version
    barrier = threading.Barrier(2)
    results: list[object] = []

    def attempt() -> None:
        # Each thread gets its own connection from the same Database (peewee keeps them per thread).
        ctx = ServiceContext(clerk.database, clerk.clock, "C02", staff_id=clerk.staff_id,
                             staff_number=clerk.staff_number)
        barrier.wait()
        try:
            results.append(apps.advance(ctx, info.number, "reviewed", expected_version=version))
        except Conflict as exc:
            results.append(exc)
        finally:
            clerk.database.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    conflicts = [r for r in results if isinstance(r, Conflict)]
    winners = [r for r in results if isinstance(r, apps.ApplicationInfo)]
    assert len(conflicts) == 1 and len(winners) == 1
    assert conflicts[0].message == "该业务已被其他工作人员处理，请刷新后重试"
    final = apps.get_application(clerk, info.number)
    assert final.version == version + 1 and [e.to_status for e in final.events] == ["submitted", "reviewed"]
    # A stale screen is refused too, even without a race.
    with pytest.raises(Conflict):
        apps.advance(clerk, info.number, "account_opened", expected_version=version)


def test_unknown_type_and_material_are_refused(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    with pytest.raises(ServiceError, match="没有“pizza”这类业务"):
        apps.submit(clerk, person.id, "pizza")
    with pytest.raises(ServiceError, match="不属于"):
        apps.submit(clerk, person.id, "card_loss", materials_received=["passport"])


def test_every_step_is_audited_in_a_whole_chain(clerk: ServiceContext, make_resident: MakeResident,
                                                database: peewee.Database) -> None:
    person = make_resident()
    info = apps.submit(clerk, person.id, "enrol_resident_medical", materials_received=["id_card", "hukou"])
    walk(clerk, info.number, "reviewed", "account_opened")
    entries = list(AuditEntry.select().where(AuditEntry.entity_id == info.number).order_by(AuditEntry.seq))
    assert [e.action for e in entries] == ["application.submit", "application.advance", "application.advance"]
    assert entries[-1].detail == {"from": "reviewed", "to": "account_opened", "note": ""}
    assert run_checks(database) == []
