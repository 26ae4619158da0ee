"""The parsed policy guide is kept between starts (kiosk.guide, issue 18.4: the attract
screen's first tip) and used only while its TOML files are unchanged; a bad file is refused."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from kiosk.guide import GuideError, cache_file, load_guide
from kiosk.i18n import CACHE_ENV

TIP = '[[tip]]\nzh_CN = "{zh}"\nen = "{en}"\n'


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    guide = tmp_path / "guide"
    guide.mkdir()
    (guide / "tips.toml").write_text(TIP.format(zh="先备案", en="File first"), encoding="utf-8")
    return guide


def _tamper(folder: Path, text: str) -> None:
    """Change the stored tip, leaving the stored key alone."""
    key, tables = marshal.loads(cache_file(folder).read_bytes())
    tables[0]["tip"][0]["zh_CN"] = text
    cache_file(folder).write_bytes(marshal.dumps((key, tables)))


def test_the_store_is_used_while_the_files_are_unchanged(folder: Path) -> None:
    assert load_guide.__wrapped__(folder).tips[0].zh_CN == "先备案"
    assert cache_file(folder).is_file()
    _tamper(folder, "from the cache")
    assert load_guide.__wrapped__(folder).tips[0].zh_CN == "from the cache"


def test_an_edited_file_is_parsed_again_and_a_bad_one_refused(folder: Path) -> None:
    load_guide.__wrapped__(folder)
    _tamper(folder, "stale")
    path = folder / "tips.toml"
    stat = path.stat()
    path.write_text(TIP.format(zh="新提示", en="New tip"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_guide.__wrapped__(folder).tips[0].zh_CN == "新提示"
    path.write_text('[[tip]]\nzh_CN = "只有中文"\n', encoding="utf-8")  # the English text is missing
    with pytest.raises(GuideError, match="tip 0"):
        load_guide.__wrapped__(folder)
    path.write_text("[[tip]\n", encoding="utf-8")
    with pytest.raises(GuideError, match="not valid TOML"):
        load_guide.__wrapped__(folder)


@pytest.mark.parametrize("content", [b"", b"not marshal", marshal.dumps(("key", "not a list"))])
def test_a_broken_store_is_ignored_and_replaced(folder: Path, content: bytes) -> None:
    cache_file(folder).parent.mkdir(parents=True)
    cache_file(folder).write_bytes(content)
    assert load_guide.__wrapped__(folder).tips[0].en == "File first"
    assert marshal.loads(cache_file(folder).read_bytes())[1][0]["tip"][0]["en"] == "File first"


def test_the_shipped_guide_loads_the_same_from_the_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = load_guide.__wrapped__()
    assert load_guide.__wrapped__() == first and first.tips and first.topics
