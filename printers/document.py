"""The receipt document model: what a receipt says, independent of paper and printer.

A :class:`Document` is a header (hall, title, terminal, local time, masked
identity, verification code, 补打/培训 flags) plus a sequence of blocks. It
round-trips exactly through JSON (:meth:`Document.to_json` /
:meth:`Document.from_json`) because the print spool stores documents in the
database before anything reaches a printer.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from kiosk.rules.codes import RECEIPT_CODE

Align = Literal["left", "center", "right"]

#: Crockford base32 (no I, L, O, U), the alphabet of receipt codes.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_receipt_code(rng: random.Random | int | None = None) -> str:
    """A fresh verification code ``RC`` + 10 Crockford base32 characters.

    ``rng`` is an injected random source (or a seed) so tests and demos are
    reproducible; production passes ``random.SystemRandom()`` or None (which
    means SystemRandom: codes must not be guessable from earlier ones).
    """
    source: random.Random
    if rng is None:
        source = random.SystemRandom()
    elif isinstance(rng, int):
        source = random.Random(rng)
    else:
        source = rng
    code = "RC" + "".join(source.choice(CROCKFORD) for _ in range(10))
    assert RECEIPT_CODE.match(code)
    return code


@dataclass(frozen=True)
class Title:
    """A section heading inside the receipt (bold, centred)."""

    text: str
    type: Literal["title"] = "title"


@dataclass(frozen=True)
class BigText:
    """Large text such as a ticket number, with an optional caption above it."""

    text: str
    caption: str = ""
    type: Literal["big"] = "big"


@dataclass(frozen=True)
class KeyValue:
    """A row ``key ........ value``; the value is right-aligned."""

    key: str
    value: str
    bold: bool = False
    type: Literal["kv"] = "kv"


@dataclass(frozen=True)
class Table:
    """Columns with a header row; ``align`` per column (default: first left, rest right)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[Align, ...] = ()
    type: Literal["table"] = "table"

    def alignments(self) -> tuple[Align, ...]:
        if self.align:
            return self.align
        right: Align = "right"
        left: Align = "left"
        return (left, *([right] * (len(self.columns) - 1)))


@dataclass(frozen=True)
class Note:
    """A wrapped paragraph (instructions, remarks)."""

    text: str
    align: Align = "left"
    type: Literal["note"] = "note"


@dataclass(frozen=True)
class QR:
    """A QR code with an optional caption printed below it."""

    data: str
    caption: str = ""
    type: Literal["qr"] = "qr"


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode; the payload is printed below it in text."""

    data: str
    type: Literal["barcode"] = "barcode"


@dataclass(frozen=True)
class Divider:
    """A full-width line of ``char`` (ASCII only, so it is one column wide)."""

    char: str = "-"
    type: Literal["divider"] = "divider"


@dataclass(frozen=True)
class ImageLine:
    """Text that is always printed as a picture (e.g. a signature line in a rare font)."""

    text: str
    align: Align = "left"
    type: Literal["image"] = "image"


Block = Title | BigText | KeyValue | Table | Note | QR | Barcode | Divider | ImageLine

_BLOCK_TYPES: dict[str, type[Any]] = {
    "title": Title,
    "big": BigText,
    "kv": KeyValue,
    "table": Table,
    "note": Note,
    "qr": QR,
    "barcode": Barcode,
    "divider": Divider,
    "image": ImageLine,
}


def _block_to_dict(block: Block) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(block):
        value = getattr(block, f.name)
        if isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        out[f.name] = value
    return out


def _block_from_dict(data: dict[str, Any]) -> Block:
    kind = data.get("type")
    cls = _BLOCK_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown receipt block type {kind!r}")
    kwargs = dict(data)
    if cls is Table:
        kwargs["columns"] = tuple(kwargs["columns"])
        kwargs["rows"] = tuple(tuple(r) for r in kwargs["rows"])
        kwargs["align"] = tuple(kwargs.get("align", ()))
    block: Block = cls(**kwargs)
    return block


@dataclass(frozen=True)
class Document:
    """One receipt: header fields every receipt carries, then its blocks."""

    kind: str  # ticket | acceptance | assessment | payment | statement | benefit | estimate | transfer | report | test
    title: str
    hall: str
    terminal: str
    time: dt.datetime  # local, timezone-aware
    code: str  # verification code RC..., scannable back at a counter
    blocks: tuple[Block, ...] = ()
    identity: str | None = None  # already masked, e.g. "张*明 1101**********4514"
    reprint: bool = False  # 补打
    training: bool = False  # 培训
    original_code: str | None = None  # for a reprint: the code of the first print
    footer_barcode: bool = True  # print the verification code as a barcode in the footer
    extra: tuple[tuple[str, str], ...] = field(default=())  # footer rows (e.g. 经办人)

    def __post_init__(self) -> None:
        if not RECEIPT_CODE.match(self.code):
            raise ValueError(f"receipt code {self.code!r} is not RC + 10 Crockford base32 characters")
        if self.time.tzinfo is None:
            raise ValueError("receipt time must be timezone-aware local time")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "hall": self.hall,
            "terminal": self.terminal,
            "time": self.time.isoformat(),
            "tz": getattr(self.time.tzinfo, "key", None),
            "code": self.code,
            "identity": self.identity,
            "reprint": self.reprint,
            "training": self.training,
            "original_code": self.original_code,
            "footer_barcode": self.footer_barcode,
            "extra": [list(e) for e in self.extra],
            "blocks": [_block_to_dict(b) for b in self.blocks],
        }

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, UTF-8 text kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        moment = dt.datetime.fromisoformat(data["time"])
        tz_name = data.get("tz")
        if tz_name:
            # keep the named zone (not just the offset) so equality round-trips exactly
            from zoneinfo import ZoneInfo

            moment = moment.astimezone(ZoneInfo(tz_name))
        return cls(
            kind=data["kind"],
            title=data["title"],
            hall=data["hall"],
            terminal=data["terminal"],
            time=moment,
            code=data["code"],
            identity=data.get("identity"),
            reprint=bool(data.get("reprint", False)),
            training=bool(data.get("training", False)),
            original_code=data.get("original_code"),
            footer_barcode=bool(data.get("footer_barcode", True)),
            extra=tuple((str(k), str(v)) for k, v in data.get("extra", [])),
            blocks=tuple(_block_from_dict(b) for b in data.get("blocks", [])),
        )

    @classmethod
    def from_json(cls, text: str | dict[str, Any]) -> Document:
        """Inverse of :meth:`to_json`; also accepts the already-parsed dict."""
        data = json.loads(text) if isinstance(text, str) else text
        return cls.from_dict(data)

    def as_reprint(self, new_code: str) -> Document:
        """The same receipt marked 补打, carrying its own new code and the original one."""
        return replace(self, reprint=True, code=new_code, original_code=self.original_code or self.code)
