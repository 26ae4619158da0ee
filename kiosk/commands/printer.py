"""``kiosk printer test [--printer URL]`` and ``kiosk printer status``.

The test page has every block type (text, big number, table, rare
characters as an image line, QR code, barcode); it goes straight to the
device, not through the spool, so a technician sees at once whether the
printer works. An unreachable printer is one line and exit code 2.
"""

from __future__ import annotations

import argparse

from kiosk.commands import CommandError
from kiosk.commands.context import clock_for, settings_for
from printers.devices import PrinterError, open_device
from printers.escpos_render import RenderOptions, render_escpos
from printers.templates import PrinterTestInput, ReceiptContext, printer_test_page


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("printer", help="test the receipt printer")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    test = actions.add_parser("test", help="print a test page with every kind of receipt block")
    test.add_argument("--printer", metavar="URL", help="printer URL (default: [printer] url of kiosk.toml)")
    test.set_defaults(func=printer_test)
    status = actions.add_parser("status", help="ask the printer whether it is online and has paper")
    status.add_argument("--printer", metavar="URL", help="printer URL (default: [printer] url of kiosk.toml)")
    status.set_defaults(func=printer_status)


def printer_test(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    url = args.printer or settings.printer_url()
    options = RenderOptions(paper=settings.printer.paper, encoding=settings.printer.encoding,
                            profile=settings.printer.profile)
    try:
        device = open_device(url, options)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    ctx = ReceiptContext(settings.hall.name, settings.terminal.id, clock_for(settings).now_local(),
                         training=settings.terminal.training)
    document = printer_test_page(ctx, PrinterTestInput(url, options.paper, options.encoding, options.profile))
    try:
        device.send(render_escpos(document, options), document=document)
    except PrinterError as exc:
        raise CommandError(f"测试页未打印：{exc}") from None
    print(f"测试页已发送到 {device.url}（校验码 {document.code}）")
    return 0


def printer_status(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    url = args.printer or settings.printer_url()
    try:
        device = open_device(url)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    status = device.status(timeout=2.0)
    print(f"{device.url}: {status.message}")
    return 0 if status.paper_ok else 1
