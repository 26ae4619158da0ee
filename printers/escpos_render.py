"""Render a receipt document to ESC/POS bytes through python-escpos.

python-escpos 3.1 guesses text encodings (MagicEncode) and gets Chinese
wrong: it never sends ``FS &``, and punctuation or rare characters come out
as ``?`` or as single bytes that a printer in Chinese mode reads as garbage
(notes/stack.md §1). So this module sends every text line itself with
``p._raw(text.encode(encoding))`` after ``ESC @`` and ``FS &``, and uses the
library only for styles (``set``/``set_with_default``), pictures, native QR
or hardware barcodes when asked, and the cut.

Lines with characters outside the printer font, QR codes (by default) and
barcodes (by default) are sent as raster pictures (``GS v 0``) drawn by
:mod:`printers.graphics`. The output is deterministic for a given document
and options.

Text from a document becomes bytes in exactly one place, :func:`encode_text`:
no control byte from data ever reaches the printer (the layout already
replaced controls with □; this is the last guard) and a character the
configured encoding lacks becomes ``?`` instead of an encoding error, so
every document renders.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from printers.document import Document
from printers.layout import (
    REPLACEMENT,
    BarcodeLine,
    Line,
    Paper,
    QRLine,
    TextLine,
    in_printer_font,
    layout,
    paper_for,
)

if TYPE_CHECKING:
    from escpos.printer import Dummy

FS_CHINESE_ON = b"\x1c&"
ENCODINGS = ("gb18030", "gbk")

_stdout_lock = threading.Lock()
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def encode_text(text: str, encoding: str) -> bytes:
    """The bytes of one line of document text in ``encoding``: C0/C1 controls
    become ``?`` (the renderer's own commands are sent apart, never from
    data) and characters the encoding lacks become ``?``. Never raises."""
    return _CONTROL.sub("?", text).encode(encoding, errors="replace")


@dataclass(frozen=True)
class RenderOptions:
    """How to render for one printer: paper, text encoding, profile and native features."""

    paper: int = 80
    encoding: str = "gb18030"
    profile: str = "default"
    native_qr: bool = False  # GS ( k, only honoured when the profile says the printer has it
    native_barcode: bool = False  # GS k CODE128, only honoured when the profile has barcodeB
    cut: bool = True

    def __post_init__(self) -> None:
        paper_for(self.paper)
        if self.encoding not in ENCODINGS:
            raise ValueError(f"printer encoding {self.encoding!r}: allowed {' or '.join(ENCODINGS)}")


@contextlib.contextmanager
def _quiet() -> io.StringIO:  # type: ignore[misc]
    """python-escpos prints chatter ("Using hardware barcode renderer") to stdout; swallow it."""
    with _stdout_lock, contextlib.redirect_stdout(io.StringIO()) as sink:
        yield sink


def _printer(options: RenderOptions, paper: Paper) -> Dummy:
    # python-escpos pulls in qrcode, python-barcode and Pillow (~0.2-0.5 s): import it at the
    # first receipt, not when printers.devices is imported at kiosk start (benchmarks, figure 1).
    from escpos.printer import Dummy

    p = Dummy(profile=options.profile)
    # A private copy of the profile with our paper width: the library shares one
    # dict between instances, and prints a warning when the width is unknown.
    data = copy.deepcopy(p.profile.profile_data)
    data["media"] = {"width": {"mm": paper.mm, "pixels": paper.dots}, "dpi": 203}
    private = type(p.profile)()
    private.profile_data = data
    p.profile = private
    return p


def _text_line(p: Dummy, line: TextLine, options: RenderOptions, paper: Paper) -> None:
    if line.image:
        from printers.graphics import cjk_font, text_image

        if cjk_font() is not None:
            p.set(align="left")
            p.image(text_image(line, paper))
            return
        # No Chinese font to draw the line with: print it as text in the printer's own font,
        # each character it lacks replaced by a visible □ (same width, so the layout holds).
        line = TextLine("".join(c if c < " " or in_printer_font(c) else REPLACEMENT for c in line.text),
                        line.align, line.bold, line.scale, False)
    if line.scale > 1:
        p.set(align=line.align, bold=line.bold, custom_size=True, width=line.scale, height=line.scale)
    else:
        p.set(align=line.align, bold=line.bold, normal_textsize=True)
    p._raw(encode_text(line.text, options.encoding) + b"\n")


def _qr_line(p: Dummy, line: QRLine, options: RenderOptions, paper: Paper) -> None:
    p.set(align="center", normal_textsize=True, bold=False)
    if options.native_qr and p.profile.supports("qrCode"):
        p.qr(line.data, native=True, size=6)
    else:
        from printers.graphics import qr_image

        p.set(align="left")
        p.image(qr_image(line.data, paper))


def _barcode_line(p: Dummy, line: BarcodeLine, options: RenderOptions, paper: Paper) -> None:
    p.set(align="center", normal_textsize=True, bold=False)
    if options.native_barcode and p.profile.supports("barcodeB"):
        with _quiet():
            p.barcode("{B" + line.data, "CODE128", height=72, width=2, pos="OFF", function_type="B")
    else:
        from printers.graphics import barcode_image

        p.set(align="left")
        p.image(barcode_image(line.data, paper))


def render_lines(lines: list[Line], options: RenderOptions | None = None) -> bytes:
    """ESC/POS bytes for already laid-out lines."""
    options = options or RenderOptions()
    paper = paper_for(options.paper)
    p = _printer(options, paper)
    p.hw("INIT")
    p._raw(FS_CHINESE_ON)
    p.set_with_default()
    for line in lines:
        if isinstance(line, TextLine):
            _text_line(p, line, options, paper)
        elif isinstance(line, QRLine):
            _qr_line(p, line, options, paper)
        else:
            _barcode_line(p, line, options, paper)
    p.set_with_default()
    if options.cut:
        p.cut()
    return bytes(p.output)


def render_escpos(document: Document, options: RenderOptions | None = None) -> bytes:
    """ESC/POS bytes for ``document``: init, Chinese mode, every line, cut."""
    options = options or RenderOptions()
    return render_lines(layout(document, options.paper), options)
