"""Files that carry personal data out of the database: private from creation,
safe to open in a spreadsheet.

:func:`private_file` creates the file with mode 0600 through ``os.open`` (a
later ``chmod`` would leave a window in which anyone could open it) under a
temporary name and moves it into place only when complete, so a failed
export never leaves half a roster behind and an older file with looser
permissions is replaced, not reused.

:func:`csv_cell` follows the OWASP guidance on CSV injection: a cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote, so Excel and WPS show it as text instead of
running it as a formula (plain numbers such as ``-12.50`` stay numbers).
Long digit strings (ID numbers, 12 digits or more) get a leading tab, the
usual way to make Excel keep them as text instead of ``3.60726E+17``; the
roster import strips it again.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?", re.ASCII)
_LONG_DIGITS = re.compile(r"\d{12,}", re.ASCII)


def csv_cell(value: Any) -> str:
    """One cell's text, neutralised for spreadsheets (see the module docstring)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_LEADS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    if _LONG_DIGITS.fullmatch(text):
        return "\t" + text
    return text


@contextmanager
def private_file(path: Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a new file for ``path`` with mode 0600; it replaces ``path`` on success.

    ``mode`` and ``kwargs`` are those of :func:`open` (``"w"``/``"wb"``).
    Raises OSError when the folder does not exist or cannot be written.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def os_user() -> str:
    """The operating-system account running this process (recorded in the audit log)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid {os.getuid()}"
