"""Figure 6: memory after 1,000 simulated resident sessions against after 10.

A session is what a resident at the terminal causes through the services
the screens call: identify (card or ID number), enrolments, contribution
history, accounts, benefits, applications, a pension estimate and a printed
statement (document + ESC/POS bytes). Sessions run in a fresh process over
random residents of the small township; RSS is sampled after each of
sessions 1–10 (the floor) and of the last 10. Idle RSS is the kiosk process
sitting on its first painted attract screen (from a figure-1 style start).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.core import Config, Figure, Stats, figure, rss_mb
from benchmarks.data import TODAY, township

MAX_RATIO = 1.1


def _sessions(db_path: str, total: int, seed: int = 11) -> dict[str, list[float]]:
    from db.connection import open_database
    from kiosk.clock import FixedClock
    from kiosk.policy import load_policy
    from kiosk.services import ServiceContext, ServiceError, residents
    from printers.escpos_render import RenderOptions, render_escpos

    database = open_database(f"sqlite:///{db_path}")
    ctx = ServiceContext(database=database, clock=FixedClock(
        moment=dt.datetime(TODAY.year, TODAY.month, TODAY.day, 1, 30, tzinfo=dt.UTC)))
    book = load_policy(None)
    options = RenderOptions()
    with database.connection_context():
        people = list(database.execute_sql(
            "SELECT r.id_number, c.card_number FROM resident r LEFT JOIN card c ON c.resident_id = r.id "
            "AND c.status = 'active'").fetchall())
    rng = random.Random(seed)
    first: list[float] = []
    last: list[float] = []
    for n in range(1, total + 1):
        id_number, card = rng.choice(people)
        try:
            who = residents.identify(ctx, card if card and n % 2 else id_number)
            residents.enrolments(ctx, who.id)
            residents.contribution_history(ctx, who.id)
            residents.accounts(ctx, who.id)
            residents.benefits(ctx, who.id)
            residents.applications(ctx, who.id)
            residents.pension_estimate(ctx, who.id, book)
            render_escpos(residents.statement_document(ctx, who.id, years=3), options)
        except ServiceError:
            pass  # a frozen card or a resident without a pension is a session too
        if n <= 10:
            gc.collect()
            first.append(rss_mb())
        elif n > total - 10:
            gc.collect()
            last.append(rss_mb())
    return {"first": first, "last": last}


def run(config: Config, log: Any = print) -> list[Figure]:
    from benchmarks.startup import idle_rss

    town = township(config, config.scales[0], log=log)
    total = 30 if config.quick else 1000
    output = subprocess.run([sys.executable, "-m", "benchmarks.memory", str(town.path), str(total)],
                            capture_output=True, text=True, check=True, timeout=1800)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    subject, floor = Stats.of(result["last"]), Stats.of(result["first"])
    idle = idle_rss()
    return [figure("6", f"RSS after {total:,} resident sessions", "MB", subject, "RSS after 10 sessions", floor,
                   target=f"≤ {MAX_RATIO:g}×", met=subject.median / floor.median <= MAX_RATIO,
                   idle_rss_mb=round(idle["kiosk"], 1), idle_rss_bare_textual_mb=round(idle["bare"], 1))]


if __name__ == "__main__":
    path, count = sys.argv[1], int(sys.argv[2])
    print(json.dumps(_sessions(str(Path(path)), count)))
