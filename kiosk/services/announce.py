"""Voice announcement of a call (请A007号到3号窗口) through espeak-ng.

Speaking runs in a background thread so the display board never waits for
the synthesiser. When espeak-ng is not installed the announcer is silent:
calls still show on the board. The command and the runner are injectable,
so tests record what would have been spoken without any audio.

The board announces the calls it reads. A voice without a board (a hall
speaker) calls :meth:`Announcer.follow`: on PostgreSQL it LISTENs for the
hall's queue events (:mod:`kiosk.services.queue_events`) and speaks each call
and recall as the server pushes it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db.notify import QueueListener
    from kiosk.services import ServiceContext

log = logging.getLogger(__name__)

DIGITS_ZH = "零一二三四五六七八九"

Runner = Callable[[Sequence[str]], object]


def call_text(code: str, counter: int) -> str:
    """What the board shows and the voice says: 请A007号到3号窗口."""
    return f"请{code}号到{counter}号窗口"


def spoken_text(code: str, counter: int) -> str:
    """The call as spoken: digits read one by one (A零零七), as halls do."""
    letter, digits = code[:1], code[1:]
    return f"请 {letter} {''.join(DIGITS_ZH[int(d)] for d in digits if d.isdigit())} 号，到 {counter} 号窗口"


def _run(argv: Sequence[str]) -> object:
    return subprocess.run(list(argv), check=False, timeout=30, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)


class Announcer:
    """Speaks calls with ``espeak-ng -v cmn`` when it is installed."""

    def __init__(self, command: Sequence[str] | None = None, runner: Runner | None = None,
                 *, repeat: int = 1) -> None:
        if command is None:
            binary = shutil.which("espeak-ng")
            command = [binary, "-v", "cmn"] if binary else []
        self.command = list(command)
        self.runner: Runner = runner or _run
        self.repeat = max(1, repeat)
        self._lock = threading.Lock()  # one announcement at a time, in order
        self.heard: list[tuple[str, int]] = []
        """Calls received by :meth:`follow` (code, counter), in order."""

    @property
    def available(self) -> bool:
        return bool(self.command)

    def say(self, text: str) -> threading.Thread | None:
        """Speak ``text`` in the background; None when there is no voice."""
        if not self.available:
            return None
        thread = threading.Thread(target=self._speak, args=(text,), name="announce", daemon=True)
        thread.start()
        return thread

    def announce(self, code: str, counter: int) -> threading.Thread | None:
        """Announce one call."""
        return self.say(spoken_text(code, counter))

    def follow(self, ctx: ServiceContext) -> QueueListener | None:
        """Speak every call and recall of the hall as PostgreSQL pushes it (LISTEN).

        Returns the running listener (stop it to fall silent), or None on
        SQLite, where there is nothing to listen to (a board announces there).
        """
        from kiosk.services.queue_events import watch

        def heard(event: dict[str, Any]) -> None:
            code, counter = event.get("code"), event.get("counter")
            if event.get("event") in ("call", "recall") and isinstance(code, str) and code and isinstance(counter, int):
                self.heard.append((code, counter))
                self.announce(code, counter)

        return watch(ctx, heard, name="announce-listen")

    def _speak(self, text: str) -> None:
        with self._lock:
            for _ in range(self.repeat):
                try:
                    self.runner([*self.command, text])
                except Exception:  # a broken speaker must never take the board down
                    log.warning("announcement failed", exc_info=True)
                    return
