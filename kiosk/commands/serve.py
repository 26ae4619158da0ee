"""``kiosk serve [--host H] [--port P] [--mode self|counter|display]``.

Browser mode for touchscreens (see :mod:`kiosk.serve`): serves the kiosk on
a local port; a browser in kiosk mode shows it. Each browser connection
runs its own ``kiosk run`` with the same configuration file.
"""

from __future__ import annotations

import argparse
import importlib.util

from kiosk.commands import CommandError, argtypes
from kiosk.commands.context import settings_for
from kiosk.serve import MODES, app_command, make_server


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "serve",
        help="serve the kiosk to a browser (touchscreen browser mode)",
        description="Serve the kiosk over HTTP with textual-serve; open it with chromium --kiosk.",
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--mode", choices=MODES, default=None,
                        help="terminal mode (default: [terminal] mode of kiosk.toml)")
    parser.add_argument("--counter", type=argtypes.bounded_int(1, 99), default=None, metavar="N",
                        help="counter number for --mode counter (default: from kiosk.toml)")
    parser.set_defaults(func=serve)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 1–65535, not {port}")
    return port


def serve(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("textual_serve") is None:
        raise CommandError("浏览器模式需要 textual-serve：pip install 'shebao-kiosk[browser]'")
    # Read the configuration now, so a broken kiosk.toml is one clear line
    # here instead of a blank page in the browser.
    settings = settings_for(args)
    mode = args.mode or settings.terminal.mode
    command = app_command(mode, config=args.config, counter=args.counter, verbose=args.verbose)
    server = make_server(command, host=args.host, port=args.port,
                         title=f"{settings.hall.name} · 社保服务终端")
    try:
        server.serve()
    except OSError as exc:  # the port is taken, or the address is not ours
        raise CommandError(f"无法在 {args.host}:{args.port} 提供服务：{exc}") from None
    return 0
