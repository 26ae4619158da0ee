"""The records services' refusals reach the English counter in English: each is a catalog
message (``ServiceError.keyed``, kiosk/i18n/*/refusals_records.toml and older area files)
whose Chinese rendering is the error's ``message``, with its ``code`` kept. A refusal that
passes on a rule's message (an ID number, a typed text, an amount) shows that message in
the screen's language too. And no raise in these modules writes its message in Chinese:
:data:`KEYED_MODULES` is every module of kiosk/services."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kiosk.i18n import Translator, catalog, translate_message
from kiosk.policy import load_policy
from kiosk.rules import benefits, medical, pension, transfer
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.registration import ResidentInfo
from tests.services.conftest import id_number
from tests.services.test_fix17_service_keys import _shown

#: Han characters, CJK punctuation and full-width forms: none belong in English.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SERVICES = Path(__file__).resolve().parents[2] / "kiosk" / "services"

#: The modules whose raises must be keyed: every kiosk/services module.
KEYED_MODULES = tuple(sorted(path.stem for path in SERVICES.glob("*.py")))


def _check(error: ServiceError, code: str) -> str:
    """``error`` is keyed, keeps ``code``, shows ``message`` on a Chinese screen and plain
    English on an English one; returns the English."""
    assert error.key and error.code == code, (error.key, error.code, error.message)
    assert HAN.search(error.message), error.message  # message stays the Chinese form
    assert _shown(error, "zh_CN") == error.message
    english = _shown(error, "en")
    assert english != error.key and not CHINESE.search(english), english
    return english


def _refused(call: Callable[[], Any], kind: type[Exception] = ServiceError) -> Any:
    with pytest.raises(kind) as refused:
        call()
    return refused.value


# -- one representative refusal of each module ----------------------------------------


def test_lifecycle_apps_refusals() -> None:
    from kiosk.services import lifecycle_apps as apps

    missing = _refused(lambda: apps._text({}, "heir_name", "heir_name"))
    assert _check(missing, "missing_heir_name") == "Please fill in the heir's name"
    assert missing.message == "请填写继承人姓名"
    bad = _refused(lambda: apps._day({"death_date": "2026-13-01"}, "death_date"))
    assert _check(bad, "bad_death_date") == 'Not a date: the date of death should look like 2026-03-01 (got "2026-13-01")'


def test_lifecycle_refusal(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    from kiosk.services import lifecycle

    person = make_resident()
    error = _refused(lambda: lifecycle.change_enrolment(clerk, person.id, "pension", "resident", "resume",
                                                        clerk.today()))
    assert _check(error, "no_enrolment") == "There is no enrolment to resume (pension/resident)"
    assert error.message == "没有可恢复的参保记录（pension/resident）"
    future = _refused(lambda: lifecycle.record_death(clerk, person.id, clerk.today() + dt.timedelta(days=1)))
    assert "after today" in _check(future, "bad_date")


def test_registration_refusals_and_a_rule_message_inside_one(clerk: ServiceContext) -> None:
    from kiosk.services import registration

    region = _refused(lambda: registration._region("abc"))
    assert "region code" in _check(region, "bad_region")
    valid = id_number(dt.date(1980, 1, 1), 11)
    wrong_digit = _refused(lambda: registration.register_resident(clerk, "110105194912310022", "张三"))
    english = _check(wrong_digit, "check_digit")
    assert english.startswith("The ID number is wrong: ") and "check character" in english
    assert wrong_digit.message.startswith("身份证号码有误：校验码不对")
    short = _refused(lambda: registration.register_resident(clerk, "12345", "张三"))
    assert "5 characters" in _check(short, "length")  # the rule's own parameter, in English
    invisible = _refused(lambda: registration.register_resident(clerk, valid, "张\u200b三"))
    assert _check(invisible, invisible.code).startswith("Name: ")


def test_registration_find_refusals(clerk: ServiceContext) -> None:
    from kiosk.services import registration

    card = _refused(lambda: registration.find_resident(clerk, "548426099"), registration.NotFound)
    assert _check(card, "card_number_unknown").startswith("There is no record of this social security card")
    nobody = _refused(lambda: registration.find_resident(clerk, id_number(dt.date(1980, 1, 1), 13)))
    assert "is not registered" in _check(nobody, "id_number_unknown")
    typo = _refused(lambda: registration.find_resident(clerk, "110105194912310022"))
    assert "check character" in _check(typo, "check_digit")


def test_staff_refusal_names_action_and_roles(clerk: ServiceContext) -> None:
    from kiosk.services import staff

    error = _refused(lambda: staff.add_staff(clerk, "1009", "赵六", "clerk", "2581"), staff.PermissionDenied)
    assert _check(error, "") == "Adding a staff member needs the admin role; you are logged in as clerk"
    assert error.message == "添加工作人员需要管理员权限，当前登录的是经办员"
    wrong = _refused(lambda: staff.login(clerk, "1001", "9999"), staff.LoginFailed)
    assert wrong.message == staff.WRONG
    _check(wrong, "login_failed")
    weak = _refused(lambda: staff.change_pin(clerk, "1001", "2580", "1111"))
    assert _check(weak, "weak_pin").startswith("The PIN is too simple")


def test_entitlement_refusals() -> None:
    from kiosk.services import entitlement as ent

    error = _refused(lambda: ent.Facts({"grade": "nine"}).integer("grade"), ent.EntitlementError)
    assert _check(error, "bad_fact") == 'grade must be a whole number (got "nine")'
    money = _refused(lambda: ent.Facts({"bill": "12.3.4"}).money("bill"), ent.EntitlementError)
    assert _check(money, "bad_fact").startswith("bill: ")


#: A refusal of each pure benefit rule (kiosk/rules) that a claim passes on as ``bad_fact``.
MEDICAL = load_policy(None).policy_for(dt.date(2026, 11, 29)).medical
BENEFIT_RULE_REFUSALS: dict[str, Callable[[], Any]] = {
    "grade": lambda: benefits.injury_lump_sum_months(11),
    "miscarriage": lambda: benefits.maternity_leave_days(False, 0, -1),
    "applied_early": lambda: benefits.check_injury_application(dt.date(2026, 3, 2), dt.date(2026, 3, 1), "worker"),
    "medical_amount": lambda: medical.reimburse(-1, "township", MEDICAL),
    "hospital_level": lambda: medical.reimburse(100, "moon", MEDICAL),
    "pension_index": lambda: pension.employee_pension(
        computation_base_fen=700_000, average_index=Decimal("3.5"), contribution_months=180,
        account_balance_fen=0, retirement_age_months=720),
    "pension_deemed": lambda: pension.employee_pension(
        computation_base_fen=700_000, average_index=Decimal("1"), contribution_months=10,
        account_balance_fen=0, retirement_age_months=720, deemed_months=20),
    "divisor_age": lambda: pension.months_divisor(80),
    "transfer_year": lambda: transfer.transfer_amount(0, [transfer.YearBase(2001, 100, 13)]),
    "transfer_overlap": lambda: transfer.link_schemes(
        employee_months=10, resident_months=10, employee_balance_fen=0, resident_balance_fen=0, overlap_months=11),
}


@pytest.mark.parametrize("case", sorted(BENEFIT_RULE_REFUSALS))
def test_a_benefit_rule_refusal_names_its_catalog_message(case: str) -> None:
    with pytest.raises(ValueError) as refused:
        BENEFIT_RULE_REFUSALS[case]()
    error: Any = refused.value
    assert error.key in catalog("zh_CN") and error.key in catalog("en"), error.key
    chinese = translate_message(Translator("zh_CN"), error.key, error.params)
    english = translate_message(Translator("en"), error.key, error.params)
    assert HAN.search(chinese) and "{" not in chinese, chinese
    assert not CHINESE.search(english) and "{" not in english, english


def test_a_claim_shows_a_rules_refusal_in_the_screens_language(
        clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    from db.models import Enrolment
    from kiosk.services import entitlement as ent

    person = make_resident()
    with clerk.database.connection_context():
        Enrolment.create(resident=person.id, insurance="medical", scheme="resident", status="active",
                         start_date=clerk.today() - dt.timedelta(days=400))
    level = _refused(lambda: ent.decide(clerk, person.id, "medical", facts={"total": "3000", "level": "moon"}),
                     ent.EntitlementError)
    english = _check(level, "bad_fact")
    assert english.startswith('The hospital level "moon" is not in the policy file (choose one of: ')
    assert level.message.startswith("医院等级“moon”不在政策文件中")


def test_the_pension_input_sentence_holds_the_rules_message_with_its_params() -> None:
    from kiosk.services import entitlement as ent

    with pytest.raises(pension.PensionError) as refused:
        BENEFIT_RULE_REFUSALS["pension_index"]()
    rule = refused.value
    error = ent.EntitlementError.keyed("refusal.entitlement.pension_input", "bad_fact", **rule.params,
                                       reason_key=rule.key)
    assert _check(error, "bad_fact") == ("The facts for the pension calculation are wrong: The average contribution "
                                         "index 3.5 is not between 0.6 and 3.0; please check it against the "
                                         "contribution records")
    assert error.message == "养老金计算所需信息有误：平均缴费指数 3.5 不在 0.6 至 3.0 之间，请按缴费记录核对"


def test_survivors_refusal() -> None:
    from kiosk.services import survivors

    error = _refused(lambda: survivors.check(7, [7]))
    assert _check(error, "bad_survivor").startswith("A survivor cannot be the deceased person")


def test_certificates_refusals(clerk: ServiceContext) -> None:
    from kiosk.services import certificates

    qr = _refused(lambda: certificates._parse("SBZM2:RC123"))
    assert _check(qr, "bad_code").startswith("The QR code is incomplete")
    period = _refused(lambda: certificates._check_period(clerk, clerk.today(), clerk.today() - dt.timedelta(days=40)))
    assert _check(period, "bad_period").startswith("The period is wrong")
    typed = _refused(lambda: certificates._parse("RC\u200b12"))
    assert _check(typed, "bad_code").startswith("The verification code is not valid: ")


def test_accounts_refusal(clerk: ServiceContext) -> None:
    from kiosk.services import accounts

    year = clerk.today().year
    error = _refused(lambda: accounts.credit_interest(clerk, year))
    assert _check(error, "year_open").startswith(f"The year {year} has not ended")


def test_info_change_refusals() -> None:
    from kiosk.services import info_change

    day = dt.date(2026, 3, 1)
    field = _refused(lambda: info_change.normalise_value("photo", "x", day))
    _check(field, "bad_field")
    bank = _refused(lambda: info_change.normalise_value("bank_account", "12", day))
    assert _check(bank, "bad_bank_account")
    typed = _refused(lambda: info_change.normalise_value("name", "李\u202e四", day))
    assert _check(typed, typed.code).startswith("Wrong input: ")
    new_id = _refused(lambda: info_change.normalise_value("id_number", "110105194912310022", day))
    # The ID check's own message inside the refusal, in the screen's language.
    assert _check(new_id, "check_digit").startswith("The new ID number is wrong: The check character")
    assert new_id.message.startswith("新身份证号码有误：校验码不对")


def test_lifecycle_apps_passes_on_an_id_check_in_the_screens_language(clerk: ServiceContext) -> None:
    from kiosk.services import lifecycle_apps as apps

    short = _refused(lambda: apps._survivor_id(clerk, "12345"))
    english = _check(short, "bad_survivors")
    assert english.startswith("Survivor's ID number: ") and "5 characters" in english
    assert "校验码" in _refused(lambda: apps._survivor_id(clerk, "110105194912310022")).message


def test_enrolment_refusals(clerk: ServiceContext) -> None:
    from kiosk.services import enrolment

    scheme = _refused(lambda: enrolment.plan("enrol_employee", {"scheme": "resident"}))
    _check(scheme, "bad_scheme")
    employer = _refused(lambda: enrolment._employer(clerk, {"employer_uscc": "91-NOT-A-CODE"}))
    assert "91-NOT-A-CODE" in _check(employer, "bad_employer")



def test_enrolment_passes_on_a_rule_refusal_in_the_screens_language(
        clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    from db.models import Resident
    from kiosk.services import enrolment

    student = Resident.get_by_id(make_resident(dt.date(2006, 1, 1)).id)
    error = _refused(lambda: enrolment.check_enrolment(clerk, student, "enrol_resident_pension",
                                                       {"student": True}, staff=True))
    assert _check(error, "student").startswith("Full-time students do not join")
    assert error.key == "refusal.enrolment.student"
    year = _refused(lambda: enrolment.check_resident_year(student, clerk.today().year + 1, clerk.today()))
    _check(year, "future_year")


def test_claims_refusal() -> None:
    from kiosk.services import claims
    from kiosk.services import entitlement as ent

    decision = ent.Decision("unemployment", False, ("not_enrolled",), None, None, None, ())
    _check(claims.refusal(decision, "受理"), "not_entitled")


def test_estimate_retirement_step_in_both_languages() -> None:
    from kiosk.i18n import Translator
    from kiosk.services.entitlement import render_steps
    from kiosk.services.estimate import retirement_note

    note = retirement_note(dt.date(2031, 7, 1), 726)
    assert render_steps([note], Translator("zh_CN")) == ["法定退休日期：2031-07-01（60岁6个月）"]
    assert render_steps([retirement_note(dt.date(2031, 7, 1), 720)], Translator("zh_CN")) == ["法定退休日期：2031-07-01（60岁）"]
    assert render_steps([note], Translator("en")) == ["Statutory retirement date: 2031-07-01 (age 60 years 6 months)"]
    assert render_steps([retirement_note(dt.date(2031, 7, 1), 720)], Translator("en"))[0].endswith("(age 60 years 0 months)")


# -- no raise writes its message in Chinese --------------------------------------------


def _service_error_names(modules: tuple[str, ...]) -> set[str]:
    """The names of ServiceError and every subclass known once ``modules`` are imported."""
    for name in modules:
        importlib.import_module(f"kiosk.services.{name}")
    names: set[str] = set()
    pending: list[type] = [ServiceError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return names


def _call_name(call: ast.Call) -> str:
    return getattr(call.func, "id", getattr(call.func, "attr", ""))


def _message_args(call: ast.Call) -> list[ast.expr]:
    """What a constructor call passes as the message: its first argument or ``message=``."""
    return call.args[:1] + [k.value for k in call.keywords if k.arg == "message"]


def _chinese_literal(node: ast.expr) -> bool:
    """A string literal or f-string with Han text anywhere in ``node`` (a concatenation too)."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and HAN.search(n.value)
               for n in ast.walk(node))


