"""Logging: a rotating file in the data directory, ID numbers masked.

Where: ``$KIOSK_LOG_DIR`` when set (the tests set it to their own folder,
``kiosk demo`` logs into its throwaway folder), else ``logs`` in the user
data directory (:func:`log_dir`).

Every record passes :class:`MaskingFilter`, which replaces anything shaped
like a citizen ID number (18 or 15 characters) or a mobile number with its
masked form, so a log file handed to a technician exposes no one. The text
of an exception (a traceback's messages may quote any value, such as a
resident's name) also has every run of Chinese characters masked like a name.
"""

from __future__ import annotations

import functools
import logging
import logging.handlers
import os
import re
from pathlib import Path

from kiosk.config import data_dir
from kiosk.rules.identity import mask_id_number, mask_name, mask_phone

#: Environment variable that moves the log directory (tests, demo, packagers).
LOG_DIR_ENV = "KIOSK_LOG_DIR"

_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
# Han ideographs (with extension A and compatibility forms) and the middle dots of minority names.
# Compiled on first use (_name_pattern): its wide character classes took ~3 ms of every cold
# start, and only a logged exception needs it (issue 18.4).
_NAME_REGEX = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·•・]*"

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def mask_text(text: str) -> str:
    """Mask ID numbers and mobile numbers inside free text."""
    text = _ID_PATTERN.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE_PATTERN.sub(lambda m: mask_phone(m.group(1)), text)


def mask_exception_text(text: str) -> str:
    """Mask a formatted traceback: numbers as :func:`mask_text`, and every run
    of Chinese characters as a name (张三 → 张*), since an exception's message
    may quote any value it was given."""
    return _name_pattern().sub(lambda m: mask_name(m.group(0)), mask_text(text))


@functools.cache
def _name_pattern() -> re.Pattern[str]:
    return re.compile(_NAME_REGEX)


class MaskingFilter(logging.Filter):
    """Rewrites each record's message with personal numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_exception_text(record.exc_text)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


def log_dir() -> Path:
    """The log directory: ``$KIOSK_LOG_DIR``, else ``logs`` in the user data directory."""
    return Path(os.environ.get(LOG_DIR_ENV) or data_dir() / "logs")


def configure(log_dir: Path, *, verbose: bool = False, max_bytes: int = 2_000_000, backups: int = 7) -> Path:
    """Send the kiosk's logs to ``log_dir/kiosk.log`` (rotating); returns the path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "kiosk.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_kiosk", False)]:
        root.removeHandler(old)
        old.close()
    handler._kiosk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return path


def stop() -> None:
    """Close the kiosk's log file handler (before its folder is removed)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_kiosk", False)]:
        root.removeHandler(old)
        old.close()
