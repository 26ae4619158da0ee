"""Registration and lookup at the counter; the supervisor's report and its .xlsx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from db.models import AuditEntry, Card
from kiosk.services import Conflict, NotFound, ServiceContext, ServiceError, payments, registration, reports
from kiosk.services import applications as apps
from kiosk.services.registration import ResidentInfo
from tests.services.conftest import id_number


def test_register_issues_card_and_audits(clerk: ServiceContext) -> None:
    number = id_number(dt.date(1970, 2, 3), 21)
    info = registration.register_resident(clerk, number, "赵四", phone="13912345678", village="南村")
    assert info.sex == "male" and info.birth_date == dt.date(1970, 2, 3) and info.age == 56
    assert info.card is not None and len(info.card.card_number) == 9 and info.card.status_name == "正常"
    assert info.masked_name == "赵*" and info.masked_phone != info.phone
    assert AuditEntry.select().where(AuditEntry.action == "resident.register").count() == 1
    with pytest.raises(Conflict, match="已登记"):
        registration.register_resident(clerk, number, "赵四")
    with pytest.raises(Conflict, match="已有社保卡"):
        registration.issue_card(clerk, info.id)


@pytest.mark.parametrize(("id_text", "phone", "region", "category", "needle"), [
    ("360726197002030210", "", None, "", "身份证号码有误"),
    (id_number(dt.date(1970, 2, 3), 23), "12345", None, "", "联系电话"),
    (id_number(dt.date(1970, 2, 3), 23), "", "城镇", "", "户籍地"),
    (id_number(dt.date(1970, 2, 3), 23), "", "990101", "", "户籍地"),
    (id_number(dt.date(1970, 2, 3), 23), "", None, "female_cadre", "男性不填退休类别"),
    (id_number(dt.date(1970, 2, 3), 24), "", None, "农民", "退休类别"),
])
def test_register_refuses_bad_fields(clerk: ServiceContext, id_text: str, phone: str, region: str | None,
                                     category: str, needle: str) -> None:
    with pytest.raises(ServiceError, match=needle):
        registration.register_resident(clerk, id_text, "钱五", phone=phone, hukou_region=region,
                                       retirement_category=category)


def test_register_records_hukou_region_and_womans_category(clerk: ServiceContext) -> None:
    woman = registration.register_resident(clerk, id_number(dt.date(1975, 3, 1), 24), "孙丽",
                                           retirement_category="女干部")
    assert woman.hukou_region == "360726"  # from the ID number, the person confirming
    assert woman.retirement_category == "female_cadre" and woman.hukou == ""
    moved = registration.register_resident(clerk, id_number(dt.date(1975, 3, 1), 26), "周梅",
                                           hukou_region="３６０７３０", retirement_category="female_worker")
    assert moved.hukou_region == "360730" and moved.retirement_category == "female_worker"
    man = registration.register_resident(clerk, id_number(dt.date(1975, 3, 1), 25), "吴刚")
    assert man.retirement_category == "male"
    changed = registration.update_contact(clerk, woman.id, hukou_region="360781", retirement_category="female_worker")
    assert changed.hukou_region == "360781" and changed.retirement_category == "female_worker"
    audit = AuditEntry.select().where(AuditEntry.action == "resident.update").get()
    assert audit.detail["old"] == {"hukou_region": "360726", "retirement_category": "female_cadre"}


def test_find_resident_by_every_code(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    person = make_resident()
    assert person.card is not None
    assert registration.find_resident(clerk, person.id_number.lower()).found_by == "id_number"
    assert registration.find_resident(clerk, f" {person.card.card_number} ").id == person.id
    loss = apps.submit(clerk, person.id, "card_loss")
    assert registration.find_resident(clerk, loss.number).found_by == "application"
    frozen = registration.find_resident(clerk, person.card.card_number)
    assert frozen.card is not None and frozen.card.status == "frozen"  # the counter still finds it
    with pytest.raises(NotFound, match="尚未登记"):
        registration.find_resident(clerk, id_number(dt.date(1999, 9, 9), 41))
    with pytest.raises(ServiceError, match="位数不对"):
        registration.find_resident(clerk, "12345")
    with pytest.raises(NotFound):
        registration.find_resident(clerk, "SQ20261129999999")


def test_daily_report_and_xlsx(clerk: ServiceContext, make_resident: Callable[..., ResidentInfo],
                               tmp_path: Path) -> None:
    people = [make_resident(village="东村") for _ in range(3)] + [make_resident(village="西村")]
    make_resident(dt.date(2015, 1, 1), village="东村")  # a child: not counted for 参保率
    for person in people[:2]:
        info = apps.submit(clerk, person.id, "enrol_resident_pension", materials_received=["id_card", "hukou", "bank"])
        for status in ("reviewed", "account_opened", "card_issued"):
            apps.advance(clerk, info.number, status)
    apps.submit(clerk, people[3].id, "card_loss")
    tier = payments.resident_pension_tiers(clerk)[1]
    payments.pay_resident_pension(clerk, people[0].id, tier.annual_fen, "cash")
    payments.pay_resident_pension(clerk, people[1].id, tier.annual_fen, "bank")
    report = reports.daily_report(clerk)
    counts = {(b.type, b.status): b.count for b in report.business}
    assert counts == {("enrol_resident_pension", "card_issued"): 2, ("card_loss", "reported"): 1}
    assert {(p.method, p.count, p.amount_fen) for p in report.payments} == {("cash", 1, tier.annual_fen),
                                                                          ("bank", 1, tier.annual_fen)}
    east = next(c for c in report.coverage if c.village == "东村" and c.insurance == "pension")
    assert (east.residents, east.enrolled) == (3, 2) and str(east.rate) == "0.6667"
    path = reports.export_xlsx(report, tmp_path / "daily.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["业务统计", "收款统计", "参保率", "审计锚点"]
    money = book["收款统计"]
    assert [c.value for c in money[1]] == ["日期", "支付方式", "笔数", "金额（元）"]
    amounts = [row[3].value for row in money.iter_rows(min_row=2)]
    assert amounts[-1] == pytest.approx(2 * tier.annual_fen / 100) and money.cell(2, 4).number_format == "#,##0.00"
    cover = {(r[0].value, r[1].value): r[4].value for r in book["参保率"].iter_rows(min_row=2)}
    assert cover[("东村", "养老保险")] == pytest.approx(0.6667) and cover[("西村", "养老保险")] == 0
    yesterday = reports.daily_report(clerk, dt.date(2026, 11, 28))
    assert yesterday.business == () and yesterday.payments == ()
    assert Card.select().count() == 5