def chinese_messages(source: str, error_names: set[str]) -> Iterator[tuple[int, str]]:
    """(line, code) of each place that writes an error's message in Chinese: a ``raise X(...)``,
    a ServiceError (subclass) built anywhere, and ``super().__init__(...)`` inside a subclass."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        calls: list[ast.Call] = []
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            calls.append(node.exc)
        elif isinstance(node, ast.Call) and _call_name(node) in error_names:
            calls.append(node)
        elif isinstance(node, ast.ClassDef) and node.name in error_names:
            calls += [c for c in ast.walk(node) if isinstance(c, ast.Call) and _call_name(c) == "__init__"]
        for call in calls:
            if any(_chinese_literal(arg) for arg in _message_args(call)):
                yield call.lineno, ast.get_source_segment(source, call) or ""


@pytest.mark.parametrize("module", KEYED_MODULES)
def test_no_raise_writes_its_message_in_chinese(module: str) -> None:
    source = (SERVICES / f"{module}.py").read_text(encoding="utf-8")
    found = sorted(set(chinese_messages(source, _service_error_names(KEYED_MODULES))))
    assert found == [], f"kiosk/services/{module}.py: raise X.keyed(key, code, **params) instead: {found}"


def test_the_check_finds_a_chinese_message() -> None:
    names = {"ServiceError", "NotFound", "Gone"}
    source = '''
raise ServiceError("没有这位参保人的记录", code="x")
raise ValueError(f"{year}年度尚未结束")
error = NotFound(message="找不到" + code)
class Gone(ServiceError):
    def __init__(self) -> None:
        super().__init__("已注销")
raise ServiceError.keyed("refusal.x", "x")
raise refusal(decision, "受理")
'''
    assert sorted({line for line, _ in chinese_messages(source, names)}) == [2, 3, 4, 7]
