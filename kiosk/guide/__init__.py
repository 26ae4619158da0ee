"""The policy guide (政策指南): content kept as TOML data files in this folder.

``insurances.toml`` covers the five insurances (参保对象 / 缴费标准 / 待遇享受
and 政策衔接 or the special item: 大病保险, 失业登记, 工伤认定, 生育服务);
``flows.toml`` the four service flows with their steps and materials;
``tips.toml`` the one-line tips the attract screen rotates. Every text has a
zh_CN and an en version; :func:`load_guide` refuses a file that lacks one.
"""

from __future__ import annotations

import marshal
import os
import sys
import tomllib
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kiosk.rules.text import normalise_search

GUIDE_DIR = Path(__file__).parent
LANGUAGES = ("zh_CN", "en")


class GuideError(ValueError):
    """A guide file that cannot be used; names the file and the entry."""


@dataclass(frozen=True)
class Text:
    """One text in both languages."""

    zh_CN: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.zh_CN


@dataclass(frozen=True)
class Section:
    """A heading and its paragraph."""

    heading: Text
    body: Text


@dataclass(frozen=True)
class Topic:
    """One guide page."""

    id: str
    group: str  # insurance | flow
    title: Text
    sections: tuple[Section, ...]
    keywords: tuple[str, ...]

    def matches(self, query: str) -> bool:
        """True when every word of ``query`` appears in the title, keywords or text.

        Both sides go through the one normaliser's search form (NFKC, case-folded,
        invisible characters dropped): ``ＰＥＮＳＩＯＮ`` finds "pension".
        """
        words = normalise_search(query).split()
        haystack = normalise_search(" ".join(
            [self.title.zh_CN, self.title.en, *self.keywords]
            + [f"{s.heading.zh_CN} {s.heading.en} {s.body.zh_CN} {s.body.en}" for s in self.sections]
        ))
        return all(word in haystack for word in words)


@dataclass(frozen=True)
class Guide:
    """All topics (insurances first, then flows) and the tips."""

    topics: tuple[Topic, ...]
    tips: tuple[Text, ...]

    def search(self, query: str) -> tuple[Topic, ...]:
        if not normalise_search(query):
            return self.topics
        return tuple(t for t in self.topics if t.matches(query))

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)


def _text(raw: object, where: str) -> Text:
    if not isinstance(raw, dict) or any(not isinstance(raw.get(lang), str) or not raw.get(lang)
                                        for lang in LANGUAGES):
        raise GuideError(f"{where}: needs non-empty zh_CN and en texts")
    return Text(raw["zh_CN"], raw["en"])


def _parse(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise GuideError(f"{path.name}: not valid TOML: {exc}") from None


def cache_file(directory: Path) -> Path:
    """Where the parsed guide files of ``directory`` are kept (the catalogs' cache folder)."""
    from kiosk.i18n import CACHE_ENV

    base = os.environ.get(CACHE_ENV)
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("shebao-kiosk", appauthor=False)
    return Path(base) / f"guide-{zlib.crc32(str(directory).encode()):08x}.marshal"


def _parsed_files(directory: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every ``*.toml`` of ``directory`` parsed, in name order, kept between starts.

    The attract screen shows a tip on the first screen, and parsing the guide's 21 KB of
    TOML took ~2.5 ms of every cold start (issue 18.4). As with the catalogs
    (kiosk.i18n.cached_catalog) the parsed tables are a ``marshal`` in the cache folder,
    used only while the files have the same names, sizes and modification times (ns) and
    the same Python made it; an unreadable or unwritable cache means parsing as before.
    Checking the tables (:func:`_build`) runs on every load either way.
    """
    paths = sorted(directory.glob("*.toml"))
    stats = [path.stat() for path in paths]
    key = (sys.version, str(directory), tuple((p.name, st.st_size, st.st_mtime_ns) for p, st in zip(paths, stats, strict=True)))
    target = cache_file(directory)
    try:
        stored_key, tables = marshal.loads(target.read_bytes())
        if stored_key == key and isinstance(tables, list) and len(tables) == len(paths):
            return list(zip(paths, tables, strict=True))
    except (OSError, ValueError, EOFError, TypeError):
        pass
    parsed = [_parse(path) for path in paths]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps((key, parsed)))
        os.replace(temporary, target)  # whole or not at all, also with several kiosks starting
    except (OSError, ValueError):  # ValueError: a value marshal cannot store; then parse each time
        pass
    return list(zip(paths, parsed, strict=True))


def _build(path: Path, raw: dict[str, Any]) -> tuple[list[Topic], list[Text]]:
    topics: list[Topic] = []
    for i, item in enumerate(raw.get("topic", [])):
        where = f"{path.name}: topic {item.get('id', i)!r}"
        sections = tuple(
            Section(_text(s.get("heading"), f"{where} section {j} heading"), _text(s.get("body"), f"{where} section {j} body"))
            for j, s in enumerate(item.get("section", []))
        )
        if not sections:
            raise GuideError(f"{where}: has no sections")
        topics.append(Topic(str(item["id"]), str(item.get("group", "insurance")), _text(item.get("title"), where),
                            sections, tuple(str(k) for k in item.get("keywords", []))))
    tips = [_text(t, f"{path.name}: tip {i}") for i, t in enumerate(raw.get("tip", []))]
    return topics, tips


@cache
def load_guide(directory: Path = GUIDE_DIR) -> Guide:
    """Read every ``*.toml`` guide file; insurances first, then flows."""
    topics: list[Topic] = []
    tips: list[Text] = []
    for path, raw in _parsed_files(directory):
        more_topics, more_tips = _build(path, raw)
        topics += more_topics
        tips += more_tips
    ids = [t.id for t in topics]
    if len(set(ids)) != len(ids):
        raise GuideError(f"{directory}: duplicate topic ids")
    order = {"insurance": 0, "flow": 1}
    topics.sort(key=lambda t: order.get(t.group, 2))
    return Guide(tuple(topics), tuple(tips))
