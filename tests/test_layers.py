"""The headless layers never import Textual or the screens (DESIGN.md §2)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS = ["kiosk.rules", "kiosk.policy", "kiosk.services", "db", "printers"]


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_package_imports_no_ui(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{package} imports {result.stdout.strip()}"
