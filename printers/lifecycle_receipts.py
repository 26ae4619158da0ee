"""Receipts of the lifecycle applications (issue 15): 资格认证, 死亡注销, 个人账户继承
及丧葬补助金 and the enrolment changes (停保/恢复/终止).

One builder, :func:`lifecycle_receipt`, takes plain values (never service or
database types): the application number, the business, the person (masked on
paper), the figures in fen (shown with ``format_yuan``) and free lines that
were built from the records. Text from people is printed as data: the
document model has no markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.rules.money import format_yuan
from printers.document import QR, Block, Divider, Document, KeyValue, Note, Table
from printers.templates import Person, ReceiptContext, _identity, yuan

#: Document kind (PrintJob.kind, at most 24 characters).
KIND = "lifecycle"


@dataclass(frozen=True)
class LifecycleReceiptInput:
    """What a lifecycle receipt says.

    ``facts`` are (label, value) lines; ``amounts`` (label, fen) rows of a table
    with their total when ``total_label`` is set; ``notes`` free sentences.
    """

    application_no: str
    business: str  # "死亡注销"
    person: Person
    facts: tuple[tuple[str, str], ...] = ()
    amounts: tuple[tuple[str, int], ...] = ()
    total_label: str = ""
    notes: tuple[str, ...] = ()
    clerk: str = ""


def lifecycle_receipt(ctx: ReceiptContext, data: LifecycleReceiptInput, *, code: str | None = None) -> Document:
    """The 办结回执 of one lifecycle application."""
    blocks: list[Block] = [
        KeyValue("业务编号", data.application_no),
        KeyValue("业务事项", data.business),
        KeyValue("办结日期", f"{ctx.time:%Y-%m-%d}"),
    ]
    blocks += [KeyValue(label, value) for label, value in data.facts]
    if data.amounts:
        blocks += [Divider(), Table(("项目", "金额"), tuple((label, yuan(fen)) for label, fen in data.amounts))]
        if data.total_label:
            blocks.append(KeyValue(data.total_label, yuan(sum(fen for _, fen in data.amounts)), bold=True))
    if data.notes:
        blocks.append(Divider())
        blocks += [Note(note) for note in data.notes]
    blocks += [Divider(), QR(data.application_no, caption="凭业务编号查询办理进度")]
    extra = (("经办人", data.clerk),) if data.clerk else ()
    return Document(
        kind=KIND, title=f"{data.business}办结回执", hall=ctx.hall, terminal=ctx.terminal, time=ctx.time,
        code=ctx.code(code), blocks=tuple(blocks), identity=_identity(data.person), training=ctx.training,
        extra=extra,
    )


# -- what each lifecycle business says (the wording on paper lives here, as in printers.templates) --

#: Benefit kinds (db.models.Benefit.kind) as paper names them.
BENEFIT_NAMES = {"pension": "养老金", "unemployment": "失业保险金", "injury": "伤残津贴", "survivor": "遗属待遇",
                 "survivor_lump": "抚恤金"}
INSURANCE_NAMES = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险", "injury": "工伤保险",
                   "maternity": "生育保险"}
SCHEME_NAMES = {"resident": "城乡居民", "flexible": "灵活就业", "employee": "职工"}


@dataclass(frozen=True)
class ReceiptLines:
    """The business-specific part of a lifecycle receipt: the ``facts``, ``amounts``,
    ``total_label`` and ``notes`` of :class:`LifecycleReceiptInput`."""

    facts: tuple[tuple[str, str], ...] = ()
    amounts: tuple[tuple[str, int], ...] = ()
    total_label: str = ""
    notes: tuple[str, ...] = ()


def certification_lines(certified: int, resumed: int, next_due: dt.date | None) -> ReceiptLines:
    """资格认证: ``certified`` benefits certified, ``resumed`` of them resumed after a suspension."""
    notes = ["认证有效，待遇按月继续发放。"]
    if resumed:
        notes.append(f"已恢复发放 {resumed} 项暂停的待遇，暂停期间的待遇在下次发放时补发。")
    return ReceiptLines(facts=(("认证待遇", f"{certified}项"),
                               ("下次认证", next_due.isoformat() if next_due else "-")), notes=tuple(notes))


@dataclass(frozen=True)
class StoppedLine:
    """A benefit a death stopped: its kind, the last month paid, the months and fen paid after it."""

    kind: str
    last_month: dt.date
    overpaid_months: tuple[str, ...]
    overpaid_fen: int


def death_lines(death_date: dt.date, stopped: Sequence[StoppedLine], enrolments_ended: int, *, overpaid_fen: int,
                funeral_grant_fen: int, survivor_fen: int, account_fen: int, inheritable_fen: int) -> ReceiptLines:
    """死亡注销: what stopped, what was overpaid (to be recovered) and what the estate is owed (fen)."""
    notes = [f"待遇发放至 {stopped[0].last_month:%Y-%m}，次月起停发。" if stopped else "没有在发的待遇。"]
    notes += [f"{BENEFIT_NAMES.get(s.kind, s.kind)}死亡后多发 {'、'.join(s.overpaid_months)}，"
              f"须追回 {format_yuan(s.overpaid_fen)}元。" for s in stopped if s.overpaid_fen]
    notes.append("丧葬补助金和可继承的个人账户余额由继承人凭继承关系证明申领（个人账户继承）。")
    return ReceiptLines(
        facts=(("死亡日期", death_date.isoformat()), ("停发待遇", f"{len(stopped)}项"),
               ("终止参保", f"{enrolments_ended}项")),
        amounts=(("多发待遇（须追回）", overpaid_fen), ("丧葬补助金", funeral_grant_fen), ("抚恤金", survivor_fen),
                 ("个人账户余额", account_fen), ("其中可继承", inheritable_fen)),
        notes=tuple(notes))


def inheritance_lines(heir: str, relationship: str, bank_account: str, *, funeral_grant_fen: int,
                      inheritable_fen: int, recovered_fen: int) -> ReceiptLines:
    """个人账户继承及丧葬补助金: ``heir`` already masked (name and ID number); the bank account is
    masked here (first and last 4 digits); an overpayment recovered from the estate is a negative row."""
    amounts: tuple[tuple[str, int], ...] = (("丧葬补助金", funeral_grant_fen), ("个人账户继承", inheritable_fen))
    notes: tuple[str, ...] = ()
    if recovered_fen:
        amounts += (("扣回多发待遇", -recovered_fen),)
        notes = (f"死者去世后多发的待遇 {format_yuan(recovered_fen)}元 已从丧葬补助金和个人账户余额中扣回。",)
    account = f"{bank_account[:4]}****{bank_account[-4:]}" if len(bank_account) >= 8 else "****"
    return ReceiptLines(facts=(("继承人", heir), ("关系", relationship), ("收款账号", account)),
                        amounts=amounts, total_label="支付合计", notes=notes)


def enrolment_change_lines(action: str, insurance: str, scheme: str, on: dt.date) -> ReceiptLines:
    """暂停缴费 / 恢复缴费 / 终止参保 (``action`` suspend | resume | end) of one insurance and scheme (codes)."""
    name = f"{SCHEME_NAMES.get(scheme, scheme)}{INSURANCE_NAMES.get(insurance, insurance)}"
    note = {"suspend": "自生效日期起暂停缴费；恢复缴费请到窗口办理。",
            "resume": "已恢复缴费，请按时缴纳。",
            "end": "参保关系已终止，缴费记录和个人账户保留。"}[action]
    return ReceiptLines(facts=(("险种", name), ("生效日期", on.isoformat())), notes=(note,))
