"""Online backups and restores.

SQLite: the sqlite3 backup API copies a consistent snapshot while other
terminals keep writing. PostgreSQL: ``pg_dump``/``pg_restore`` in custom
format. The backup file is created readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from db.connection import sqlite_path


class BackupError(RuntimeError):
    """A backup or restore that could not be made, and why."""


def backup(url: str, target: Path) -> Path:
    """Write a consistent copy of the database at ``url`` to ``target``."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} 已存在：请换一个文件名，备份不会覆盖旧文件")
    # The folder must exist: a mistyped path is refused by the command (no folder tree made for it).
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise BackupError(f"数据库文件 {path} 不存在")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            damage = _quick_check(source)  # before: a damaged file would be copied page by page
            if damage:
                raise BackupError(f"数据库文件 {path} 已损坏（{damage}）：不备份，旧的备份都保留；请从最近的好备份恢复")
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            dest = sqlite3.connect(target)
            try:
                with dest:
                    source.backup(dest, pages=1024)
                damage = _quick_check(dest)  # after: the copy itself must be whole
            finally:
                dest.close()
        except sqlite3.DatabaseError as exc:
            damage = " ".join(str(exc).split())[:120]
        finally:
            source.close()
        if damage:
            target.unlink(missing_ok=True)
            raise BackupError(f"数据库文件 {path} 已损坏（{damage}）：不备份，旧的备份都保留；请从最近的好备份恢复")
        return target
    if url.startswith(("postgresql://", "postgres://")):
        schemas = [f"--schema={name}" for name in _search_path(url)]
        _run_pg(["pg_dump", "--format=custom", "--no-owner", *schemas, f"--file={target}", _pg_dsn(url)])
        os.chmod(target, 0o600)
        return target
    raise BackupError(f"{url}: 不支持的数据库地址")


def _quick_check(connection: sqlite3.Connection) -> str:
    """``PRAGMA quick_check``: "" when sound, else its first complaint (page damage, bad b-tree)."""
    rows = connection.execute("PRAGMA quick_check").fetchall()
    return "" if rows == [("ok",)] else " ".join(str(rows[0][0]).split())[:120]


def restore(source: Path, url: str) -> None:
    """Load a backup made by :func:`backup` into an empty database at ``url``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"备份文件 {source} 不存在")
    path = sqlite_path(url)
    if path is not None:
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} 已有数据：恢复只写入新文件，请指定一个不存在的文件")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(path)
        try:
            if src.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{source} 不是完好的备份文件")
            with dest:
                src.backup(dest)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} 不是 SQLite 备份文件：{exc}") from None
        finally:
            src.close()
            dest.close()
        return
    if url.startswith(("postgresql://", "postgres://")):
        _run_pg(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_pg_dsn(url)}", str(source)])
        return
    raise BackupError(f"{url}: 不支持的数据库地址")


def backup_daily(url: str, directory: Path, *, keep_days: int, now: dt.datetime) -> tuple[Path, list[Path]]:
    """Write today's backup into ``directory`` and remove those older than ``keep_days``.

    Returns the new file and the removed ones. Names carry the local time,
    ``kiosk-YYYYMMDD-HHMMSS.backup``, so the age is read from the name, not
    from file times that a copy may have changed.
    """
    if keep_days < 1:
        raise BackupError("--keep-days 至少为 1")
    directory = Path(directory)
    directory.mkdir(exist_ok=True, mode=0o700)  # the timer's own folder, made on its first run (not its parents)
    target = backup(url, directory / f"kiosk-{now:%Y%m%d-%H%M%S}.backup")
    cutoff = (now - dt.timedelta(days=keep_days)).strftime("%Y%m%d-%H%M%S")
    removed = []
    for old in sorted(directory.glob("kiosk-*.backup")):
        stamp = old.stem.removeprefix("kiosk-")
        if len(stamp) == 15 and stamp < cutoff:
            old.unlink()
            removed.append(old)
    return target, removed


def _search_path(url: str) -> list[str]:
    """The schemas a URL's ``options=-c search_path=...`` names (the kiosk's tables live there;
    a server shared with other schemas is then backed up for those only), else []."""
    from urllib.parse import parse_qs, urlsplit

    for options in parse_qs(urlsplit(url).query).get("options", []):
        found = re.search(r"search_path\s*=\s*([^\s]+)", options)
        if found:
            return [name.strip().strip('"') for name in found.group(1).split(",") if name.strip()]
    return []


def _pg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _run_pg(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]}：请安装 postgresql-client")
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}")
