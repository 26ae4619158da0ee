"""Figure 3: a twenty-year contribution statement (240 monthly rows) to ESC/POS bytes.

Subject: :func:`printers.templates.contribution_statement` then
:func:`printers.escpos_render.render_escpos` at 80 mm in GB18030 — what
the statement screen prints (QR code as a raster picture, as by default).
Floor: the same rows formatted as text lines, encoded to GB18030 and joined
with ESC @ / FS & / cut around them: the bytes a printer minimally needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.core import Config, Figure, figure, time_interleaved

TARGET_MS = 20.0


def _statement_input() -> Any:
    from printers.templates import Person, StatementInput, StatementRow, StatementYear

    years = []
    for year in range(2006, 2026):
        rows = tuple(StatementRow(f"{month:02d}月", 584000, 46720, 93440) for month in range(1, 13))
        years.append(StatementYear(year, "职工基本养老保险", rows))
    assert sum(len(y.rows) for y in years) == 240
    return StatementInput(Person("刘建国", "360726197003150018"), tuple(years), 240, 4567890)


def run(config: Config, log: Any = print) -> list[Figure]:
    from printers.escpos_render import RenderOptions, render_escpos
    from printers.templates import ReceiptContext, contribution_statement

    data = _statement_input()
    receipt = ReceiptContext(hall="示范镇社保服务大厅", terminal="T01",
                             time=dt.datetime(2026, 11, 29, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")), training=False)
    options = RenderOptions(paper=80, encoding="gb18030")
    sizes: list[int] = []

    def subject() -> None:
        document = contribution_statement(receipt, data, code="RCABCDEFGHJK")
        sizes.append(len(render_escpos(document, options)))

    def floor() -> None:
        lines = [f"{y.year}年 {y.insurance}" for y in data.years]
        for y in data.years:
            for r in y.rows:
                lines.append(f"{r.period}  {r.base_fen / 100:,.2f}  {r.individual_fen / 100:,.2f}  "
                             f"{r.employer_fen / 100:,.2f}")
        b"".join([b"\x1b@\x1c&", *(line.encode("gb18030") + b"\n" for line in lines), b"\x1dV\x00"])

    subject_stats, floor_stats = time_interleaved(subject, floor, config.reps(60, 3))
    return [figure("3", "20-year statement (240 rows) → ESC/POS bytes", "ms", subject_stats,
                   "text lines → GB18030 bytes", floor_stats, target=f"median < {TARGET_MS:g} ms",
                   met=subject_stats.median < TARGET_MS, escpos_bytes=sizes[-1] if sizes else 0)]
