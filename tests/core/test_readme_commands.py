"""Every ``kiosk ...`` command quoted in README.md parses with the real parser.

The README is what an installer follows on a fresh machine, so a command
it shows that the program does not accept is a bug. Commands are taken from
fenced shell blocks (joined over ``\\`` continuations, split at ``&&``,
``;`` and pipes, with ``sudo -u kiosk`` and ``VAR=value`` prefixes
removed) and from inline code spans. Placeholders such as ``FILE`` get
sample values and ``self|counter|display`` its first choice.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"

PLACEHOLDERS = {
    "FILE": "/tmp/kiosk-sample.backup",
    "DIR": "/tmp/kiosk-backups",
    "URL": "network://127.0.0.1:9100",
    "N": "3",
    "S": "7",
    "NUMBER": "1001",
    "NAME": "张敏",
    "SECONDS": "5",
    "CATEGORY": "A",
    "QUEUE": "receipt",
    "ID_NUMBER": "110101199003074514",
    "KIND": "pension",
    "D": "2026-11-29",
    "KEY=VALUE": "grade=9",
    "YEAR": "2025",
    "JOB_ID": "12",
    "YYYY-MM": "2026-01",  # months and dates are checked by the parser (attack E1)
    "YYYY-MM-DD": "2026-11-29",
}
NOT_CODE_LANGS = {"toml", "ini", "json", "python", "text"}
SEPARATORS = re.compile(r"&&|\|\||;|\s\|\s|\$\(|\)")
SUDO_WITH_VALUE = {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}


@dataclass(frozen=True)
class Quoted:
    """One kiosk command line as the README shows it."""

    line: int
    text: str
    argv: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"L{self.line}:{' '.join(self.argv)[:60]}"


def _shell_segments(text: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def _kiosk_argv(segment: str) -> list[str] | None:
    """The arguments after ``kiosk`` when ``segment`` runs the kiosk command
    (``kiosk ...``, meaning any sub-command, is not a command line)."""
    try:
        words = shlex.split(segment, comments=True)
    except ValueError:
        return None
    i = 0
    if words[:1] == ["sudo"]:
        i = 1
        while i < len(words) and words[i].startswith("-"):
            i += 2 if words[i] in SUDO_WITH_VALUE else 1
    while i < len(words) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[i]):
        i += 1
    if i >= len(words) or os.path.basename(words[i]) != "kiosk":
        return None
    if words[i + 1:i + 2] in (["..."], ["…"]):
        return None
    return words[i + 1:]


def _fill(argv: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for word in argv:
        if word in ("...", "…"):
            break
        word = word.strip("[]")
        if word in ("...", "…"):  # "[--fact KEY=VALUE ...]": the repetition, not an argument
            break
        if not word:
            continue
        if "|" in word and not word.startswith(("-", "/")) and "://" not in word:
            word = word.split("|")[0]
        out.append(PLACEHOLDERS.get(word, word))
    return tuple(out)


def quoted_commands(text: str) -> list[Quoted]:
    found: list[Quoted] = []
    lines = text.splitlines()
    prose: list[tuple[int, str]] = []
    fence_lang: str | None = None
    pending = ""
    pending_line = 0
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if stripped.startswith("```"):
            fence_lang = stripped[3:].strip().lower() if fence_lang is None else None
            prose.append((number, ""))
            continue
        if fence_lang is None:
            prose.append((number, raw))
            continue
        if fence_lang in NOT_CODE_LANGS:
            continue
        if not pending:
            pending_line = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        command, pending = pending + stripped, ""
        for segment in _shell_segments(command):
            argv = _kiosk_argv(segment)
            if argv is not None:
                found.append(Quoted(pending_line, command, _fill(argv)))
    # Inline code spans may wrap over lines in Markdown: join prose paragraphs first.
    joined = ""
    offsets: list[int] = []
    for _number, raw in prose:
        offsets.append(len(joined))
        joined += raw.strip() + " " if raw.strip() else "\n\n"
    for match in re.finditer(r"`([^`\n]+)`", joined):
        span = match.group(1).strip()
        argv = _kiosk_argv(span) if re.match(r"(sudo .*?)?\bkiosk\s", span) else None
        if argv is None:
            continue
        line = prose[max(i for i, off in enumerate(offsets) if off <= match.start())][0]
        found.append(Quoted(line, span, _fill(argv)))
    return found


COMMANDS = quoted_commands(README.read_text(encoding="utf-8"))


def test_readme_quotes_the_installation_commands() -> None:
    # Guards the extraction itself: if it found nothing, every parse test below would pass vacuously.
    subcommands = {q.argv[:2] for q in COMMANDS}
    assert len(COMMANDS) >= 20, [q.id for q in COMMANDS]
    for expected in [("db", "init"), ("db", "restore"), ("db", "check"), ("staff", "add"),
                     ("printer", "test"), ("doctor",), ("serve",)]:
        assert any(sub[:len(expected)] == expected for sub in subcommands), f"README never shows kiosk {expected}"


@pytest.mark.parametrize("quoted", COMMANDS, ids=[q.id for q in COMMANDS])
def test_quoted_command_parses(quoted: Quoted) -> None:
    parser = build_parser()
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(quoted.argv))
    except SystemExit as exc:
        # --version and --help exit 0 after printing; anything else is a bad command line.
        assert exc.code == 0, f"README.md line {quoted.line}: `{quoted.text}` does not parse:\n{err.getvalue()}"
        return
    assert callable(getattr(args, "func", None)), f"README.md line {quoted.line}: `{quoted.text}` runs nothing"


@pytest.mark.parametrize(("text", "expected"), [
    ("sudo -u kiosk kiosk db init", ("db", "init")),
    ("sudo -u kiosk KIOSK_CONFIG=/etc/k.toml /opt/shebao-kiosk/.venv/bin/kiosk doctor # check", ("doctor",)),
    ("kiosk run --mode self|counter|display [--counter N]", ("run", "--mode", "self", "--counter", "3")),
    ("kiosk db backup FILE", ("db", "backup", PLACEHOLDERS["FILE"])),
])
def test_extraction(text: str, expected: tuple[str, ...]) -> None:
    commands = quoted_commands(f"```sh\n{text}\n```\n")
    assert [q.argv for q in commands] == [expected]


def test_extraction_ignores_other_programs_and_the_kiosk_user() -> None:
    text = ("```sh\nsudo useradd --create-home kiosk\nsudo -u kiosk mkdir -p /home/kiosk/x\n"
            "sudo chown kiosk:kiosk /var/lib/shebao-kiosk && kiosk db check\n```\n"
            "Edit `kiosk.toml`, then run `sudo -u kiosk kiosk config\n show`.\n")
    assert [q.argv for q in quoted_commands(text)] == [("db", "check"), ("config", "show")]


def test_a_command_the_parser_rejects_is_caught() -> None:
    (bad,) = quoted_commands("```sh\nkiosk db explode\n```\n")
    with pytest.raises(AssertionError, match="does not parse"):
        test_quoted_command_parses(bad)
