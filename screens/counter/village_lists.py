"""The supervisor's village lists (issue 15): who is due for the yearly 待遇领取资格认证
this month (:func:`kiosk.services.lifecycle.due_for_certification`) and who has not paid
this year's resident pension or medical contribution (:func:`kiosk.services.collection.unpaid`,
``kiosk resident unpaid``), by village with a count per village.

Reached from the counter home (F2, supervisors only). Keys: 1 the other list, 2/3 the
previous/next month (due list) or year (unpaid list), 4 export the .xlsx for the
村协管员 (one sheet per village, through the services' audited export functions),
0 back; ↑↓ PgUp PgDn Home End move through the rows. Names and ID numbers are masked
on screen; every look is audited (``benefit.due_list`` / ``collection.list``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Grid

from kiosk.rules.money import format_yuan
from kiosk.rules.retirement import add_months
from kiosk.services import collection, lifecycle, resident_standing
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import DataTable, Static

KINDS = ("due", "unpaid")


@dataclass(frozen=True)
class ListRow:
    """One row as shown: village, masked name and ID, what is due (a date or an insurance and amount)."""

    village: str
    name: str
    id_number: str
    what: str


def lists_dir() -> Path:
    """``<data dir>/lists`` (created, mode 0700): where the counter writes the village lists."""
    from kiosk.config import data_dir

    place = data_dir() / "lists"
    place.mkdir(parents=True, exist_ok=True, mode=0o700)
    return place


class VillageListScreen(CounterScreen):
    """资格认证 due list or unpaid-contribution list, by village, scrollable, exportable."""

    TITLE_KEY = "fix15counter.lists.title"
    CSS = """
    VillageListScreen #list-table { height: 1fr; }
    VillageListScreen #list-summary { height: auto; max-height: 4; padding: 0 1; }
    VillageListScreen .action-row { layout: grid; grid-size: 5; grid-rows: 3; grid-gutter: 0 1; height: auto; }
    VillageListScreen .action-row .menu-button { width: 100%; }
    """

    def __init__(self, kind: str = "due", out_dir: Path | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.out_dir = out_dir
        self.month: dt.date | None = None
        self.year: int | None = None
        self.rows: tuple[ListRow, ...] = ()

    def body(self) -> ComposeResult:
        yield Static("", id="list-summary")
        yield DataTable(id="list-table", cursor_type="row", zebra_stripes=True)
        with Grid(classes="action-row"):
            yield MenuButton("1", self.t("fix15counter.lists.switch"), "switch")
            yield MenuButton("2", self.t("fix15counter.lists.previous"), "previous")
            yield MenuButton("3", self.t("fix15counter.lists.next"), "next")
            yield MenuButton("4", self.t("fix15counter.lists.export"), "export")
            yield MenuButton("0", self.t("counter.back"), "back")

    def _is_supervisor(self) -> bool:
        session = counter_session.current(self.host)
        return session is not None and session.staff.is_supervisor

    def on_mount(self) -> None:
        today = self.host.ctx.today()
        self.month, self.year = today.replace(day=1), today.year
        table = self.query_one("#list-table", DataTable)
        for column in self.t("fix15counter.lists.columns").split("|"):
            table.add_column(column)
        self.load()

    def _period(self) -> str:
        assert self.month is not None
        return f"{self.month:%Y-%m}" if self.kind == "due" else str(self.year)

    def load(self) -> None:
        """Fetch the list (audited) and show it."""
        if not self._is_supervisor():
            self.say(self.t("lifecycle.run.supervisor_only"), "error")
            return
        ctx, kind, month, year = self.host.ctx, self.kind, self.month, self.year
        assert month is not None and year is not None
        t = self.t
        yuan = t("counter.yuan")

        def read() -> tuple[ListRow, ...]:
            if kind == "due":
                due = lifecycle.due_for_certification(ctx, month)
                resident_standing.audit_list_look(ctx, "benefit.due_list", f"{month:%Y-%m}", len(due))
                return tuple(ListRow(r.village, r.name_masked, r.id_masked,
                                     t("fix15counter.lists.due", date=r.due.isoformat())
                                     + (t("fix15counter.lists.suspended") if r.suspended else ""))
                             for r in due)
            unpaid = collection.unpaid(ctx, year)
            resident_standing.audit_list_look(ctx, "collection.list", str(year), len(unpaid))
            return tuple(ListRow(r.village, *r.masked,
                                 t(f"fix15counter.insurance.{r.insurance}") + "  "
                                 + (f"{format_yuan(r.due_fen)}{yuan}" if r.due_fen is not None
                                    else t("fix15counter.lists.by_tier")))
                         for r in unpaid)

        self.say(self.t("counter.working"))
        self.run_service(read, self._show, lambda message: self.say(message, "error"))

    def _show(self, rows: tuple[ListRow, ...]) -> None:
        self.rows = rows
        none = self.t("fix15counter.lists.no_village")
        counts = Counter(r.village or none for r in rows)
        villages = self.t("maint17.list_sep").join(f"{v} {n}" for v, n in sorted(counts.items()))
        self.query_one("#list-summary", Static).update(self.t(
            f"fix15counter.lists.summary_{self.kind}", period=self._period(), total=len(rows),
            villages=villages or "-"))
        table = self.query_one("#list-table", DataTable)
        table.clear()
        for row in rows:
            table.add_row(row.village or none, row.name, row.id_number, row.what)
        table.focus()  # ↑↓ PgUp PgDn Home End move through the rows; digits stay the screen's keys
        self.say("")

    def choose(self, choice: str) -> None:
        assert self.month is not None and self.year is not None
        if choice == "back":
            self.go_back()
        elif choice == "switch":
            self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
            self.load()
        elif choice in ("previous", "next"):
            step = -1 if choice == "previous" else 1
            if self.kind == "due":
                self.month = add_months(self.month, step)
            else:
                self.year += step
            self.load()
        elif choice == "export":
            self.export()

    def export(self) -> None:
        """Write the .xlsx (one sheet per village) through the audited export of the service."""
        if not self._is_supervisor():
            self.say(self.t("lifecycle.run.supervisor_only"), "error")
            return
        ctx, kind, month, year, out_dir = self.host.ctx, self.kind, self.month, self.year, self.out_dir
        assert month is not None and year is not None

        stamp = f"{ctx.clock.to_local(ctx.now()):%Y%m%d-%H%M%S}"  # a file is never overwritten

        def write() -> Path:
            folder = out_dir or lists_dir()
            if kind == "due":
                path = folder / f"due-{month:%Y-%m}-{stamp}.xlsx"
                resident_standing.export_due(ctx, month, path)
            else:
                path = folder / f"unpaid-{year}-{stamp}.xlsx"
                collection.export_by_village(ctx, year, path)
            return path

        self.say(self.t("counter.working"))
        self.run_service(write, lambda path: self.say(self.t("fix15counter.lists.written", file=str(path)), "ok"),
                         lambda message: self.say(message, "error"), writes=True)
