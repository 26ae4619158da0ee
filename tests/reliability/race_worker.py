"""Process bodies for the concurrency suite (run under multiprocessing "spawn").

Each function opens its own database connection, does its part of a race
and reports results on a queue as plain tuples: ``(kind, who, value)``.
Exceptions a person can cause are reported as ``("error", who, message)``;
anything else as ``("crash", who, repr)`` so the test shows it.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from db.connection import open_database
from kiosk.clock import FixedClock
from kiosk.services import Conflict, NotFound, ServiceContext, ServiceError

MOMENT = dt.datetime(2026, 11, 29, 1, 30, tzinfo=dt.UTC)


def _ctx(url: str, terminal: str, staff: tuple[int, str] | None = None) -> ServiceContext:
    ctx = ServiceContext(open_database(url), FixedClock(moment=MOMENT), terminal=terminal)
    return ctx.as_staff(*staff) if staff else ctx


def issue(url: str, worker: int, count: int, prefix: str, start: Any, out: Any) -> None:
    """Take ``count`` tickets of ``prefix`` as fast as possible."""
    from kiosk.services import queue

    ctx = _ctx(url, f"T{worker:02d}")
    start.wait()
    try:
        for _ in range(count):
            out.put(("issued", worker, queue.take_ticket(ctx, prefix).code))
    except Exception as exc:  # reported, the test fails on it
        out.put(("crash", worker, repr(exc)))


def counter(url: str, number: int, issuers_done: Any, start: Any, out: Any) -> None:
    """Call next until the issuers are finished and nobody is waiting."""
    from kiosk.services import queue

    ctx = _ctx(url, f"C{number:02d}")
    start.wait()
    try:
        while True:
            finished = issuers_done.is_set()  # read before the call: empty after this means empty for good
            try:
                ticket = queue.call_next(ctx, number)
            except NotFound:
                if finished:
                    return
                time.sleep(0.005)
                continue
            except Conflict as exc:
                if exc.code != "busy":
                    raise
                continue
            out.put(("called", number, ticket.code))
            queue.no_show(ctx, number)
    except Exception as exc:
        out.put(("crash", number, repr(exc)))


def advance(url: str, staff: tuple[int, str], numbers: list[str], start: Any, out: Any) -> None:
    """For each application, wait for the other clerk and advance it at the same moment."""
    from kiosk.services import applications as apps

    ctx = _ctx(url, f"C{staff[0]:02d}", staff)
    ctx.database.connect()
    for number in numbers:
        start.wait()
        try:
            info = apps.advance(ctx, number, "reviewed", note=f"{staff[1]}审核", expected_version=1)
            out.put(("won", staff[1], f"{number}:{info.version}"))
        except Conflict as exc:
            out.put(("conflict", staff[1], f"{number}:{exc.message}"))
        except ServiceError as exc:
            out.put(("error", staff[1], f"{number}:{exc.message}"))
        except Exception as exc:
            out.put(("crash", staff[1], f"{number}:{exc!r}"))


def submit(url: str, staff: tuple[int, str], residents: list[int], start: Any, out: Any) -> None:
    """Both clerks submit the same business for the same resident at the same moment."""
    from kiosk.services import applications as apps

    ctx = _ctx(url, f"C{staff[0]:02d}", staff)
    ctx.database.connect()
    for resident in residents:
        start.wait()
        try:
            info = apps.submit(ctx, resident, "enrol_resident_medical", materials_received=["id_card", "hukou"],
                               print_receipt=True)
            out.put(("won", staff[1], f"{resident}:{info.number}"))
        except ServiceError as exc:
            out.put(("refused", staff[1], f"{resident}:{exc.message}"))
        except Exception as exc:
            out.put(("crash", staff[1], f"{resident}:{exc!r}"))


def pay(url: str, staff: tuple[int, str], plan: list[tuple[int, int]], tier: int, start: Any, out: Any) -> None:
    """Record resident pension payments (resident, year) in step with the other clerk."""
    from kiosk.services import payments

    ctx = _ctx(url, f"C{staff[0]:02d}", staff)
    ctx.database.connect()
    for resident, year in plan:
        start.wait()
        try:
            info = payments.pay_resident_pension(ctx, resident, tier, "cash", year=year)
            out.put(("paid", staff[1], f"{resident}:{year}:{info.receipt_code}"))
        except ServiceError as exc:
            out.put(("refused", staff[1], f"{resident}:{year}:{exc.message}"))
        except Exception as exc:
            out.put(("crash", staff[1], f"{resident}:{year}:{exc!r}"))
