"""Message catalogs: zh_CN (the default) and en, with the same keys.

Each language is a folder of TOML files (one per area: common, resident,
counter, rules, printers ...) merged into one flat table of dotted keys, so
that several people can add messages without editing the same file.
"""

from __future__ import annotations

import marshal
import os
import string
import sys
import tomllib
import zlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import platformdirs

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
_ROOT = Path(__file__).parent
CACHE_ENV = "KIOSK_CACHE_DIR"
"""Folder for the parsed catalogs (default: the user cache folder of shebao-kiosk)."""


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = str(value)
    return flat


def parse_catalog(folder: Path) -> dict[str, str]:
    """Every ``*.toml`` in ``folder`` merged (in name order) into {dotted.key: text}."""
    messages: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as handle:
            messages.update(_flatten(tomllib.load(handle)))
    return messages


def cache_file(folder: Path) -> Path:
    """Where the parsed catalog of ``folder`` is kept (one file per catalog folder)."""
    base = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("shebao-kiosk", appauthor=False)
    return Path(base) / f"catalog-{folder.name}-{zlib.crc32(str(folder).encode()):08x}.marshal"


def cached_catalog(folder: Path) -> dict[str, str]:
    """:func:`parse_catalog`, kept in :func:`cache_file` between starts.

    Parsing the zh_CN catalog's 140 KB of TOML took ~9 ms of every cold start (issue 18.4);
    the cache is a ``marshal`` of the merged table, used only while the folder's TOML files
    have the same names, sizes and modification times (nanoseconds) and the same Python
    made it, so an edited or added file is parsed again. An unreadable or unwritable cache
    is ignored: the catalog is parsed as before.
    """
    paths = sorted(folder.glob("*.toml"))
    key = (sys.version, str(folder), tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in paths))
    target = cache_file(folder)
    try:
        stored_key, messages = marshal.loads(target.read_bytes())
        if stored_key == key and isinstance(messages, dict):
            return messages
    except (OSError, ValueError, EOFError, TypeError):
        pass
    messages = parse_catalog(folder)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps((key, messages)))
        os.replace(temporary, target)  # whole or not at all, also with several kiosks starting
    except OSError:
        pass
    return messages


@cache
def catalog(language: str) -> dict[str, str]:
    """All messages of one language as {dotted.key: text} (:func:`cached_catalog`)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    return cached_catalog(_ROOT / language)


def translate(key: str, language: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message for ``key``, formatted with ``params``.

    A missing key shows the key itself rather than crashing a kiosk; a test
    keeps both catalogs complete.
    """
    text = catalog(language).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    if not params:
        return text
    return _PLURAL.vformat(text, (), params) if PLURAL_MARK in text else text.format(**params)


def translate_message(t: Callable[..., str], key: str, params: Mapping[str, object], /) -> str:
    """``t(key, **params)`` for a message carried with its parameters (a service's refusal).

    ``t`` translates into the reader's language (a :class:`Translator`, an
    app's ``t``). A parameter named ``x_key`` holds a catalog key: it is
    translated first and passed as ``x``, so "the {insurance}" names the
    insurance in the reader's language, not the service's. It is formatted
    with the message's other parameters, so a refusal can carry a rule's
    message with its own parameters ("The ID number is wrong: {reason}",
    ``reason_key`` = the ID check's message, its ``count`` beside it).
    """
    plain = {name: value for name, value in params.items() if not name.endswith("_key")}
    merged = dict(params)
    merged.update({name[:-4]: _inner(t, str(value), plain) for name, value in params.items()
                   if name.endswith("_key")})
    return t(key, **merged)


def _inner(t: Callable[..., str], key: str, params: Mapping[str, object]) -> str:
    """``t(key, **params)``; the bare text when it names a field ``params`` lack (a name key's
    text is never formatted without them, so it cannot fail here)."""
    try:
        return t(key, **params)
    except (KeyError, IndexError, ValueError):
        return t(key)


PLURAL_MARK = ":@"
"""A field ``{n:@month|months}`` is the word for the count ``n``: the first form when ``n``
is 1, else the second (English: "1 month", "2 months"; write ``{n} {n:@month|months}``).
A third form is used when ``n`` is 0 (``{days:@1 day|{days} days|done on the spot}``);
forms may hold other fields."""


class _PluralFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("@"):
            forms = format_spec[1:].split("|")
            if len(forms) > 2 and _number(value) == 0:
                return forms[2]
            return forms[0] if _number(value) == 1 else forms[min(1, len(forms) - 1)]
        return str(super().format_field(value, format_spec))


def _number(value: object) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:  # not a number (decimal.InvalidOperation): the plural form
        return None


_PLURAL = _PluralFormatter()


class Translator:
    """A callable bound to one language, handed to screens and receipts."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        catalog(language)  # fail early on an unknown language
        self.language = language

    def __call__(self, key: str, /, **params: object) -> str:
        return translate(key, self.language, **params)
