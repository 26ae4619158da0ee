"""The benchmark suite still runs: ``python -m benchmarks --quick`` on tiny
data writes JSON with every figure, each with a floor, a target and a
verdict. No timing is asserted here (a shared machine is too noisy)."""

from __future__ import annotations

import glob
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.core import Figure, Stats, verdicts
from benchmarks.startup import import_report

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {"1", "2a-100", "2a-200", "2b-100", "2b-200", "2c-100", "2c-200", "3", "4", "5-sqlite", "6",
            "7-csv", "7-xlsx"}


@pytest.mark.slow
def test_quick_suite_writes_every_figure_with_target_and_verdict(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "KIOSK_BENCH_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    keys = {f["key"] for f in data["figures"]}
    assert keys >= EXPECTED, f"missing figures: {EXPECTED - keys}"
    if os.environ.get("KIOSK_TEST_PG_URL"):
        assert "5-pg" in keys
    if glob.glob("/usr/lib/postgresql/*/bin/initdb"):  # the county figure starts a server of its own
        assert {"9a", "9b", "9c", "9d"} <= keys
        county = next(f for f in data["figures"] if f["key"] == "9a")
        assert county["detail"]["errors"] == 0 and county["detail"]["calls"] > 0, county["detail"]
        assert county["detail"]["board_reads"] > 0 and county["detail"]["pg_connections_max"] > 0
    for f in data["figures"]:
        assert f["target"], f
        assert isinstance(f["met"], bool), f
        assert f["floor"], f
        for name in ("median", "p99", "floor_median", "floor_p99", "ratio"):
            assert isinstance(f[name], float) and math.isfinite(f[name]) and f[name] > 0, (f["key"], name)
        assert f["p99"] >= f["median"] and f["floor_p99"] >= f["floor_median"], f["key"]
    for field in ("cpu", "cores", "ram_gb", "python", "sqlite", "postgresql", "textual", "peewee"):
        assert data["machine"][field] not in ("", None, 0), field
    assert data["errors"] == {}
    # The table on stdout carries every figure with its verdict column.
    for key in EXPECTED:
        assert f"| {key} |" in result.stdout
    # ... and one line per figure against its target (with the county's error count).
    lines = result.stdout.split("Each figure against its target:", 1)[1].splitlines()
    for f in data["figures"]:
        line = next(line for line in lines if line.startswith(f"{f['key']} "))
        assert f["target"] in line and ("NOT MET" not in line) == f["met"], line
        if f["key"] == "9a":
            assert "errors 0" in line, line
    startup = next(f for f in data["figures"] if f["key"] == "1")
    assert "heavy_at_start" in startup["detail"]


def test_stats_median_and_nearest_rank_p99() -> None:
    stats = Stats.of([float(x) for x in range(1, 201)])
    assert stats.median == 100.5
    assert stats.p99 == 198.0  # nearest rank: ceil(0.99 × 200) = 198th value
    assert Stats.of([3.0, 1.0, 2.0]).p99 == 3.0
    with pytest.raises(ValueError):
        Stats.of([])


def test_import_report_names_the_chain_that_loads_a_heavy_package() -> None:
    trace = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:       100 |        100 |       PIL",
        "import time:       200 |        300 |     escpos.printer",
        "import time:       500 |     250000 |   printers.devices",
        "import time:       100 |     300000 | kiosk.app",
        "import time:        10 |         10 | json",
    ])
    report = import_report(trace)
    assert report["heavy_at_start"] == {
        "PIL": "PIL ← escpos.printer (0 ms) ← printers.devices (250 ms) ← kiosk.app (300 ms)"}
    assert next(iter(report["slowest_top_level_ms"])) == "kiosk.app"
    assert import_report("import time:        10 |         10 | json")["heavy_at_start"] == {}


def test_verdicts_give_each_figure_its_value_target_and_verdict_and_the_county_its_errors() -> None:
    county = Figure("9a", "county", "ms", 19.6, 195.0, 400, "raw NOTIFY", 0.4, 1.0, 49.0, "p99 < 300 ms, 0 errors",
                    False, {"errors": 2, "calls_never_shown": 1})
    start = Figure("1", "cold start", "ms", 450.0, 600.0, 15, "bare app", 300.0, 350.0, 1.5, "≤ 1.5×", True, {})
    first, second = verdicts([county, start]).splitlines()
    assert first.startswith("9a ") and "NOT MET" in first and "p99 195 ms" in first
    assert "errors 2" in first and "calls never shown 1" in first and first.endswith("target p99 < 300 ms, 0 errors")
    assert second.startswith("1 ") and "met" in second and "NOT MET" not in second
    assert "median 450 ms" in second and "1.50× the floor" in second and second.endswith("target ≤ 1.5×")
