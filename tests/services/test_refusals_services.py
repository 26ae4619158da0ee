"""Service refusals reach the English counter in English: each is a catalog message
(``ServiceError.keyed``, kiosk/i18n/*/refusals_services.toml and the older area files)
whose Chinese rendering is the error's ``message``; a refusal of the pure rules
(ID number, amount, contribution, enrolment, service password) carries its catalog
key and params, so the service passing it on is keyed too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.i18n import Translator, translate, translate_message
from kiosk.rules import contribution, enrolment, money
from kiosk.rules.codes import parse_card_input
from kiosk.rules.identity import InvalidIdNumber, parse_id_number
from kiosk.rules.pins import check_pin_rules
from kiosk.rules.service_password import WeakServicePassword, check_service_password
from kiosk.services import (
    ServiceContext,
    ServiceError,
    applications,
    benefit_run,
    duties,
    maintenance,
    payments,
    queue,
    queue_reports,
    reports,
    rule_audit,
)
from kiosk.services import residents as residents_svc
from kiosk.services import service_password as password_svc
from kiosk.services.registration import ResidentInfo
from kiosk.services.staff import login
from tests.services.test_fix17_service_keys import _shown

#: Han characters, CJK punctuation (、。「」【】) and full-width forms (（），：) — none belong in English.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _check(error: ServiceError, code: str) -> str:
    """``error`` is keyed, keeps ``code``, shows its ``message`` in Chinese and plain English; returns the English."""
    assert error.key, f"{error.message!r} has no catalog key"
    assert error.code == code
    assert _shown(error, "zh_CN") == error.message
    english = _shown(error, "en")
    assert english != error.key
    assert not CHINESE.search(english), english
    return english


def _refused(call: Callable[[], Any], kind: type[ServiceError] = ServiceError) -> ServiceError:
    with pytest.raises(kind) as refused:
        call()
    return refused.value


# -- the rules: every refusal names its catalog message ------------------------------


def _rule_refusal(call: Callable[[], Any]) -> Exception:
    with pytest.raises(ValueError) as refused:
        call()
    return refused.value


TODAY = dt.date(2026, 3, 15)
RULE_REFUSALS: dict[str, Callable[[], Any]] = {
    "id_empty": lambda: parse_id_number("", today=TODAY),
    "id_length": lambda: parse_id_number("1101051949", today=TODAY),
    "id_characters": lambda: parse_id_number("11010519491231A02X", today=TODAY),
    "id_check_digit": lambda: parse_id_number("110105194912310021", today=TODAY),
    "id_region": lambda: parse_id_number("990105194912310021", today=TODAY),
    "id_date_missing": lambda: parse_id_number("110105194902300021", today=TODAY),
    "id_date_future": lambda: parse_id_number("110105209901010021", today=TODAY),
    "id_invisible": lambda: parse_id_number("1101\u200b05194912310021", today=TODAY),
    "id_old_region": lambda: parse_id_number("990105491231002", today=TODAY),
    "card_length": lambda: parse_card_input("ABC12", today=TODAY),
    "card_code_date": lambda: parse_card_input("T202613990001", today=TODAY),
    "money_empty": lambda: money.parse_yuan(" "),
    "money_text": lambda: money.parse_yuan("ten yuan"),
    "money_negative": lambda: money.parse_yuan("-3"),
    "money_decimals": lambda: money.parse_yuan("1.234"),
    "contribution_wage": lambda: contribution.determine_base(-1, _wage()),
    "contribution_base": lambda: contribution.choose_flexible_base(1, _wage()),
    "enrolment_student": lambda: enrolment.check_age("pension", "resident", birth=dt.date(2006, 1, 1), sex="male",
                                                     category="", day=TODAY, student=True),
    "enrolment_too_old": lambda: enrolment.check_age("pension", "resident", birth=dt.date(1950, 1, 1), sex="male",
                                                     category="", day=TODAY),
    "enrolment_retired": lambda: enrolment.check_age("pension", "employee", birth=dt.date(1950, 1, 1), sex="female",
                                                     category="female_worker", day=TODAY),
    "enrolment_overlap": lambda: enrolment.check_overlap("pension", "resident",
                                                         [enrolment.ActiveEnrolment("pension", "flexible")]),
    "enrolment_future_year": lambda: enrolment.check_resident_year(2027, TODAY, birth=dt.date(1980, 1, 1),
                                                                   paid_years=()),
    "enrolment_past_year": lambda: enrolment.check_resident_year(2020, TODAY, birth=dt.date(1980, 1, 1),
                                                                 paid_years=()),
    "password_run": lambda: check_service_password("123456"),
    "pin_format": lambda: check_pin_rules("12a4"),
    "pin_simple": lambda: check_pin_rules("4444"),
    "password_birth": lambda: check_service_password("800101", birth=dt.date(1980, 1, 1)),
}


def _wage() -> Any:
    from kiosk.rules.parameters import WageParams

    return WageParams(average_monthly_wage_fen=700_000)  # bounds 4,200 – 21,000 yuan


@pytest.mark.parametrize("case", sorted(RULE_REFUSALS))
def test_a_rule_refusal_names_its_catalog_message(case: str) -> None:
    error = _rule_refusal(RULE_REFUSALS[case])
    key, params = error.key, error.params  # type: ignore[attr-defined]
    assert key.startswith("refusal.")
    # The catalog's Chinese is the rule's own message, so a pure caller and a screen say the same.
    assert translate_message(partial(translate_language, "zh_CN"), key, params) == str(error)
    english = translate_message(Translator("en"), key, params)
    assert english != key and not CHINESE.search(english), english


def translate_language(language: str, key: str, /, **params: object) -> str:
    return translate(key, language, **params)


def test_an_id_refusal_describes_itself_in_the_readers_language() -> None:
    error = _rule_refusal(lambda: parse_id_number("110105194912310021", today=TODAY))
    assert isinstance(error, InvalidIdNumber) and error.reason == "check_digit"
    assert error.describe() == error.message
    assert error.describe(Translator("zh_CN")) == error.message
    assert error.describe(Translator("en")).startswith("The check character does not match")


def test_a_weak_password_names_its_reason_key() -> None:
    error = _rule_refusal(lambda: check_service_password("111111"))
    assert isinstance(error, WeakServicePassword) and error.key == "refusal.service_password.same"


# -- the services: one representative refusal of each module --------------------------


def test_an_invalid_id_number_typed_at_identify(ctx: ServiceContext) -> None:
    error = _refused(lambda: residents_svc.identify(ctx, "110105194912310021"), residents_svc.InvalidInput)
    assert error.message == "校验码不对：最后一位与前17位不符，请核对号码是否输错"
    assert _check(error, "check_digit").startswith("The check character does not match")
    short = _refused(lambda: residents_svc.identify(ctx, "12345"), residents_svc.InvalidInput)
    assert "5" in _check(short, "length")


def test_residents_refusals(ctx: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    unregistered = _refused(lambda: residents_svc.identify(ctx, "110101198001010037"), residents_svc.NotRegistered)
    english = _check(unregistered, "not_registered")
    assert "1101**********0037" in english and "counter A" in english
    assert isinstance(unregistered, residents_svc.NotRegistered)
    assert unregistered.id_number == "110101198001010037"
    printed = _refused(lambda: residents_svc.identify(ctx, f"T{ctx.today():%Y%m%d}A001"), residents_svc.PrintedCode)
    assert _check(printed, "printed_code").startswith("This is a barcode printed by this kiosk")
    assert isinstance(printed, residents_svc.PrintedCode) and printed.kind == "ticket"
    unknown = _refused(lambda: residents_svc.identify(ctx, "548426099"))
    _check(unknown, "card_unknown")


def test_service_password_refusals(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    weak = _refused(lambda: password_svc.set_password(clerk, person.id, "123456", id_card_checked=True))
    assert weak.message == "服务密码不能是连续数字（如123456、654321），请换一个"
    assert "run of digits" in _check(weak, "weak_password")
    password_svc.set_password(clerk, person.id, "739164", id_card_checked=True)
    wrong = _refused(lambda: password_svc.open_records(clerk, person.id, "000111", via="id_number"),
                     password_svc.WrongServicePassword)
    assert isinstance(wrong, password_svc.WrongServicePassword) and wrong.remaining == 4
    assert "4 more times" in _check(wrong, "wrong_password")
    bad_number = _refused(lambda: password_svc.resident_id_for(clerk, "1101"))
    _check(bad_number, "length")


def test_duties_refusal_names_the_document() -> None:
    error = _refused(lambda: duties.check_decision_inputs("injury_determination", "determined", {}, TODAY))
    assert error.message == "请填写人社局工伤认定决定书的文号（按收到的决定书填写）"
    assert "work-injury determination" in _check(error, "missing_decision_number")


def test_rule_audit_refusal(clerk: ServiceContext) -> None:
    error = _refused(lambda: rule_audit.explain(clerk, "after_death", "benefit_payment", 1, "核实"),
                     rule_audit.AuditError)
    assert "supervisor" in _check(error, "supervisor_only")


def test_applications_refusals(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    unknown_type = _refused(lambda: applications.submit(clerk, person.id, "no_such_type"))
    _check(unknown_type, "unknown_type")
    bad_material = _refused(lambda: applications.submit(clerk, person.id, "card_apply", {}, ["no_such_material"]))
    assert "no_such_material" in _check(bad_material, "unknown_material")
    info = applications.submit(clerk, person.id, "card_loss", {})
    illegal = _refused(lambda: applications.advance(clerk, info.number, "no_such_step"))
    _check(illegal, "illegal_transition")


def test_application_effects_refusal(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    error = _refused(lambda: applications.check(clerk, person.id, "assessment", {"scheme": "flexible"}))
    assert error.message == "尚未参加灵活就业人员养老保险，请先办理参保登记"
    assert "flexible-worker" in _check(error, "not_enrolled")
    missing = _refused(lambda: applications.check(clerk, person.id, "injury_determination",
                                                  {"accident_date": "yesterday"}))
    assert missing.message == "事故日期应为日期（如 2026-03-01），收到“yesterday”"
    assert _check(missing, "bad_date") == 'The accident date must be a date (for example 2026-03-01); got "yesterday"'


def test_calculate_contribution_is_read_only_and_refuses_in_the_readers_language(
        clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    from kiosk.services import application_effects
    from kiosk.services.payments import policy

    person = make_resident()
    floor = policy(clerk).wage.base_floor_fen
    data = {"scheme": "flexible", "base": {"base_fen": floor}, "start_month": "2026-03", "month_count": 2}
    figures = application_effects.calculate_contribution(clerk, person.id, data)
    assert data == {"scheme": "flexible", "base": {"base_fen": floor}, "start_month": "2026-03", "month_count": 2}
    notice = figures["notice"]
    assert notice["months"] == ["2026-03-01", "2026-04-01"]
    monthly = sum(line["monthly_fen"] for line in notice["lines"] if line["payer"] == "individual")
    assert figures["amount_fen"] == notice["individual_fen"] == 2 * monthly > 0
    too_many = _refused(lambda: application_effects.calculate_contribution(clerk, person.id,
                                                                           {**data, "month_count": 40}))
    _check(too_many, "bad_month_count")
    no_base = _refused(lambda: application_effects.calculate_contribution(clerk, person.id, {"scheme": "flexible"}))
    _check(no_base, "missing_base_fen")


def test_a_step_that_overdraws_shows_the_ledgers_message(clerk: ServiceContext,
                                                         make_resident: Callable[..., ResidentInfo],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from db.ledger import account_for, post
    from kiosk.services import application_effects

    person = make_resident()

    def overdraw(ctx: ServiceContext, row: object, data: object) -> None:
        account = account_for(person.id, "pension_resident", today=ctx.today(), now=ctx.now())
        post(account, -5_000, "payout", entry_date=ctx.today(), now=ctx.now())

    monkeypatch.setitem(application_effects._HANDLERS, ("test_overdraw", "paid"), overdraw)
    workflow: Any = SimpleNamespace(type="test_overdraw")
    with clerk.database.atomic():
        error = _refused(lambda: application_effects.apply(clerk, None, workflow, "paid", {}))  # type: ignore[arg-type]
    assert error.message.startswith("个人账户余额不足：余额 0.00 元，本次支出 50.00 元")
    assert _check(error, "ledger").startswith(
        "The personal account does not hold enough: balance 0.00 yuan, this payment 50.00 yuan")


def test_transfers_refusal(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    error = _refused(lambda: applications.check(clerk, person.id, "transfer", {"kind": "sideways"}))
    _check(error, "bad_kind")


def test_maintenance_refusal(clerk: ServiceContext) -> None:
    session = login(clerk, "1001", "2580")
    error = _refused(lambda: maintenance.record(clerk, session, "quit"))
    assert "supervisor" in _check(error, maintenance.REFUSED)


def test_payments_refusals(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    method = _refused(lambda: payments.pay_resident_pension(clerk, person.id, 20000, "cheque"))
    _check(method, "bad_method")
    amount = _refused(lambda: payments._tendered("三百", 10000, "cash"))
    assert amount.message == "“三百”不是金额，请只输入数字和小数点"
    # The typed text is the resident's own; the sentence around it is English.
    assert _shown(amount, "en").endswith("is not an amount. Please type only digits and a decimal point")


def test_queue_refusals(ctx: ServiceContext) -> None:
    score = _refused(lambda: queue.rate(ctx, "A001", 9))
    _check(score, "bad_score")
    ticket = _refused(lambda: queue.rate(ctx, "xyz", 3))
    assert "xyz" in _check(ticket, "bad_ticket")


def test_report_period_refusals(ctx: ServiceContext) -> None:
    today = ctx.today()
    _check(_refused(lambda: queue_reports.queue_report(ctx, today, today - dt.timedelta(days=1))), "bad_period")
    _check(_refused(lambda: reports.daily_report(ctx, today, today - dt.timedelta(days=1))), "bad_range")


def test_benefit_run_refusal() -> None:
    error = _refused(lambda: benefit_run.parse_month("March"))
    assert error.message == "月份应写成 YYYY-MM（如 2026-03），收到“March”"
    assert _check(error, "bad_month") == 'Write the month as YYYY-MM (for example 2026-03); got "March"'
