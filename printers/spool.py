"""The persistent print spool: store every receipt first, print it in the background.

A receipt becomes a ``PrintJob`` row (the document as JSON) inside the same
transaction as the business it belongs to (:func:`enqueue`), so nothing
printed can be lost and nothing is printed that was not committed. A worker
(:class:`SpoolWorker`, a thread; :meth:`PrintSpool.run_once` for tests)
prints due jobs of this terminal oldest first.

Job states (``print_job.status``)::

    pending ──claim──▶ printing ──sent──▶ printed
       ▲                  │  └──(found after a crash)──▶ uncertain   (a clerk decides)
       └──not sent────────┘
    pending ──cannot be rendered──▶ failed      pending ──staff──▶ cancelled
    pending ──its resident left a self-service kiosk──▶ held   (printed only by 补打 at a counter)

* **pending**: waiting. When the printer is unreachable, busy before the job,
  out of paper, or drops or resets the connection before it acknowledged
  every byte (printers.devices.PrinterReset), nothing (or only a torn part,
  thrown away: the job prints again whole) went out: the job stays ``pending`` with ``attempts``,
  ``last_error`` and ``next_try_at``, and the spool backs off 2, 4, 8 ... 60 s.
* **printing**: claimed just before its bytes go to the printer (an UPDATE
  that only one process can win, so two spools never send the same job);
  ``next_try_at`` holds the moment of the claim.
* **printed**: the printer took every byte (our send queue drained) and the
  connection closed cleanly (see :mod:`printers.devices`; a printer that
  accepts the connection but stops reading leaves the job ``pending``). A confirmation that comes late or never does not
  make a second copy; an unconfirmed job keeps ``last_error`` =
  :data:`UNCONFIRMED` so the counter can tell.
* **uncertain**: a job still ``printing`` :data:`STALE_PRINTING` after its
  claim. The process died between sending and recording (the printer may or
  may not have printed it), so it is **never sent again automatically**: it
  is listed by :meth:`PrintSpool.attention` (``kiosk printer jobs``) and
  counted in :meth:`PrintSpool.alert` until a clerk either reprints it
  (补打, a new job with its own code: :meth:`PrintSpool.reprint` or the
  counter's 补打 screen) or confirms it came out (:meth:`PrintSpool.settle`).
* **held** (attack E20): on an unattended self-service kiosk (``unattended``) a
  document that names the person in full (:data:`PRIVATE_KINDS`: the 参保证明)
  prints only while its resident is identified there (:meth:`PrintSpool.attend`).
  Once the session ended (or the kiosk restarted) a copy still waiting for the
  printer is held instead of coming out later into the tray for whoever stands
  there then: ``last_error`` = :data:`HELD`; never sent again automatically,
  listed by :meth:`PrintSpool.held` (``kiosk printer jobs``) until the resident
  has it reprinted at a counter (补打 with the code the kiosk gave). Tickets and
  masked receipts are not held. A counter's spool holds nothing (a clerk is there).
* **failed**: the document cannot be rendered at all (text is always
  renderable: controls and characters the printer lacks are replaced or
  drawn as pictures; this is for a corrupt stored document). Never retried;
  ``last_error`` says why.

So no receipt is lost (every job ends printed, or in front of a clerk) and
none is doubled automatically (a job is sent again only when it provably
did not leave in one piece). A reprint is a new job marked 补打 with its own
code, printed at the terminal that asked for it (:func:`enqueue_reprint`);
a receipt has at most one copy on its way: no 补打 while a copy of it is
pending or being sent on that terminal (it comes out when the printer is
back), and a copy pending on another terminal (a kiosk whose printer is
down) is cancelled and replaced by the 补打, so it prints once, where the
resident is. A reprint exists only for a receipt that printed, failed, is
uncertain, held or was cancelled.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from dataclasses import dataclass
from typing import Literal

import peewee

from db.connection import check_connection, drop_connection, drop_if_broken, is_sqlite, write_transaction
from db.models import PrintJob, utc_now_naive
from kiosk.clock import Clock
from printers.devices import Device, PrinterError
from printers.document import Document, new_receipt_code
from printers.escpos_render import RenderOptions, render_escpos

log = logging.getLogger(__name__)

MAX_DELAY = 60.0

#: A job still "printing" this long after its claim was abandoned by a process that died:
#: longer than any send (connect + status + write + confirmation are each bounded by the
#: device timeout of a few seconds, waiting for the printer to take the bytes by
#: printers.devices.DRAIN_LIMIT = 30 s), so a job another process is sending right now is never taken.
STALE_PRINTING = dt.timedelta(minutes=2)

#: ``last_error`` of a job found "printing" after its sender died.
ABANDONED = "发送时程序中断，不确定是否已打印：请核实后补打或确认"

#: ``last_error`` of a printed job the printer did not confirm in time.
UNCONFIRMED = "已发送，打印机未确认收到"

#: Every status a print job can have; see the module text.
STATUSES = ("pending", "printing", "printed", "uncertain", "failed", "cancelled", "held")

#: Document kinds that name the person in full (every other receipt masks them: printers.templates).
PRIVATE_KINDS = ("certificate",)

#: ``last_error`` of a job held because its resident left the self-service kiosk before it printed.
HELD = "含完整个人信息，持证人离开自助机时尚未打出，不在自助机自动打印"
#: ``last_error`` of a held document that staff voided (``kiosk printer jobs --void``): never printed.
VOIDED = "无人领取，已由工作人员作废（未打印）"


def is_private(kind: str) -> bool:
    """True for a document that names the person in full (a 参保证明): on a self-service
    kiosk it prints only while its resident is there (see the module text, "held")."""
    return kind in PRIVATE_KINDS


def backoff_seconds(failures: int, maximum: float = MAX_DELAY) -> float:
    """2, 4, 8, ... seconds after 1, 2, 3 ... failures in a row, at most ``maximum``."""
    return float(min(2 ** max(failures, 1), maximum))


def enqueue(
    document: Document,
    clock: Clock,
    *,
    resident_id: int | None = None,
    reprint_of: int | None = None,
    terminal: str | None = None,
) -> int:
    """Store ``document`` as a pending job, due now; returns the job id.

    Call it inside the caller's transaction (the application, its events and
    its receipt commit together), then :meth:`PrintSpool.wake` the worker.
    ``terminal`` is whose spool prints it (default: the document's terminal).
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
        terminal=terminal or document.terminal,
        created_at=now,
    )
    return int(job.id)


