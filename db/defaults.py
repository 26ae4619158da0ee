"""Rows a fresh database starts with: queue categories and counters.

The categories follow RULES.md §11.2 (A–H, Q, V). They are only defaults: a
hall edits the ``queue_category`` and ``counter`` rows afterwards (names,
which counters serve what, service-time estimates), and
:func:`ensure_defaults` never overwrites an existing row, so running it
again (``kiosk db init`` on an existing database) keeps local edits.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Counter, QueueCategory

#: Counters (windows) a fresh hall gets: 1号窗口 … 6号窗口.
DEFAULT_COUNTERS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class CategoryDefault:
    """One default queue category: prefix, names, serving counters, minutes."""

    prefix: str
    name_zh: str
    name_en: str
    counters: str  # "1,2"; empty = every counter
    service_minutes: int
    priority: bool = False


# Counter assignment is an illustration of a six-window township hall:
# registration and payments share the first windows, the slow business
# (transfers, injury) sits together at window 6, and the priority window
# (V) may be served by every counter so an elderly resident never waits long.
DEFAULT_CATEGORIES: tuple[CategoryDefault, ...] = (
    CategoryDefault("A", "参保登记", "Enrolment and registration", "1,2", 10),
    CategoryDefault("B", "缴费", "Contribution", "2,3", 6),
    CategoryDefault("C", "社保卡", "Social security card", "3,4", 8),
    CategoryDefault("D", "养老待遇", "Pension benefits", "4,5", 12),
    CategoryDefault("E", "医保", "Medical insurance", "5", 10),
    CategoryDefault("F", "就业失业", "Employment and unemployment", "6", 10),
    CategoryDefault("G", "关系转移接续", "Transfer", "6", 15),
    CategoryDefault("H", "工伤/生育", "Work injury and maternity", "6", 15),
    CategoryDefault("Q", "查询打印", "Queries and printing", "1", 4),
    CategoryDefault("V", "优先窗口", "Priority", "", 10, priority=True),
)


def ensure_defaults() -> int:
    """Insert the missing default categories and counters; returns how many rows.

    Call inside the caller's transaction; existing rows are left as they are.
    """
    added = 0
    existing = {c.prefix for c in QueueCategory.select(QueueCategory.prefix)}
    for sort, category in enumerate(DEFAULT_CATEGORIES, start=1):
        if category.prefix in existing:
            continue
        QueueCategory.create(
            prefix=category.prefix,
            name_zh=category.name_zh,
            name_en=category.name_en,
            counters=category.counters,
            service_minutes=category.service_minutes,
            priority=category.priority,
            sort=sort * 10,
            active=True,
        )
        added += 1
    counters = {c.number for c in Counter.select(Counter.number)}
    for number in DEFAULT_COUNTERS:
        if number not in counters:
            Counter.create(number=number, name=f"{number}号窗口", categories="", active=True)
            added += 1
    return added
