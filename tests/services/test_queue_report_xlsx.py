"""The queue report as .xlsx (export_queue_xlsx and `kiosk report queue`), read
back with openpyxl on both backends. Tickets, calls, no-shows and ratings
are made through the services at known times; the expected figures are
worked out here from those times, not taken from the report code."""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import peewee
import pytest

from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services import queue as q
from kiosk.services.queue_reports import export_queue_xlsx, queue_report
from kiosk.services.staff import add_staff
from tests.support import use_cli_environment

DAY = dt.date(2026, 11, 29)
QUEUE_HEADERS = ("取号数", "办结数", "过号数", "未办（等候/挂起）", "平均等候（分钟）", "平均办理（分钟）")


class Hall:
    """Drives the queue at set local times and keeps its own record of what happened."""

    def __init__(self, ctx: ServiceContext, clock: FixedClock) -> None:
        self.ctx = ctx
        self.clock = clock
        self.tickets: dict[str, dict[str, Any]] = {}

    def at(self, hour: int, minute: int, second: int = 0, day: dt.date = DAY) -> dt.datetime:
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, second)
        self.clock.set_local(moment)
        return moment

    def take(self, prefix: str, when: tuple[int, int]) -> str:
        taken = self.at(*when)
        code = q.take_ticket(self.ctx, prefix).code
        self.tickets[code] = {"prefix": prefix, "taken": taken, "status": "waiting", "counter": None,
                              "called": None, "started": None, "finished": None}
        return code

    def serve(self, clerk: ServiceContext, counter: int, called: tuple[int, int], started: tuple[int, int],
              finished: tuple[int, int, int], score: int | None = None, reason: str = "") -> str:
        when = self.at(*called)
        code = q.call_next(clerk, counter).code
        record = self.tickets[code]
        record.update(called=when, counter=counter)
        record["started"] = self.at(*started)
        q.start(clerk, counter)
        record["finished"] = self.at(*finished)
        q.finish(clerk, counter)
        record["status"] = "done"
        if score is not None:
            q.rate(clerk, code, score, reason)
            record.update(score=score, reason=reason, staff=clerk.staff_number)
        return code

    def miss(self, clerk: ServiceContext, counter: int, called: tuple[int, int], gone: tuple[int, int]) -> str:
        when = self.at(*called)
        code = q.call_next(clerk, counter).code
        self.tickets[code].update(called=when, counter=counter)
        self.at(*gone)
        q.no_show(clerk, counter)
        self.tickets[code]["status"] = "no_show"
        return code


def minutes(seconds: list[float]) -> float | None:
    """Mean of ``seconds`` in minutes, one decimal, half up (what a supervisor expects to read)."""
    if not seconds:
        return None
    mean = Decimal(str(sum(seconds))) / len(seconds) / 60
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def expected_row(records: list[dict[str, Any]]) -> tuple[Any, ...]:
    waits = [(r["called"] - r["taken"]).total_seconds() for r in records if r["called"] is not None]
    services = [(r["finished"] - r["started"]).total_seconds() for r in records if r["status"] == "done"]
    return (len(records), sum(r["status"] == "done" for r in records), sum(r["status"] == "no_show" for r in records),
            sum(r["status"] == "waiting" for r in records), minutes(waits), minutes(services))


@pytest.fixture
def hall(database: peewee.Database, clock: FixedClock) -> tuple[Hall, ServiceContext, ServiceContext]:
    ctx = ServiceContext(database, clock, terminal="K01")
    wang = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    zhao = add_staff(ctx, "1002", "赵强", "clerk", "3691")
    clerk1, clerk3 = ctx.as_staff(wang.id, wang.number), ctx.as_staff(zhao.id, zhao.number)
    h = Hall(ctx, clock)
    h.take("A", (9, 0))
    h.take("A", (9, 0))
    h.take("B", (9, 0))
    h.take("A", (9, 10))
    h.take("B", (9, 40))
    h.take("C", (10, 5))  # never called: still waiting at the end of the day
    h.serve(clerk1, 1, (9, 12), (9, 13), (9, 20, 30), 5)  # A001
    h.miss(clerk1, 1, (9, 21), (9, 24))  # A002 过号
    h.serve(clerk1, 1, (9, 25), (9, 26), (9, 35, 0), 2, "等待时间长")  # A003
    h.serve(clerk3, 3, (9, 30), (9, 31), (9, 45, 20), 3)  # B001, 14 min 20 s
    h.serve(clerk3, 3, (10, 10), (10, 11), (10, 17, 0), 5)  # B002 (before C001: taken earlier)
    # The next day is outside a one-day report.
    h.at(9, 0, day=DAY + dt.timedelta(days=1))
    q.take_ticket(ctx, "A")
    q.call_next(clerk1, 1)
    q.finish(clerk1, 1)
    q.rate(clerk1, "A001", 1)
    return h, clerk1, clerk3


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    """The sheet's rows, as wide as its header (openpyxl pads every row to the widest)."""
    rows = list(sheet.iter_rows(values_only=True))
    width = sum(1 for cell in rows[0] if cell is not None)
    return [tuple(row[:width]) for row in rows]


