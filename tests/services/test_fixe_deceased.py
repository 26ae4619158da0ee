"""Attack E13: a resident recorded as deceased gets no new business in the service layer (so the
counter, the kiosk, the imports and the CLI alike): no enrolment, contribution or benefit
application accepted, no step of one accepted before the death, no payment taken, no service
password set or unlocked. The death's own follow-ups (继承及丧葬补助金) still go through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from kiosk.i18n import Translator, translate_message
from kiosk.services import (
    ServiceContext,
    ServiceError,
    collection_import,
    lifecycle,
    payments,
    service_password,
)
from kiosk.services import applications as apps
from kiosk.services.registration import ResidentInfo
from tests.services.conftest import id_number
from tests.services.test_payments import enrol

DEATH = dt.date(2026, 9, 15)


def _refused(call: Callable[[], object], key: str) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        call()
    assert (refused.value.code, refused.value.key) == ("deceased", key), refused.value.message
    assert "2026-09-15" in refused.value.message and "死亡注销" in refused.value.message
    english = translate_message(Translator("en"), refused.value.key, refused.value.params)
    assert "deceased on 2026-09-15" in english
    return refused.value


def test_no_new_business_for_a_deceased_resident(clerk: ServiceContext, supervisor: ServiceContext,
                                                 make_resident: Callable[..., ResidentInfo], tmp_path: Path) -> None:
    person = make_resident(dt.date(1970, 7, 1), female=True)
    enrol(clerk, person.id)  # resident pension, paid for below before the death
    payments.pay_resident_pension(clerk, person.id, payments.resident_pension_tiers(clerk)[0].annual_fen, "cash")
    pending = apps.submit(clerk, person.id, "enrol_resident_medical", materials_received=["id_card", "hukou"])
    service_password.set_password(clerk, person.id, "731946", id_card_checked=True)
    lifecycle.record_death(clerk, person.id, DEATH)

    application = "refusal.resident_standing.deceased_application"
    for type_, data in (("enrol_resident_pension", {}), ("enrol_employee", {"scheme": "flexible"}),
                        ("benefit_pension", {"scheme": "resident"}), ("card_apply", {}),
                        ("enrolment_resume", {"insurance": "pension", "scheme": "resident"})):
        error = _refused(partial(apps.check, clerk, person.id, type_, data), application)
        assert error.params["type_zh"] and "继承" in error.message
    _refused(lambda: apps.submit(clerk, person.id, "assessment", {"scheme": "resident", "year": 2026}),
             application)
    # Accepted the day before the death was recorded: it goes no further, but can be closed.
    _refused(lambda: apps.advance(clerk, pending.number, "reviewed"), "refusal.resident_standing.deceased_step")
    assert apps.advance(clerk, pending.number, "rejected", "参保人已死亡").status == "rejected"

    payment = "refusal.resident_standing.deceased_payment"
    _refused(lambda: payments.pay_resident_pension(clerk, person.id, 20000, "cash"), payment)
    _refused(lambda: payments.pay_resident_medical(clerk, person.id, "cash"), payment)
    # The counter's Take payment says why, never "register the enrolment first".
    # The channel's confirmation file: refused by its line number, nothing recorded.
    confirmations = tmp_path / "tax.csv"
    confirmations.write_text(f"税票号,公民身份号码,险种,所属期,金额\nTX20261120001,{person.id_number},医疗,2026,400\n",
                             encoding="utf-8")
    report = collection_import.import_confirmations(clerk, confirmations, channel="tax")
    assert not report.written and [(e.row, e.column) for e in report.errors] == [(2, "公民身份号码")]
    assert "已于2026-09-15死亡注销，不能再登记缴费" in report.errors[0].reason
    payable = payments.counter_payable(clerk, person.id)
    assert payable == {"resident_pension": "deceased", "resident_medical": "deceased"}
    for purpose, code in payable.items():  # the screen's text for each code (fix17counter.payment.<code>_<purpose>)
        assert "死亡注销" in Translator("zh_CN")(f"fix17counter.payment.{code}_{purpose}")
        assert "deceased" in Translator("en")(f"fix17counter.payment.{code}_{purpose}")
    password = "refusal.resident_standing.deceased_password"
    _refused(lambda: service_password.set_password(clerk, person.id, "582064", id_card_checked=True), password)
    _refused(lambda: service_password.unlock(supervisor, person.id), password)
    # The password set while alive no longer opens the records at the kiosk.
    _refused(lambda: service_password.open_records(clerk, person.id, "731946", via="id_number"),
             "refusal.resident_standing.deceased_self_service")

    # The death's follow-up: the heir's 个人账户继承及丧葬补助金 is still accepted (and 终止参保 is no
    # new business: the enrolments ended at the death, so it says that instead).
    heir = {"heir_name": "王小明", "heir_id_number": id_number(dt.date(1990, 3, 1), 31), "relationship": "子女",
            "bank_account": "6217001234567890123"}
    info = apps.submit(clerk, person.id, "inheritance", heir, ["heir_id", "kinship", "bank"])
    assert info.status == "accepted" and info.data["amount_fen"] > 0
    with pytest.raises(ServiceError) as ended:
        apps.check(clerk, person.id, "enrolment_end", {"insurance": "pension", "scheme": "resident"})
    assert ended.value.code != "deceased"

