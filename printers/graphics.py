"""Pictures for the printer and the preview: text lines, QR codes, CODE128 barcodes.

Everything is drawn on the printer's own grid (12 dots per column, 24-dot
glyphs, 30-dot line pitch at 203 dpi), so a text line drawn here looks the
same in the PNG preview as on paper, and a line with a character the printer
font lacks can be sent as this picture instead of as text.

Fonts: the known paths and ``fc-match``; ``KIOSK_FONT_DIRS`` (folders joined
by ``os.pathsep``) replaces both with the font files found in those folders
(a kiosk with fonts of its own, or a test of a machine without any). Without
a Chinese font nothing raises: a character no font has is drawn as a box with
its code point, Latin text with Pillow's built-in font.

Barcodes are drawn from python-barcode's module pattern with every module a
whole number of dots (2 by default): at 203 dpi a 1.6-dot module did not scan.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.constants
from barcode import Code128
from PIL import Image, ImageDraw, ImageFont

from printers.layout import Paper, TextLine, char_width, display_width

GLYPH = 24  # dots: height of a font-A line and width of a CJK glyph
LINE_PITCH = 30  # dots from one text line to the next (ESC 2 default on 203 dpi printers)
GLYPH_SIZE = 22  # font size that fills a 24-dot glyph cell
BASELINE = 24  # dots from the top of a line to the text baseline
BARCODE_MODULE = 2  # dots per narrowest bar
BARCODE_HEIGHT = 72  # dots (9 mm)

KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)


class FontNotFound(RuntimeError):
    """No font with Chinese characters was found for previews and image lines."""


#: Characters every receipt font must draw: hall, business, money and common surnames.
CJK_SAMPLE = "社保服务大厅缴费养老医疗张王李刘陈杨赵黄周吴校验码号元"


#: Folders (joined by os.pathsep) that replace the known font paths and fc-match.
FONT_DIRS_ENV = "KIOSK_FONT_DIRS"
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")


#: What decides which fonts are found: KIOSK_FONT_DIRS, the known paths, PATH (for fc-match).
#: Part of every cache key, so a changed setting is never answered from an old cache.
_Where = tuple[str | None, tuple[str, ...], str]


def _font_dirs() -> _Where:
    return os.environ.get(FONT_DIRS_ENV), tuple(KNOWN_FONTS), os.environ.get("PATH", "")


def clear_font_caches() -> None:
    """Forget every font found so far (after installing a font while running)."""
    for cached in (_find_cjk_font, _font_for, _glyph_with, _builtin_font, _font):
        cached.cache_clear()


def _candidates(where: _Where) -> list[str]:
    """Font files to try: those in KIOSK_FONT_DIRS when set, else the known paths that exist."""
    dirs, known, _ = where
    if dirs is None:
        return [p for p in known if Path(p).is_file()]
    found: list[str] = []
    for folder in filter(None, dirs.split(os.pathsep)):
        root = Path(folder)
        if root.is_dir():
            found += sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in _FONT_SUFFIXES and p.is_file())
    return found


def _fc_match(pattern: str) -> str:
    if not shutil.which("fc-match"):
        return ""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", pattern],
                             capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return out if out and Path(out).is_file() else ""


def find_cjk_font() -> Path:
    """A font file that draws Chinese (every character of :data:`CJK_SAMPLE`):
    the known paths first, then ``fc-match`` (or only the files in ``KIOSK_FONT_DIRS``);
    :class:`FontNotFound` otherwise. Rendering never needs it: see :func:`cjk_font`."""
    found = _find_cjk_font(_font_dirs())
    if found is None:
        raise FontNotFound(
            "找不到中文字体，无法生成小票预览或打印生僻字。"
            "请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei）"
        )
    return found


def cjk_font() -> Path | None:
    """The Chinese font of :func:`find_cjk_font`, or None when the machine has none."""
    return _find_cjk_font(_font_dirs())


@lru_cache(maxsize=4)
def _find_cjk_font(where: _Where) -> Path | None:
    for candidate in _candidates(where):
        if _has_cjk(Path(candidate)):
            return Path(candidate)
    if where[0] is None:
        out = _fc_match("sans:lang=zh-cn")
        if out and _has_cjk(Path(out)):
            return Path(out)
    return None


def missing_cjk(path: str | Path, sample: str = CJK_SAMPLE) -> list[str]:
    """Characters of ``sample`` the font file at ``path`` has no glyph for (all of them when
    it cannot be opened). A Latin font draws its .notdef box for every one of them, which
    is as wide as a Chinese character: measuring one width cannot tell them apart."""
    try:
        font = _font(str(path), GLYPH_SIZE)
    except OSError:
        return list(sample)
    return [ch for ch in sample if not _has_glyph(font, ch)]


def _has_cjk(path: Path) -> bool:
    return not missing_cjk(path)


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _has_glyph(font: ImageFont.FreeTypeFont, ch: str) -> bool:
    """False when the font would draw its .notdef box for ``ch`` (the bitmap of a
    non-character, U+FFFF, or of a plane-16 private code point), or nothing at all."""
    mask = font.getmask(ch)
    if ch.strip() and not mask.getbbox():
        return False  # an empty glyph for a visible character: some fonts leave .notdef blank
    for missing in ("\uffff", "\U0010fffd"):
        notdef = font.getmask(missing)
        if mask.size == notdef.size and bytes(mask) == bytes(notdef):
            return False
    return True


def font_for(ch: str, size: int = GLYPH_SIZE) -> ImageFont.FreeTypeFont | None:
    """The first installed font that has ``ch``: the main CJK font, the other
    candidate fonts, whatever ``fc-match`` offers for that code point, and last
    Pillow's built-in font (Latin); None when none of them has it."""
    return _font_for(ch, size, _font_dirs())


