"""Lay a receipt out on 58 mm (32 columns, 384 dots) or 80 mm (48 columns, 576 dots) paper.

Widths are display columns of the printer's font A: an ASCII character is
one column (12 dots), a character printed from the resident Chinese font is
two (24 dots) — in Chinese mode every double-byte character is printed full
width, including punctuation that terminals call "ambiguous" (— · ×).
Zero-width and control characters come from ``wcwidth``. Wrapping and
alignment work on these widths and never split a character.

A character the printer's font does not have (anything outside GBK, e.g. 𠮷
or U+9FCF 鿏 in rare names) would print as garbage, so a line containing
one is marked ``image=True`` and is rendered as a picture with the CJK font.

Text from people and the database is data, never printer commands: before
anything is laid out, :func:`printable_document` replaces every control
character (``ESC p`` would open the cash drawer, ``GS V`` cut the paper) and
every invisible format character (zero-width space, bidi overrides) with a
visible ``□`` (:data:`REPLACEMENT`), so every document can be rendered and
nothing in a field reaches the printer as a command.

:func:`layout` turns a :class:`~printers.document.Document` into a list of
:class:`TextLine` / :class:`QRLine` / :class:`BarcodeLine` that the ESC/POS
renderer, the PNG preview and the plain-text preview all consume, so the
three always agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

from printers.document import (
    QR,
    Align,
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
)


@dataclass(frozen=True)
class Paper:
    """A paper width: columns of font A and printable dots at 203 dpi."""

    mm: int
    columns: int
    dots: int

    @property
    def cell(self) -> int:
        """Dots per column (12 for both widths)."""
        return self.dots // self.columns


PAPERS: dict[int, Paper] = {58: Paper(58, 32, 384), 80: Paper(80, 48, 576)}


def paper_for(mm: int | Paper) -> Paper:
    """The :class:`Paper` for 58 or 80 (mm); ValueError for anything else."""
    if isinstance(mm, Paper):
        return mm
    try:
        return PAPERS[int(mm)]
    except (KeyError, ValueError):
        raise ValueError(f"paper width {mm!r}: allowed 58 or 80 (mm)") from None


@dataclass(frozen=True)
class TextLine:
    """One printed line of text, already wrapped to fit."""

    text: str
    align: Align = "left"
    bold: bool = False
    scale: int = 1  # character width and height multiplier (GS !)
    image: bool = False  # has characters outside the printer font: print as a picture


@dataclass(frozen=True)
class QRLine:
    """A QR code, centred."""

    data: str


@dataclass(frozen=True)
class BarcodeLine:
    """A CODE128 barcode, centred."""

    data: str


Line = TextLine | QRLine | BarcodeLine


# -- widths -----------------------------------------------------------------


@lru_cache(maxsize=4096)
def in_printer_font(ch: str) -> bool:
    """True when the printer's resident font can print ``ch``.

    Resident fonts of mainland printers cover GBK at best (often GB2312)
    even when they accept GB18030, so the test is "ASCII, or exactly two
    bytes in GBK" (Python's GBK maps € to a single 0x80, which no printer has).
    """
    if ch < "\x80":
        return ch.isprintable() or ch == "\n"
    try:
        return len(ch.encode("gbk")) == 2
    except UnicodeEncodeError:
        return False


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Printer columns taken by one character (0, 1 or 2)."""
    if " " <= ch <= "~":
        return 1  # printable ASCII, most of every receipt
    # Imported here: its tables take 10–40 ms to load, and the kiosk's first screen prints nothing.
    from wcwidth import wcwidth

    w = wcwidth(ch)
    if w <= 0:
        return 0  # control or combining: takes no column of its own
    if ch < "\x80":
        return 1
    # printed from the double-byte font (or drawn by us on the same grid): full width
    return 2


def display_width(text: str) -> int:
    """Printer columns taken by ``text``."""
    if text.isascii() and text.isprintable():
        return len(text)  # amounts, dates, codes: one column a character, no per-character lookup
    return sum(char_width(c) for c in text)


