"""What every benchmark shares: samples, figures with their floor and target,
the machine description, the table and the JSON file.

A shared counter machine is noisy, so no figure is a single number: each is
a median and a p99 over repeated samples, and a ratio against a *floor* — the
least work that could do the same job (a bare Textual app, hand-written
sqlite3 SQL, a raw upsert loop …) — measured in the same run, interleaved
with the subject where that is possible, so that both see the same noise.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

#: Bump when the generated data changes shape: cached databases are keyed by it.
#: 3: seed_demo obeys the rules (issue 16: no separate maternity, pensioners with their months).
DATA_VERSION = 3


@dataclass(frozen=True)
class Config:
    """How big a run is. ``quick`` is the smoke-test size: it exercises every
    figure in seconds, and its numbers mean nothing."""

    quick: bool = False
    cache_dir: Path = field(default_factory=lambda: Path(
        os.environ.get("KIOSK_BENCH_CACHE") or Path.home() / ".cache" / "shebao-kiosk-bench"))
    pg_url: str = ""

    @property
    def scales(self) -> tuple[int, int]:
        """Residents in the small and the large database (figure 2)."""
        return (100, 200) if self.quick else (10_000, 100_000)

    def reps(self, full: int, quick: int = 3) -> int:
        return quick if self.quick else full


@dataclass
class Stats:
    """Median and 99th percentile of a list of samples."""

    median: float
    p99: float
    n: int

    @classmethod
    def of(cls, samples: Iterable[float]) -> Stats:
        values = sorted(samples)
        if not values:
            raise ValueError("no samples")
        # Nearest-rank p99: with fewer than 100 samples it is the maximum.
        rank = max(0, math.ceil(0.99 * len(values)) - 1)
        return cls(statistics.median(values), values[rank], len(values))


@dataclass
class Figure:
    """One measured figure with its floor, target and verdict.

    ``ratio`` is subject ÷ floor for times and sizes (lower is better) and
    subject ÷ floor for throughputs (higher is better); ``target`` says which.
    """

    key: str
    title: str
    unit: str
    median: float
    p99: float
    n: int
    floor: str
    floor_median: float
    floor_p99: float
    ratio: float
    target: str
    met: bool
    detail: dict[str, Any] = field(default_factory=dict)


def figure(key: str, title: str, unit: str, subject: Stats, floor_name: str, floor: Stats, *,
           target: str, met: bool, ratio: float | None = None, **detail: Any) -> Figure:
    """Build a figure; the ratio defaults to median ÷ floor median."""
    if ratio is None:
        ratio = subject.median / floor.median if floor.median else math.inf
    return Figure(key, title, unit, subject.median, subject.p99, subject.n, floor_name, floor.median, floor.p99,
                  ratio, target, met, dict(detail))


def time_interleaved(subject: Callable[[], Any], floor: Callable[[], Any], reps: int,
                     warmup: int = 2) -> tuple[Stats, Stats]:
    """Time two callables alternately (seconds → milliseconds)."""
    for _ in range(warmup):
        subject()
        floor()
    a: list[float] = []
    b: list[float] = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subject()
        t1 = time.perf_counter()
        floor()
        t2 = time.perf_counter()
        a.append((t1 - t0) * 1000)
        b.append((t2 - t1) * 1000)
    return Stats.of(a), Stats.of(b)


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return 0.0


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def machine(pg_version: str = "") -> dict[str, Any]:
    """The machine and the versions that matter for these figures."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "ram_gb": _ram_gb(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version or "-",
        "textual": _version("textual"),
        "peewee": _version("peewee"),
        "psycopg": _version("psycopg"),
        "python-escpos": _version("python-escpos"),
        "openpyxl": _version("openpyxl"),
    }


def _num(value: float) -> str:
    if math.isinf(value) or math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(figures: list[Figure]) -> str:
    """A Markdown table: one row per figure."""
    rows = ["| # | figure | median | p99 | floor (median) | ratio | target | met |",
            "|---|---|---:|---:|---|---:|---|---|"]
    for f in figures:
        rows.append(
            f"| {f.key} | {f.title} | {_num(f.median)} {f.unit} | {_num(f.p99)} {f.unit} | "
            f"{f.floor}: {_num(f.floor_median)} {f.unit} | {_num(f.ratio)}× | {f.target} | "
            f"{'yes' if f.met else '**no**'} |")
    return "\n".join(rows)


def verdicts(figures: list[Figure]) -> str:
    """One line per figure: met or not, what was measured (median, p99, ratio to the floor;
    a figure that counts errors, such as the county's, with its error count) and the target."""
    lines = []
    for f in figures:
        extra = ""
        if isinstance(f.detail.get("errors"), int):
            extra = f", errors {f.detail['errors']}"
            if "calls_never_shown" in f.detail:
                extra += f", calls never shown {f.detail['calls_never_shown']}"
        lines.append(f"{f.key:<8} {'met    ' if f.met else 'NOT MET'}  median {_num(f.median)} {f.unit}, "
                     f"p99 {_num(f.p99)} {f.unit}, {_num(f.ratio)}× the floor{extra}; target {f.target}")
    return "\n".join(lines)


def machine_line(info: dict[str, Any]) -> str:
    return (f"{info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; Python {info['python']}, "
            f"SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}, Textual {info['textual']}, "
            f"peewee {info['peewee']}; load average at start {info['load_average']}")


def write_json(path: Path, info: dict[str, Any], figures: list[Figure], extra: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": info, "figures": [asdict(f) for f in figures], **extra,
               "argv": sys.argv[1:]}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