def test_export_queue_xlsx_reads_back(hall: tuple[Hall, ServiceContext, ServiceContext], tmp_path: Path) -> None:
    h, _, _ = hall
    path = export_queue_xlsx(queue_report(h.ctx, DAY), tmp_path / "queue.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["按业务", "按窗口", "按时段", "评价"]
    records = list(h.tickets.values())
    assert len(records) == 6

    # 按业务: one row per category, then 合计.
    sheet = book["按业务"]
    rows = _rows(sheet)
    assert rows[0] == ("业务类别", "业务名称", *QUEUE_HEADERS)
    body = {row[0]: row for row in rows[1:] if row[0] is not None}
    assert rows[5] == (None,) * 8  # a blank row, then the period
    for prefix, name in (("A", "参保登记"), ("B", "缴费"), ("C", "社保卡")):
        mine = [r for r in records if r["prefix"] == prefix]
        assert body[prefix] == (prefix, name, *expected_row(mine)), prefix
    assert body["合计"][2:] == expected_row(records)
    assert [row[0] for row in rows[1:5]] == ["A", "B", "C", "合计"]
    # Hand-checked too: A waited 12, 21 and 15 min; served 7.5 and 9 min; B served 14:20 and 6:00.
    assert body["A"][6:] == (16.0, 8.3) and body["B"][6:] == (30.0, 10.2)
    assert body["C"][6:] == (None, None)  # nobody called: empty, not 0
    assert sheet.cell(2, 7).number_format == "0.0" and sheet.cell(2, 1).font.b is False
    assert sheet.cell(1, 1).font.b is True
    assert any(row[0] == "统计期间：2026-11-29" for row in rows)

    # 按窗口: counters that called a ticket; the never-called C001 is in none.
    rows = _rows(book["按窗口"])
    assert rows[0] == ("窗口", "窗口名称", *QUEUE_HEADERS)
    for counter in (1, 3):
        mine = [r for r in records if r["counter"] == counter]
        assert (counter, f"{counter}号窗口", *expected_row(mine)) in rows
    assert [row[0] for row in rows[1:]] == [1, 3]

    # 按时段: by the hour the ticket was taken.
    rows = _rows(book["按时段"])
    assert rows[0] == ("时段", *QUEUE_HEADERS)
    assert rows[1] == ("09:00-10:00", *expected_row([r for r in records if r["taken"].hour == 9]))
    assert rows[2] == ("10:00-11:00", *expected_row([r for r in records if r["taken"].hour == 10]))
    assert len(rows) == 3

    # 评价: per counter and clerk, with the score spread and the reasons.
    rows = _rows(book["评价"])
    assert rows[0] == ("窗口", "工号", "经办人", "评价数", "平均分", "低分（1-2分）", "5分", "4分", "3分", "2分", "1分")
    for counter, number, name in ((1, "1001", "王芳"), (3, "1002", "赵强")):
        scores = [r["score"] for r in records if r.get("score") and r["counter"] == counter]
        spread = tuple(scores.count(s) for s in (5, 4, 3, 2, 1))
        assert (counter, number, name, len(scores), round(sum(scores) / len(scores), 2),
                sum(s <= 2 for s in scores), *spread) in rows
    assert ("原因", "次数") in [row[:2] for row in rows] and ("等待时间长", 1) in [row[:2] for row in rows]
    assert sum(1 for row in rows if isinstance(row[0], int)) == 2


def test_export_of_an_empty_period_has_headers_only(database: peewee.Database, clock: FixedClock,
                                                    tmp_path: Path) -> None:
    ctx = ServiceContext(database, clock, terminal="K01")
    path = export_queue_xlsx(queue_report(ctx, DAY), tmp_path / "empty.xlsx")  # into a folder that exists
    book = openpyxl.load_workbook(path)
    assert _rows(book["按窗口"]) == [("窗口", "窗口名称", *QUEUE_HEADERS)]
    assert len(_rows(book["评价"])) == 1
    total = next(row for row in _rows(book["按业务"]) if row[0] == "合计")
    assert total[2:] == (0, 0, 0, 0, None, None)


# --------------------------------------------------------------------- command


@pytest.fixture
def cli_env(database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_cli_environment(monkeypatch, tmp_path, db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def test_kiosk_report_queue_command(hall: tuple[Hall, ServiceContext, ServiceContext], cli_env: None,
                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    h, _, _ = hall
    records = list(h.tickets.values())
    target = tmp_path / "q.xlsx"
    assert main(["report", "queue", "--date", "2026-11-29", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"取号 {len(records)} 个" in out and "过号 1" in out
    book = openpyxl.load_workbook(target)
    total = next(row for row in _rows(book["按业务"]) if row[0] == "合计")
    assert total[2:] == expected_row(records)

    # Two days: the next day's ticket and rating count too.
    assert main(["report", "queue", "--from", "2026-11-29", "--to", "2026-11-30", str(target)]) == 0
    book = openpyxl.load_workbook(target)
    total = next(row for row in _rows(book["按业务"]) if row[0] == "合计")
    assert total[2] == len(records) + 1
    ratings = [row for row in _rows(book["评价"]) if row[0] == 1]
    assert ratings[0][3] == 3  # 王芳: 5 and 2 on the first day, 1 on the second


@pytest.mark.parametrize(("argv", "needle"), [
    (["report", "queue", "--date", "29/11", "x.xlsx"], "YYYY-MM-DD"),
    (["report", "queue", "--date", "2026-11-29", "x.csv"], ".xlsx"),
    (["report", "queue", "--from", "2026-11-30", "--to", "2026-11-29", "x.xlsx"], "结束日期早于开始日期"),
    (["report", "queue", "--date", "2026-11-29", "--from", "2026-11-28", "x.xlsx"], "只能选一种"),
])
def test_kiosk_report_queue_refuses_with_one_line(cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                  needle: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.xlsx").exists()
