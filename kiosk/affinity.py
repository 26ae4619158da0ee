"""Keep a running kiosk's threads on one CPU (issue 18.1, ``[terminal] one_cpu``).

Every service call leaves the screen's thread for the service executor's
thread (db.executor) and its answer comes back the same way. When the two
threads sit on different CPUs each hand-off wakes a sleeping CPU; on the
counter machines' 2-core virtual machines that costs about 55 µs a call
against about 20 µs when both threads share one CPU (benchmarks/home.py,
``empty_call_through_executor_ms``): on SQLite, where the identify query
itself takes 15–25 µs, that is most of the call. Python's GIL lets only one
of the kiosk's threads run Python at a time anyway, so sharing one CPU
takes no parallel work away from the kiosk, and the machine's other CPU is
left to the terminal, the X server or PostgreSQL.

Only ``kiosk run`` calls :func:`keep_on_one_cpu`, before it starts any
thread (threads inherit their creator's CPU set); tests and tools that build
apps in their own processes are not pinned.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def current_cpu() -> int | None:
    """The CPU this thread runs on now (Linux ``/proc/thread-self/stat`` field 39), or None."""
    try:
        with open("/proc/thread-self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: field 3 (state) is fields[0], so field 39 (processor) is fields[36].
    try:
        return int(fields[36])
    except (IndexError, ValueError):
        return None


def keep_on_one_cpu() -> int | None:
    """Restrict this thread, and every thread it starts later, to the CPU it runs on now.

    Returns that CPU, or None where nothing was changed: a platform without
    ``sched_setaffinity``, a process already limited to one CPU, or a
    refusal by the system (logged; the kiosk runs as before).
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    cpu = current_cpu()
    if len(allowed) < 2 or cpu is None or cpu not in allowed:
        return None
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        log.warning("could not keep the kiosk on one CPU (%s); it runs on %d", exc, len(allowed))
        return None
    return cpu
