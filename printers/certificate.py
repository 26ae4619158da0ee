"""The 参保证明 (certificate of insurance) receipt: current enrolments and the
contributions of a chosen period, the issuing agency, an electronic-seal text
block and a QR code carrying the verification code, its HMAC and the facts the
certificate states (:mod:`kiosk.services.certificates` computes the HMAC;
``kiosk verify CODE`` checks it).

Unlike every other receipt, the certificate names the insured person in full
(name and 公民身份号码): the resident takes it away to an employer or a school,
who must be able to tell whose certificate it is. Screens that show it where a
bystander can see (the kiosk preview) build it with ``masked=True``.

:func:`certificate_facts` reads back from a certificate document what it says
(agency, issue date, period, enrolments, months and amounts paid, totals), for
the QR text and for verification. Kept beside :mod:`printers.templates` (same
conventions: plain input dataclasses, money in fen).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.rules.money import format_yuan
from printers.document import QR, Block, Divider, Document, KeyValue, Note, Table, Title
from printers.templates import Person, ReceiptContext, yuan

#: What a scanned certificate QR of the first version starts with (``SBZM1:RC…:MAC``, code and MAC only;
#: still verified for certificates printed before the facts went into the QR).
QR_PREFIX = "SBZM1"
#: The current certificate QR: first line ``SBZM2:RC…:MAC``, then the facts lines (:func:`qr_text`).
QR_PREFIX_FACTS = "SBZM2"


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


def certificate_document(ctx: ReceiptContext, data: CertificateInput, *, code: str | None = None,
                         masked: bool = False) -> Document:
    """The certificate without its QR (the content the HMAC covers): the person in full on paper,
    masked (张*明 1101**********4514) when ``masked`` (a preview on a screen)."""
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
    person = data.person
    return Document(kind="certificate", title="参保证明", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
                    code=ctx.code(code), blocks=tuple(blocks), training=ctx.training,
                    identity=person.masked() if masked else f"{person.name} {person.id_number}")


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate document says, as printed (text, amounts as printed in yuan)."""

    identity: str
    issued: str  # YYYY-MM-DD
    agency: str
    period: str
    purpose: str
    enrolments: tuple[EnrolmentLine, ...]
    paid: tuple[tuple[str, str, str, str], ...]  # (险种(制度), months or years, 个人, 单位)
    individual_total: str  # 个人缴费合计 as printed


def _table(document: Document, first_column: str, second_column: str) -> Table | None:
    return next((b for b in document.blocks if isinstance(b, Table) and b.columns[:2] == (first_column, second_column)),
                None)


def certificate_facts(document: Document) -> CertificateFacts:
    """The facts of a certificate document (from its blocks, so every stored certificate reads back)."""
    values = {b.key: b.value for b in document.blocks if isinstance(b, KeyValue)}
    enrolled = _table(document, "险种", "制度")
    paid = _table(document, "险种", "缴费")
    paid_rows = tuple((r[0], r[1], r[2], r[3]) for r in paid.rows if len(r) == 4) if paid else ()
    return CertificateFacts(
        identity=document.identity or "", issued=f"{document.time:%Y-%m-%d}",
        agency=values.get("出具机构", document.hall),
        period=values.get("证明期间", ""), purpose=values.get("用途", ""),
        enrolments=tuple(EnrolmentLine(*r) for r in enrolled.rows if len(r) == 4) if enrolled else (),
        paid=paid_rows, individual_total=values.get("个人缴费合计", yuan(0)))


def facts_lines(facts: CertificateFacts) -> list[str]:
    """The facts as the QR's text lines after the first (readable by any phone scanner)."""
    lines = [f"出具 {facts.agency} {facts.issued}", f"期间 {facts.period}"]
    lines += [f"参保 {e.insurance}({e.scheme}) {e.status} {e.since}" for e in facts.enrolments]
    lines += [f"缴费 {insurance} {count} 个人{individual} 单位{employer}"
              for insurance, count, individual, employer in facts.paid]
    lines.append(f"个人缴费合计 {facts.individual_total}")
    return lines


def qr_text(code: str, mac: str, document: Document | None = None) -> str:
    """What the certificate's QR holds: ``SBZM2:RC…:MAC`` and, one a line, the facts of ``document``
    (:func:`facts_lines`); ``SBZM1:RC…:MAC`` alone when no document is given (the first version)."""
    if document is None:
        return f"{QR_PREFIX}:{code}:{mac}"
    return "\n".join([f"{QR_PREFIX_FACTS}:{code}:{mac}", *facts_lines(certificate_facts(document))])


def with_qr(document: Document, mac: str) -> Document:
    """The document with its verification QR (code, MAC and facts) appended."""
    from dataclasses import replace

    return replace(document, blocks=(*document.blocks, QR(qr_text(document.code, mac, document),
                                                          f"校验码 {document.code}")))
