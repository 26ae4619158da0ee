"""One sample document per template, deterministic (fixed time, seeded codes)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from printers import templates as t
from printers.document import Document

PERSON = t.Person("张三丰", "110101199003074514")
RARE = t.Person("𠮷祥", "110101199003074514")
TIME = dt.datetime(2026, 11, 29, 9, 30, 5, tzinfo=ZoneInfo("Asia/Shanghai"))


def ctx(seed: int = 7, training: bool = False) -> t.ReceiptContext:
    return t.ReceiptContext("示范镇社保服务大厅", "T01", TIME, training=training, rng=random.Random(seed))


def ticket() -> Document:
    return t.queue_ticket(ctx(1), t.TicketInput("A007", "社保卡业务", "T20261129A007", 5, 40, "1、2号窗口",
                                               qr_data="https://example.org/q/T20261129A007"))


def acceptance() -> Document:
    return t.acceptance_receipt(ctx(2), t.AcceptanceInput(
        "SQ20261129000123", "城乡居民基本养老保险待遇申领", PERSON,
        ("居民身份证原件", "户口簿原件", "本人银行卡或社保卡（金融账户已激活）"), 20, clerk="0012"))


def assessment() -> Document:
    return t.assessment_notice(ctx(3), t.AssessmentInput(
        PERSON, "2027年度", "灵活就业人员",
        (t.AssessmentLine("企业职工养老保险", 480000, Decimal("0.20"), 96000),
         t.AssessmentLine("职工医疗保险", 480000, Decimal("0.075"), 36000)),
        due_date=dt.date(2026, 12, 31)))


def payment() -> Document:
    return t.payment_receipt(ctx(4), t.PaymentInput(
        PERSON, (("城乡居民养老保险 2027年 第五档", 80000), ("城乡居民医疗保险 2027年", 40000)),
        "现金", "RC7K2M9Q4T1B", clerk="0012"))


def statement() -> Document:
    rows = tuple(t.StatementRow(f"{m:02d}月", 400000, 32000, 64000) for m in range(1, 13))
    return t.contribution_statement(ctx(5), t.StatementInput(
        PERSON,
        (t.StatementYear(2024, "职工养老保险", rows), t.StatementYear(2025, "职工养老保险", rows[:6])),
        total_months=18, account_balance_fen=612345))


def benefit() -> Document:
    return t.benefit_slip(ctx(6), t.BenefitInput(
        PERSON, "基本养老金", "2026年11月", (("基础养老金", 123400), ("个人账户养老金", 56789), ("过渡性养老金", 30000)),
        bank_account="6217****1234", paid_on=dt.date(2026, 11, 15)))


def estimate() -> Document:
    return t.pension_estimate(ctx(7), t.EstimateInput(
        PERSON, dt.date(2050, 3, 7),
        (("缴费年限", "30年"), ("平均缴费指数", "0.8"), ("计发基数", "9,000.00")),
        (t.EstimateStep("基础养老金", "9,000.00×(1+0.8)÷2×30×1%", 243000),
         t.EstimateStep("个人账户养老金", "账户储存额 200,000.00÷139", 143885)),
        386885))


def transfer() -> Document:
    return t.transfer_letter(ctx(8), t.TransferInput(
        PERSON, "SQ20261129000124", "职工养老保险跨省转移", "江西省赣州市", "广东省深圳市", 96, 3456789, 2345678))


def report() -> Document:
    return t.daily_report(ctx(9), t.DailyReportInput(
        dt.date(2026, 11, 29),
        (t.ReportSection("排队", ("类别", "取号", "办结", "过号"), (("A 社保卡", "52", "48", "3"), ("B 养老", "31", "30", "1"))),),
        totals=(("受理业务", "27件"),), payments_fen=1234500, alerts=("打印机缺纸 1 次",), operator="0001"))


def rare_name() -> Document:
    return t.queue_ticket(ctx(10), t.TicketInput("B012", "养老保险", "T20261129B012", 0, 0, person=RARE))


def notice() -> Document:
    return t.one_time_notice(ctx(11), t.NoticeInput(
        "SQ20261129000124", "城乡居民养老保险参保登记", PERSON,
        (t.MissingMaterial("户口簿", "户籍所在地派出所", "需补正"),
         t.MissingMaterial("银行账户（或具有金融功能的社保卡）", "任一合作银行网点开户，或使用有金融功能的社保卡"),
         t.MissingMaterial("近期白底免冠照片", "照相馆或本大厅自助拍照机", "背景不是白色")),
        counter="3号窗口", clerk="0012"))


ALL = {
    "ticket": ticket, "acceptance": acceptance, "assessment": assessment, "payment": payment,
    "statement": statement, "benefit": benefit, "estimate": estimate, "transfer": transfer,
    "report": report, "rare_name": rare_name, "notice": notice,
}