def needs_image(text: str) -> bool:
    """True when some character of ``text`` is outside the printer font.

    Zero-width characters count too (a combining accent is not in GBK and
    would reach the printer as a four-byte GB18030 sequence, or not encode
    at all on a GBK printer); controls were replaced by :func:`clean_text`.
    """
    if text.isascii():
        return False  # printable ASCII is in every font; ASCII controls take no column and are skipped
    return any(not in_printer_font(c) for c in text if c >= " ")


#: What a character that must not or cannot be printed as text becomes: visible, and in GBK.
REPLACEMENT = "\u25a1"  # □


@lru_cache(maxsize=1024)
def _clean_char(ch: str, newlines: bool) -> str:
    if ch == "\n":
        return ch if newlines else " "
    if ch == "\t":
        return " "
    if unicodedata.category(ch) == "Zs":  # no-break, ideographic, thin ... spaces
        return ch if in_printer_font(ch) else " "
    return REPLACEMENT  # C0/C1 controls, DEL, format (U+200B, U+202E), separators, surrogates, unassigned


def clean_text(text: str, *, newlines: bool = False) -> str:
    """``text`` with nothing a printer would take as a command or cannot show.

    Every C0/C1 control character (ESC, GS, DLE, FS ...), DEL, invisible
    format character (zero-width space, bidi controls), line/paragraph
    separator, private-use, surrogate or unassigned code point becomes
    :data:`REPLACEMENT` (□, so a clerk sees that something was there);
    tabs and spaces the printer font lacks become a space; ``\\r\\n`` and
    ``\\r`` become ``\\n``, which is kept only when ``newlines`` (paragraphs)
    and is a space otherwise.
    """
    if text.isprintable():
        return text  # almost every field: nothing to do
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch if ch.isprintable() else _clean_char(ch, newlines) for ch in text)


def _clean_value(value: Any, newlines: bool) -> Any:
    if isinstance(value, str):
        return clean_text(value, newlines=newlines)
    if isinstance(value, tuple):
        return tuple(_clean_value(v, newlines) for v in value)
    return value


def _clean_block(block: Block) -> Block:
    if isinstance(block, (QR, Divider)):
        return block  # a QR payload is data inside a picture; a divider is checked where it is drawn
    newlines = not isinstance(block, KeyValue)  # wrapped blocks break lines at \n; a key-value row cannot
    changes = {f.name: _clean_value(getattr(block, f.name), newlines) for f in fields(block) if f.name != "type"}
    if all(value == getattr(block, name) for name, value in changes.items()):
        return block  # the usual case: nothing to replace, no copy
    return replace(block, **changes)


def printable_document(doc: Document) -> Document:
    """``doc`` with every text field passed through :func:`clean_text` (the QR payload is left alone);
    ``doc`` itself when nothing needed replacing."""
    changes: dict[str, Any] = {
        "hall": clean_text(doc.hall, newlines=True),
        "title": clean_text(doc.title, newlines=True),
        "terminal": clean_text(doc.terminal),
        "identity": clean_text(doc.identity) if doc.identity is not None else None,
        "extra": tuple((clean_text(k), clean_text(v)) for k, v in doc.extra),
        "blocks": tuple(_clean_block(b) for b in doc.blocks),
    }
    if all(value == getattr(doc, name) for name, value in changes.items()):
        return doc
    return replace(doc, **changes)


def pad(text: str, width: int, align: Align = "left") -> str:
    """Pad with spaces to ``width`` columns (text wider than that is returned as is)."""
    gap = width - display_width(text)
    if gap <= 0:
        return text
    if align == "right":
        return " " * gap + text
    if align == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


# Characters that must not start a line (Chinese line-breaking rules, 避头).
_NO_LINE_START = set("，。、；：？！）》」』】〕…,.;:?!)%")
_TOKEN = re.compile(r"[!-~]+|\s|.", re.DOTALL)


