"""The 参保证明 (certificate of insurance) receipt: current enrolments and the
contributions of a chosen period, the issuing agency, an electronic-seal text
block and a QR code carrying the verification code and its HMAC
(:mod:`kiosk.services.certificates` computes it; ``kiosk verify CODE`` checks it).

Kept beside :mod:`printers.templates` (same conventions: plain input
dataclasses, money in fen, the person masked before anything reaches paper).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.rules.money import format_yuan
from printers.document import QR, Block, Divider, Document, KeyValue, Note, Table, Title
from printers.templates import Person, ReceiptContext, yuan

#: What a scanned certificate QR starts with (then ``:RC…:MAC``).
QR_PREFIX = "SBZM1"


@dataclass(frozen=True)
class EnrolmentLine:
    """One enrolment in force: insurance and scheme names, status, start date (YYYY-MM-DD)."""

    insurance: str
    scheme: str
    status: str
    since: str


@dataclass(frozen=True)
class PaidLine:
    """Contributions of one insurance and scheme in the period: months (or years), and amounts in fen."""

    insurance: str
    scheme: str
    count: str  # "36个月" / "3年"
    individual_fen: int
    employer_fen: int


@dataclass(frozen=True)
class YearLine:
    """Contributions of one year, insurance and scheme in the period (the history, year by year)."""

    year: int
    insurance: str
    scheme: str
    count: str  # "12个月" / "1年"
    individual_fen: int


@dataclass(frozen=True)
class CertificateInput:
    """What the certificate states; ``agency`` is the issuing agency (settings ``[hall] agency``),
    the hall's name when empty."""

    person: Person
    period: str  # "2023-01 至 2025-12"
    enrolments: tuple[EnrolmentLine, ...]
    paid: tuple[PaidLine, ...]
    purpose: str = ""
    agency: str = ""
    years: tuple[YearLine, ...] = ()


def certificate_document(ctx: ReceiptContext, data: CertificateInput, *, code: str | None = None) -> Document:
    """The certificate without its QR (the content the HMAC covers)."""
    agency = data.agency or ctx.hall
    blocks: list[Block] = [KeyValue("证明期间", data.period)]
    if data.purpose:
        blocks.append(KeyValue("用途", data.purpose))
    blocks.append(Title("参保情况"))
    if data.enrolments:
        blocks.append(Table(("险种", "制度", "状态", "参保日期"),
                            tuple((e.insurance, e.scheme, e.status, e.since) for e in data.enrolments)))
    else:
        blocks.append(Note("无正在参保的险种"))
    blocks.append(Title("期间缴费情况"))
    if data.paid:
        blocks.append(Table(("险种", "缴费", "个人", "单位"),
                            tuple((f"{p.insurance}({p.scheme})", p.count, format_yuan(p.individual_fen),
                                   format_yuan(p.employer_fen)) for p in data.paid)))
        blocks.append(KeyValue("个人缴费合计", yuan(sum(p.individual_fen for p in data.paid))))
        if data.years:
            blocks.append(Title("分年度缴费记录"))
            blocks.append(Table(("年度", "险种", "缴费", "个人"),
                                tuple((str(y.year), f"{y.insurance}({y.scheme})", y.count,
                                       format_yuan(y.individual_fen)) for y in data.years)))
    else:
        blocks.append(Note("证明期间内无缴费记录"))
    blocks += [
        Divider(),
        KeyValue("出具机构", agency, bold=True),
        Note("┌────────────────────┐"),
        Note(f"│【电子印章】{agency}"),
        Note(f"│ 社会保险业务专用章  {ctx.time:%Y年%m月%d日}"),
        Note("└────────────────────┘"),
        Note("本证明经扫码或在任一服务终端输入校验码（kiosk verify）核验真伪；涂改无效。"),
    ]
    return Document(kind="certificate", title="参保证明", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
                    code=ctx.code(code), blocks=tuple(blocks), identity=data.person.masked(), training=ctx.training)


def qr_text(code: str, mac: str) -> str:
    """What the certificate's QR holds: ``SBZM1:RC…:MAC``."""
    return f"{QR_PREFIX}:{code}:{mac}"


def with_qr(document: Document, mac: str) -> Document:
    """The document with its verification QR appended."""
    from dataclasses import replace

    return replace(document, blocks=(*document.blocks, QR(qr_text(document.code, mac), f"校验码 {document.code}")))
