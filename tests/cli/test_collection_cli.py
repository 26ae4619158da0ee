"""``kiosk collection notice`` and ``kiosk import collection`` through the real CLI (subprocess,
SQLite and PostgreSQL): the 缴费核定通知单 is printed through the spool on a preview printer and
its PNG's QR decodes (zxingcpp) to the application number; a second call prints it marked 补打;
the confirmation file is refused whole while a row is bad and recorded once when good."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import peewee
import pytest
import zxingcpp
from PIL import Image

from db import audit
from db.models import Application, Payment, PrintJob, Resident
from kiosk.clock import FixedClock
from kiosk.rules.money import format_yuan
from kiosk.services import applications as apps
from tests.cli.test_audit_cli import Cli
from tests.entitlement.township import Records, policy
from tests.services.benefit_town import Town, build


@pytest.fixture
def setup(database: peewee.Database, db_url: str, clock: FixedClock, tmp_path: Path) -> tuple[Cli, Town, str]:
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    town = build(database, clock, tmp_path, pensions=False, unemployment=False)
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the CLI reads the hall's real clock
    town.at(today)
    records = Records(town.clerk, tmp_path)
    rid = records.person(dt.date(1985, 5, 5))
    records.enrol(rid, "pension", "flexible", "2024-01-01")
    records.load()
    town.people["flexible"] = rid
    info = apps.submit(town.clerk, rid, "assessment", {"scheme": "flexible",
                                                       "base_fen": policy(today).wage.base_floor_fen},
                       materials_received=["id_card"])
    for step in ("amount_calculated", "notified"):
        info = apps.advance(town.clerk, info.number, step)
    database.close()
    return cli, town, info.number


def call(cli: Cli, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = cli.env()
    config = Path(env["KIOSK_CONFIG"])
    config.write_text(config.read_text(encoding="utf-8") + f'[printer]\nurl = "preview:{cli.folder / "paper"}"\n',
                      encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, capture_output=True, text=True,
                          cwd=cli.folder, timeout=120, input=stdin)


def test_notice_printed_and_reprinted(setup: tuple[Cli, Town, str], database: peewee.Database) -> None:
    cli, _town, number = setup
    result = call(cli, "collection", "notice", number, "--staff", "1001", stdin="2580\n")
    assert result.returncode == 0, result.stderr
    assert number in result.stdout and "补打" in result.stdout  # the one stored at 核定 came first
    [png] = sorted((cli.folder / "paper").glob("*.png"))
    decoded = {r.format.name: r.text for r in zxingcpp.read_barcodes(Image.open(png))}
    assert decoded["QRCode"] == number
    text = "\n".join(p.read_text(encoding="utf-8") for p in (cli.folder / "paper").glob("*.txt"))
    assert "缴费核定通知单" in text and "税务部门征收" in text and "补打" in text
    with database.connection_context():
        assert PrintJob.select().where((PrintJob.kind == "assessment") & (PrintJob.status == "printed")).count() == 1
    refused = call(cli, "collection", "notice", "SQ19990101000001", "--staff", "1001", stdin="2580\n")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr and "SQ19990101000001" in refused.stderr


def test_import_collection_file(setup: tuple[Cli, Town, str], database: peewee.Database) -> None:
    cli, town, number = setup
    with database.connection_context():
        data = Application.get(Application.number == number).data
        id_number = str(Resident.get_by_id(town.people["flexible"]).id_number)
    month = data["notice"]["months"][0][:7]
    amount = format_yuan(int(data["notice"]["individual_fen"]), grouping=False)
    path = cli.folder / "回执.csv"

    def write(rows: list[list[str]]) -> None:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([["税票号", "公民身份号码", "险种", "所属期", "金额", "缴费核定单号"], *rows])

    write([["SP3001", id_number, "养老", month, amount, number], ["SP3001", id_number, "养老", month, amount, ""]])
    bad = call(cli, "import", "collection", str(path), "--staff", "1001", stdin="2580\n")
    assert bad.returncode == 1 and "第3行" in bad.stdout and "nothing recorded" in bad.stdout
    with database.connection_context():
        assert Payment.select().count() == 0
    write([["SP3001", id_number, "养老", month, amount, number]])
    for added in (1, 0):  # the second import of the same file records nothing
        good = call(cli, "import", "collection", str(path), "--channel", "tax", "--staff", "1001", stdin="2580\n")
        assert good.returncode == 0, good.stdout + good.stderr
        assert f"新增 added {added}" in good.stdout
    with database.connection_context():
        assert [(p.channel, p.reference) for p in Payment.select()] == [("tax", "SP3001")]
    assert call(cli, "import", "collection", str(path)).returncode != 0  # a clerk must be named
