"""The hall display board (mode ``display``): who is called where, who waits.

The board reads :func:`kiosk.services.queue.queue_status` in a worker (never
more than one read in flight; a change during a read triggers one more). On
PostgreSQL it re-reads when the server pushes a queue event (LISTEN, see
:mod:`kiosk.services.queue_events`), so a call shows at once, and polls only
as a slow fallback (30 s); on SQLite it polls every ``REFRESH_SECONDS``. The newest call is drawn in block
letters big enough to read across the hall and announced by voice
(:class:`kiosk.services.announce.Announcer`, silent without espeak-ng).
Only ticket numbers and masked names are ever shown.

While reads fail (the database does not answer) the board keeps what it
showed and marks it quietly in its head line, "数据暂未更新 (HH:MM)" with the
time of the last good read; the mark goes at the next good read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message

from kiosk.services import queue as queue_service
from kiosk.services import queue_events
from kiosk.services.announce import Announcer
from kiosk.services.queue import QueueStatus
from screens.base import KioskScreen
from screens.display.bigtext import BigCode
from screens.widgets.plain import Static, literal

REFRESH_SECONDS = 0.5


class QueueChanged(Message):
    """The hall's queue changed (posted from the LISTEN thread; ``event`` is the NOTIFY payload)."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__()
        self.event = event


class BoardScreen(KioskScreen):
    """Now serving per counter, the last five calls, waiting counts per category."""

    CSS_PATH = Path(__file__).with_name("board.tcss")

    def __init__(self, announcer: Announcer | None = None, *, refresh_seconds: float = REFRESH_SECONDS,
                 fallback_seconds: float | None = None) -> None:
        super().__init__()
        self._announcer = announcer
        self.refresh_seconds = refresh_seconds  # the poll on SQLite
        self.fallback_seconds = fallback_seconds  # the poll while listening (None: settings / 30 s)
        self.status: QueueStatus | None = None
        self.listener: Any = None  # db.notify.QueueListener on PostgreSQL
        self.pushed = 0  # queue events received
        self._loading = False
        self._again = False
        self._seen_call_id: int | None = None
        self.announced: list[tuple[str, int]] = []
        self.updated_at = ""  # HH:MM (hall time) of the last good read

    # -- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="board"):
            with Horizontal(id="board-head"):
                yield Static(self.host.settings.hall.name, id="hall-name")
                # In the head line, which always shows: a stale board says so where it is seen.
                mark = Static("", id="board-error")
                mark.display = False
                yield mark
                yield Static(self.t("queue.board.title"), id="board-title")
            with Vertical(id="newest"):
                yield BigCode("", scale=3, id="newest-code")
                yield Static(self.t("queue.board.idle"), id="newest-text")
            with Horizontal(id="board-body"):
                yield Static(id="serving", classes="board-panel")
                yield Static(id="recent", classes="board-panel")
            yield Static(id="waiting", classes="board-panel")

    def on_mount(self) -> None:
        self.reload()
        ctx = self.host.ctx
        self.listener = queue_events.watch(ctx, lambda event: self.post_message(QueueChanged(event)),
                                           name="board-listen")
        self.set_interval(queue_events.poll_seconds(ctx, self.refresh_seconds, self.fallback_seconds), self.reload)

    def on_unmount(self) -> None:
        if self.listener is not None:
            self.listener.stop(timeout=0)  # its thread ends within a second; never block the UI

    def on_queue_changed(self, message: QueueChanged) -> None:
        self.pushed += 1
        self.reload()

    @property
    def announcer(self) -> Announcer:
        """The injected announcer, else the system one (made on first use)."""
        if self._announcer is None:
            self._announcer = Announcer()
        return self._announcer

    # -- refresh ----------------------------------------------------------------------

    def reload(self) -> None:
        """Read the queue in a worker unless a read is still running."""
        if self._loading:
            self._again = True  # a change arrived during the read: read once more after it
            return
        self._loading = True
        self._again = False
        ctx = self.host.ctx
        # A pure read: a hung database marks the board stale within the deadline (attack F5).
        self.run_service(lambda: queue_service.queue_status(ctx), self._loaded, self._failed, deadline=True)

    def _read_again(self) -> None:
        if self._again:
            self.reload()

    def _failed(self, message: str) -> None:
        self._loading = False
        mark = (self.t("fixd.board.stale", time=self.updated_at) if self.updated_at
                else self.t("queue.board.offline"))
        self._mark(mark)
        self._read_again()

    def _loaded(self, status: QueueStatus) -> None:
        self._loading = False
        self.updated_at = f"{self.host.ctx.clock.now_local():%H:%M}"
        self._mark("")
        if status != self.status:
            self.status = status
            self._draw(status)
        if self._seen_call_id is not None and status.last_call_id > self._seen_call_id and status.recent:
            newest = status.recent[0]
            self.announced.append((newest.code, newest.counter))
            self.announcer.announce(newest.code, newest.counter)
        self._seen_call_id = status.last_call_id
        self._read_again()

    # -- drawing ----------------------------------------------------------------------

    def _mark(self, text: str) -> None:
        """The stale mark in the head line (hidden while the data is fresh)."""
        mark = self.query_one("#board-error", Static)
        mark.update(text)
        mark.display = bool(text)

    def _draw(self, status: QueueStatus) -> None:
        t = self.t
        newest = status.recent[0] if status.recent else None
        self.query_one("#newest-code", BigCode).show(newest.code if newest else "")
        self.query_one("#newest-text", Static).update(
            t("queue.board.call", code=newest.code, counter=newest.counter) if newest else t("queue.board.idle"))

        # Rich tables read str cells and titles as markup: every one goes in as literal text.
        serving = Table(title=literal(t("queue.board.now_serving")), expand=True, show_edge=False)
        for key in ("col_counter", "col_number", "col_name", "col_status"):
            serving.add_column(literal(t(f"queue.board.{key}")))
        for counter in status.counters:
            ticket = counter.ticket
            if ticket is None:
                serving.add_row(literal(t("queue.board.counter", n=counter.counter)), literal(t("queue.board.none")))
            else:
                serving.add_row(literal(t("queue.board.counter", n=counter.counter)), Text(ticket.code, style="bold"),
                                literal(ticket.masked_name), literal(t(f"queue.status.{ticket.status}")))
        self.query_one("#serving", Static).update(serving)

        recent = Table(title=literal(t("queue.board.recent")), expand=True, show_edge=False)
        recent.add_column(literal(t("queue.board.col_number")))
        recent.add_column(literal(t("queue.board.col_counter")))
        recent.add_column(literal(t("queue.board.col_name")))
        for call in status.recent:
            recent.add_row(Text(call.code, style="bold"), literal(t("queue.board.counter", n=call.counter)),
                           literal(call.masked_name))
        self.query_one("#recent", Static).update(recent)

        waiting = Table(title=literal(t("queue.board.waiting") + "  " + t("queue.board.total", n=status.total_waiting)),
                        expand=True, show_edge=False, show_header=False)
        cells: list[Any] = []
        for w in status.waiting:
            name = w.name_zh if self.host.translator.language == "zh_CN" else w.name_en
            cells.append(f"{w.prefix} {name}  {t('queue.board.people', n=w.waiting)}")
        columns = 5
        for _ in range(columns):
            waiting.add_column()
        for i in range(0, len(cells), columns):
            row = cells[i:i + columns]
            waiting.add_row(*(literal(cell) for cell in row))
        self.query_one("#waiting", Static).update(waiting)
