"""A throwaway PostgreSQL server for a benchmark: its own temp folder, a free
loopback port, started and stopped by the benchmark itself.

Like ``scripts/pg-test-server``: the server binaries from
``/usr/lib/postgresql/*/bin``, ``initdb`` with trust authentication on
loopback only, and, when running as root, every server command through
``runuser -u postgres`` (the server refuses to run as root). Unlike the
test server it keeps ``fsync`` on (a county server's commits are durable).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class NoServer(RuntimeError):
    """PostgreSQL server binaries are not installed (scripts/system-deps --test)."""


def _bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in Path(p).parent.name.split(".") if x.isdigit()])
    if not found:
        raise NoServer("PostgreSQL server binaries not found (scripts/system-deps --test)")
    return Path(found[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_pg(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextlib.contextmanager
def pg_server(*, max_connections: int = 300, settings: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """Yield (URL of database ``county``, data folder) of a fresh server; stop and remove it after."""
    binary = _bin()
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-pg-"))
    data = folder / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    options = {"max_connections": str(max_connections), "shared_buffers": "256MB", **(settings or {})}
    server_options = f"-h 127.0.0.1 -p {port} -k {folder} " + " ".join(f"-c {k}={v}" for k, v in options.items())
    run = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    started = False
    try:
        subprocess.run(_as_pg([str(binary / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                               "--locale=C.UTF-8"]), **run)  # type: ignore[call-overload]
        subprocess.run(_as_pg([str(binary / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
                               "-t", "60", "-o", server_options, "start"]), **run)  # type: ignore[call-overload]
        started = True
        subprocess.run(_as_pg([str(binary / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                               "county"]), **run)  # type: ignore[call-overload]
        yield f"postgresql://postgres@127.0.0.1:{port}/county", data
    finally:
        if started:
            subprocess.run(_as_pg([str(binary / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def server_cpu_seconds(data: Path) -> float:
    """CPU seconds (user + system) of the postmaster and its live children (Linux /proc)."""
    try:
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2:].split()
        pid = int(Path(stat).parent.name)
        if pid == postmaster or int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick
