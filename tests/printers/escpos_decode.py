"""A test-side ESC/POS tokenizer: bytes back to text lines, styles, pictures and codes.

Independent of the code under test: it knows the command lengths from the
ESC/POS reference, decodes text runs as GB18030, turns ``GS v 0`` rasters
back into PIL images and reads QR/CODE128 payloads with zxing-cpp. Unknown
commands raise, so stray bytes in a receipt fail the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import zxingcpp
from PIL import Image, ImageOps

# command bytes after ESC / GS that take exactly one argument byte
_ESC_ONE = set(b"!-2EGMRadt{3J")  # ESC 2 has none: handled below
_ESC_NONE = set(b"@2")
_GS_ONE = set(b"!BHbfhwVa")


@dataclass
class Token:
    kind: str  # text | cmd | raster | barcode | qr_native | cut
    value: Any = None
    args: bytes = b""


@dataclass
class Decoded:
    tokens: list[Token] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(t.value for t in self.tokens if t.kind == "text")

    @property
    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.text.split("\n")]

    @property
    def rasters(self) -> list[Image.Image]:
        return [t.value for t in self.tokens if t.kind == "raster"]

    def codes(self) -> list[tuple[str, str]]:
        """(format, text) of every QR/barcode found in the rasters, in order."""
        found: list[tuple[str, str]] = []
        for img in self.rasters:
            for r in zxingcpp.read_barcodes(img):
                found.append((r.format.name, r.text))
        return found

    def commands(self) -> list[bytes]:
        return [t.args for t in self.tokens if t.kind == "cmd"]


def raster_to_image(width_bytes: int, height: int, data: bytes) -> Image.Image:
    img = Image.frombytes("1", (width_bytes * 8, height), data).convert("L")
    return ImageOps.invert(img)  # ESC/POS: 1 bit = black dot


def decode(data: bytes) -> Decoded:
    out = Decoded()
    i, n = 0, len(data)
    text = bytearray()

    def flush() -> None:
        if text:
            out.tokens.append(Token("text", text.decode("gb18030")))
            text.clear()

    while i < n:
        b = data[i]
        if b == 0x1B:  # ESC
            flush()
            c = data[i + 1]
            if c in (0x40, 0x32):
                out.tokens.append(Token("cmd", None, data[i:i + 2]))
                i += 2
            elif c in _ESC_ONE:
                out.tokens.append(Token("cmd", None, data[i:i + 3]))
                i += 3
            else:
                raise ValueError(f"unknown ESC {c:#x} at {i}")
        elif b == 0x1C:  # FS & / FS .
            flush()
            c = data[i + 1]
            if c not in (0x26, 0x2E):
                raise ValueError(f"unknown FS {c:#x} at {i}")
            out.tokens.append(Token("cmd", None, data[i:i + 2]))
            i += 2
        elif b == 0x10:  # DLE EOT n
            flush()
            out.tokens.append(Token("cmd", None, data[i:i + 3]))
            i += 3
        elif b == 0x1D:  # GS
            flush()
            c = data[i + 1]
            if c == 0x76 and data[i + 2] == 0x30:  # GS v 0 m xL xH yL yH d...
                wb = data[i + 4] + 256 * data[i + 5]
                h = data[i + 6] + 256 * data[i + 7]
                end = i + 8 + wb * h
                out.tokens.append(Token("raster", raster_to_image(wb, h, data[i + 8:end])))
                i = end
            elif c == 0x6B:  # GS k m ...
                m = data[i + 2]
                if m < 65:
                    end = data.index(b"\x00", i + 3)
                    out.tokens.append(Token("barcode", data[i + 3:end], bytes([m])))
                    i = end + 1
                else:
                    length = data[i + 3]
                    out.tokens.append(Token("barcode", data[i + 4:i + 4 + length], bytes([m])))
                    i += 4 + length
            elif c == 0x28 and data[i + 2] == 0x6B:  # GS ( k pL pH cn fn ...
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5:i + 5 + length]
                if body[:2] == b"1P":
                    out.tokens.append(Token("qr_native", body[3:].decode("utf-8")))
                else:
                    out.tokens.append(Token("cmd", None, data[i:i + 5 + length]))
                i += 5 + length
            elif c == 0x56:  # GS V m [n]
                m = data[i + 2]
                size = 4 if m in (65, 66, 97, 98, 103, 104) else 3
                out.tokens.append(Token("cut", m))
                i += size
            elif c in _GS_ONE:
                out.tokens.append(Token("cmd", None, data[i:i + 3]))
                i += 3
            else:
                raise ValueError(f"unknown GS {c:#x} at {i}")
        elif b < 0x20 and b not in (0x0A, 0x0D, 0x09):
            raise ValueError(f"stray control byte {b:#x} at {i}")
        else:
            text.append(b)
            i += 1
    flush()
    return out
