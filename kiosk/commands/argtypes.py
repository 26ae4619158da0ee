"""argparse types shared by every sub-command (attack E1): a value given on the command line is
checked where it is parsed, so a bad one is one usage line and exit 2, never a traceback later.

- :func:`year` — a calendar year, :data:`YEAR_MIN`..:data:`YEAR_MAX` (``int``);
- :func:`month` — ``YYYY-MM`` in that range, as the month's first day (``datetime.date``);
- :func:`iso_date` — ``YYYY-MM-DD`` in that range (``datetime.date``);
- :func:`bounded_int` / :func:`bounded_float` — a number between two limits (a count, a counter number,
  a timeout), made once per argument;
- :func:`non_empty` — a text that must not be empty (a printer URL);
- :func:`path` — a file or folder name, never empty;
- :func:`new_file` — (called by a command, not a type) a file it will create: its folder must already
  exist (no export creates a folder tree from a mistyped path).

Messages come from the catalog (``fixe_cli.arg.*``, in Chinese like the other command-line lines).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

#: The years a command accepts: a record, a run or a report before 1950 or after 2100 is a typo.
YEAR_MIN, YEAR_MAX = 1950, 2100


def _say(key: str, **params: object) -> argparse.ArgumentTypeError:
    from kiosk.i18n import translate

    return argparse.ArgumentTypeError(translate(f"fixe_cli.arg.{key}", "zh_CN", **params))


def _shown(text: str) -> str:
    """At most 20 characters of what was typed (an argument may be any length)."""
    return text[:20] + ("…" if len(text) > 20 else "")


def _in_range(value: int, text: str) -> int:
    if not YEAR_MIN <= value <= YEAR_MAX:
        raise _say("year_range", text=_shown(text), low=YEAR_MIN, high=YEAR_MAX)
    return value


def year(text: str) -> int:
    """A year such as ``2026`` (ArgumentTypeError outside :data:`YEAR_MIN`..:data:`YEAR_MAX`)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 4:
        raise _say("year", text=_shown(text), low=YEAR_MIN, high=YEAR_MAX)
    return _in_range(int(digits), text)


def month(text: str) -> dt.date:
    """``YYYY-MM`` as the first day of that month (ArgumentTypeError otherwise)."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts) \
            or not 1 <= int(parts[1]) <= 12:
        raise _say("month", text=_shown(text))
    return dt.date(_in_range(int(parts[0]), text), int(parts[1]), 1)


def iso_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` as a date (ArgumentTypeError when it is no date or outside the years accepted)."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _say("date", text=_shown(text)) from None
    _in_range(day.year, text)
    return day


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type for a whole number ``low``..``high`` (a count, a counter number, an id)."""

    def whole_number(text: str) -> int:
        digits = text.strip()
        body = digits.removeprefix("-")
        if not (body.isascii() and body.isdigit()) or len(body) > 19 or not low <= int(digits) <= high:
            raise _say("number", text=_shown(text), low=low, high=high)
        return int(digits)

    return whole_number


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    """An argparse type for a number of seconds (or the like) ``low``..``high``; nan and inf refused."""

    def number(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise _say("number", text=_shown(text), low=low, high=high)
        return value

    return number


def non_empty(text: str) -> str:
    """A value that must say something (a printer URL): ``--printer ""`` is refused, not read as
    "the configured one"."""
    if not text.strip():
        raise _say("empty")
    return text


def path(text: str) -> Path:
    """A file or folder name as a ``Path``; an empty one is refused (``Path("")`` would be the
    current folder: ``kiosk db backup-daily ""`` must not write there)."""
    if not text.strip() or "\0" in text:
        raise _say("file_name", text=_shown(text))
    return Path(text)


def new_file(path: str | Path, *, folder: bool = False) -> Path:
    """A file a command is about to create, as an absolute ``Path``; CommandError (exit 2) when its
    folder does not exist, or when it names a folder (unless ``folder``). Called by the command, not by argparse: the README's examples name folders
    of the hall's machine, which must still parse elsewhere."""
    from kiosk.commands import CommandError
    from kiosk.i18n import translate

    text = str(path)
    if not text.strip() or "\0" in text:
        raise CommandError(translate("fixe_cli.arg.file_name", "zh_CN", text=_shown(text)))
    target = Path(text).expanduser().absolute()
    if not target.parent.is_dir():
        raise CommandError(translate("fixe_cli.arg.no_folder", "zh_CN", folder=str(target.parent)))
    if target.is_dir() and not folder:  # ``folder=True``: the command writes its files into it
        raise CommandError(translate("fixe_cli.arg.is_folder", "zh_CN", path=str(target)))
    return target
