"""Browser mode end to end: ``kiosk serve`` shown in real headless Chromium.

The test starts ``kiosk serve`` on a free loopback port against its own
kiosk.toml (SQLite and preview printer in the pytest tmp dir), opens the
page in Debian's Chromium (driven by playwright, no downloaded browser),
reads the screen from xterm.js's own buffer, takes screenshots, and takes
a ticket by clicking 取号 and then a category, like a resident would. The
ticket shown must be a row in the database.

Reading the screen: textual-serve's xterm.js draws on a canvas, so there
is no DOM text. The page script keeps its ``Terminal`` in a private object
(``this.terminal = new Terminal(...)``); an init script catches that one
assignment with a setter on ``Object.prototype`` and keeps the terminal in
``window.__kioskTerminal``, whose buffer is then read with xterm's public
buffer API (``getLine(y).translateToString()``, ``getCell(x)``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

HALL_NAME = "浏览器测试镇社保服务大厅"

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  get() { return undefined; },
  set(value) {
    window.__kioskTerminal = value;
    Object.defineProperty(this, 'terminal', {value: value, writable: true, configurable: true, enumerable: true});
  },
});
"""

SCREEN_TEXT = """() => {
  const t = window.__kioskTerminal;
  if (!t) return '';
  const lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = t.buffer.active.getLine(t.buffer.active.viewportY + y);
    lines.push(line ? line.translateToString(true) : '');
  }
  return lines.join('\\n');
}"""

# Where on the page the first cell of ``needle`` is (wide CJK cells count twice).
FIND_TEXT = """(needle) => {
  const t = window.__kioskTerminal;
  if (!t) return null;
  const screen = t.element.querySelector('.xterm-screen').getBoundingClientRect();
  const cellW = screen.width / t.cols, cellH = screen.height / t.rows;
  for (let y = 0; y < t.rows; y++) {
    const line = t.buffer.active.getLine(t.buffer.active.viewportY + y);
    if (!line) continue;
    let text = '';
    const columns = [];
    for (let x = 0; x < t.cols; x++) {
      const cell = line.getCell(x);
      if (!cell || cell.getWidth() === 0) continue;
      const chars = cell.getChars() || ' ';
      for (let k = 0; k < chars.length; k++) columns.push(x);
      text += chars;
    }
    const at = text.indexOf(needle);
    if (at >= 0) {
      return {x: screen.left + (columns[at] + 1) * cellW, y: screen.top + (y + 0.5) * cellH};
    }
  }
  return null;
}"""

CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Served:
    """A running ``kiosk serve`` and what the test needs to check its work."""

    url: str
    config: Path
    database: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kiosk(config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kiosk serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"kiosk serve did not listen on {port} within {timeout} s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    database = tmp_path / "kiosk.db"
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[hall]\nname = "{HALL_NAME}"\nregion_code = "360726"\ntime_zone = "Asia/Shanghai"\n\n'
        '[terminal]\nid = "WEB01"\nmode = "self"\nidle_seconds = 600\nlanguage = "zh_CN"\n\n'
        f'[database]\nurl = "sqlite:///{database}"\n\n'
        f'[printer]\nurl = "preview:{tmp_path / "receipts"}"\npaper = 80\nencoding = "gb18030"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_CONFIG", "KIOSK_DATABASE_URL")}
    env["KIOSK_LOG_DIR"] = str(tmp_path / "logs")
    init = _kiosk(config, "db", "init", env=env)
    assert init.returncode == 0, init.stderr
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        # Own session: the server and the app processes it starts end together.
        process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(config), "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        _wait_for_port(port, process, log)
        yield Served(f"http://127.0.0.1:{port}/", config, database, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _screen(page: Any) -> str:
    return str(page.evaluate(SCREEN_TEXT))


def _wait_for_text(page: Any, needle: str | re.Pattern[str], what: str, shot: Path, served: Served,
                   timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = _screen(page)
        if (needle.search(text) if isinstance(needle, re.Pattern) else needle in text):
            return text
        time.sleep(0.2)
    page.screenshot(path=str(shot))
    pytest.fail(f"{what} did not appear within {timeout} s; screenshot {shot}\n--- screen ---\n{text}\n"
                f"--- kiosk serve log ---\n{served.log.read_text(errors='replace')[-3000:]}")


def _click_text(page: Any, needle: str, shot: Path) -> None:
    where = page.evaluate(FIND_TEXT, needle)
    if where is None:
        page.screenshot(path=str(shot))
        pytest.fail(f"{needle!r} is not on screen; screenshot {shot}\n{_screen(page)}")
    page.mouse.click(where["x"], where["y"])


def _category_names(database: Path) -> dict[str, str]:
    from db.connection import open_database
    from db.models import QueueCategory

    db = open_database(f"sqlite:///{database}")
    with db.connection_context():
        return {c.prefix: c.name_zh for c in QueueCategory.select() if c.active}


def _ticket_codes(database: Path) -> list[str]:
    from db.connection import open_database
    from db.models import Ticket

    db = open_database(f"sqlite:///{database}")
    with db.connection_context():
        return [t.code for t in Ticket.select()]


def test_attract_screen_in_chinese_and_ticket_by_touch(chromium_path: Path, served: Served,
                                                       tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    categories = _category_names(served.database)
    assert categories, "kiosk db init created no queue categories"
    prefix = "A" if "A" in categories else sorted(categories)[0]
    attract_shot = tmp_path / "attract.png"
    ticket_shot = tmp_path / "ticket.png"

    with sync_playwright() as playwright:
        # playwright gives every launch a fresh, empty profile directory itself.
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            page.add_init_script(CATCH_TERMINAL)
            page.goto(served.url)
            screen = _wait_for_text(page, "取号", "the attract screen's 取号 choice", attract_shot, served,
                                    timeout=30.0)
            _wait_for_text(page, HALL_NAME, "the hall name from kiosk.toml", attract_shot, served)
            page.screenshot(path=str(attract_shot))
            assert attract_shot.stat().st_size > 10_000, f"screenshot looks empty: {attract_shot}"
            assert len(CJK.findall(screen)) >= 10, f"little Chinese on the attract screen ({attract_shot}):\n{screen}"
            assert _ticket_codes(served.database) == [], "a ticket exists before anything was touched"

            _click_text(page, "取号", attract_shot)
            label = categories[prefix]
            # The category's button (its prefix, then its name), not a mention of it elsewhere.
            button = re.compile(rf"\b{prefix} +{re.escape(label)}")
            screen = _wait_for_text(page, button, f"the category button {prefix} {label}", ticket_shot, served)
            found = button.search(screen)
            assert found is not None
            _click_text(page, found.group(0), ticket_shot)

            pattern = re.compile(rf"\b({prefix}\d{{3}})\b")
            screen = _wait_for_text(page, pattern, f"a {prefix} ticket number", ticket_shot, served)
            page.screenshot(path=str(ticket_shot))
        finally:
            browser.close()

    match = pattern.search(screen)
    assert match is not None
    shown = match.group(1)
    assert shown in _ticket_codes(served.database), (
        f"{shown} is on screen ({ticket_shot}) but not in the database: {_ticket_codes(served.database)}")


def test_card_reader_types_without_a_tap(chromium_path: Path, served: Served, tmp_path: Path) -> None:
    """Keyboard input (a card reader is a keyboard) reaches the kiosk with nobody touching the
    screen: the page focuses the terminal itself. Also prints how long the first screen took."""
    from playwright.sync_api import sync_playwright

    shot = tmp_path / "typed.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            page.add_init_script(CATCH_TERMINAL)
            started = time.monotonic()
            page.goto(served.url)
            _wait_for_text(page, "取号", "the attract screen", shot, served, timeout=30.0)
            print(f"first screen after {time.monotonic() - started:.2f} s")
            page.keyboard.type("360726")  # no click, no tap: straight from the "reader"
            _wait_for_text(page, "360726", "the typed digits in the number field", shot, served)
            assert page.evaluate("document.activeElement && document.activeElement.tagName") == "TEXTAREA"
        finally:
            browser.close()
