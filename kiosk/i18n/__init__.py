"""Message catalogs: zh_CN (the default) and en, with the same keys.

Each language is a folder of TOML files (one per area: common, resident,
counter, rules, printers ...) merged into one flat table of dotted keys, so
that several people can add messages without editing the same file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
_ROOT = Path(__file__).parent


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = str(value)
    return flat


@cache
def catalog(language: str) -> dict[str, str]:
    """All messages of one language as {dotted.key: text}."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    messages: dict[str, str] = {}
    for path in sorted((_ROOT / language).glob("*.toml")):
        with path.open("rb") as handle:
            messages.update(_flatten(tomllib.load(handle)))
    return messages


def translate(key: str, language: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message for ``key``, formatted with ``params``.

    A missing key shows the key itself rather than crashing a kiosk; a test
    keeps both catalogs complete.
    """
    text = catalog(language).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**params) if params else text


class Translator:
    """A callable bound to one language, handed to screens and receipts."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        catalog(language)  # fail early on an unknown language
        self.language = language

    def __call__(self, key: str, /, **params: object) -> str:
        return translate(key, self.language, **params)
