"""Figure 1: cold start to the first painted attract screen, against a bare
Textual app showing one label.

Each start is a fresh ``python -m benchmarks._start_child`` on its own
pseudo-terminal (so Textual's real terminal driver paints), kiosk and bare
alternating. The time runs from just before the process is spawned to the
moment the first screen has been refreshed. One extra kiosk start runs
under ``python -X importtime``: the report lists the heaviest imports and
whether Pillow, qrcode, python-escpos, python-barcode or openpyxl are
loaded at start (they should load only when a receipt or spreadsheet is
made).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.core import Config, Figure, Stats, figure

MAX_RATIO = 1.5
HEAVY = ("PIL", "qrcode", "escpos", "barcode", "openpyxl")
COLUMNS, ROWS = 120, 40


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def start_once(args: list[str], env: dict[str, str], stamp: Path, *, stderr: Any = None,
               timeout: float = 60.0) -> tuple[float, float]:
    """Spawn one child on a new pty: seconds from spawn to its first paint, and its RSS (MB) then."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    stamp.unlink(missing_ok=True)
    reader = threading.Thread(target=_drain, args=(master,), daemon=True)
    reader.start()
    t0 = time.monotonic()
    process = subprocess.Popen([sys.executable, *args], stdin=slave, stdout=slave,
                               stderr=stderr if stderr is not None else slave, env=env, close_fds=True,
                               start_new_session=True)
    os.close(slave)
    try:
        code = process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
        reader.join(timeout=2)
    if code != 0 or not stamp.exists():
        raise RuntimeError(f"start {' '.join(args)} failed with exit code {code}")
    moment, rss = stamp.read_text().split()
    return float(moment) - t0, float(rss)


def _setup(folder: Path) -> Path:
    """An initialised empty database and a kiosk.toml pointing at it."""
    from db.connection import open_database
    from db.schema import init_schema

    database = open_database(f"sqlite:///{folder / 'kiosk.db'}")
    init_schema(database, dt.datetime(2026, 11, 29, 1, 30))
    database.close()
    config = folder / "kiosk.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{folder / "kiosk.db"}"\n'
        f'[printer]\nurl = "preview:{folder / "receipts"}"\n'
        '[terminal]\nmode = "self"\n', encoding="utf-8")
    return config


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS),
                "KIOSK_LOG_DIR": str(folder / "logs"), "PYTHONDONTWRITEBYTECODE": "0"})
    env.pop("KIOSK_CONFIG", None)
    env.pop("KIOSK_DATABASE_URL", None)
    env.pop("TEXTUAL", None)
    return env


def import_report(text: str) -> dict[str, Any]:
    """Parse ``-X importtime`` output: the slowest top-level imports and the
    import chain that brought in each heavy package."""
    rows: list[tuple[int, str, int]] = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((depth, name.strip(), int(cumulative)))
    top = sorted(((name, us) for depth, name, us in rows if depth <= 1), key=lambda r: -r[1])[:12]
    heavy: dict[str, str] = {}
    for i, (depth, name, _) in enumerate(rows):
        if name in HEAVY and name not in heavy:
            chain, level = [name], depth
            for later_depth, later_name, us in rows[i + 1:]:
                if later_depth < level:
                    chain.append(f"{later_name} ({us / 1000:.0f} ms)")
                    level = later_depth
            heavy[name] = " ← ".join(chain)
    return {"slowest_top_level_ms": {name: round(us / 1000, 1) for name, us in top}, "heavy_at_start": heavy}


def idle_rss() -> dict[str, float]:
    """RSS (MB) of the kiosk and of the bare app on their first painted screen."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-idle-") as tmp:
        folder = Path(tmp)
        kiosk_config = _setup(folder)
        env = _env(folder)
        stamp = folder / "painted"
        kiosk = start_once(["-m", "benchmarks._start_child", "kiosk", str(stamp), str(kiosk_config)], env, stamp)
        bare = start_once(["-m", "benchmarks._start_child", "bare", str(stamp)], env, stamp)
    return {"kiosk": kiosk[1], "bare": bare[1]}


def run(config: Config, log: Any = print) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-start-") as tmp:
        folder = Path(tmp)
        kiosk_config = _setup(folder)
        env = _env(folder)
        stamp = folder / "painted"
        kiosk_args = ["-m", "benchmarks._start_child", "kiosk", str(stamp), str(kiosk_config)]
        bare_args = ["-m", "benchmarks._start_child", "bare", str(stamp)]
        # One warm-up each fills the page cache and writes .pyc files.
        start_once(kiosk_args, env, stamp)
        start_once(bare_args, env, stamp)
        kiosk: list[float] = []
        bare: list[float] = []
        for _ in range(config.reps(15, 2)):
            kiosk.append(start_once(kiosk_args, env, stamp)[0] * 1000)
            bare.append(start_once(bare_args, env, stamp)[0] * 1000)
        trace = folder / "importtime.txt"
        with trace.open("w") as handle:
            start_once(["-X", "importtime", *kiosk_args], env, stamp, stderr=handle)
        imports = import_report(trace.read_text())
    subject, floor = Stats.of(kiosk), Stats.of(bare)
    ratio = subject.median / floor.median
    return [figure("1", "cold start → first painted attract screen", "ms", subject,
                   "bare Textual app, one label", floor, target=f"≤ {MAX_RATIO:g}×",
                   met=ratio <= MAX_RATIO and not imports["heavy_at_start"], **imports)]
