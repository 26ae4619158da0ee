"""Browser tests: the kiosk in real headless Chromium (Debian's package).

They need ``/usr/bin/chromium`` (``apt-get install chromium``) and the
``playwright`` package, which drives that Chromium through its own driver
(never ``playwright install``: no browser is downloaded). Without either
the tests are skipped locally and fail under ``CI``, so a CI machine that
forgot to install them cannot pass quietly.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("KIOSK_TEST_CHROMIUM", "/usr/bin/chromium"))

#: Flags Chromium needs on a closed, GPU-less build machine: without the
#: background-networking ones it keeps trying (and failing) to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the kiosk in real headless Chromium")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium, with playwright importable to drive it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"{CHROMIUM} not found: apt-get install chromium")
    if importlib.util.find_spec("playwright") is None:
        _missing("the playwright package is not installed: pip install playwright")
    if importlib.util.find_spec("textual_serve") is None:
        _missing("textual-serve is not installed: pip install 'shebao-kiosk[browser]'")
    if shutil.which("fc-list") and not _has_cjk_font():
        # Not fatal: the text is read from xterm's buffer, but the
        # screenshot would show boxes instead of Chinese.
        print("warning: no CJK font (fonts-wqy-microhei); the screenshot will show boxes")
    return CHROMIUM


def _has_cjk_font() -> bool:
    import subprocess

    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())
