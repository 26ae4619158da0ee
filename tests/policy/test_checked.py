"""``kiosk run`` checks its policy file without parsing one already seen valid
(kiosk.policy.checked, issue 18.4); a new, edited or bad file is parsed at once."""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.i18n import CACHE_ENV
from kiosk.policy import DEFAULT_POLICY_FILE, PolicyError, check_policy, load_policy
from kiosk.policy.checked import LOADER_SOURCES, store_file
from kiosk.policy.loader import policy_digest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    local = tmp_path / "local.toml"
    local.write_text(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    return local


def _break(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "priority_age = 70" in text
    path.write_text(text.replace("priority_age = 70", "priority_age = 20", 1), encoding="utf-8")


def test_a_file_seen_valid_is_built_on_first_use_and_gives_the_same_book(policy: Path) -> None:
    first = check_policy(policy)
    assert first.loaded and store_file().is_file()
    second = check_policy(policy)
    assert not second.loaded  # not parsed at start
    book = second.book()
    assert second.loaded and second.book() is book
    assert book.source == "local.toml"
    assert repr(book) == repr(first.book()) == repr(load_policy(policy))
    assert policy_digest(book) == policy_digest(load_policy(policy))


def test_a_bad_file_is_refused_every_time_even_after_a_good_one_of_the_same_name(policy: Path) -> None:
    check_policy(policy)
    _break(policy)
    for _ in range(2):
        with pytest.raises(PolicyError, match="priority_age"):
            check_policy(policy)
    with pytest.raises(PolicyError, match="no such policy file"):
        check_policy(policy.with_name("missing.toml"))


def test_the_same_text_under_a_changed_loader_is_parsed_again(policy: Path, monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    check_policy(policy)
    assert not check_policy(policy).loaded
    changed = tmp_path / "loader.py"
    changed.write_text("# another loader\n", encoding="utf-8")
    monkeypatch.setattr("kiosk.policy.checked.LOADER_SOURCES", (*LOADER_SOURCES[:-1], changed))
    assert check_policy(policy).loaded


@pytest.mark.parametrize("content", [b"", b"not marshal", marshal.dumps({"not": "a list"}), marshal.dumps([1, 2])])
def test_a_broken_store_is_ignored_and_replaced(policy: Path, content: bytes) -> None:
    store_file().parent.mkdir(parents=True)
    store_file().write_bytes(content)
    assert check_policy(policy).loaded
    assert not check_policy(policy).loaded


def test_an_unwritable_store_means_parsing_at_every_start(policy: Path, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert check_policy(policy).loaded and check_policy(policy).loaded


def test_the_fingerprint_covers_every_module_of_the_loader_and_the_package_does_not_load_it() -> None:
    script = (
        "import sys, kiosk.policy\n"
        "print(sorted(m for m in sys.modules if m.startswith(('kiosk.policy.loader', 'kiosk.rules.parameters'))))\n"
        "import json, kiosk.policy.loader\n"
        "print(json.dumps([sys.modules[m].__file__ for m in sys.modules if m.startswith(('kiosk.rules.', 'kiosk.policy.'))]))\n"
    )
    lines = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                           timeout=60).stdout.splitlines()
    assert lines[0] == "[]"
    assert set(json.loads(lines[1])) <= {str(path) for path in LOADER_SOURCES}
