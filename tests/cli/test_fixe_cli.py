"""Attack E1, E4, E10 on the command line, in this process (:func:`kiosk.cli.main`):

- every sub-command of :func:`kiosk.cli.build_parser` (walked, so a new one is covered) given hostile
  values answers in one calm line with exit 1, 2 or 3, never a traceback; years, months and dates are
  range-checked by argparse; an export into a folder that does not exist is refused, not made;
- ``kiosk benefit run-check`` of a damaged .xlsx, of a GBK re-save, of a file without 合计, of edited
  names and card numbers, of a duplicated line; its audit entry names the absolute path;
- ``kiosk benefit run MONTH --dry-run`` of a posted month names the run's file and date.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from db.models import AuditEntry
from kiosk.cli import build_parser, main
from kiosk.clock import FixedClock
from tests.services.benefit_town import build
from tests.support import run_cli, use_cli_environment

HUGE, NEGATIVE, EMPTY = "99999999999999999999", "-5", ""


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every runnable sub-command: its words and its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for action in subs:
        for name, child in action.choices.items():
            yield from leaves(child, (*path, name))


def _is_path(action: argparse.Action) -> bool:
    """A file or folder argument (argtypes.path, or named so): a number is a valid name there."""
    return getattr(action.type, "__name__", "") in ("path", "Path") or any(w in action.dest for w in ("file", "out", "directory", "anchor"))


def hostile_argvs(words: tuple[str, ...], parser: argparse.ArgumentParser, value: str,
                  path: str) -> list[list[str]]:
    """``value`` in every positional (``path`` in those naming a file or folder: a number is a
    valid file name; the first choice where argparse allows only some, so the rest is reached),
    then also in every option that takes a value."""

    def pick(action: argparse.Action) -> str:
        if action.choices is not None:
            return str(next(iter(action.choices)))
        return path if _is_path(action) else value

    positionals = [a for a in parser._actions if not a.option_strings and a.nargs != 0]
    options = [a for a in parser._actions
               if a.option_strings and a.nargs != 0 and not isinstance(a, argparse._HelpAction)
               and not isinstance(a, argparse._StoreConstAction | argparse._StoreTrueAction)]
    head = [*words, *(pick(a) for a in positionals)]
    free = [a for a in (*positionals, *options) if a.choices is None]  # where a hostile value goes
    if not free:
        return []  # only choices (kiosk demo --mode self): nothing hostile to give, and it would start
    argvs = [head] if any(a in free for a in positionals) else []
    if options:
        argvs.append([*head, *(part for a in options for part in (a.option_strings[-1], pick(a)))])
    return argvs


@pytest.fixture
def cli(database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The in-process command line on the test database (the session's audit key); cwd = tmp_path."""
    use_cli_environment(monkeypatch, tmp_path, db_url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_sub_command_answers_hostile_values_calmly(cli: Path, database: peewee.Database,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    database.close()
    # Nothing here may start an interface or a server (a value that slipped through would hang).
    monkeypatch.setattr("kiosk.commands.run._start", lambda *a, **k: pytest.fail("the kiosk would start"))
    monkeypatch.setattr("kiosk.commands.serve.make_server", lambda *a, **k: pytest.fail("a server would start"))
    not_utf8, garbage = cli / "bad.csv", b"\xff\xfe\x81\x00\x9c garbage \x80\x81\n" * 20
    not_utf8.write_bytes(garbage)
    missing = str(cli / "missing" / "x.xlsx")
    values = [(HUGE, EMPTY), (NEGATIVE, missing), (EMPTY, str(not_utf8)), (str(not_utf8), missing)]
    commands = list(leaves(build_parser()))
    assert len(commands) > 40 and ("benefit", "run-check") in [w for w, _ in commands]
    ran, wrong = 0, []
    for words, parser in commands:
        for value, path in values:
            for argv in hostile_argvs(words, parser, value, path):
                code = run_cli(monkeypatch, argv)  # argparse's SystemExit is main's status too
                out = capsys.readouterr()
                if not_utf8.read_bytes() != garbage:  # a command wrote its output there (an export
                    assert code == 0, argv                # replaces an older file): done, not refused
                    not_utf8.write_bytes(garbage)
                    continue
                one_line = code != 2 or out.out or len(out.err.strip().splitlines()) == 1
                if "Traceback" in out.err + out.out or code not in (1, 2, 3) or not one_line:
                    wrong.append((argv, code, out.err[-300:]))
                ran += 1
    assert not wrong, "\n".join(map(str, wrong))  # every one of them, not the first only
    assert ran > 150
    assert not (cli / "missing").exists()  # no export made the folder it was told to write into


@pytest.mark.parametrize("argv", [
    ["account", "credit-interest", HUGE], ["account", "credit-interest", NEGATIVE],
    ["resident", "unpaid", "99999999999"], ["benefit", "run", "99999-01", "--dry-run"],
    ["benefit", "due-certification", "--month", "2026-00"], ["audit", "rules", "--since", "0001-01-01"],
    ["certificate", "issue", "110101199003074514", "--from", "1-01", "--to", "2026-01"],
])
def test_years_months_dates_are_range_checked_by_the_parser(argv: list[str],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--help" in err and "Traceback" not in err, err


def test_report_and_backup_into_a_missing_folder_say_so(cli: Path, database: peewee.Database,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    database.close()
    for argv in (["report", "daily", str(cli / "nope" / "deeper" / "r.xlsx")],
                 ["db", "backup", str(cli / "nope" / "x.db")],
                 ["export", "residents", str(cli / "nope" / "r.csv")]):
        assert run_cli(monkeypatch, argv) == 2, argv
        err = capsys.readouterr().err
        assert str(cli / "nope") in err and len(err.strip().splitlines()) == 1, err
    assert not (cli / "nope").exists()


def test_a_folder_named_like_a_file_is_said_for_imports_and_exports(
        cli: Path, database: peewee.Database, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Attack F4: ``kiosk import residents d.csv`` with d.csv a folder was a traceback."""
    database.close()
    (cli / "d.csv").mkdir()
    for argv in (["import", "residents", "d.csv"], ["import", "enrolments", "d.csv"],
                 ["import", "contributions", "d.csv"], ["export", "residents", "d.csv"],
                 ["report", "daily", "d.csv"]):
        assert run_cli(monkeypatch, argv) == 2, argv
        err = capsys.readouterr().err
        assert "d.csv" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)


# --- benefit run-check (E4) and run --dry-run (E10) -------------------------------------------------


@pytest.fixture
def posted(cli: Path, database: peewee.Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, object]]:
    """A benefit township with 2026-01 posted by the supervisor into ``daifa.csv``."""
    build(database, clock, cli)
    database.close()
    out = cli / "daifa.csv"
    assert run_cli(monkeypatch, ["benefit", "run", "2026-01", "--staff", "2001", "--out", str(out), "--json"],
                   stdin="3691\n") == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return out, result


def _check(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], path: Path | str,
           *extra: str) -> tuple[int, str, str]:
    code = run_cli(monkeypatch, ["benefit", "run-check", "2026-01", "--file", str(path), *extra])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def _edited(source: Path, target: Path, edit: dict[tuple[int, int], str], encoding: str = "utf-8-sig") -> Path:
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for (row, column), value in edit.items():
        rows[row][column] = value
    with target.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return target


def test_run_check_compares_name_and_card_number(posted: tuple[Path, dict[str, object]],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = posted
    rows = list(csv.reader(out.open(encoding="utf-8-sig", newline="")))
    name, card = rows[1][1], rows[1][4]
    assert name and len(card) == 9
    forged_card = card[:2] + "0000000" if card[2:] != "0000000" else card[:2] + "1111111"
    edited = _edited(out, out.parent / "forged.csv", {(1, 1): "张三丰", (1, 4): forged_card})
    code, stdout, _ = _check(monkeypatch, capsys, edited, "--json")
    data = json.loads(stdout)
    assert code == 1 and [(d["line"], d["field"]) for d in data["differences"]] == [(1, "name"), (1, "card_number")]
    assert name not in stdout and card not in stdout and forged_card not in stdout and "张*丰" in stdout
    code, text, _ = _check(monkeypatch, capsys, edited)
    assert code == 1 and "第1行" in text and "姓名" in text and "社保卡号" in text and card not in text


def test_run_check_reads_a_gbk_resave(posted: tuple[Path, dict[str, object]], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = posted
    gbk = _edited(out, out.parent / "gbk.csv", {}, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        gbk.read_text(encoding="utf-8")
    code, stdout, err = _check(monkeypatch, capsys, gbk, "--json")
    data = json.loads(stdout)
    assert code == 1 and data["differences"] == [] and data["hash_matches"] is False, err  # other bytes only


def test_run_check_total_says_which_side_differs(posted: tuple[Path, dict[str, object]],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out, result = posted
    text = out.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    duplicated = out.parent / "dup.csv"
    duplicated.write_text("".join([*lines[:2], lines[1], *lines[2:]]), encoding="utf-8-sig")
    code, stdout, _ = _check(monkeypatch, capsys, duplicated)
    paid, total = result["paid"], result["total_fen"]
    assert isinstance(paid, int) and isinstance(total, int)
    amount = round(float(next(csv.reader([lines[1]]))[6]) * 100)
    line = next(x for x in stdout.splitlines() if "合计" in x)
    # The lines say paid+1 and total+amount; the 合计 row and the database say paid and total.
    assert f"{paid + 1}笔、{total + amount}分" in line and line.count(f"{paid}笔、{total}分") == 2, line

    no_total = out.parent / "no_total.csv"
    no_total.write_text("".join(x for x in lines if not x.startswith("合计")), encoding="utf-8-sig")
    code, stdout, err = _check(monkeypatch, capsys, no_total)
    assert code == 2 and "不是代发文件" in err and "None" not in err and len(err.strip().splitlines()) == 1


def test_run_check_of_a_damaged_xlsx_is_one_line(posted: tuple[Path, dict[str, object]],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = posted
    damaged = out.parent / "rnd.xlsx"
    damaged.write_bytes(bytes(range(256)) * 12)
    code, stdout, err = _check(monkeypatch, capsys, damaged, "--json")
    assert code == 2 and stdout == "" and "rnd.xlsx" in err and len(err.strip().splitlines()) == 1, err


def test_run_check_audits_the_absolute_path(posted: tuple[Path, dict[str, object]], database: peewee.Database,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = posted
    code, _, _ = _check(monkeypatch, capsys, out.name)  # relative to the working folder
    assert code == 0
    with database.connection_context():
        entry = AuditEntry.select().where(AuditEntry.action == "benefit.run_check").get()
    assert entry.detail["file"] == str(out.resolve())


def test_dry_run_of_a_posted_month_names_its_file(posted: tuple[Path, dict[str, object]],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out, result = posted
    assert run_cli(monkeypatch, ["benefit", "run", "2026-01", "--staff", "2001"], stdin="3691\n") == 0
    posting = capsys.readouterr().out
    assert run_cli(monkeypatch, ["benefit", "run", "2026-01", "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert text == posting and str(out) in text and "未写代发文件" not in text  # its file and its date
    assert run_cli(monkeypatch, ["benefit", "run", "2026-01", "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["file"] == result["file"] == str(out)

