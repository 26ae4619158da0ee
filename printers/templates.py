"""Builders for every receipt the hall prints.

Each builder takes a :class:`ReceiptContext` (hall, terminal, local time,
training flag, random source for codes), a small input dataclass defined
here (plain values, never service or database types) and returns a
:class:`~printers.document.Document`. Money is integer fen, shown with
:func:`kiosk.rules.money.format_yuan`; people are masked with
:mod:`kiosk.rules.identity` before anything reaches paper.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.rules.money import format_yuan
from printers.document import (
    QR,
    Barcode,
    BigText,
    Block,
    Divider,
    Document,
    ImageLine,
    KeyValue,
    Note,
    Table,
    Title,
    new_receipt_code,
)


@dataclass
class ReceiptContext:
    """Where and when a receipt is printed; the same for all receipts of a session."""

    hall: str
    terminal: str
    time: dt.datetime  # aware local time (Clock.now_local())
    training: bool = False
    rng: random.Random | None = None  # for verification codes; None = SystemRandom

    def code(self, given: str | None = None) -> str:
        return given or new_receipt_code(self.rng)


@dataclass(frozen=True)
class Person:
    """Who a receipt is for; masked on paper (张*明 1101**********4514)."""

    name: str
    id_number: str

    def masked(self) -> str:
        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"


def _identity(person: Person | None) -> str | None:
    return person.masked() if person else None


def yuan(fen: int) -> str:
    """Money on paper: "1,234.56元"."""
    return f"{format_yuan(fen)}元"


def percent(rate: Decimal | str) -> str:
    """A rate as a percentage without trailing zeros: 0.16 -> "16%", 0.005 -> "0.5%"."""
    value = (Decimal(str(rate)) * 100).normalize()
    text = format(value, "f")
    return f"{text}%"


# -- queue ticket -------------------------------------------------------------


@dataclass(frozen=True)
class TicketInput:
    """A queue ticket: number (A007), category, scannable code, people ahead, wait."""

    number: str
    category: str
    ticket_code: str  # T20261129A007
    people_ahead: int
    wait_minutes: int
    counters: str = ""  # "1、2号窗口"
    person: Person | None = None
    qr_data: str | None = None  # defaults to the ticket code


def queue_ticket(ctx: ReceiptContext, ticket: TicketInput, *, code: str | None = None) -> Document:
    blocks: list[Block] = [
        BigText(ticket.number, caption=ticket.category),
        KeyValue("前面等候", f"{ticket.people_ahead}人"),
        KeyValue("预计等候", f"约{ticket.wait_minutes}分钟"),
    ]
    if ticket.counters:
        blocks.append(KeyValue("办理窗口", ticket.counters))
    blocks += [
        QR(ticket.qr_data or ticket.ticket_code, caption="扫码查看排队进度"),
        Barcode(ticket.ticket_code),
        Note("请留意叫号屏和语音提示，过号请到服务台重新取号。"),
    ]
    return Document(
        kind="ticket", title="排队号", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(ticket.person),
        training=ctx.training, footer_barcode=False,
    )


# -- acceptance receipt (受理回执) -----------------------------------------------


@dataclass(frozen=True)
class AcceptanceInput:
    """An application accepted: its number, business, materials to bring, working days."""

    application_no: str  # SQ20261129000123
    business: str
    person: Person
    materials: tuple[str, ...]
    expected_days: int
    clerk: str = ""  # staff number or name shown as 经办人
    status_url: str | None = None  # QR target; defaults to the application number


def acceptance_receipt(ctx: ReceiptContext, data: AcceptanceInput, *, code: str | None = None) -> Document:
    blocks: list[Block] = [
        KeyValue("受理编号", data.application_no),
        KeyValue("业务事项", data.business),
        KeyValue("受理日期", f"{ctx.time:%Y-%m-%d}"),
        KeyValue("承诺时限", f"{data.expected_days}个工作日" if data.expected_days else "当场办结"),
        Divider(),
        Title("请携带以下材料"),
    ]
    blocks += [Note(f"{i}. {m}") for i, m in enumerate(data.materials, 1)] or [Note("无需补充材料")]
    blocks += [
        Divider(),
        Barcode(data.application_no),
        QR(data.status_url or data.application_no, caption="扫码或凭受理编号查询办理进度"),
        Note("请妥善保管本回执，领取结果时出示。"),
    ]
    extra = (("经办人", data.clerk),) if data.clerk else ()
    return Document(
        kind="acceptance", title="受理回执", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person),
        training=ctx.training, footer_barcode=False, extra=extra,
    )


# -- one-time notice (一次性告知单) -----------------------------------------------


@dataclass(frozen=True)
class MissingMaterial:
    """One material still to bring: its name, what is wrong (补正) and where to get it."""

    name: str
    where: str
    problem: str = ""  # empty: not brought; else what must be corrected ("需补正" when not described)


@dataclass(frozen=True)
class NoticeInput:
    """一次性告知单: every material still missing for one application, told once and in full."""

    application_no: str
    business: str
    person: Person
    missing: tuple[MissingMaterial, ...]
    counter: str = ""  # where to come back (e.g. "3号窗口")
    clerk: str = ""


def one_time_notice(ctx: ReceiptContext, data: NoticeInput, *, code: str | None = None) -> Document:
    """The 一次性告知单 handed over when materials are missing or need correcting:
    each material with what to do and where it is issued, so one more visit is enough."""
    blocks: list[Block] = [
        KeyValue("受理编号", data.application_no),
        KeyValue("业务事项", data.business),
        KeyValue("告知日期", f"{ctx.time:%Y-%m-%d}"),
        Divider(),
        Title("请补齐以下材料"),
    ]
    for i, item in enumerate(data.missing, 1):
        detail = "" if item.problem in ("", "需补正") else f"：{item.problem}"
        blocks.append(Note(f"{i}. {item.name}" + (f"（需补正{detail}）" if item.problem else "")))
        if item.where:
            blocks.append(Note(f"   办理地点：{item.where}"))
    if not data.missing:
        blocks.append(Note("材料已齐全，无需补充"))
    blocks += [
        Divider(),
        Note("以上为本业务需补齐的全部材料，本单一次性告知。"),
        Note(f"材料备齐后请携本单到{data.counter or '窗口'}继续办理。"),
        Barcode(data.application_no),
    ]
    extra = (("经办人", data.clerk),) if data.clerk else ()
    return Document(
        kind="notice", title="一次性告知单", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person),
        training=ctx.training, footer_barcode=False, extra=extra,
    )


# -- assessment notice (缴费核定通知单) -------------------------------------------


@dataclass(frozen=True)
class AssessmentLine:
    """One insurance on the notice: base (fen), rate (Decimal) and amount (fen, already rounded)."""

    item: str
    base_fen: int
    rate: Decimal | str
    amount_fen: int
    employer: bool = False  # an employer share: shown, never part of what the person pays


@dataclass(frozen=True)
class AssessmentInput:
    """A contribution assessment for one year (or period).

    ``channel`` names who collects it (税务部门征收 / 银行代扣), ``how_to_pay`` the
    lines telling the payer how, ``reference`` the number the payer quotes to the
    channel (the application number), printed with a QR code.
    """

    person: Person
    period: str  # "2027年度" / "2026年12月"
    scheme: str  # "灵活就业人员" / "城乡居民"
    lines: tuple[AssessmentLine, ...]
    due_date: dt.date | None = None
    subsidy_fen: int = 0  # government subsidy (resident scheme), shown but not payable
    notes: tuple[str, ...] = ()
    channel: str = ""
    how_to_pay: tuple[str, ...] = ()
    reference: str = ""


def assessment_notice(ctx: ReceiptContext, data: AssessmentInput, *, code: str | None = None) -> Document:
    total = sum(line.amount_fen for line in data.lines if not line.employer)
    employer = sum(line.amount_fen for line in data.lines if line.employer)
    rows = tuple(
        (line.item, format_yuan(line.base_fen), percent(line.rate) if str(line.rate) else "-",
         format_yuan(line.amount_fen))
        for line in data.lines
    )
    blocks: list[Block] = [
        KeyValue("核定期间", data.period),
        KeyValue("参保身份", data.scheme),
        Table(("险种", "基数", "费率", "应缴"), rows),
        Divider(),
        KeyValue("个人应缴合计" if employer else "应缴合计", yuan(total), bold=True),
    ]
    if employer:
        # The person never pays the employer's share (SIL Art. 10, 12): it is shown, not collected.
        blocks.append(KeyValue("单位应缴", f"{yuan(employer)}（由单位申报缴纳）"))
    if data.subsidy_fen:
        blocks.append(KeyValue("政府补贴", yuan(data.subsidy_fen)))
    if data.due_date:
        blocks.append(KeyValue("缴费截止", f"{data.due_date:%Y-%m-%d}"))
    if data.channel:
        blocks.append(KeyValue("征收渠道", data.channel))
    blocks += [Note(n) for n in data.how_to_pay]
    if data.reference:
        blocks += [KeyValue("缴费核定单号", data.reference, bold=True),
                   QR(data.reference, caption="缴费时出示此码或报单号")]
    blocks += [Note(n) for n in data.notes]
    blocks.append(Note("金额单位：元。" if data.how_to_pay else "金额单位：元。请在截止日前到窗口或银行缴费。"))
    return Document(
        kind="assessment", title="缴费核定通知单", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person), training=ctx.training,
    )


# -- payment receipt ------------------------------------------------------------


@dataclass(frozen=True)
class PaymentInput:
    """Money received: items (label, fen), method, who received it."""

    person: Person
    items: tuple[tuple[str, int], ...]
    method: str  # 现金 / 银行卡 / 社保卡
    receipt_code: str  # Payment.receipt_code (RC...), printed as the verification code
    clerk: str = ""


def payment_receipt(ctx: ReceiptContext, data: PaymentInput) -> Document:
    total = sum(fen for _, fen in data.items)
    blocks: list[Block] = [Table(("项目", "金额"), tuple((label, format_yuan(fen)) for label, fen in data.items))]
    blocks += [
        Divider(),
        KeyValue("合计", yuan(total), bold=True),
        KeyValue("支付方式", data.method),
        Note("此凭证为缴费收据，请妥善保管。"),
    ]
    extra = (("收款人", data.clerk),) if data.clerk else ()
    return Document(
        kind="payment", title="缴费收据", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=data.receipt_code, blocks=tuple(blocks), identity=_identity(data.person),
        training=ctx.training, extra=extra,
    )


# -- contribution statement (参保缴费凭证) ---------------------------------------


@dataclass(frozen=True)
class StatementRow:
    """One paid period: label ("01月" or "2024年"), base, individual and employer
    parts; for an annual resident-scheme row, the subsidy and what the personal
    account got (None where there is no personal account, e.g. resident medical)."""

    period: str
    base_fen: int
    individual_fen: int
    employer_fen: int = 0
    subsidy_fen: int = 0
    account_fen: int | None = None


@dataclass(frozen=True)
class StatementYear:
    """One year of one insurance; ``annual`` for resident schemes (tier and
    subsidy instead of base and employer part)."""

    year: int
    insurance: str  # "职工基本养老保险"
    rows: tuple[StatementRow, ...]
    annual: bool = False


@dataclass(frozen=True)
class StatementInput:
    """A multi-year statement of contributions; ``unpaid`` lists what was due
    and not paid ("2022年 城乡居民养老保险")."""

    person: Person
    years: tuple[StatementYear, ...]
    total_months: int
    account_balance_fen: int | None = None
    unpaid: tuple[str, ...] = ()


def _account(fen: int | None) -> str:
    return format_yuan(fen) if fen is not None else "-"


def contribution_statement(ctx: ReceiptContext, data: StatementInput, *, code: str | None = None) -> Document:
    blocks: list[Block] = []
    grand_individual = grand_employer = grand_subsidy = 0
    for year in data.years:
        individual = sum(r.individual_fen for r in year.rows)
        employer = sum(r.employer_fen for r in year.rows)
        subsidy = sum(r.subsidy_fen for r in year.rows)
        grand_individual += individual
        grand_employer += employer
        grand_subsidy += subsidy
        blocks.append(Title(f"{year.year}年 {year.insurance}"))
        if year.annual and any(r.account_fen is not None for r in year.rows):
            # Resident pension: no base and no employer; the tier paid, the subsidy and the account mean something.
            blocks.append(Table(
                ("年度", "缴费档次", "政府补贴", "计入个人账户"),
                tuple((r.period, format_yuan(r.individual_fen), format_yuan(r.subsidy_fen), _account(r.account_fen))
                      for r in year.rows),
            ))
            blocks.append(KeyValue(f"{year.year}年小计", f"个人{format_yuan(individual)} 补贴{format_yuan(subsidy)}"))
        elif year.annual:  # resident medical: a fixed fee and its subsidy, no personal account
            blocks.append(Table(
                ("年度", "个人缴费", "政府补贴"),
                tuple((r.period, format_yuan(r.individual_fen), format_yuan(r.subsidy_fen)) for r in year.rows),
            ))
            blocks.append(KeyValue(f"{year.year}年小计", f"个人{format_yuan(individual)} 补贴{format_yuan(subsidy)}"))
        else:
            blocks.append(Table(
                ("月份", "基数", "个人", "单位"),
                tuple((r.period, format_yuan(r.base_fen), format_yuan(r.individual_fen), format_yuan(r.employer_fen))
                      for r in year.rows),
            ))
            blocks.append(KeyValue(f"{year.year}年小计", f"个人{format_yuan(individual)} 单位{format_yuan(employer)}"))
        blocks.append(Divider())
    if data.unpaid:
        blocks.append(Title("应缴未缴"))
        blocks += [Note(f"- {line}") for line in data.unpaid]
        blocks.append(Divider())
    blocks += [
        KeyValue("累计缴费月数", f"{data.total_months}个月", bold=True),
        KeyValue("个人缴费合计", yuan(grand_individual)),
    ]
    if grand_employer or not grand_subsidy:
        blocks.append(KeyValue("单位缴费合计", yuan(grand_employer)))
    if grand_subsidy:
        blocks.append(KeyValue("政府补贴合计", yuan(grand_subsidy)))
    if data.account_balance_fen is not None:
        blocks.append(KeyValue("个人账户余额", yuan(data.account_balance_fen)))
    blocks.append(Note("本凭证由自助终端打印，可凭校验码到窗口核验真伪。"))
    return Document(
        kind="statement", title="参保缴费凭证", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person), training=ctx.training,
    )


# -- benefit payment slip -----------------------------------------------------------


@dataclass(frozen=True)
class BenefitInput:
    """Benefits paid in a period: the items and where the money went."""

    person: Person
    benefit: str  # "基本养老金" / "失业保险金"
    period: str  # "2026年11月"
    items: tuple[tuple[str, int], ...]
    bank_account: str = ""  # already masked, e.g. "6217****1234"
    paid_on: dt.date | None = None


def benefit_slip(ctx: ReceiptContext, data: BenefitInput, *, code: str | None = None) -> Document:
    total = sum(fen for _, fen in data.items)
    blocks: list[Block] = [
        KeyValue("待遇类别", data.benefit),
        KeyValue("发放期间", data.period),
        Table(("项目", "金额"), tuple((label, format_yuan(fen)) for label, fen in data.items)),
        Divider(),
        KeyValue("实发合计", yuan(total), bold=True),
    ]
    if data.bank_account:
        blocks.append(KeyValue("发放账户", data.bank_account))
    if data.paid_on:
        blocks.append(KeyValue("发放日期", f"{data.paid_on:%Y-%m-%d}"))
    return Document(
        kind="benefit", title="待遇发放明细", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person), training=ctx.training,
    )


# -- pension estimate ------------------------------------------------------------


@dataclass(frozen=True)
class EstimateStep:
    """One step of the calculation, e.g. ("基础养老金", "9,000.00×(1+0.8)÷2×30×1%", 243000)."""

    label: str
    detail: str
    amount_fen: int | None = None


@dataclass(frozen=True)
class EstimateInput:
    """A pension estimate: assumptions, steps and the monthly result."""

    person: Person
    retirement_date: dt.date
    assumptions: tuple[tuple[str, str], ...]
    steps: tuple[EstimateStep, ...]
    monthly_fen: int


def pension_estimate(ctx: ReceiptContext, data: EstimateInput, *, code: str | None = None) -> Document:
    blocks: list[Block] = [KeyValue("预计退休日期", f"{data.retirement_date:%Y-%m-%d}")]
    blocks += [KeyValue(k, v) for k, v in data.assumptions]
    blocks.append(Divider())
    for i, step in enumerate(data.steps, 1):
        blocks.append(KeyValue(f"{i}. {step.label}", yuan(step.amount_fen) if step.amount_fen is not None else ""))
        if step.detail:
            blocks.append(Note(f"   {step.detail}"))
    blocks += [
        Divider(),
        KeyValue("预计月养老金", yuan(data.monthly_fen), bold=True),
        Note("以上为按现行政策和假设条件的测算，仅供参考，以退休时核定为准。"),
    ]
    return Document(
        kind="estimate", title="养老金测算单", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person), training=ctx.training,
    )


# -- transfer letter ----------------------------------------------------------------


@dataclass(frozen=True)
class TransferInput:
    """A transfer of insurance relations (关系转移接续)."""

    person: Person
    application_no: str
    kind: str  # "职工养老保险跨省转移"
    from_region: str
    to_region: str
    months: int
    account_fen: int
    pooled_fen: int
    notes: tuple[str, ...] = ()


def transfer_letter(ctx: ReceiptContext, data: TransferInput, *, code: str | None = None) -> Document:
    blocks: list[Block] = [
        KeyValue("业务编号", data.application_no),
        KeyValue("转移类型", data.kind),
        KeyValue("转出地", data.from_region),
        KeyValue("转入地", data.to_region),
        KeyValue("缴费月数", f"{data.months}个月"),
        KeyValue("个人账户", yuan(data.account_fen)),
        KeyValue("统筹基金", yuan(data.pooled_fen)),
        KeyValue("转移合计", yuan(data.account_fen + data.pooled_fen), bold=True),
    ]
    blocks += [Note(n) for n in data.notes]
    blocks += [Barcode(data.application_no), Note("请将本凭证交转入地经办机构。")]
    return Document(
        kind="transfer", title="参保缴费凭证（转移）", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person), training=ctx.training,
    )


# -- daily report -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSection:
    """A table in the daily report."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DailyReportInput:
    """The day's figures: tickets by category, money, applications, alerts."""

    day: dt.date
    sections: tuple[ReportSection, ...]
    totals: tuple[tuple[str, str], ...] = ()
    payments_fen: int = 0
    alerts: tuple[str, ...] = ()
    operator: str = ""
    audit_anchor: str = ""
    """The audit chain's head when printed, ``seq=N hash=HEX`` (16 hex digits are enough on paper)."""


