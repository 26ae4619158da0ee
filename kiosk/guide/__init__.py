"""The policy guide (政策指南): content kept as TOML data files in this folder.

``insurances.toml`` covers the five insurances (参保对象 / 缴费标准 / 待遇享受
and 政策衔接 or the special item: 大病保险, 失业登记, 工伤认定, 生育服务);
``flows.toml`` the four service flows with their steps and materials;
``tips.toml`` the one-line tips the attract screen rotates. Every text has a
zh_CN and an en version; :func:`load_guide` refuses a file that lacks one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


def _load_file(path: Path) -> tuple[list[Topic], list[Text]]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise GuideError(f"{path.name}: not valid TOML: {exc}") from None
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
    for path in sorted(directory.glob("*.toml")):
        more_topics, more_tips = _load_file(path)
        topics += more_topics
        tips += more_tips
    ids = [t.id for t in topics]
    if len(set(ids)) != len(ids):
        raise GuideError(f"{directory}: duplicate topic ids")
    order = {"insurance": 0, "flow": 1}
    topics.sort(key=lambda t: order.get(t.group, 2))
    return Guide(tuple(topics), tuple(tips))