@lru_cache(maxsize=4096)
def _font_for(ch: str, size: int, where: _Where) -> ImageFont.FreeTypeFont | None:
    main = _find_cjk_font(where)
    paths = ([str(main)] if main else []) + _candidates(where)
    for path in dict.fromkeys(paths):
        try:
            font = _font(path, size)
        except OSError:
            continue
        if _has_glyph(font, ch):
            return font
    out = _fc_match(f":charset={ord(ch):x}") if where[0] is None else ""
    if out:
        try:
            fc_font = _font(out, size)
        except OSError:
            fc_font = None
        if fc_font is not None and _has_glyph(fc_font, ch):
            return fc_font
    builtin = _builtin_font(size)
    if builtin is not None and _has_glyph(builtin, ch):
        return builtin
    return None


@lru_cache(maxsize=8)
def _builtin_font(size: int) -> ImageFont.FreeTypeFont | None:
    """Pillow's own font (Latin letters and digits), there on every machine with FreeType."""
    font = ImageFont.load_default(size)
    return font if isinstance(font, ImageFont.FreeTypeFont) else None


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` no installed font can draw (``kiosk doctor`` reports them)."""
    return [c for c in dict.fromkeys(text) if char_width(c) > 0 and not c.isspace() and font_for(c) is None]


def _missing_tile(ch: str, width: int) -> Image.Image:
    """A box with the code point in hex, so a clerk can still tell which character it was."""
    tile = Image.new("L", (width, LINE_PITCH), 0)
    draw = ImageDraw.Draw(tile)
    draw.rectangle((1, 4, width - 2, LINE_PITCH - 3), outline=255)
    main = cjk_font()
    small = _font(str(main), 9) if main else ImageFont.load_default(9)
    digits = f"{ord(ch):X}"
    half = (len(digits) + 1) // 2
    draw.text((3, 5), digits[:half], fill=255, font=small)
    draw.text((3, 15), digits[half:], fill=255, font=small)
    return tile


def _glyph(ch: str, bold: bool) -> Image.Image:
    return _glyph_with(ch, bold, _font_dirs())


@lru_cache(maxsize=8192)
def _glyph_with(ch: str, bold: bool, where: _Where) -> Image.Image:
    """One character as a 1-bit tile: its columns x 12 dots wide, one line pitch tall.

    Glyphs are placed by their advance width on a common baseline (so "，"
    sits low-left as in print); Latin letters wider than a 12-dot column are
    squeezed, as the printer's narrow font A would print them.
    """
    tile_w = char_width(ch) * (GLYPH // 2)
    font = _font_for(ch, GLYPH_SIZE, where)
    if font is None:
        return _missing_tile(ch, tile_w).point(lambda v: 0 if v >= 110 else 255, mode="1")
    advance = max(1, round(font.getlength(ch)))
    canvas = Image.new("L", (advance + 1, LINE_PITCH), 0)
    draw = ImageDraw.Draw(canvas)
    draw.text((0, BASELINE), ch, fill=255, font=font, anchor="ls")
    if bold:  # double strike one dot to the right, like the printer's emphasis
        draw.text((1, BASELINE), ch, fill=255, font=font, anchor="ls")
    if canvas.width > tile_w:
        canvas = canvas.resize((tile_w, LINE_PITCH), Image.Resampling.LANCZOS)
    tile = Image.new("L", (tile_w, LINE_PITCH), 0)
    tile.paste(canvas, ((tile_w - canvas.width) // 2, 0))
    return tile.point(lambda v: 0 if v >= 110 else 255, mode="1")


def text_image(line: TextLine, paper: Paper) -> Image.Image:
    """A whole text line drawn on the printer grid, full paper width, 1-bit."""
    scale = max(1, line.scale)
    img = Image.new("1", (paper.dots, LINE_PITCH * scale), 1)
    cell = paper.cell * scale
    used = display_width(line.text) * cell
    x = 0
    if line.align == "center":
        x = max((paper.dots - used) // 2, 0)
    elif line.align == "right":
        x = max(paper.dots - used, 0)
    for ch in line.text:
        w = char_width(ch)
        if w == 0:
            continue
        tile = _glyph(ch, line.bold)
        if scale > 1:
            tile = tile.resize((tile.width * scale, tile.height * scale), Image.Resampling.NEAREST)
        if x + tile.width > paper.dots:
            break
        if not ch.isspace():
            img.paste(tile, (x, 0))
        x += w * cell
    return img


def qr_image(data: str, paper: Paper) -> Image.Image:
    """The QR code centred on a full-width 1-bit picture, quiet zone included.

    Modules are 6 dots (0.75 mm) when the code fits in 60 % of the paper, else
    smaller down to 3; error correction M survives a smudge or a fold.
    """
    qr = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    box = 6
    while box > 3 and n * box > paper.dots * 0.6:
        box -= 1
    size = n * box
    if size > paper.dots:
        raise ValueError(f"QR payload too long for {paper.mm} mm paper ({len(data)} characters)")
    img = Image.new("1", (paper.dots, size), 1)
    draw = ImageDraw.Draw(img)
    x0 = (paper.dots - size) // 2
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle((x0 + c * box, r * box, x0 + (c + 1) * box - 1, (r + 1) * box - 1), fill=0)
    return img


def barcode_pattern(data: str) -> str:
    """The CODE128 module pattern ('1' = bar) python-barcode computes, charset switching included."""
    return str(Code128(data).build()[0])


def barcode_image(data: str, paper: Paper, *, module: int = BARCODE_MODULE, height: int = BARCODE_HEIGHT) -> Image.Image:
    """A CODE128 barcode centred on a full-width 1-bit picture; modules are whole dots."""
    pattern = barcode_pattern(data)
    width = len(pattern) * module
    if width + 2 * 10 > paper.dots:  # keep at least 10 dots of quiet zone each side
        raise ValueError(f"条码“{data}”太长，{paper.mm} mm 纸放不下（需要 {width} 点）")
    top = 12  # white space above, so the bars never touch the line before
    img = Image.new("1", (paper.dots, height + top), 1)
    draw = ImageDraw.Draw(img)
    x = (paper.dots - width) // 2
    for i, bit in enumerate(pattern):
        if bit == "1":
            draw.rectangle((x + i * module, top, x + (i + 1) * module - 1, top + height - 1), fill=0)
    return img
