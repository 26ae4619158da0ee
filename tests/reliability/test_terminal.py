"""The real kiosk on a real pseudo-terminal (issue 19.4): a byte that is not
UTF-8 is harmless, and a terminal that goes away (hang-up, closed master,
end of file) ends the kiosk with a non-zero status instead of a spinning
input thread. Each test starts ``kiosk demo`` as a subprocess."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.clock import FixedClock
from kiosk.terminal import EXIT_TERMINAL_LOST

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty and LinuxDriver")

START_TIMEOUT = 60.0  # seeding 300 demo residents on a loaded 2-core machine
EXIT_TIMEOUT = 10.0  # the kiosk itself exits within 2 s; generous for a loaded machine


@dataclass
class Kiosk:
    process: subprocess.Popen[bytes]
    master: int
    log_dir: Path
    seen: bytearray

    def read_for(self, seconds: float) -> bytes:
        """Everything the kiosk drew in the next ``seconds`` (keeps the pty drained)."""
        got = bytearray()
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                got += chunk
        self.seen += got
        return bytes(got)

    def wait_for(self, needle: str, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.process.poll() is None:
            self.read_for(0.5)
            if needle.encode() in self.seen:
                return True
        return needle.encode() in self.seen

    def exit_status(self, timeout: float) -> int | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                return self.process.returncode
            time.sleep(0.1)
        return None


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    master, slave = os.openpty()
    os.set_blocking(master, False)
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="36", TMPDIR=str(tmp_path),
               KIOSK_LOG_DIR=str(tmp_path / "logs"), HOME=str(tmp_path))
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "demo"], stdin=slave, stdout=slave, stderr=slave,
                               env=env, cwd=tmp_path, start_new_session=True, close_fds=True)
    os.close(slave)
    running = Kiosk(process, master, tmp_path / "logs", bytearray())
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        with contextlib.suppress(OSError):
            os.close(master)


def _started(kiosk: Kiosk) -> None:
    # The attract screen's title is drawn once the app runs.
    assert kiosk.wait_for("\x1b[?1049h", START_TIMEOUT), kiosk.seen[-2000:]
    kiosk.read_for(2.0)
    assert kiosk.process.poll() is None, kiosk.seen[-2000:]


def test_an_invalid_byte_leaves_the_kiosk_running_and_reacting(kiosk: Kiosk) -> None:
    _started(kiosk)
    os.write(kiosk.master, b"\xfa")
    kiosk.read_for(1.0)
    os.write(kiosk.master, b"\xfa\xff\xc3")  # more garbage, one a truncated sequence
    kiosk.read_for(1.0)
    assert kiosk.process.poll() is None, kiosk.seen[-3000:]
    # Still reacts: the language key (6) redraws the attract screen in English.
    before = len(kiosk.seen)
    os.write(kiosk.master, b"6")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and kiosk.process.poll() is None:
        kiosk.read_for(0.5)
        if len(kiosk.seen) > before + 50:
            break
    assert kiosk.process.poll() is None
    assert len(kiosk.seen) > before + 50, "the kiosk no longer draws after the invalid byte"
    assert b"Traceback" not in kiosk.seen and b"Error" not in kiosk.seen


def test_sighup_ends_the_kiosk_with_a_failure_status(kiosk: Kiosk) -> None:
    _started(kiosk)
    os.killpg(kiosk.process.pid, signal.SIGHUP)
    status = kiosk.exit_status(EXIT_TIMEOUT)
    assert status is not None, "the kiosk is still running after SIGHUP"
    assert status != 0


def test_a_closed_terminal_ends_the_kiosk_with_a_failure_status(kiosk: Kiosk) -> None:
    _started(kiosk)
    # The kiosk was started in its own session without a controlling terminal,
    # so closing the master gives it EIO/EOF on stdin and no SIGHUP at all.
    os.close(kiosk.master)
    status = kiosk.exit_status(EXIT_TIMEOUT)
    assert status == EXIT_TERMINAL_LOST


def test_end_of_file_on_stdin_ends_the_kiosk(tmp_path: Path) -> None:
    master, slave = os.openpty()
    env = dict(os.environ, TERM="xterm-256color", TMPDIR=str(tmp_path), KIOSK_LOG_DIR=str(tmp_path / "logs"),
               HOME=str(tmp_path))
    # stdin is an empty pipe (as under `bash -c ... < /dev/null` or a broken service unit).
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "demo"], stdin=subprocess.DEVNULL, stdout=slave,
                               stderr=slave, env=env, cwd=tmp_path, start_new_session=True)
    os.close(slave)
    drain = Kiosk(process, master, tmp_path, bytearray())
    try:
        end = time.monotonic() + START_TIMEOUT + EXIT_TIMEOUT
        while process.poll() is None and time.monotonic() < end:
            drain.read_for(0.5)
        assert process.poll() is not None, "the kiosk spins on end of file"
        assert process.returncode == EXIT_TERMINAL_LOST
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        os.close(master)


def test_the_kiosk_driver_on_a_terminal_and_the_web_driver_when_served(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clock: FixedClock) -> None:
    from textual import constants

    from kiosk.terminal import KioskDriver
    from tests.reliability.kiosk_pilot import build
    from tests.support import seeded_sqlite

    with seeded_sqlite(tmp_path, clock) as (database, _):
        assert build(database, clock).driver_class is KioskDriver
        monkeypatch.setattr(constants, "DRIVER", "textual.drivers.web_driver:WebDriver")
        assert build(database, clock).driver_class.__name__ == "WebDriver"