def daily_report(ctx: ReceiptContext, data: DailyReportInput, *, code: str | None = None) -> Document:
    blocks: list[Block] = [KeyValue("日期", f"{data.day:%Y-%m-%d}")]
    for section in data.sections:
        blocks += [Title(section.title), Table(section.columns, section.rows), Divider()]
    blocks += [KeyValue(k, v) for k, v in data.totals]
    blocks.append(KeyValue("收款合计", yuan(data.payments_fen), bold=True))
    if data.alerts:
        blocks.append(Title("提醒"))
        blocks += [Note(f"- {a}") for a in data.alerts]
    if data.audit_anchor:  # the day's anchor of the audit chain, kept on paper (db.audit)
        blocks.append(KeyValue("审计链尾", data.audit_anchor))
    extra = (("操作员", data.operator),) if data.operator else ()
    return Document(
        kind="report", title="业务日报", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), training=ctx.training, extra=extra,
    )


# -- printer test page -----------------------------------------------------------


@dataclass(frozen=True)
class PrinterTestInput:
    """What the test page reports about the printer being tested."""

    printer_url: str
    paper: int
    encoding: str
    profile: str
    extra_rows: tuple[tuple[str, str], ...] = field(default=())


def printer_test_page(ctx: ReceiptContext, data: PrinterTestInput, *, code: str | None = None) -> Document:
    """A page with every block type, for ``kiosk printer test``."""
    blocks: list[Block] = [
        Title("一、文字与对齐"),
        KeyValue("打印机", data.printer_url),
        KeyValue("纸宽", f"{data.paper}mm"),
        KeyValue("编码", data.encoding),
        KeyValue("型号配置", data.profile),
        *(KeyValue(k, v) for k, v in data.extra_rows),
        Note("中文标点：，。、；：？！“”（）【】《》 全角数字：１２３ ASCII: 0123456789 ABC xyz"),
        Note("长段落自动换行，不会把一个汉字劈成两半；行首不出现逗号、句号等标点。"),
        Title("二、大字"),
        BigText("A007", caption="排队号"),
        Title("三、表格"),
        Table(("险种", "基数", "费率", "金额"),
              (("养老", format_yuan(400000), "16%", format_yuan(64000)),
               ("医疗", format_yuan(400000), "8%", format_yuan(32000)))),
        Title("四、生僻字（图像打印）"),
        KeyValue("姓名", "𠮷祥"),
        ImageLine("图像行：社保服务 𠮷 鿏"),
        Divider("="),
        Title("五、二维码与条码"),
        QR("https://example.org/t/T20261129A007", caption="二维码"),
        Barcode("T20261129A007"),
    ]
    return Document(
        kind="test", title="打印测试页", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), training=ctx.training,
    )
