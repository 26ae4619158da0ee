"""The Chinese font check: glyph coverage, not the width of one character.

A Latin font draws its .notdef box for every Chinese character, as wide as
a Chinese glyph, so "社" measured 24 dots wide in DejaVu Sans and the doctor
called it the Chinese font. Uses font files present on the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.doctor import check_font
from printers import graphics
from tests.support import RecordingPrinter

LATIN = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CJK = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
needs_latin = pytest.mark.skipif(not LATIN.is_file(), reason="DejaVu Sans (fonts-dejavu-core) not installed")
needs_cjk = pytest.mark.skipif(not CJK.is_file(), reason="fonts-wqy-microhei not installed")


@pytest.fixture
def only_latin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine as if the Latin font were the only one (fc-match would answer it too)."""
    monkeypatch.setattr(graphics, "KNOWN_FONTS", (str(LATIN),))
    monkeypatch.setenv("PATH", "/nonexistent")
    graphics.clear_font_caches()
    yield
    graphics.clear_font_caches()


@needs_latin
def test_doctor_flags_a_latin_font_as_not_chinese() -> None:
    finding = check_font(LATIN)
    assert finding.level == "fail" and "缺少" in finding.detail and "fonts-wqy-microhei" in finding.detail
    assert len(graphics.missing_cjk(LATIN)) == len(graphics.CJK_SAMPLE)
    assert graphics.ImageFont.truetype(str(LATIN), 24).getbbox("社")[2] > 12  # what the old check measured


@needs_cjk
def test_doctor_accepts_the_cjk_font() -> None:
    finding = check_font(CJK)
    assert finding.level == "ok" and str(CJK) in finding.detail
    assert graphics.missing_cjk(CJK) == []


@needs_latin
def test_a_latin_font_is_never_picked_as_the_chinese_one(only_latin: None) -> None:
    with pytest.raises(graphics.FontNotFound):
        graphics.find_cjk_font()
    assert check_font().level == "fail"


@needs_latin
async def test_kiosk_warns_on_the_first_screen_when_receipts_would_print_boxes(
        only_latin: None, tmp_path: Path, clock: FixedClock) -> None:
    from kiosk.app import make_app
    from tests.support import seeded_sqlite

    with seeded_sqlite(tmp_path, clock) as (database, _):
        assert isinstance(database, peewee.Database)
        app = make_app(Settings(source="(test)"), database, RecordingPrinter(), clock)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            # The check runs kiosk.app.FONT_CHECK_DELAY after start (after the first paint).
            for _ in range(400):
                await pilot.pause(0.05)
                if list(app._notifications):
                    break
            messages = [n.message for n in app._notifications]
    assert any("没有中文字体" in m and "fonts-wqy-microhei" in m for m in messages), messages


@needs_cjk
async def test_no_font_warning_with_the_cjk_font(tmp_path: Path, clock: FixedClock) -> None:
    from kiosk.app import make_app
    from tests.support import seeded_sqlite

    graphics.clear_font_caches()
    with seeded_sqlite(tmp_path, clock) as (database, _):
        app = make_app(Settings(source="(test)"), database, RecordingPrinter(), clock)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            for _ in range(400):  # the check runs kiosk.app.FONT_CHECK_DELAY after start
                if app.font_checked:
                    break
                await pilot.pause(0.05)
            assert app.font_checked
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            messages = [n.message for n in app._notifications]
    assert not any("没有中文字体" in m for m in messages)
