"""受审分离 (separation of duties) and decisions recorded from the 人社局, on SQLite and PostgreSQL.

Each refusal: the acceptor approving, the calculator approving, approval before
an amount exists, payment before approval, a determination or disability grade
without its document number and date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from db.models import Application, Contribution, Enrolment
from kiosk.services import ServiceContext, ServiceError
from kiosk.services import applications as apps
from kiosk.services.registration import ResidentInfo
from kiosk.services.staff import PermissionDenied, add_staff

MakeResident = Callable[..., ResidentInfo]
MATERNITY = ["id_card", "birth_cert", "medical_records"]
DETERMINATION = ["injury_form", "employment_proof", "diagnosis", "id_card"]


@pytest.fixture
def second_supervisor(ctx: ServiceContext) -> ServiceContext:
    info = add_staff(ctx, "2002", "周复核", "supervisor", "4702")
    return ctx.as_staff(info.id, info.number)


def _insured_mother(make_resident: MakeResident) -> ResidentInfo:
    """A woman in employee medical and maternity insurance for two years (so the claim computes)."""
    person = make_resident(dt.date(1995, 2, 3), female=True)
    now = dt.datetime(2024, 11, 1)
    for insurance in ("medical", "maternity"):
        Enrolment.create(resident=person.id, insurance=insurance, scheme="employee", status="active",
                         start_date=dt.date(2024, 11, 1))
    for month in range(24):
        day = dt.date(2024 + (10 + month) // 12, (10 + month) % 12 + 1, 1)
        Contribution.create(resident=person.id, insurance="medical", scheme="employee", month=day, base_fen=600_000,
                            individual_fen=12_000, employer_fen=36_000, paid_at=now)
    return person


def _calculated(ctx: ServiceContext, person: ResidentInfo) -> apps.ApplicationInfo:
    info = apps.submit(ctx, person.id, "benefit_maternity", {"employer_wage_fen": 600_000, "birth_date": "2026-11-01"},
                       MATERNITY)
    apps.advance(ctx, info.number, "reviewed")
    return apps.advance(ctx, info.number, "calculated")


def test_acceptor_cannot_approve(ctx: ServiceContext, supervisor: ServiceContext,
                                 second_supervisor: ServiceContext, make_resident: MakeResident) -> None:
    person = _insured_mother(make_resident)
    info = apps.submit(supervisor, person.id, "benefit_maternity", {"employer_wage_fen": 600_000,
                                                                     "birth_date": "2026-11-01"}, MATERNITY)
    assert Application.get_by_id(info.id).accepted_by == supervisor.staff_id
    info = apps.advance(second_supervisor, info.number, "reviewed")
    info = apps.advance(second_supervisor, info.number, "calculated")
    assert info.amount_fen
    third = add_staff(ctx, "2003", "吴主管", "supervisor", "5813")
    with pytest.raises(PermissionDenied) as refused:
        apps.advance(supervisor, info.number, "approved")  # accepted it: may not approve
    assert refused.value.code == "same_person" and "受理" in refused.value.message
    with pytest.raises(PermissionDenied) as calculator:
        apps.advance(second_supervisor, info.number, "approved")  # computed the amount: may not check it
    assert calculator.value.code == "same_person"
    approver = ctx.as_staff(third.id, third.number)
    info = apps.advance(approver, info.number, "approved")
    row = Application.get_by_id(info.id)
    assert row.approved_by == third.id and row.accepted_by == supervisor.staff_id


def test_clerk_accepts_and_calculates_supervisor_approves_then_payment(
        clerk: ServiceContext, supervisor: ServiceContext, make_resident: MakeResident) -> None:
    person = _insured_mother(make_resident)
    info = _calculated(clerk, person)
    with pytest.raises(ServiceError) as early:
        apps.advance(clerk, info.number, "paid")  # no payment before 复核
    assert early.value.code == "illegal_transition"
    with pytest.raises(PermissionDenied) as role:
        apps.advance(clerk, info.number, "approved")
    assert role.value.code == "supervisor"
    approved = apps.advance(supervisor, info.number, "approved")
    assert approved.status == "approved" and approved.amount_fen == info.amount_fen
    assert apps.advance(clerk, info.number, "paid").finished


def test_approval_never_comes_before_the_amount(clerk: ServiceContext, supervisor: ServiceContext,
                                                make_resident: MakeResident) -> None:
    person = _insured_mother(make_resident)
    info = apps.submit(clerk, person.id, "benefit_maternity", {"employer_wage_fen": 600_000}, MATERNITY)
    info = apps.advance(clerk, info.number, "reviewed")
    assert apps.review_queue(supervisor) == []
    with pytest.raises(ServiceError) as refused:
        apps.advance(supervisor, info.number, "approved")
    assert refused.value.code == "illegal_transition"


def test_self_service_application_acceptor_is_the_first_clerk(ctx: ServiceContext, clerk: ServiceContext,
                                                              supervisor: ServiceContext,
                                                              make_resident: MakeResident) -> None:
    person = _insured_mother(make_resident)
    info = apps.submit(ctx, person.id, "benefit_maternity", {"employer_wage_fen": 600_000,
                                                              "birth_date": "2026-11-01"}, MATERNITY)
    assert info.channel == "self" and Application.get_by_id(info.id).accepted_by is None
    apps.advance(supervisor, info.number, "reviewed")  # the supervisor accepts it at the counter
    assert Application.get_by_id(info.id).accepted_by == supervisor.staff_id
    apps.advance(clerk, info.number, "calculated")
    with pytest.raises(PermissionDenied) as refused:
        apps.advance(supervisor, info.number, "approved")
    assert refused.value.code == "same_person"


def test_injury_determination_is_recorded_with_the_bureau_document(clerk: ServiceContext,
                                                                   make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1980, 6, 1))
    det = apps.submit(clerk, person.id, "injury_determination", {"accident_date": "2026-03-01", "applicant": "worker"},
                      DETERMINATION)
    det = apps.advance(clerk, det.number, "accepted")
    with pytest.raises(ServiceError) as skipped:
        apps.advance(clerk, det.number, "determined")  # forwarded to the 人社局 first
    assert skipped.value.code == "illegal_transition"
    det = apps.advance(clerk, det.number, "forwarded")
    refusals = [
        ({}, "missing_decision_number"),
        ({"decision_number": "赣人社伤〔2026〕3号"}, "missing_decision_date"),
        ({"decision_number": "赣人社伤〔2026〕3号", "decision_date": "2026-13-01"}, "bad_decision_date"),
        ({"decision_number": "赣人社伤〔2026〕3号", "decision_date": "2027-01-05"}, "bad_decision_date"),
        ({"decision_number": "赣人社伤〔2026〕3号", "decision_date": "2026-02-01"}, "bad_decision_date"),
    ]
    for data, code in refusals:
        with pytest.raises(ServiceError) as refused:
            apps.advance(clerk, det.number, "determined", data=data)
        assert refused.value.code == code, data
    assert apps.get_application(clerk, det.number).status == "forwarded"
    det = apps.advance(clerk, det.number, "determined",
                       data={"decision_number": " 赣人社伤〔2026〕3号 ", "decision_date": "2026-04-20"})
    assert det.data["decision_number"] == "赣人社伤〔2026〕3号" and det.data["decision_date"] == "2026-04-20"


def test_disability_grade_needs_the_assessment_conclusion(clerk: ServiceContext, make_resident: MakeResident) -> None:
    person = make_resident(dt.date(1980, 6, 1))
    det = apps.submit(clerk, person.id, "injury_determination", {"accident_date": "2026-03-01", "applicant": "worker"},
                      DETERMINATION)
    for status in ("accepted", "forwarded"):
        apps.advance(clerk, det.number, status)
    apps.advance(clerk, det.number, "determined", data={"decision_number": "伤〔2026〕3号", "decision_date": "2026-04-20"})
    Enrolment.create(resident=person.id, insurance="injury", scheme="employee", status="active",
                     start_date=dt.date(2020, 1, 1))
    info = apps.submit(clerk, person.id, "benefit_injury", {"grade": 9, "own_wage_fen": 600_000},
                       ["id_card", "injury_decision", "bank"])
    apps.advance(clerk, info.number, "reviewed")
    with pytest.raises(ServiceError) as refused:
        apps.advance(clerk, info.number, "calculated")
    assert refused.value.code == "missing_disability_decision_number"
    assert apps.get_application(clerk, info.number).status == "reviewed"
