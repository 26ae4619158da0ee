"""Issue 17, a newcomer's ``kiosk demo``: with stderr redirected to keep the
printed cards and PINs (``kiosk demo 2>demo.log``) the interface is still
drawn on the terminal, not into the file; the demo panel puts the staff PINs
and the keys first (on screen at 80x24) and says everything in the
terminal's language."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from db.demo import DemoResident, DemoStaff, DemoSummary
from kiosk.i18n import Translator
from screens.widgets.demo_info import demo_lines, from_summary
from tests.screens.test_front17_maint_catalog import untranslated

CHILD = """
import os, sys
from kiosk.commands.run import interface_on_terminal
print("before", file=sys.stderr, flush=True)
with interface_on_terminal():
    os.write(2, b"INTERFACE")  # what Textual writes to sys.__stderr__
print("after", file=sys.stderr, flush=True)
"""


def test_interface_goes_to_the_terminal_when_stderr_is_a_file(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    log = tmp_path / "demo.log"
    with log.open("wb") as err:
        child = subprocess.run([sys.executable, "-c", CHILD], stdout=slave, stderr=err, stdin=subprocess.DEVNULL,
                               cwd=Path(__file__).resolve().parents[2], timeout=60, check=False)
    os.close(slave)
    shown = b""
    try:
        while chunk := os.read(master, 4096):
            shown += chunk
    except OSError:  # the pty's other end is closed: all read
        pass
    os.close(master)
    assert child.returncode == 0
    assert b"INTERFACE" in shown
    written = log.read_text()
    assert "INTERFACE" not in written and "before" in written and "after" in written


def test_interface_stays_on_stderr_when_stderr_is_the_terminal_or_nothing_is(tmp_path: Path) -> None:
    log = tmp_path / "both.log"
    with log.open("wb") as out:  # no terminal at all (a service, a pipe): nothing moves
        subprocess.run([sys.executable, "-c", CHILD], stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                       cwd=Path(__file__).resolve().parents[2], timeout=60, check=True)
    assert "INTERFACE" in log.read_text()


def test_demo_panel_puts_staff_first_and_speaks_english() -> None:
    summary = DemoSummary(samples=[DemoResident("王五", "110101195001010019", "500000001", "企业退休人员", "802514")],
                          staff=[DemoStaff("S002", "刘建国", "supervisor", "251430")])
    english = demo_lines(from_summary(summary, "/tmp/demo-info.txt"), Translator("en"))
    assert "S002" in english[1] and "supervisor" in english[1] and "251430" in english[1]
    assert english.index(next(line for line in english if "Ctrl+G" in line)) < 4  # the demo's quit key
    assert all(untranslated(line) == "" for line in english), english  # the kind of resident too
    assert any("retired" in line for line in english)
    chinese = demo_lines(from_summary(summary), Translator("zh_CN"))
    assert any("审核员" in line for line in chinese) and any("企业退休人员" in line for line in chinese)
