"""Run the suite: every figure with its floor, target and verdict; a table
on stdout and a JSON file (machine, versions, figures).

``python -m benchmarks [--quick] [--only 1,2,...] [--json PATH]``. The
PostgreSQL half of figure 5 runs when ``KIOSK_TEST_PG_URL`` is set
(``eval "$(scripts/pg-test-server start)"``). ``--quick`` is the smoke-test
size (hundreds of residents, a few repetitions): it proves the suite
still runs, its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import os
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import county, home, keypress, memory, roster_import, rule_audit, startup, statement, tickets
from benchmarks.core import Config, Figure, machine, machine_line, table, verdicts, write_json

SUITE: dict[str, Callable[[Config, Any], list[Figure]]] = {
    "1": startup.run, "2": home.run, "3": statement.run, "4": keypress.run,
    "5": tickets.run, "6": memory.run, "7": roster_import.run, "8": rule_audit.run,
    "9": county.run,
}


def _audit_key(cache_dir: Path) -> None:
    """The suite's own audit key (services append to the HMAC chain), kept with the generated
    data and handed to every child process through the environment (see db.audit)."""
    from db import audit

    if audit.KEY_ENV in os.environ:
        return
    path = cache_dir / "audit.key"
    if not path.exists():
        audit.create_key_file(path)
    os.environ[audit.KEY_ENV] = str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    parser.add_argument("--only", default="", help="comma-separated figure numbers, e.g. 2,5")
    parser.add_argument("--json", type=Path, default=Path("bench-results/latest.json"), help="where to write JSON")
    parser.add_argument("--cache-dir", type=Path, default=None, help="generated data (default ~/.cache/shebao-kiosk-bench)")
    args = parser.parse_args(argv)
    config = Config(quick=args.quick, pg_url=os.environ.get("KIOSK_TEST_PG_URL", ""),
                    **({"cache_dir": args.cache_dir} if args.cache_dir else {}))
    _audit_key(config.cache_dir)
    wanted = [k for k in SUITE if not args.only or k in args.only.split(",")]
    info = machine(tickets.pg_version(config.pg_url))
    print(f"machine: {machine_line(info)}", flush=True)
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for key in wanted:
        print(f"figure {key} ...", flush=True)
        t0 = time.perf_counter()
        try:
            figures += SUITE[key](config, lambda text: print(text, flush=True))
        except Exception as exc:  # one broken figure must not hide the others
            traceback.print_exc()
            errors[key] = f"{type(exc).__name__}: {exc}"
        seconds[key] = round(time.perf_counter() - t0, 1)
        print(f"figure {key}: {seconds[key]:.0f} s", flush=True)
    total = round(time.perf_counter() - started, 1)
    print()
    print(table(figures))
    print()
    print("Each figure against its target:")
    print(verdicts(figures))
    for key, error in errors.items():
        print(f"figure {key:<4} NOT MEASURED  {error}")
    print()
    met = sum(f.met for f in figures)
    print(f"{met} of {len(figures)} targets met; {total:.0f} s in all" + (" (quick mode: sizes too small to mean anything)" if config.quick else ""))
    for key, error in errors.items():
        print(f"figure {key} failed: {error}")
    write_json(args.json, info, figures, {"quick": config.quick, "seconds": seconds, "total_seconds": total,
                                          "errors": errors})
    print(f"JSON: {args.json}")
    return 1 if errors else 0
