"""Figure 8: the rule audit (稽核, ``kiosk audit rules``) over the 100,000-resident township.

Subject: :func:`kiosk.services.rule_audit.run_audit` on the cached benchmark
township (:func:`benchmarks.data.township`, twenty years of contributions,
over ten million rows), through the kiosk's own connection (WAL, FULL),
timed end to end in this process. Floor: one grouped pass over the
contribution table with plain ``sqlite3`` (``GROUP BY resident_id,
insurance, scheme``) — the least a scan that looks at every contribution
once can do. Target: the whole audit in under a minute (issue 16). The
number of findings is reported beside the time (the benchmark township is
``seed_demo`` deepened, so it is only as clean as the demo is).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from benchmarks.core import Config, Figure, Stats, figure
from benchmarks.data import TODAY, open_township, township

TARGET_SECONDS = 60.0
FLOOR_SQL = "SELECT resident_id, insurance, scheme, min(month), max(month), count(*) FROM contribution " \
            "GROUP BY resident_id, insurance, scheme"


def run(config: Config, log: Any = print) -> list[Figure]:
    import datetime as dt

    from kiosk.clock import FixedClock
    from kiosk.services import ServiceContext
    from kiosk.services.rule_audit import run_audit

    residents = config.scales[1]
    town = township(config, residents, log=log)
    reps = config.reps(3, 1)
    subject: list[float] = []
    floor: list[float] = []
    findings: dict[str, int] = {}
    checked = 0
    clock = FixedClock(moment=dt.datetime(TODAY.year, TODAY.month, TODAY.day, 1, 30, tzinfo=dt.UTC))
    for _ in range(reps):
        database = open_township(town)
        try:
            t0 = time.perf_counter()
            report = run_audit(ServiceContext(database, clock))
            subject.append(time.perf_counter() - t0)
        finally:
            database.close()
        findings, checked = dict(report.by_kind), report.checked
        connection = sqlite3.connect(town.path)
        try:
            t0 = time.perf_counter()
            connection.execute(FLOOR_SQL).fetchall()
            floor.append(time.perf_counter() - t0)
        finally:
            connection.close()
        log(f"  audit {subject[-1]:.1f} s, floor {floor[-1]:.1f} s, {sum(findings.values()):,} findings")
    stats = Stats.of(subject)
    return [figure("8", f"rule audit (稽核), {residents:,} residents", "s", stats,
                   "one grouped sqlite3 pass over contributions", Stats.of(floor),
                   target=f"< {TARGET_SECONDS:.0f} s", met=stats.median < TARGET_SECONDS,
                   checked=checked, findings=findings)]
