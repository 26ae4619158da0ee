"""Browser mode: the kiosk served by textual-serve and shown by a browser.

A touchscreen terminal without a suitable terminal emulator runs
``kiosk serve`` on the loopback interface and a browser in kiosk mode
(``chromium --kiosk http://127.0.0.1:8000``). textual-serve starts one
``python -m kiosk run`` process per browser connection and carries the
screen and the touches over a websocket to xterm.js in the page.

The page is our own (``kiosk/web/app_index.html``), not textual-serve's:
the stock page loads a web font from the internet, which a hall machine
often cannot reach, and shows a "Session ended" dialog with a button when
the app exits. Ours uses local fonts (a CJK font is needed for Chinese)
and reconnects by itself, so the kiosk comes back without anyone touching
the screen.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

WEB_DIR = Path(__file__).resolve().parent / "web"

MODES = ("self", "counter", "display")


def app_command(
    mode: str,
    *,
    config: str | None = None,
    counter: int | None = None,
    verbose: bool = False,
    python: str | None = None,
) -> str:
    """The shell command textual-serve runs for each browser connection.

    The same interpreter as ours (so the same virtual environment), the same
    configuration file, made absolute because the child may start elsewhere.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    argv = [python or sys.executable, "-m", "kiosk"]
    if config:
        argv += ["--config", str(Path(config).expanduser().resolve())]
    if verbose:
        argv.append("--verbose")
    argv += ["run", "--mode", mode]
    if counter is not None:
        argv += ["--counter", str(counter)]
    return shlex.join(argv)


def make_server(command: str, *, host: str, port: int, title: str) -> Any:
    """A textual-serve ``Server`` using the kiosk's own page.

    Imported lazily: textual-serve is the optional ``browser`` extra, and
    the rest of the CLI must work without it.
    """
    import textual_serve
    from textual_serve.server import Server

    statics = Path(textual_serve.__file__).resolve().parent / "static"
    return Server(
        command,
        host=host,
        port=port,
        title=title,
        statics_path=statics,
        templates_path=WEB_DIR,
    )
