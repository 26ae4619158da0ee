"""The parsed message catalog is kept between starts (kiosk.i18n.cached_catalog, issue 18.4)
and used only while its TOML files are unchanged."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from kiosk.i18n import _ROOT, CACHE_ENV, cache_file, cached_catalog, parse_catalog


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    catalog = tmp_path / "zh_CN"
    catalog.mkdir()
    (catalog / "a.toml").write_text('[greet]\nhello = "你好"\n', encoding="utf-8")
    (catalog / "b.toml").write_text('[greet]\nbye = "再见"\n', encoding="utf-8")
    return catalog


def _tamper(folder: Path, key: str, text: str) -> None:
    """Change one message inside the stored cache, leaving its key alone."""
    target = cache_file(folder)
    stored_key, messages = marshal.loads(target.read_bytes())
    target.write_bytes(marshal.dumps((stored_key, {**messages, key: text})))


def test_first_read_parses_and_stores_then_the_store_is_used(folder: Path) -> None:
    assert cached_catalog(folder) == {"greet.hello": "你好", "greet.bye": "再见"}
    assert cache_file(folder).is_file()
    _tamper(folder, "greet.hello", "from the cache")
    assert cached_catalog(folder)["greet.hello"] == "from the cache"


def test_an_edited_or_added_file_is_parsed_again(folder: Path) -> None:
    cached_catalog(folder)
    _tamper(folder, "greet.hello", "stale")
    path = folder / "a.toml"
    stat = path.stat()
    path.write_text('[greet]\nhello = "您好"\n', encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert cached_catalog(folder)["greet.hello"] == "您好"
    (folder / "c.toml").write_text('[greet]\nnew = "新"\n', encoding="utf-8")
    assert cached_catalog(folder)["greet.new"] == "新"


@pytest.mark.parametrize("content", [b"", b"not marshal at all", marshal.dumps(["wrong", "shape", 1])])
def test_a_broken_cache_is_ignored_and_replaced(folder: Path, content: bytes) -> None:
    target = cache_file(folder)
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    assert cached_catalog(folder) == {"greet.hello": "你好", "greet.bye": "再见"}
    assert marshal.loads(target.read_bytes())[1]["greet.bye"] == "再见"


def test_an_unwritable_cache_folder_still_gives_the_catalog(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = folder.parent / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert cached_catalog(folder)["greet.bye"] == "再见"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_real_catalogs_read_through_the_cache_equal_a_fresh_parse(
        language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    fresh = parse_catalog(_ROOT / language)
    assert cached_catalog(_ROOT / language) == fresh  # parsed and stored
    assert cached_catalog(_ROOT / language) == fresh  # read back from the store
