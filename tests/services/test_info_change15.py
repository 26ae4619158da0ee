"""信息变更 (issue 15.2) on SQLite and PostgreSQL: each field, the 15→18 upgrade, the
refusals (a taken number, an 18 that is not the 15's upgrade, the acceptor approving),
history rows, audit entries, and a failure at 办结 leaving nothing half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from db.models import (
    Application,
    ApplicationEvent,
    AuditEntry,
    Benefit,
    BenefitPayment,
    Card,
    Contribution,
    InfoChangeHistory,
    Resident,
)
from kiosk.rules.identity import mask_name, upgrade_15_to_18
from kiosk.services import (
    NotFound,
    ServiceContext,
    ServiceError,
    benefit_run,
    info_change,
    registration,
    residents,
)
from kiosk.services import applications as apps
from kiosk.services.registration import ResidentInfo
from kiosk.services.staff import PermissionDenied, add_staff
from tests.services.conftest import id_number

MakeResident = Callable[..., ResidentInfo]
LEGACY_15 = "360726720501013"  # 1972-05-01, sequence 013 (odd: male)


@pytest.fixture
def second_supervisor(ctx: ServiceContext) -> ServiceContext:
    info = add_staff(ctx, "2002", "周复核", "supervisor", "4702")
    return ctx.as_staff(info.id, info.number)


def _audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id))


def _history(resident_id: int) -> list[InfoChangeHistory]:
    return list(InfoChangeHistory.select().where(InfoChangeHistory.resident == resident_id))


def test_name_change_needs_a_supervisor_and_keeps_the_old_name(
        clerk: ServiceContext, supervisor: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    info = info_change.request(clerk, person.id, "name", "  李　四 ", "公安机关证明 东派字〔2026〕12号")
    assert info.data["value"] == "李四"  # the one normaliser
    assert [t.supervisor for t in info.transitions if t.to_status == "reviewed"] == [True]
    assert info.number in [waiting.number for waiting in apps.review_queue(clerk)]  # the supervisor's list
    with pytest.raises(PermissionDenied) as refused:
        apps.advance(clerk, info.number, "reviewed")
    assert refused.value.code == "supervisor"
    apps.advance(supervisor, info.number, "reviewed")
    done = apps.advance(clerk, info.number, "done")
    assert done.finished and done.data["old_value"] == person.name
    row = Resident.get_by_id(person.id)
    assert row.name == "李四"
    assert Application.get_by_id(info.id).approved_by == supervisor.staff_id
    [history] = _history(person.id)
    assert (history.field, history.old_value, history.new_value) == ("name", person.name, "李四")
    assert history.staff == clerk.staff_id and history.document == "公安机关证明 东派字〔2026〕12号"
    assert history.__data__["application"] == info.id
    [entry] = _audits("resident.info_change")
    assert entry.actor == clerk.staff_number and entry.entity_id == str(person.id)
    assert entry.detail["field"] == "name" and entry.detail["new"] == "李*"
    assert entry.detail["old"] == mask_name(person.name) and entry.detail["application"] == info.number


def test_the_acceptor_never_approves_an_identity_change(
        supervisor: ServiceContext, second_supervisor: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    info = info_change.request(supervisor, person.id, "name", "王五", "户口簿")
    with pytest.raises(PermissionDenied) as refused:
        apps.advance(supervisor, info.number, "reviewed")
    assert refused.value.code == "same_person"
    assert Application.get_by_id(info.id).status == "accepted"
    done = info_change.complete(supervisor, info.number, reviewer=second_supervisor)
    assert done.finished and Resident.get_by_id(person.id).name == "王五"


def test_id_correction_keeps_everything_linked(clerk: ServiceContext, supervisor: ServiceContext,
                                               ctx: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    Contribution.create(resident=person.id, insurance="pension", scheme="resident", month=dt.date(2025, 1, 1),
                        individual_fen=50_000, paid_at=dt.datetime(2025, 3, 1))
    BenefitPayment.create(resident=person.id, benefit_type="pension", period=dt.date(2026, 10, 1),
                          amount_fen=20_000, paid_at=dt.datetime(2026, 10, 5))
    new = id_number(dt.date(1973, 6, 2), 24)  # a woman born 1973: sex and birth date follow the number
    info = info_change.request(clerk, person.id, "id_number", new, "公安机关证明 2026-88")
    info_change.complete(clerk, info.number, reviewer=supervisor)
    row = Resident.get_by_id(person.id)
    assert (row.id_number, row.sex, row.birth_date) == (new, "female", dt.date(1973, 6, 2))
    assert row.retirement_category == ""  # asked for a woman, never assumed
    assert Contribution.get(Contribution.resident == person.id).individual_fen == 50_000
    assert BenefitPayment.get(BenefitPayment.resident == person.id).amount_fen == 20_000
    assert registration.find_resident(clerk, new).id == person.id
    with pytest.raises(NotFound):
        registration.find_resident(clerk, person.id_number)
    [history] = _history(person.id)
    assert (history.old_value, history.new_value) == (person.id_number, new)


def test_a_15_digit_record_upgraded_is_found_by_either_number(
        clerk: ServiceContext, supervisor: ServiceContext, ctx: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    Resident.update(id_number=LEGACY_15).where(Resident.id == person.id).execute()  # an old record
    assert info_change.find_resident_id(ctx, LEGACY_15) == person.id
    assert registration.find_resident(clerk, LEGACY_15).id == person.id  # the counter finds the old record
    upgraded = upgrade_15_to_18(LEGACY_15)
    assert info_change.find_resident_id(ctx, upgraded) == person.id  # the 18 form finds the old record too
    info = info_change.request(clerk, person.id, "id_number", upgraded, "户口簿")
    info_change.complete(clerk, info.number, reviewer=supervisor)
    assert Resident.get_by_id(person.id).id_number == upgraded
    for typed in (LEGACY_15, upgraded):
        assert registration.find_resident(clerk, typed).id == person.id
        assert residents.identify(ctx, typed).id == person.id
        assert info_change.find_resident_id(ctx, typed) == person.id
    assert [(h.old_value, h.new_value) for h in _history(person.id)] == [(LEGACY_15, upgraded)]


def test_an_18_that_is_not_the_upgrade_of_the_15_is_refused(clerk: ServiceContext,
                                                           make_resident: MakeResident) -> None:
    person = make_resident()
    Resident.update(id_number=LEGACY_15).where(Resident.id == person.id).execute()
    with pytest.raises(ServiceError) as refused:
        info_change.request(clerk, person.id, "id_number", id_number(dt.date(1972, 5, 1), 15), "户口簿")
    assert refused.value.code == "not_upgrade"
    assert not Application.select().where(Application.type == "info_change").exists()


def test_a_number_another_resident_holds_is_refused(clerk: ServiceContext, supervisor: ServiceContext,
                                                   make_resident: MakeResident) -> None:
    person, other = make_resident(), make_resident()
    with pytest.raises(ServiceError) as refused:
        info_change.request(clerk, person.id, "id_number", other.id_number, "户口簿")
    assert refused.value.code == "id_taken"
    # Taken between 受理 and 办结: refused at 办结, and nothing of the step is written.
    free = id_number(dt.date(1972, 5, 1), 301)
    info = info_change.request(clerk, person.id, "id_number", free, "户口簿")
    info = apps.advance(supervisor, info.number, "reviewed")
    Resident.update(id_number=free).where(Resident.id == other.id).execute()
    events = ApplicationEvent.select().count()
    with pytest.raises(ServiceError) as late:
        apps.advance(clerk, info.number, "done")
    assert late.value.code == "id_taken"
    assert Resident.get_by_id(person.id).id_number == person.id_number
    assert Application.get_by_id(info.id).status == "reviewed" and ApplicationEvent.select().count() == events
    assert not _history(person.id) and not _audits("resident.info_change")


def test_failure_at_done_rolls_everything_back(clerk: ServiceContext, supervisor: ServiceContext,
                                               make_resident: MakeResident, monkeypatch: pytest.MonkeyPatch) -> None:
    person = make_resident()
    info = info_change.request(clerk, person.id, "bank_account", "6217001234567890123", "银行卡")
    info = apps.advance(clerk, info.number, "reviewed")
    before = AuditEntry.select().count()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store failed")

    monkeypatch.setattr(info_change.audit, "append", broken)  # after the resident and history writes
    with pytest.raises(RuntimeError):
        apps.advance(clerk, info.number, "done")
    monkeypatch.undo()
    assert Resident.get_by_id(person.id).bank_account == ""
    assert not _history(person.id)
    assert Application.get_by_id(info.id).status == "reviewed"
    assert AuditEntry.select().count() == before


def test_hukou_region_by_the_clerk_alone_and_its_document(clerk: ServiceContext,
                                                          make_resident: MakeResident) -> None:
    person = make_resident()
    missing = info_change.request(clerk, person.id, "hukou_region", "３６０７２１", "户籍证明", materials=("id_card",))
    with pytest.raises(ServiceError) as refused:
        apps.advance(clerk, missing.number, "reviewed")
    assert refused.value.code == "materials" and "户籍证明" in refused.value.message
    apps.withdraw(clerk, missing.number)
    info = info_change.request(clerk, person.id, "hukou_region", "３６０７２１", "户籍证明 赣户证2026-5")
    assert [t.supervisor for t in info.transitions if t.to_status == "reviewed"] == [False]
    done = info_change.complete(clerk, info.number)
    assert done.finished and Resident.get_by_id(person.id).hukou_region == "360721"
    [history] = _history(person.id)
    assert (history.old_value, history.new_value) == ("360726", "360721")
    assert len(_audits("resident.info_change")) == 1
    with pytest.raises(ServiceError) as same:
        info_change.request(clerk, person.id, "hukou_region", "360721", "户籍证明")
    assert same.value.code == "same_value"


def test_bank_account_goes_into_the_payment_run(clerk: ServiceContext, ctx: ServiceContext,
                                                make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1960, 3, 8))
    card = Card.get(Card.resident == person.id).card_number
    now = ctx.now()
    month = ctx.today().replace(day=1)
    paid = Benefit.create(resident=person.id, kind="pension", scheme="resident", start_month=month,
                          monthly_fen=30_000, certified_on=ctx.today(), created_at=now, updated_at=now)
    stopped = Benefit.create(resident=person.id, kind="unemployment", start_month=month, monthly_fen=1,
                             status="stopped", bank_account="6200000000001111", created_at=now, updated_at=now)
    with pytest.raises(ServiceError) as bad:
        info_change.request(clerk, person.id, "bank_account", "62170-12", "银行卡")
    assert bad.value.code == "bad_bank_account"
    info = info_change.request(clerk, person.id, "bank_account", "6217 0012 3456 7890 123", "银行卡 建设银行")
    done = info_change.complete(clerk, info.number)
    assert done.data["old_value"] == card  # the run paid into the card's account before
    assert Resident.get_by_id(person.id).bank_account == "6217001234567890123"
    assert Benefit.get_by_id(paid.id).bank_account == "6217001234567890123"
    assert Benefit.get_by_id(stopped.id).bank_account == "6200000000001111"  # no longer paid: left as it was
    [line] = [x for x in benefit_run.preview(ctx, month).lines if x.benefit_id == paid.id]
    assert line.bank_account == "6217001234567890123"
    # A benefit opened later names no account of its own: the run takes the person's.
    later = Benefit.create(resident=person.id, kind="injury", start_month=month, monthly_fen=10_000,
                           created_at=now, updated_at=now)
    [line] = [x for x in benefit_run.preview(ctx, month).lines if x.benefit_id == later.id]
    assert line.bank_account == "6217001234567890123"


def test_history_newest_first_masked_and_the_look_audited(clerk: ServiceContext, supervisor: ServiceContext,
                                                          make_resident: MakeResident, clock: Any) -> None:
    person = make_resident()
    info_change.complete(clerk, info_change.request(clerk, person.id, "hukou_region", "360721", "户籍证明").number)
    clock.advance(minutes=5)
    info = info_change.request(clerk, person.id, "name", "赵六一", "公安机关证明")
    info_change.complete(clerk, info.number, reviewer=supervisor)
    rows = info_change.history(clerk, person.id)
    assert [r.field for r in rows] == ["name", "hukou_region"]
    assert rows[0].masked_old == mask_name(person.name) and rows[1].masked_new == "360721"
    assert rows[0].masked_new == "赵*一" and rows[0].application == info.number and rows[0].staff_number == "1001"
    assert rows[0].as_json()["new_value"] == "赵*一" and rows[0].as_json(masked=False)["new_value"] == "赵六一"
    looks = [e for e in _audits("resident.open") if e.detail.get("reason") == "info_change_history"]
    assert len(looks) == 1 and looks[0].entity_id == str(person.id)


def test_bad_input_is_refused_with_a_reason(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident()
    cases = [("phone", "13800000000", "x", "bad_field"), ("name", "李四", "  ", "missing_document"),
             ("name", "", "户口簿", "bad_name"), ("id_number", "110101199003074515", "户口簿", "check_digit"),
             ("hukou_region", "99", "户籍证明", "bad_region"), ("name", "李\u200b四", "户口簿", "zero_width")]
    for field, value, document, code in cases:
        with pytest.raises(ServiceError) as refused:
            info_change.request(clerk, person.id, field, value, document)
        assert refused.value.code == code, (field, value)
        assert refused.value.message and "infochange15" not in refused.value.message
    assert not Application.select().where(Application.type == "info_change").exists()
