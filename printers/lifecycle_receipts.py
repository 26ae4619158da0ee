"""Receipts of the lifecycle applications (issue 15): 资格认证, 死亡注销, 个人账户继承
及丧葬补助金 and the enrolment changes (停保/恢复/终止).

One builder, :func:`lifecycle_receipt`, takes plain values (never service or
database types): the application number, the business, the person (masked on
paper), the figures in fen (shown with ``format_yuan``) and free lines that
were built from the records. Text from people is printed as data: the
document model has no markup.
"""

from __future__ import annotations

from dataclasses import dataclass

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
