"""Previews of a receipt: a PNG as it will look on paper, the ESC/POS bytes and a text layout.

The PNG is drawn on the printer grid with the same pictures the ESC/POS
renderer sends (:mod:`printers.graphics`), 384 dots wide for 58 mm and 576
for 80 mm, so a QR code in the preview scans like the printed one.
:func:`preview_text` gives the plain-text lines for a terminal UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from db.files import private_file
from printers.document import Document
from printers.escpos_render import RenderOptions, render_lines
from printers.graphics import FontNotFound, barcode_image, find_cjk_font, qr_image, text_image
from printers.layout import BarcodeLine, QRLine, TextLine, layout, paper_for, text_lines

__all__ = ["FontNotFound", "PreviewFiles", "find_cjk_font", "preview_text", "render_png", "write_preview"]

MARGIN = 16  # white border around the paper in the PNG, so its edge is visible on screen
GAP = 8  # dots fed after a picture, as the printer does


@dataclass(frozen=True)
class PreviewFiles:
    """Where a preview was written."""

    png: Path
    bin: Path
    txt: Path


def render_png(document: Document, paper: int = 80) -> Image.Image:
    """The receipt as a 1-bit picture exactly ``paper`` dots wide (384 or 576)."""
    spec = paper_for(paper)
    parts: list[Image.Image] = []
    for line in layout(document, spec):
        if isinstance(line, TextLine):
            parts.append(text_image(line, spec))
        elif isinstance(line, QRLine):
            parts += [qr_image(line.data, spec), Image.new("1", (spec.dots, GAP), 1)]
        elif isinstance(line, BarcodeLine):
            parts += [barcode_image(line.data, spec), Image.new("1", (spec.dots, GAP), 1)]
    height = sum(p.height for p in parts)
    page = Image.new("1", (spec.dots, height), 1)
    y = 0
    for part in parts:
        page.paste(part, (0, y))
        y += part.height
    return page


def preview_text(document: Document, paper: int = 80) -> list[str]:
    """The receipt as plain-text lines (what the .txt holds), for a terminal UI."""
    return text_lines(layout(document, paper), paper)


def write_preview(
    document: Document,
    directory: str | Path,
    options: RenderOptions | None = None,
    *,
    stem: str | None = None,
    data: bytes | None = None,
) -> PreviewFiles:
    """Write ``<stem>.png``, ``<stem>.bin`` (ESC/POS) and ``<stem>.txt`` into ``directory``.

    ``stem`` defaults to ``<kind>-<code>``; ``data`` is the already-rendered
    ESC/POS (rendered here when not given). Every file is written mode 0600 (personal
    data). Without a Chinese font the PNG shows boxes; it never raises for that.
    """
    options = options or RenderOptions()
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = stem or f"{document.kind}-{document.code}"
    lines = layout(document, options.paper)
    files = PreviewFiles(folder / f"{stem}.png", folder / f"{stem}.bin", folder / f"{stem}.txt")
    image = render_png(document, options.paper)
    framed = Image.new("L", (image.width + 2 * MARGIN, image.height + 2 * MARGIN), 255)
    framed.paste(image.convert("L"), (MARGIN, MARGIN))
    # Receipts hold names, ID numbers and amounts: each file is 0600 from creation and
    # appears only when complete (db.files.private_file), never half-written.
    with private_file(files.png, "wb") as handle:
        framed.save(handle, format="PNG", optimize=True)
    with private_file(files.bin, "wb") as handle:
        handle.write(data if data is not None else render_lines(lines, options))
    with private_file(files.txt, "w", encoding="utf-8") as handle:
        handle.write("\n".join(text_lines(lines, options.paper)) + "\n")
    return files
