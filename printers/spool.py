"""The persistent print spool: store every receipt first, print it in the background.

A receipt becomes a ``PrintJob`` row (the document as JSON) inside the same
transaction as the business it belongs to (:func:`enqueue`), so nothing
printed can be lost and nothing is printed that was not committed. A worker
(:class:`SpoolWorker`, a thread; :meth:`PrintSpool.run_once` for tests)
prints due jobs of this terminal oldest first. When the printer is
unreachable, times out, is out of paper or drops the connection mid-job the
job stays ``pending`` with ``attempts``, ``last_error`` and ``next_try_at``,
and the spool backs off 2, 4, 8 ... 60 s. A job is marked ``printed`` right
after the printer confirmed it, so after a restart only unconfirmed jobs are
sent again. A reprint is a new job marked 补打 with its own code.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from dataclasses import dataclass

import peewee

from db.connection import write_transaction
from db.models import PrintJob, utc_now_naive
from kiosk.clock import Clock
from printers.devices import Device, PrinterError
from printers.document import Document, new_receipt_code
from printers.escpos_render import RenderOptions, render_escpos

log = logging.getLogger(__name__)

MAX_DELAY = 60.0


def backoff_seconds(failures: int, maximum: float = MAX_DELAY) -> float:
    """2, 4, 8, ... seconds after 1, 2, 3 ... failures in a row, at most ``maximum``."""
    return float(min(2 ** max(failures, 1), maximum))


def enqueue(
    document: Document,
    clock: Clock,
    *,
    resident_id: int | None = None,
    reprint_of: int | None = None,
) -> int:
    """Store ``document`` as a pending job, due now; returns the job id.

    Call it inside the caller's transaction (the application, its events and
    its receipt commit together), then :meth:`PrintSpool.wake` the worker.
    """
    now = utc_now_naive(clock.now_utc())
    job = PrintJob.create(
        code=document.code,
        kind=document.kind,
        document=document.to_dict(),
        status="pending",
        attempts=0,
        last_error="",
        next_try_at=now,
        reprint_of=reprint_of,
        resident=resident_id,
        terminal=document.terminal,
        created_at=now,
    )
    return int(job.id)


@dataclass(frozen=True)
class JobView:
    """A print job as staff screens show it."""

    id: int
    code: str
    kind: str
    status: str
    attempts: int
    last_error: str
    next_try_at: dt.datetime
    reprint: bool
    created_at: dt.datetime


def _view(job: PrintJob) -> JobView:
    return JobView(
        id=int(job.id), code=job.code, kind=job.kind, status=job.status, attempts=job.attempts,
        last_error=job.last_error, next_try_at=job.next_try_at, reprint=job.__data__.get("reprint_of") is not None,
        created_at=job.created_at,
    )


class PrintSpool:
    """Prints this terminal's pending jobs on one device, with back-off when it fails."""

    def __init__(
        self,
        database: peewee.Database,
        device: Device,
        clock: Clock,
        *,
        terminal: str,
        options: RenderOptions | None = None,
        rng: random.Random | None = None,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.database = database
        self.device = device
        self.clock = clock
        self.terminal = terminal
        self.options = options or RenderOptions()
        self.rng = rng
        self.max_delay = max_delay
        self.failures = 0  # device failures in a row
        self.blocked_until: dt.datetime | None = None
        self.last_error: PrinterError | None = None
        self._lock = threading.Lock()  # one pass at a time (worker thread and a manual "retry now")
        self._wake = threading.Event()

    def _now(self) -> dt.datetime:
        return utc_now_naive(self.clock.now_utc())

    # -- writing -------------------------------------------------------------------

    def submit(self, document: Document, *, resident_id: int | None = None) -> int:
        """Store a receipt in its own transaction and wake the worker; returns the job id."""
        with write_transaction(self.database):
            job_id = enqueue(document, self.clock, resident_id=resident_id)
        self.wake()
        return job_id

    def reprint(self, job_id: int) -> int:
        """A new job for the same receipt, marked 补打 with a new code; returns its id."""
        with write_transaction(self.database):
            original = PrintJob.get_by_id(job_id)
            document = Document.from_dict(original.document).as_reprint(new_receipt_code(self.rng))
            new_id = enqueue(document, self.clock, resident_id=original.__data__.get("resident"),
                             reprint_of=original.__data__.get("reprint_of") or original.id)
        self.wake()
        return new_id

    def cancel(self, job_id: int) -> bool:
        """Stop a pending job from printing (staff decision); True when it was pending."""
        with write_transaction(self.database):
            changed = (PrintJob.update(status="cancelled")
                       .where((PrintJob.id == job_id) & (PrintJob.status == "pending")).execute())
        return bool(changed)

    # -- printing --------------------------------------------------------------------

    def run_once(self, *, force: bool = False, limit: int | None = None) -> int:
        """Print every due job of this terminal, oldest first; returns how many printed.

        Stops at the first device failure (the next job would fail the same
        way) and backs off; ``force`` ignores the back-off (a "retry now" button);
        ``limit`` prints at most that many jobs in this pass.
        """
        with self._lock:
            now = self._now()
            if not force and self.blocked_until is not None and now < self.blocked_until:
                return 0
            where = (PrintJob.status == "pending") & (PrintJob.terminal == self.terminal)
            if not force:
                where &= PrintJob.next_try_at <= now
            query = PrintJob.select().where(where).order_by(PrintJob.id)
            due = list(query.limit(limit) if limit else query)
            printed = 0
            for job in due:
                try:
                    document = Document.from_dict(job.document)
                    data = render_escpos(document, self.options)
                except Exception as exc:  # a broken document must not block the others
                    log.exception("print job %s cannot be rendered", job.id)
                    self._failed(job, f"无法生成小票：{exc}", self.max_delay)
                    continue
                try:
                    self.device.send(data, document=document)
                except PrinterError as exc:
                    self.failures += 1
                    delay = backoff_seconds(self.failures, self.max_delay)
                    self.blocked_until = self._now() + dt.timedelta(seconds=delay)
                    self.last_error = exc
                    self._failed(job, str(exc), delay)
                    log.warning("print job %s not printed (%s); retry in %.0f s", job.id, exc, delay)
                    return printed
                self._printed(job)
                printed += 1
                self.failures = 0
                self.blocked_until = None
                self.last_error = None
            return printed

    def _failed(self, job: PrintJob, error: str, delay: float) -> None:
        now = self._now()
        with write_transaction(self.database):
            (PrintJob.update(attempts=PrintJob.attempts + 1, last_error=error[:300],
                             next_try_at=now + dt.timedelta(seconds=delay))
             .where((PrintJob.id == job.id) & (PrintJob.status == "pending")).execute())

    def _printed(self, job: PrintJob) -> None:
        with write_transaction(self.database):
            (PrintJob.update(status="printed", printed_at=self._now(), attempts=PrintJob.attempts + 1,
                             last_error="")
             .where((PrintJob.id == job.id) & (PrintJob.status == "pending")).execute())

    # -- reading ------------------------------------------------------------------------

    def pending(self) -> list[JobView]:
        """This terminal's jobs not yet printed, oldest first."""
        query = (PrintJob.select()
                 .where((PrintJob.status == "pending") & (PrintJob.terminal == self.terminal))
                 .order_by(PrintJob.id))
        return [_view(j) for j in query]

    def job(self, job_id: int) -> JobView:
        return _view(PrintJob.get_by_id(job_id))

    def document(self, job_id: int) -> Document:
        """The receipt a job holds (for an on-screen preview)."""
        return Document.from_dict(PrintJob.get_by_id(job_id).document)

    def alert(self) -> str | None:
        """A one-line staff alert when receipts are waiting because of the printer, else None."""
        count = (PrintJob.select()
                 .where((PrintJob.status == "pending") & (PrintJob.terminal == self.terminal)
                        & (PrintJob.attempts > 0)).count())
        if not count:
            return None
        reason = self.last_error.message if self.last_error else "打印机故障"
        return f"{count}张小票未打印：{reason}"

    def seconds_until_due(self) -> float | None:
        """How long until something can be tried again; None when nothing is pending."""
        first = (PrintJob.select(peewee.fn.MIN(PrintJob.next_try_at))
                 .where((PrintJob.status == "pending") & (PrintJob.terminal == self.terminal)).scalar())
        if first is None:
            return None
        if isinstance(first, str):  # SQLite aggregate returns text
            first = dt.datetime.fromisoformat(first)
        moments = [first] + ([self.blocked_until] if self.blocked_until else [])
        return max(0.0, (max(moments) - self._now()).total_seconds())

    # -- worker plumbing ---------------------------------------------------------------

    def wake(self) -> None:
        """Tell the worker there is something new (no-op without a worker)."""
        self._wake.set()


class SpoolWorker:
    """A daemon thread that keeps running :meth:`PrintSpool.run_once`, sleeping until work is due."""

    def __init__(self, spool: PrintSpool, *, idle_poll: float = 5.0) -> None:
        self.spool = spool
        self.idle_poll = idle_poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="print-spool", daemon=True)

    def start(self) -> SpoolWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.spool.wake()
        self._thread.join(timeout)

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.spool.run_once()
                    wait = self.spool.seconds_until_due()
                except Exception:  # the database was busy or gone: try again later, never die
                    log.exception("print spool pass failed")
                    wait = self.idle_poll
                wait = self.idle_poll if wait is None else min(max(wait, 0.05), self.idle_poll)
                self.spool._wake.wait(wait)
                self.spool._wake.clear()
        finally:
            if not self.spool.database.is_closed():
                self.spool.database.close()
