"""One way to name the hall's counters: by number, from the queue data.

Tickets, the display board and the voice say "6号窗口" (the counters that
serve the ticket's category, ``QueueCategory.counters``). The catalog and
the policy guide were written with the category letter as if it were a
counter ("到F窗口", "counter F"); :func:`name_counters` rewrites those
references with the counters that really serve the category, so screens,
guide pages, tickets, board and voice all name the same windows. A hall
that re-assigns its counters changes the data, never the texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import peewee

from db.defaults import DEFAULT_CATEGORIES
from db.models import QueueCategory

_ZH = re.compile(r"(?<![A-Za-z0-9])([A-Z])窗口")
_EN = re.compile(r"\bcounter ([A-Z])\b")


def _numbers(counters: str) -> list[str]:
    return [part.strip() for part in counters.split(",") if part.strip()]


def load_counter_names(database: peewee.Database) -> dict[str, list[str]]:
    """Category prefix → the numbers of the counters that serve it ("F" → ["6"]);
    the shipped defaults (db.defaults) when the table is empty or unreadable.
    An empty list means every counter."""
    names: dict[str, list[str]] = {c.prefix: _numbers(c.counters) for c in DEFAULT_CATEGORIES}
    try:
        with database.connection_context():
            query: Any = QueueCategory.select(QueueCategory.prefix, QueueCategory.counters).tuples()
            rows = [(str(row[0]), str(row[1] or "")) for row in query]
    except peewee.PeeweeException:
        return names
    for prefix, counters in rows:
        names[prefix] = _numbers(counters)
    return names


def name_counters(text: str, names: Mapping[str, list[str]]) -> str:
    """``text`` with every "X窗口" / "counter X" naming the counters that serve category X:
    "到F窗口" → "到6号窗口", "(counter A)" → "(counters 1, 2)". Unknown letters stay."""

    def zh(match: re.Match[str]) -> str:
        numbers = names.get(match.group(1))
        if numbers is None:
            return match.group(0)
        return "、".join(numbers) + "号窗口" if numbers else "窗口"

    def en(match: re.Match[str]) -> str:
        numbers = names.get(match.group(1))
        if numbers is None:
            return match.group(0)
        if not numbers:
            return "any counter"
        return ("counter " if len(numbers) == 1 else "counters ") + ", ".join(numbers)

    if "窗口" in text:
        text = _ZH.sub(zh, text)
    if "counter " in text:
        text = _EN.sub(en, text)
    return text