class ReprintRefused(Exception):
    """补打 refused because a copy of the receipt will still come out.

    ``reason`` is "waiting" (a copy is pending on the asking terminal: it prints when the
    printer is back) or "printing" (a copy is being sent right now); ``terminal`` is where."""

    def __init__(self, reason: Literal["waiting", "printing"], terminal: str) -> None:
        super().__init__(f"{reason} at {terminal}")
        self.reason: Literal["waiting", "printing"] = reason
        self.terminal = terminal


def enqueue_reprint(database: peewee.Database, original: PrintJob, new_code: str, clock: Clock, *,
                    terminal: str) -> int:
    """Store a 补打 of the receipt ``original`` belongs to (the first job or any reprint of it),
    printed by ``terminal``'s spool; returns the new job id. Call it inside a write transaction.

    :class:`ReprintRefused` while a copy is pending on ``terminal`` or being sent anywhere
    (a "printing" claim older than :data:`STALE_PRINTING` is abandoned: it becomes
    "uncertain" here and no longer refuses). Copies pending on other terminals are
    cancelled (last_error names the replacing terminal) and this one replaces them.
    """
    root_id = original.__data__.get("reprint_of") or original.id
    root = PrintJob.select().where(PrintJob.id == root_id)
    (root if is_sqlite(database) else root.for_update()).get()  # two counters' 补打 of one receipt: in turn
    family = (PrintJob.id == root_id) | (PrintJob.reprint_of == root_id)
    now = utc_now_naive(clock.now_utc())
    PrintJob.update(status="uncertain", last_error=ABANDONED).where(
        family & (PrintJob.status == "printing") & (PrintJob.next_try_at <= now - STALE_PRINTING)).execute()
    on_the_way = list(PrintJob.select().where(family & PrintJob.status.in_(("pending", "printing")))
                      .order_by(PrintJob.id))
    for job in on_the_way:
        if job.status == "printing":
            raise ReprintRefused("printing", job.terminal)
        if job.terminal == terminal:
            raise ReprintRefused("waiting", terminal)
    if on_the_way:
        replaced = sum(PrintJob.update(status="cancelled", last_error=f"已由 {terminal} 补打代替")
                       .where((PrintJob.id == job.id) & (PrintJob.status == "pending")).execute()
                       for job in on_the_way)
        if replaced != len(on_the_way):  # another terminal's spool claimed one since we looked
            raise ReprintRefused("printing", on_the_way[0].terminal)
    document = Document.from_dict(original.document).as_reprint(new_code)
    return enqueue(document, clock, resident_id=original.__data__.get("resident"), reprint_of=root_id,
                   terminal=terminal)


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

    @property
    def confirmed(self) -> bool:
        """Printed and confirmed by the printer (False for a printed job it never confirmed)."""
        return self.status == "printed" and self.last_error != UNCONFIRMED