def wrap(text: str, width: int) -> list[str]:
    """Wrap ``text`` into lines of at most ``width`` columns.

    ASCII words stay whole when they fit on a line; CJK text breaks between
    any two characters, but closing punctuation never starts a line (the
    character before it moves down with it). Newlines are hard breaks.
    """
    width = max(width, 2)
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(_wrap_paragraph(paragraph, width))
    return out


def _wrap_paragraph(text: str, width: int) -> list[str]:
    lines: list[str] = []
    cur = ""
    for tok in _TOKEN.findall(text):
        w = display_width(tok)
        if display_width(cur) + w <= width:
            cur += tok
            continue
        if tok.isspace():
            lines.append(cur.rstrip())
            cur = ""
            continue
        if w > width:  # a word longer than the line: split it between characters
            for ch in tok:
                if display_width(cur) + char_width(ch) > width:
                    lines.append(cur.rstrip())
                    cur = ""
                cur += ch
            continue
        if tok[0] in _NO_LINE_START and len(cur) > 1:
            carried = cur[-1]
            lines.append(cur[:-1].rstrip())
            cur = carried + tok
            continue
        lines.append(cur.rstrip())
        cur = tok
    lines.append(cur.rstrip())
    return lines


def truncate(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` columns, never inside a character."""
    out = ""
    for ch in text:
        if display_width(out) + char_width(ch) > width:
            break
        out += ch
    return out


# -- blocks -----------------------------------------------------------------


def _text(text: str, align: Align = "left", *, bold: bool = False, scale: int = 1) -> TextLine:
    return TextLine(text, align, bold, scale, needs_image(text))


def _wrapped(text: str, cols: int, align: Align = "left", *, bold: bool = False, scale: int = 1) -> list[Line]:
    return [_text(part, align, bold=bold, scale=scale) for part in wrap(text, cols // scale)]


def key_value(key: str, value: str, cols: int, *, bold: bool = False) -> list[Line]:
    """``key：`` on the left, ``value`` right-aligned; long values go on their own lines."""
    label = f"{key}：" if key else ""
    kw, vw = display_width(label), display_width(value)
    if kw + vw <= cols:  # the full-width colon already separates key and value
        return [_text(label + " " * (cols - kw - vw) + value, bold=bold)]
    lines: list[Line] = [_text(part, bold=bold) for part in wrap(label, cols)]
    for part in wrap(value, cols - 2):
        lines.append(_text(pad(part, cols, "right"), bold=bold))
    return lines


def table(block: Table, cols: int) -> list[Line]:
    """Columns sized to their content, shrunk (widest first) to fit; cells wrap inside columns."""
    n = len(block.columns)
    if n == 0:
        return []
    aligns = block.alignments()
    if len(aligns) != n or any(len(r) != n for r in block.rows):
        raise ValueError(f"table has {n} columns but a row or the alignment list has a different count")
    natural = [max([display_width(block.columns[i])] + [display_width(r[i]) for r in block.rows]) for i in range(n)]
    avail = cols - (n - 1)
    widths = list(natural)
    while sum(widths) > avail:
        widest = max(range(n), key=lambda i: widths[i])
        if widths[widest] <= 4:
            raise ValueError(f"table with {n} columns cannot fit in {cols} columns")
        widths[widest] -= 1
    widths[0] += avail - sum(widths)  # spare space to the first column: right columns line up at the edge

    def row_lines(cells: tuple[str, ...], bold: bool) -> list[Line]:
        wrapped = [wrap(cells[i], widths[i]) for i in range(n)]
        height = max(len(w) for w in wrapped)
        out: list[Line] = []
        for k in range(height):
            parts = [pad(w[k] if k < len(w) else "", widths[i], aligns[i]) for i, w in enumerate(wrapped)]
            out.append(_text(" ".join(parts).rstrip(), bold=bold))
        return out

    lines = row_lines(block.columns, True)
    lines.append(_text("-" * cols))
    for row in block.rows:
        lines.extend(row_lines(row, False))
    return lines


def block_lines(block: Block, cols: int) -> list[Line]:
    """The lines one block takes on paper ``cols`` columns wide."""
    if isinstance(block, Title):
        return _wrapped(block.text, cols, "center", bold=True)
    if isinstance(block, BigText):
        lines = _wrapped(block.caption, cols, "center") if block.caption else []
        scale = 3 if display_width(block.text) * 3 <= cols else 2
        return lines + _wrapped(block.text, cols, "center", bold=True, scale=scale)
    if isinstance(block, KeyValue):
        return key_value(block.key, block.value, cols, bold=block.bold)
    if isinstance(block, Table):
        return table(block, cols)
    if isinstance(block, Note):
        return _wrapped(block.text, cols, block.align)
    if isinstance(block, QR):
        qr: list[Line] = [QRLine(block.data)]
        return qr + (_wrapped(block.caption, cols, "center") if block.caption else [])
    if isinstance(block, Barcode):
        return [BarcodeLine(block.data), _text(block.data, "center")]
    if isinstance(block, Divider):
        char = block.char if len(block.char) == 1 and "!" <= block.char <= "~" else "-"
        return [_text(char * cols)]
    if isinstance(block, ImageLine):
        return [TextLine(part, block.align, False, 1, True) for part in wrap(block.text, cols)]
    raise TypeError(f"unknown block {block!r}")


def header_lines(doc: Document, cols: int) -> list[Line]:
    lines: list[Line] = []
    if doc.training:
        lines += _wrapped("【培训】仅供培训演示，不作凭证", cols, "center", bold=True)
    lines += _wrapped(doc.hall, cols, "center", bold=True)
    lines += _wrapped(doc.title, cols, "center", bold=True, scale=2)
    if doc.reprint:
        lines += _wrapped("【补打】", cols, "center", bold=True, scale=2)
    if doc.identity:
        lines += key_value("参保人", doc.identity, cols)
    lines.append(_text("=" * cols))
    return lines


def footer_lines(doc: Document, cols: int) -> list[Line]:
    lines: list[Line] = [_text("=" * cols)]
    lines += key_value("终端", doc.terminal, cols)
    lines += key_value("时间", f"{doc.time:%Y-%m-%d %H:%M:%S}", cols)
    for key, value in doc.extra:
        lines += key_value(key, value, cols)
    lines += key_value("校验码", doc.code, cols)
    if doc.reprint and doc.original_code:
        lines += key_value("原校验码", doc.original_code, cols)
    if doc.footer_barcode:
        lines.append(BarcodeLine(doc.code))
    if doc.reprint:
        lines += _wrapped("本凭证为补打件", cols, "center", bold=True)
    if doc.training:
        lines += _wrapped("【培训】仅供培训演示，不作凭证", cols, "center", bold=True)
    return lines


def layout(doc: Document, paper: int | Paper = 80) -> list[Line]:
    """Every line of ``doc`` on the given paper, header to footer, text cleaned by :func:`printable_document`."""
    cols = paper_for(paper).columns
    doc = printable_document(doc)
    lines = header_lines(doc, cols)
    for block in doc.blocks:
        lines.extend(block_lines(block, cols))
    lines.extend(footer_lines(doc, cols))
    return lines


def text_lines(lines: list[Line], paper: int | Paper = 80) -> list[str]:
    """Plain-text rendering of laid-out lines (for .txt files and terminal UIs).

    Enlarged text is shown at normal size, aligned as printed; QR codes and
    barcodes appear as a bracketed placeholder with their payload.
    """
    cols = paper_for(paper).columns
    out: list[str] = []
    for line in lines:
        if isinstance(line, QRLine):
            # A payload of several lines (a certificate's facts) shows its first line here.
            first = line.data.splitlines()[0] if line.data.strip() else ""
            shown = first + (" …" if first != line.data else "")
            out.append(pad(f"[二维码 {truncate(shown, cols - 10)}]", cols, "center").rstrip())
        elif isinstance(line, BarcodeLine):
            out.append(pad(f"[条码 {line.data}]", cols, "center").rstrip())
        else:
            out.append(pad(line.text, cols, line.align).rstrip())
    return out
