"""``kiosk certificate issue`` and ``kiosk verify`` through the real CLI (subprocess, SQLite and
PostgreSQL): the certificate is printed through the spool on a preview printer, its PNG's QR decodes
(zxingcpp) to the code, MAC and facts ``kiosk verify`` confirms; the printed text names the person
in full; verify prints what the certificate says (period, months, totals) with the person masked;
the issuing agency comes from settings; a code with one character changed, an altered MAC, a forged
QR payload and changed facts with a recomputed plain hash are rejected; a purpose holding a control
character is refused in one line."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import peewee
import pytest
import zxingcpp
from PIL import Image

from db import audit
from db.models import PrintJob, Resident
from kiosk.clock import FixedClock
from tests.cli.test_audit_cli import Cli, one_line
from tests.services.benefit_town import Town, build

AGENCY = "示范县社会保险事业管理中心"


@pytest.fixture
def setup(database: peewee.Database, db_url: str, clock: FixedClock, tmp_path: Path) -> tuple[Cli, Town, str]:
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    town = build(database, clock, tmp_path, unemployment=False)
    with database.connection_context():
        number = str(Resident.get_by_id(town.people["villager"]).id_number)
    database.close()
    return cli, town, number


def call(cli: Cli, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The CLI with the hall's agency and a preview printer in its kiosk.toml."""
    env = cli.env()
    config = Path(env["KIOSK_CONFIG"])
    config.write_text(config.read_text(encoding="utf-8") + f'[hall]\nagency = "{AGENCY}"\n'
                      f'[printer]\nurl = "preview:{cli.folder / "paper"}"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, capture_output=True, text=True,
                          cwd=cli.folder, timeout=120, input=stdin)


def _changed(text: str, index: int) -> str:
    return text[:index] + ("2" if text[index] != "2" else "3") + text[index + 1:]


def test_issue_prints_and_verify_judges(setup: tuple[Cli, Town, str], database: peewee.Database) -> None:
    cli, _town, number = setup
    issued = call(cli, "certificate", "issue", number, "--from", "2020-01", "--to", "2024-12",
                  "--purpose", "子女入学", "--staff", "1001", "--json", stdin="2580\n")
    assert issued.returncode == 0, issued.stderr
    data = json.loads(issued.stdout)
    assert data["printed"] is True and data["period"] == "2020-01 至 2024-12"
    code, qr = data["code"], data["qr"]
    with database.connection_context():
        job = PrintJob.get_by_id(data["job"])
        assert (job.code, job.status, job.kind) == (code, "printed", "certificate")
    [png] = sorted((cli.folder / "paper").glob("*.png"))
    decoded = {r.format.name: r.text for r in zxingcpp.read_barcodes(Image.open(png))}
    assert decoded["QRCode"] == qr and qr.startswith(f"SBZM2:{code}:") and "期间 2020-01 至 2024-12" in qr
    text = "\n".join(p.read_text(encoding="utf-8") for p in (cli.folder / "paper").glob("*.txt"))
    assert AGENCY in text and "电子印章" in text and "分年度缴费记录" in text and "2024" in text
    with database.connection_context():
        person = Resident.get(Resident.id_number == number)
    assert f"{person.name} {number}" in text  # the paper names the person in full

    genuine = call(cli, "verify", decoded["QRCode"], "--json")
    assert genuine.returncode == 0, genuine.stderr
    answer = json.loads(genuine.stdout)
    assert answer["genuine"] is True and answer["period"] == "2020-01 至 2024-12" and answer["agency"] == AGENCY
    assert number not in genuine.stdout and number[-4:] in answer["identity"]
    typed = call(cli, "verify", code)
    assert typed.returncode == 0 and "Traceback" not in typed.stderr
    said = typed.stdout
    assert "真实有效" in said and "2020-01 至 2024-12" in said and AGENCY in said and "5年" in said
    assert answer["individual_total"] in said and answer["individual_total"] in text  # the printed total
    assert all(row["individual"] in said and row["count"] in said for row in answer["paid"])
    assert number not in said and person.name not in said  # masked: the checker holds the paper

    first_line, facts = qr.split("\n", 1)
    mac = first_line.rsplit(":", 1)[1]
    forged_facts = facts.replace("5年", "8年")
    plain = base64.b32encode(hashlib.sha256(forged_facts.encode("utf-8")).digest()).decode()[:16]
    for forged in (_changed(code, len(code) - 3),  # one character of the printed code changed
                   qr.replace(mac, _changed(mac, 5), 1),  # one character of the MAC changed
                   f"SBZM2:{code}:{base64.b32encode(b'0123456789').decode()[:16]}",  # a forged QR payload
                   f"SBZM2:{code}:{plain}\n{forged_facts}",  # changed facts, a plain hash recomputed
                   f"{first_line}\n{forged_facts}",  # changed facts under the genuine MAC
                   f"SBZM2:{_changed(code, 4)}:{mac}\n{facts}"):  # a genuine MAC and facts on another code
        result = call(cli, "verify", forged, "--json")
        assert result.returncode == 1, forged
        assert json.loads(result.stdout)["genuine"] is False


def test_bad_input_is_one_calm_line(setup: tuple[Cli, Town, str]) -> None:
    cli, _town, number = setup
    reversed_ = call(cli, "certificate", "issue", number, "--from", "2024-01", "--to", "2023-01")
    assert reversed_.returncode == 2 and "证明期间" in one_line(reversed_)
    month = call(cli, "certificate", "issue", number, "--from", "2024-13", "--to", "2024-12")
    assert month.returncode == 2 and "YYYY-MM" in one_line(month)
    unknown = call(cli, "certificate", "issue", "110101199001011237", "--from", "2024-01", "--to", "2024-02")
    assert unknown.returncode == 2 and one_line(unknown)
    forged = call(cli, "verify", "SBZM1:RC:")
    assert forged.returncode != 0 and "Traceback" not in forged.stderr
    bell = call(cli, "certificate", "issue", number, "--from", "2024-01", "--to", "2024-02", "--purpose", "入学\x07")
    assert bell.returncode == 2 and "用途" in one_line(bell) and "U+0007" in one_line(bell)
