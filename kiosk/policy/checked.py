"""A policy file checked at start without loading the policy parser (issue 18.4).

``kiosk run`` refuses a bad policy file before its interface opens. Parsing
and validating the file and importing the parameter classes for it took about
14 ms of every cold start, and the first screen needs none of it. So
:func:`check_policy` reads the file and computes its fingerprint: a SHA-256
of its name and text, the Python version and the name, size and modification
time (ns) of each source file of the loader (:data:`LOADER_SOURCES`). Only a
fingerprint seen valid before (kept in ``policy-valid.marshal`` in the kiosk's
cache folder, the one kiosk.i18n keeps its catalogs in) skips the parse: the
book is then built from the same text on first use (:meth:`CheckedPolicy.book`,
which kiosk.app calls after the first screen is drawn). A file never validated
in this exact form (new, edited, or the loader changed) is parsed at once and
raises :class:`~kiosk.policy.errors.PolicyError` just as
:func:`kiosk.policy.loader.load_policy` does. An unreadable or unwritable
cache only means parsing at start, as before.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.policy.errors import PolicyError

if TYPE_CHECKING:
    from kiosk.policy.loader import PolicyBook

DEFAULT_POLICY_FILE = Path(__file__).with_name("default.toml")
_KIOSK = Path(__file__).resolve().parent.parent
LOADER_SOURCES = tuple(_KIOSK / name for name in (
    "policy/loader.py", "policy/errors.py", "policy/checked.py", "rules/parameters.py", "rules/interest.py",
    "rules/money.py", "rules/errors.py", "rules/steps.py"))
"""The code whose behaviour decides whether a file is valid and what book it gives
(a test checks every kiosk module the loader imports is listed)."""
KEEP = 32
"""How many valid fingerprints are kept (several terminals or policy files on one machine)."""


def read_policy_text(file: Path) -> str:
    """The text of a policy file; PolicyError when it is missing or not UTF-8."""
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{file}: no such policy file") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{file.name}: not UTF-8 text; save the file as UTF-8") from None


def store_file() -> Path:
    """Where the fingerprints of valid policy files are kept."""
    from kiosk.i18n import CACHE_ENV

    base = os.environ.get(CACHE_ENV)
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("shebao-kiosk", appauthor=False)
    return Path(base) / "policy-valid.marshal"


def fingerprint(name: str, text: str) -> str:
    """SHA-256 (hex) of what decides a file's validity and its book: its name and text,
    the Python version and the loader's source files (name, size, mtime in ns)."""
    digest = hashlib.sha256()
    digest.update(repr((sys.version, name)).encode())
    for source in LOADER_SOURCES:
        try:
            stat = source.stat()
            digest.update(repr((source.name, stat.st_size, stat.st_mtime_ns)).encode())
        except OSError:
            digest.update(repr((source.name, None)).encode())
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def _known() -> list[str]:
    try:
        known = marshal.loads(store_file().read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return []
    return [item for item in known if isinstance(item, str)] if isinstance(known, list) else []


def _remember(mark: str) -> None:
    target = store_file()
    known = [mark, *(item for item in _known() if item != mark)][:KEEP]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps(known))
        os.replace(temporary, target)  # whole or not at all, also with several kiosks starting
    except OSError:
        pass


class CheckedPolicy:
    """A policy file known to be valid: its :class:`~kiosk.policy.loader.PolicyBook`
    now (:attr:`loaded`) or built from the checked text on first use."""

    def __init__(self, name: str, text: str, book: PolicyBook | None = None) -> None:
        self.name = name
        """The file's name, the book's ``source`` (errors and ``policy show`` name it)."""
        self._text = text
        self._book = book
        self._lock = threading.Lock()  # screens and service threads may ask at once

    @property
    def loaded(self) -> bool:
        """True once the book has been built."""
        return self._book is not None

    def book(self) -> PolicyBook:
        """The policy book (built on the first call, from the text that was checked)."""
        book = self._book
        if book is None:
            with self._lock:
                if self._book is None:
                    from kiosk.policy.loader import policy_from_text

                    self._book = policy_from_text(self._text, self.name)
                book = self._book
        return book


def check_policy(path: str | Path | None = None) -> CheckedPolicy:
    """Read a policy file (``None`` or ``""``: the shipped default) and make sure it is
    valid; PolicyError (naming the file, version and key) when it is not. A file seen
    valid before in the same form is not parsed now (see the module docstring)."""
    file = Path(path) if path else DEFAULT_POLICY_FILE
    text = read_policy_text(file)
    mark = fingerprint(file.name, text)
    if mark in _known():
        return CheckedPolicy(file.name, text)
    from kiosk.policy.loader import policy_from_text

    book = policy_from_text(text, file.name)  # PolicyError: the kiosk stops before its interface opens
    _remember(mark)
    return CheckedPolicy(file.name, text, book)
