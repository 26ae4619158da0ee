"""``kiosk doctor``: what works on this machine and what does not.

Each check returns a :class:`Finding` (ok / warn / fail) with a plain
sentence saying what to do. Essential failures (the database) make the
command exit non-zero; a missing printer or font is reported by name but
the kiosk can still serve residents with on-screen receipts.
"""

from __future__ import annotations

import os
import shutil
import sys
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import peewee

from db.connection import DatabaseUrlError, open_database, sqlite_path
from db.schema import LATEST_VERSION, current_version, missing_tables
from kiosk.config import Settings, data_dir

Level = Literal["ok", "warn", "fail"]
#: The name of the database finding (a failed one makes ``kiosk doctor`` exit 3).
DATABASE_FINDING = "数据库 database"


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report."""

    name: str
    level: Level
    detail: str
    essential: bool = False


def check_database(settings: Settings) -> Finding:
    url = settings.database_url()
    try:
        database = open_database(url)
        database.connect(reuse_if_open=True)
        version = current_version(database)
        missing = missing_tables(database) if version else []
        database.close()
    except (DatabaseUrlError, peewee.DatabaseError, peewee.InterfaceError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Finding(DATABASE_FINDING, "fail", f"无法连接 {_redact(url)}：{first}", essential=True)
    if version == 0:
        return Finding(DATABASE_FINDING, "fail", f"{_redact(url)} 尚未初始化：运行 kiosk db init", essential=True)
    if missing:  # the same table check as db check and db migrate
        return Finding(DATABASE_FINDING, "fail", f"缺少表 {'、'.join(missing)}：数据库不完整，请从备份恢复",
                       essential=True)
    if version != LATEST_VERSION:
        return Finding(DATABASE_FINDING, "fail", f"结构版本 {version}，需要 {LATEST_VERSION}：运行 kiosk db migrate",
                       essential=True)
    return Finding(DATABASE_FINDING, "ok", f"{_redact(url)}，结构版本 {version}", essential=True)


def check_printer(settings: Settings, timeout: float = 2.0) -> Finding:
    from printers.devices import open_device

    url = settings.printer_url()
    try:
        device = open_device(url)
        status = device.status(timeout=timeout)
    except ValueError as exc:
        return Finding("打印机 printer", "fail", f"{url}：{exc}")
    except Exception as exc:  # any device failure is a finding, never a crash
        return Finding("打印机 printer", "fail", f"{url}：{getattr(exc, 'message', str(exc))}")
    if status.paper_ok:
        return Finding("打印机 printer", "ok", f"{url}：{status.message}")
    level: Level = "fail" if status.online is False or status.paper_out else "warn"
    return Finding("打印机 printer", level, f"{url}：{status.message}")


def check_font(font: str | Path | None = None) -> Finding:
    """The Chinese font for receipt previews and rare characters: found, and drawing
    every character of printers.graphics.CJK_SAMPLE (glyph coverage, not one width).
    ``font`` checks that file instead of the one the kiosk would pick."""
    from printers.graphics import CJK_SAMPLE, FontNotFound, find_cjk_font, missing_cjk

    name = "中文字体 CJK font"
    if font is None:
        try:
            font = find_cjk_font()
        except FontNotFound as exc:
            return Finding(name, "fail", f"{exc}；否则小票预览会显示方框")
    missing = missing_cjk(font)
    if missing:
        shown = "".join(missing[:8]) + ("…" if len(missing) > 8 else "")
        return Finding(name, "fail", f"{font} 缺少 {len(missing)}/{len(CJK_SAMPLE)} 个常用汉字（{shown}），"
                                     "小票预览会显示方框：安装 fonts-wqy-microhei")
    return Finding(name, "ok", f"{font}（常用汉字 {len(CJK_SAMPLE)}/{len(CJK_SAMPLE)} 个齐全）")


def check_terminal() -> Finding:
    size = shutil.get_terminal_size(fallback=(0, 0))
    colours = os.environ.get("COLORTERM", "") or os.environ.get("TERM", "")
    if not sys.stdout.isatty():
        return Finding("终端 terminal", "warn", f"不是终端（{size.columns}x{size.lines}）：全屏界面需在终端或 cage/foot 中运行")
    if size.columns < 80 or size.lines < 24:
        return Finding("终端 terminal", "fail", f"{size.columns}x{size.lines} 太小：至少 80x24")
    return Finding("终端 terminal", "ok", f"{size.columns}x{size.lines}，{colours or '未知颜色'}")


def check_time_zone(settings: Settings) -> Finding:
    try:
        zoneinfo.ZoneInfo(settings.hall.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return Finding("时区 time zone", "fail", f"{settings.hall.time_zone} 不可用（安装 tzdata）")
    return Finding("时区 time zone", "ok", settings.hall.time_zone)


def check_disk(settings: Settings, minimum_mb: int = 500) -> Finding:
    path = sqlite_path(settings.database_url()) or data_dir()
    folder = Path(path).parent if Path(path).suffix else Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    level: Level = "ok" if free_mb >= minimum_mb else "warn"
    return Finding("磁盘空间 free disk", level, f"{folder}：剩余 {free_mb} MB")


def diagnose(settings: Settings, *, printer_timeout: float = 2.0) -> list[Finding]:
    """Every check, in the order a technician would go through them."""
    checks: list[Callable[[], Finding]] = [
        lambda: check_database(settings),
        lambda: check_printer(settings, printer_timeout),
        check_font,
        check_terminal,
        lambda: check_time_zone(settings),
        lambda: check_disk(settings),
    ]
    return [check() for check in checks]


def _redact(url: str) -> str:
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url
