"""A preview printer opened with a factory of its render options makes them at its first
receipt, so ``kiosk run`` opens its printer without loading the renderer (issue 18.4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from printers.devices import PreviewDevice, open_device
from printers.escpos_render import RenderOptions, render_escpos
from tests.printers import samples

ROOT = Path(__file__).resolve().parents[2]


def test_the_options_factory_runs_at_the_first_receipt_only(tmp_path: Path) -> None:
    made: list[RenderOptions] = []

    def options() -> RenderOptions:
        made.append(RenderOptions(paper=58))
        return made[-1]

    device = open_device(f"preview:{tmp_path}", options)
    assert isinstance(device, PreviewDevice) and made == []
    doc = samples.ticket()
    device.send(render_escpos(doc, RenderOptions(paper=58)), document=doc)
    device.send(render_escpos(doc, RenderOptions(paper=58)), document=doc)
    assert len(made) == 1 and device.options is made[0] and device.options.paper == 58
    assert (tmp_path / f"ticket-{doc.code}.png").is_file()


def test_given_or_default_options() -> None:
    given = RenderOptions(paper=58)
    assert PreviewDevice("x", given).options is given
    assert PreviewDevice("x").options == RenderOptions()


def test_opening_a_printer_does_not_load_the_renderer(tmp_path: Path) -> None:
    script = ("import sys\nfrom printers.devices import open_device\n"
              f"open_device({f'preview:{tmp_path}'!r}, lambda: None)\nopen_device('network://127.0.0.1:9100')\n"
              "print(sorted(m for m in sys.modules if m in ('printers.escpos_render', 'printers.document')))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.strip() == "[]"
