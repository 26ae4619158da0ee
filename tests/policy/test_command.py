"""``kiosk policy show``: readable lines, a bad date is one clear error."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kiosk.commands import COMMAND_MODULES, CommandError
from kiosk.commands import policy as policy_command
from kiosk.i18n import catalog


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk")
    p.add_argument("--config")
    policy_command.register(p.add_subparsers(dest="command"))
    return p


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    monkeypatch.setenv("KIOSK_CONFIG", "")
    monkeypatch.setattr("kiosk.config.config_dir", lambda: tmp_path)
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result


def test_registered() -> None:
    assert "policy" in COMMAND_MODULES


def test_show_2024(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["policy", "show", "--date", "2024-06-01"], monkeypatch, tmp_path) == 0
    out = capsys.readouterr().out
    assert "2024-06-01" in out and "2024-01-01" in out
    assert "养老保险：单位 16%，个人 8%" in out
    assert "123.00" in out and "143.00" not in out


def test_show_uses_policy_file_from_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    local = tmp_path / "local.toml"
    local.write_text(Path(policy_command.__file__).parents[1].joinpath("policy", "default.toml")
                     .read_text(encoding="utf-8").replace('priority_age = 70', 'priority_age = 65'), encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[policy]\nfile = "{local}"\n[terminal]\nlanguage = "en"\n', encoding="utf-8")
    assert run(["--config", str(config), "policy", "show", "--date", "2025-02-01"], monkeypatch, tmp_path) == 0
    out = capsys.readouterr().out
    assert "local.toml" in out and "Priority window age: 65" in out


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "2024/01/01"])
def test_bad_date_is_one_line_error(bad: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        run(["policy", "show", "--date", bad], monkeypatch, tmp_path)
    assert "\n" not in str(info.value) and bad in str(info.value) and "YYYY-MM-DD" in str(info.value)


def test_date_before_first_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="2023-01-01"):
        run(["policy", "show", "--date", "2020-01-01"], monkeypatch, tmp_path)


def test_bad_policy_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"p\.toml"):
        run(["policy", "show", "--file", str(bad), "--date", "2025-01-01"], monkeypatch, tmp_path)


def test_rules_catalogs_have_the_same_keys() -> None:
    zh = {k for k in catalog("zh_CN") if k.startswith(("rules.", "policy."))}
    en = {k for k in catalog("en") if k.startswith(("rules.", "policy."))}
    assert zh == en and len(zh) > 50


def test_every_step_key_used_by_the_rules_is_in_the_catalog() -> None:
    import re

    import kiosk.rules

    folder = Path(kiosk.rules.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    literal = set(re.findall(r'"(rules\.[a-z_.0-9]+[a-z0-9_])"', source))
    generated = {f"rules.insurance.{n}" for n in ("pension", "medical", "unemployment", "work_injury")}
    generated |= {f"rules.injury.deadline.{a}" for a in ("employer", "worker")}
    generated |= {f"rules.transfer.place.case{n}" for n in range(1, 5)}
    generated |= {f"rules.unemployment.reason.{r}" for r in ("too_few_months", "voluntary", "not_registered")}
    generated |= {f"rules.pension.shortfall.{o}" for o in ("keep_paying", "lump_sum", "transfer_to_resident")}
    keys = literal | generated
    assert len(literal) > 15
    missing = {k for k in keys if k not in catalog("zh_CN") or k not in catalog("en")}
    assert not missing
