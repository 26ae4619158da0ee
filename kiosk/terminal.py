"""The kiosk's terminal driver: input that never crashes, and an exit when
the terminal goes away.

Textual's ``LinuxDriver`` decodes stdin as strict UTF-8, so one stray byte
(0xFA from a serial scanner or an 8-bit meta key) kills its input thread,
and at end of file it reads empty data in a loop for ever (one core at
100 %). :class:`KioskDriver` replaces only the input loop:

* bytes that are not UTF-8 are decoded as U+FFFD and then dropped, so they
  neither crash the input thread nor type a "�" into a field;
* end of file or an error on stdin (EIO when the pty is gone), and SIGHUP,
  make the app exit with :data:`EXIT_TERMINAL_LOST`; a watchdog ends the
  process after :data:`EXIT_GRACE_SECONDS` if the shutdown itself hangs on
  the dead terminal, so systemd (``Restart=always``) starts a fresh kiosk.

The app picks this driver in ``KioskApp.get_driver_class`` for real
terminals; Pilot tests run headless and never see it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

EXIT_TERMINAL_LOST = 129
"""Exit status when the terminal went away (128 + SIGHUP, as a shell reports a hang-up)."""
EXIT_GRACE_SECONDS = 1.5
"""How long an orderly shutdown may take once the terminal is gone."""

_log = logging.getLogger("kiosk.terminal")
_watchdog_lock = threading.Lock()
_watchdog: threading.Timer | None = None


def exit_soon(status: int, grace: float = EXIT_GRACE_SECONDS) -> None:
    """End the process with ``status`` after ``grace`` seconds unless it has ended by then.

    For a kiosk whose terminal is gone: the orderly exit runs meanwhile, but
    restoring a dead terminal may block, and a kiosk that never exits is
    never restarted. Idempotent.
    """
    global _watchdog
    with _watchdog_lock:
        if _watchdog is not None:
            return
        _watchdog = threading.Timer(grace, os._exit, (status,))
        _watchdog.daemon = True
        _watchdog.start()


class KioskDriver(LinuxDriver):
    """``LinuxDriver`` with a tolerant decoder and an end at end of file or hang-up."""

    def start_application_mode(self) -> None:
        # ValueError outside the main thread (never in `kiosk run`): EOF still ends it.
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGHUP, self._on_hangup)
        super().start_application_mode()

    def _on_hangup(self, signum: int, frame: Any) -> None:
        self._terminal_lost("SIGHUP")

    def _terminal_lost(self, reason: str) -> None:
        """Ask the app to exit non-zero; make sure the process ends soon either way."""
        exit_soon(EXIT_TERMINAL_LOST)
        lost = getattr(self._app, "terminal_lost", None)
        if callable(lost):
            self._app.call_later(lost, reason)
        else:
            self._app.call_later(self._app.exit, None, EXIT_TERMINAL_LOST)

    def _run_input_thread(self) -> None:
        """Textual's wrapper shows a traceback and lets the app go on without input (or exit 0);
        here a failed input thread is logged and ends the kiosk like a lost terminal."""
        try:
            self.run_input_thread()
        except BaseException:
            _log.exception("terminal input failed: exiting")
            self._terminal_lost("input thread failed")

    def run_input_thread(self) -> None:
        """Textual's loop (select, read, decode, parse) with the two changes above."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        try:
            while not self.exit_event.is_set():
                for _key, mask in selector.select(0.1):
                    if not mask & selectors.EVENT_READ:
                        continue
                    try:
                        data = os.read(self.fileno, 4096)
                    except OSError as exc:  # EIO: the terminal is gone
                        data, reason = b"", f"read error {exc.errno}"
                    else:
                        reason = "end of file"
                    if not data:
                        _log.warning("terminal lost (%s): exiting", reason)
                        self._terminal_lost(reason)
                        self.exit_event.wait()
                        return
                    text = decode(data).replace("\ufffd", "")
                    # Feeding "" would tell the parser the input has ended.
                    for event in parser.feed(text) if text else ():
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except Exception:  # the parser's end-of-input complaints do not matter at exit
                pass