def _view(job: PrintJob) -> JobView:
    return JobView(
        id=int(job.id), code=job.code, kind=job.kind, status=job.status, attempts=job.attempts,
        last_error=job.last_error, next_try_at=job.next_try_at, reprint=job.__data__.get("reprint_of") is not None,
        created_at=job.created_at,
    )


def _reprinted_since(job: PrintJob) -> bool:
    """True when a 补打 of the same receipt was made after ``job`` (the clerk has decided)."""
    root = job.__data__.get("reprint_of") or job.id
    return bool(PrintJob.select().where((PrintJob.reprint_of == root) & (PrintJob.id > job.id)).exists())


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
        unattended: bool = False,
    ) -> None:
        self.database = database
        self.device = device
        self.clock = clock
        self.terminal = terminal
        self.options = options or RenderOptions()
        self.rng = rng
        self.max_delay = max_delay
        self.unattended = unattended
        """A self-service kiosk: documents naming the person in full print only for :attr:`present`."""
        self.present: int | None = None
        """The resident identified at this terminal now (Resident id), None when nobody is."""
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
        """A new job for the same receipt on this terminal, marked 补打 with a new code; returns
        its id. :class:`ReprintRefused` while a copy is still on its way (:func:`enqueue_reprint`)."""
        with write_transaction(self.database):
            original = PrintJob.get_by_id(job_id)
            new_id = enqueue_reprint(self.database, original, new_receipt_code(self.rng), self.clock,
                                     terminal=self.terminal)
        self.wake()
        return new_id

    def attend(self, resident_id: int | None, *, unattended: bool | None = None) -> None:
        """Who is identified at this terminal now (None: the session ended); ``unattended``
        (when given) whether it is a self-service kiosk. On an unattended terminal the next pass
        holds the waiting documents with full personal data of anyone else (woken at once)."""
        if unattended is not None:
            self.unattended = unattended
        self.present = resident_id
        self.wake()

    def _may_print(self, job: PrintJob) -> bool:
        """False for a private document of someone not identified here on an unattended terminal."""
        return (not self.unattended or not is_private(job.kind)
                or (self.present is not None and job.__data__.get("resident") == self.present))

    def _hold_private(self) -> int:
        """On an unattended terminal: this terminal's pending private documents of residents not
        identified here now → "held" (attack E20). Returns how many."""
        if not self.unattended:
            return 0
        present = self.present
        where = ((PrintJob.status == "pending") & (PrintJob.terminal == self.terminal)
                 & PrintJob.kind.in_(PRIVATE_KINDS))
        if present is not None:
            where &= PrintJob.resident.is_null() | (PrintJob.resident != present)
        if not PrintJob.select().where(where).exists():
            return 0  # the usual case: a read, no write lock
        with write_transaction(self.database):
            changed = int(PrintJob.update(status="held", last_error=HELD).where(where).execute())
        log.info("%d print job(s) with full personal data held for 补打 at a counter (resident left)", changed)
        return changed

    def cancel(self, job_id: int) -> bool:
        """Stop a pending job from printing (staff decision); True when it was pending."""
        with write_transaction(self.database):
            changed = (PrintJob.update(status="cancelled")
                       .where((PrintJob.id == job_id) & (PrintJob.status == "pending")).execute())
        return bool(changed)

    # -- printing --------------------------------------------------------------------

    def run_once(self, *, force: bool = False, limit: int | None = None) -> int:
        """Print every due job of this terminal, oldest first; returns how many were sent.

        Stops at the first device failure (the next job would fail the same
        way) and backs off; ``force`` ignores the back-off (a "retry now" button);
        ``limit`` prints at most that many jobs in this pass. Jobs abandoned
        in "printing" become "uncertain" first (never sent again), and on an unattended
        terminal private documents of residents who left become "held" (never sent here).
        """
        with self._lock:
            now = self._now()
            self._mark_abandoned(now)
            self._hold_private()
            if not force and self.blocked_until is not None and now < self.blocked_until:
                return 0
            where = (PrintJob.status == "pending") & (PrintJob.terminal == self.terminal)
            if not force:
                where &= PrintJob.next_try_at <= now
            query = PrintJob.select().where(where).order_by(PrintJob.id)
            due = list(query.limit(limit) if limit else query)
            printed = 0
            for job in due:
                if not self._may_print(job):
                    continue  # its resident left since this pass began: held on the next one
                try:
                    document = Document.from_dict(job.document)
                    data = render_escpos(document, self.options)
                except Exception as exc:  # a broken document must not block the others, nor be retried for ever
                    log.exception("print job %s cannot be rendered", job.id)
                    self._set(job, "pending", status="failed", last_error=f"无法生成小票：{exc}",
                              attempts=PrintJob.attempts + 1)
                    continue
                if not self._claim(job):
                    continue  # another process took it (or staff cancelled it) since we looked
                try:
                    confirmed = self.device.send(data, document=document)
                except PrinterError as exc:
                    self.failures += 1
                    delay = backoff_seconds(self.failures, self.max_delay)
                    self.blocked_until = self._now() + dt.timedelta(seconds=delay)
                    self.last_error = exc
                    self._failed(job, str(exc), delay)
                    log.warning("print job %s not printed (%s); retry in %.0f s", job.id, exc, delay)
                    return printed
                except BaseException:  # not a printer answer (a bug, KeyboardInterrupt): the bytes may be out
                    log.exception("print job %s: sending stopped unexpectedly; it stays 'printing'", job.id)
                    raise
                self._printed(job, confirmed is not False)
                printed += 1
                self.failures = 0
                self.blocked_until = None
                self.last_error = None
            return printed

    def _set(self, job: PrintJob, expected: str, **values: object) -> bool:
        """Move ``job`` from status ``expected``; False when it was not in that status any more."""
        with write_transaction(self.database):
            changed = (PrintJob.update(**values)  # type: ignore[arg-type]
                       .where((PrintJob.id == job.id) & (PrintJob.status == expected)).execute())
        return bool(changed)

    def _claim(self, job: PrintJob) -> bool:
        # committed before a byte goes out: a crash from here on leaves "printing", never "pending"
        return self._set(job, "pending", status="printing", next_try_at=self._now())

    def _failed(self, job: PrintJob, error: str, delay: float) -> None:
        now = self._now()
        self._set(job, "printing", status="pending", attempts=PrintJob.attempts + 1, last_error=error[:300],
                  next_try_at=now + dt.timedelta(seconds=delay))

    def _printed(self, job: PrintJob, confirmed: bool) -> None:
        self._set(job, "printing", status="printed", printed_at=self._now(), attempts=PrintJob.attempts + 1,
                  last_error="" if confirmed else UNCONFIRMED)

    def _mark_abandoned(self, now: dt.datetime) -> int:
        """"printing" jobs of this terminal claimed more than STALE_PRINTING ago → "uncertain"."""
        stale = ((PrintJob.status == "printing") & (PrintJob.terminal == self.terminal)
                 & (PrintJob.next_try_at <= now - STALE_PRINTING))
        if not PrintJob.select().where(stale).exists():
            return 0  # the usual case: a read, no write lock
        with write_transaction(self.database):
            changed = int(PrintJob.update(
                status="uncertain", last_error=ABANDONED).where(stale).execute())
        log.warning("%d print job(s) were being sent when the kiosk stopped; listed for a clerk, not resent",
                    changed)
        return changed

    def void(self, job_id: int) -> bool:
        """Nobody came for a "held" document (attack F6): cancel it, so it is never printed and
        no longer listed. True when it was held; its reason says it was voided."""
        with write_transaction(self.database):
            changed = (PrintJob.update(status="cancelled", last_error=VOIDED)
                       .where((PrintJob.id == job_id) & (PrintJob.status == "held")).execute())
        return bool(changed)

    def settle(self, job_id: int) -> bool:
        """A clerk saw that an "uncertain" job did come out: mark it printed. True when it was uncertain."""
        with write_transaction(self.database):
            changed = (PrintJob.update(status="printed", printed_at=self._now(), last_error="")
                       .where((PrintJob.id == job_id) & (PrintJob.status == "uncertain")).execute())
        return bool(changed)

    # -- reading ------------------------------------------------------------------------

    def pending(self) -> list[JobView]:
        """This terminal's jobs not yet printed, oldest first."""
        query = (PrintJob.select()
                 .where((PrintJob.status == "pending") & (PrintJob.terminal == self.terminal))
                 .order_by(PrintJob.id))
        return [_view(j) for j in query]

    def attention(self) -> list[JobView]:
        """This terminal's jobs a clerk must decide on, oldest first: "uncertain" ones that
        have not been reprinted yet, and "failed" ones (abandoned "printing" jobs become
        "uncertain" first, so the list is right even while no kiosk is running)."""
        self._mark_abandoned(self._now())
        query = (PrintJob.select()
                 .where((PrintJob.terminal == self.terminal) & PrintJob.status.in_(("failed", "uncertain")))
                 .order_by(PrintJob.id))
        return [_view(j) for j in query if j.status == "failed" or not _reprinted_since(j)]

    def held(self) -> list[JobView]:
        """This terminal's "held" jobs (private documents whose resident left before they printed)
        not reprinted since, oldest first: each waits for 补打 at a counter by its code."""
        query = (PrintJob.select()
                 .where((PrintJob.terminal == self.terminal) & (PrintJob.status == "held"))
                 .order_by(PrintJob.id))
        return [_view(j) for j in query if not _reprinted_since(j)]

    def in_progress(self) -> list[JobView]:
        """This terminal's jobs still "printing" (claimed, not yet known sent), oldest first:
        being printed now, or left by a process that died less than STALE_PRINTING ago
        (after that :meth:`attention` lists them as "uncertain")."""
        self._mark_abandoned(self._now())
        query = (PrintJob.select()
                 .where((PrintJob.terminal == self.terminal) & (PrintJob.status == "printing"))
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
        decide = len(self.attention())
        if not count and not decide:
            return None
        parts = []
        if count:
            parts.append(f"{count}张小票未打印：{self.last_error.message if self.last_error else '打印机故障'}")
        if decide:
            parts.append(f"{decide}张小票待核实（kiosk printer jobs）")
        return "；".join(parts)

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
        # This thread keeps one connection for its whole life (peewee's are
        # thread-local). A connection the server closed (PostgreSQL restart)
        # is noticed before a pass by check_connection, or after a failed pass
        # by drop_if_broken, and the next statement opens a new one; so
        # stored receipts print again once the server is back, without a
        # kiosk restart.
        database = self.spool.database
        try:
            while not self._stop.is_set():
                try:
                    if check_connection(database):
                        log.warning("print spool: database connection was lost; reconnecting")
                    self.spool.run_once()
                    wait = self.spool.seconds_until_due()
                except Exception:  # the database was busy or gone: try again later, never die
                    log.exception("print spool pass failed")
                    drop_if_broken(database)
                    wait = self.idle_poll
                wait = self.idle_poll if wait is None else min(max(wait, 0.05), self.idle_poll)
                self.spool._wake.wait(wait)
                self.spool._wake.clear()
        finally:
            try:
                if not database.is_closed():
                    database.close()
            except Exception:  # dead or mid-transaction: forget it rather than fail the shutdown
                drop_connection(database)
