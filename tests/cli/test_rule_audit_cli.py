"""``kiosk audit rules [--json] [--since D]`` through the real command line (SQLite and
PostgreSQL): exit 0 and an empty list on a clean township, exit 1 naming the corrupted
record, a bad --since is one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import peewee

from tests.cli.test_audit_cli import Cli
from tests.services.test_rule_audit import _contribution, _month, build_town


def test_audit_rules_cli(db_url: str, database: peewee.Database, tmp_path: Path) -> None:
    cli = Cli(tmp_path, db_url)
    assert cli("db", "init").returncode == 0
    with database.atomic():
        town = build_town()
    database.close()
    clean = cli("audit", "rules", "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    payload = json.loads(clean.stdout)
    assert payload["findings"] == [] and payload["checked"] > 300 and payload["known"] == 0
    database.connect(reuse_if_open=True)
    with database.atomic():
        bad = _contribution(town.employee, "maternity", "employee", _month(2024, 5), 0, 4000)
    database.close()
    found = cli("audit", "rules", "--json")
    assert found.returncode == 1, found.stderr
    findings = json.loads(found.stdout)["findings"]
    assert {"kind": "merged_insurance", "table": "contribution", "id": bad} in [
        {k: f[k] for k in ("kind", "table", "id")} for f in findings]
    assert set(findings[0]) >= {"kind", "table", "id", "reference", "resident", "rule"}
    text = cli("audit", "rules")
    assert text.returncode == 1 and f"contribution#{bad}" in text.stdout and "Traceback" not in text.stderr
    assert cli("audit", "rules", "--since", "2026-01-01").returncode == 0
    wrong = cli("audit", "rules", "--since", "2026-13-01")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
