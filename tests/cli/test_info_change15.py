"""``kiosk resident change`` and ``kiosk resident history`` (信息变更, issue 15.2) as a clerk
types them: subprocess, PINs on stdin, ``--json`` parsed, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import peewee
import pytest

from db import audit
from db.models import Application, AuditEntry, InfoChangeHistory, Resident
from kiosk.clock import FixedClock
from kiosk.rules.identity import upgrade_15_to_18
from kiosk.services import ServiceContext
from kiosk.services.registration import register_resident
from kiosk.services.staff import add_staff
from tests.cli.test_audit_cli import Cli, one_line
from tests.cli.test_benefit_run_cli import as_json, call
from tests.services.conftest import id_number

PERSON = id_number(dt.date(1972, 5, 1), 11)
OTHER = id_number(dt.date(1980, 2, 3), 21)
LEGACY_15 = "360726650707031"  # an old record kept under its first-generation number


@pytest.fixture
def cli(database: peewee.Database, db_url: str, clock: FixedClock, tmp_path: Path) -> Cli:
    tool = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(tool.key_file))
    ctx = ServiceContext(database, clock, terminal="C01", extras={"rng": random.Random(3)})
    clerk = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    add_staff(ctx, "2001", "李主任", "supervisor", "3691")
    acting = ctx.as_staff(clerk.id, clerk.number)
    for number in (PERSON, OTHER, upgrade_15_to_18(LEGACY_15)):
        register_resident(acting, number, "张三丰")
    Resident.update(id_number=LEGACY_15).where(Resident.id_number == upgrade_15_to_18(LEGACY_15)).execute()
    database.close()  # the commands open their own connections
    return tool


def _resident(database: peewee.Database, number: str) -> Resident:
    with database.connection_context():
        return Resident.get(Resident.id_number == number)


def test_clerk_changes_hukou_region_and_history_shows_it(cli: Cli, database: peewee.Database) -> None:
    result = as_json(call(cli, "resident", "change", PERSON, "--field", "hukou_region", "--value", "360721",
                          "--document", "户籍证明 赣户证2026-5", "--staff", "1001", "--json", pin="2580\n"))
    assert list(result) == ["application", "status", "finished", "field", "old_value", "new_value"]
    assert (result["status"], result["finished"], result["old_value"], result["new_value"]) == \
        ("done", True, "360726", "360721")
    assert _resident(database, PERSON).hukou_region == "360721"
    history = as_json(call(cli, "resident", "history", PERSON, "--json"))["history"]
    assert [(h["field"], h["old_value"], h["new_value"], h["application"], h["staff"]) for h in history] == \
        [("hukou_region", "360726", "360721", result["application"], "1001")]
    text = call(cli, "resident", "history", PERSON)
    assert text.returncode == 0 and "360726 → 360721" in text.stdout
    with database.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "resident.info_change").count() == 1


def test_name_needs_a_second_person_who_is_a_supervisor(cli: Cli, database: peewee.Database) -> None:
    waiting = as_json(call(cli, "resident", "change", PERSON, "--field", "name", "--value", "张 三", "--document",
                           "公安机关证明 2026-12", "--staff", "1001", "--json", pin="2580\n"))
    assert (waiting["status"], waiting["finished"], waiting["new_value"]) == ("accepted", False, "张*")
    assert _resident(database, PERSON).name == "张三丰"
    with database.connection_context():  # withdrawn at the counter; then done with a supervisor
        Application.update(status="withdrawn").where(Application.number == waiting["application"]).execute()
    same = call(cli, "resident", "change", PERSON, "--field", "name", "--value", "张三", "--document", "户口簿",
                "--staff", "2001", "--supervisor", "2001", pin="3691\n3691\n")
    assert same.returncode != 0 and "受审分离" in one_line(same) and "Traceback" not in same.stderr
    assert _resident(database, PERSON).name == "张三丰"
    # The refusal came before 受理: no application is left open to block the next change.
    with database.connection_context():
        assert not Application.select().where((Application.type == "info_change")
                                              & (Application.status == "accepted")).exists()
    clerk = call(cli, "resident", "change", PERSON, "--field", "name", "--value", "张三", "--document", "户口簿",
                 "--staff", "1001", "--supervisor", "1001", pin="2580\n2580\n")
    assert clerk.returncode != 0 and "受审分离" in one_line(clerk)
    markup = call(cli, "resident", "change", PERSON, "--field", "name", "--value", "[@click=app.quit]x[/]",
                  "--document", "户口簿", "--staff", "1001", "--supervisor", "2001", pin="2580\n3691\n")
    assert markup.returncode != 0 and "不是姓名用字" in one_line(markup) and "Traceback" not in markup.stderr
    with database.connection_context():
        assert not Application.select().where((Application.type == "info_change")
                                              & (Application.status == "accepted")).exists()
    done = as_json(call(cli, "resident", "change", PERSON, "--field", "name", "--value", "张三", "--document",
                        "户口簿", "--staff", "1001", "--supervisor", "2001", "--json", pin="2580\n3691\n"))
    assert (done["finished"], done["old_value"], done["new_value"]) == (True, "张*丰", "张*")
    assert _resident(database, PERSON).name == "张三"


def test_15_digit_record_upgraded_then_found_by_either_number(cli: Cli, database: peewee.Database) -> None:
    upgraded = upgrade_15_to_18(LEGACY_15)
    wrong = call(cli, "resident", "change", LEGACY_15, "--field", "id_number", "--value", OTHER, "--document",
                 "户口簿", "--staff", "1001", "--supervisor", "2001", pin="2580\n3691\n")
    assert wrong.returncode != 0 and "15位" in one_line(wrong)
    done = as_json(call(cli, "resident", "change", LEGACY_15, "--field", "id_number", "--value", upgraded,
                        "--document", "户口簿", "--staff", "1001", "--supervisor", "2001", "--json",
                        pin="2580\n3691\n"))
    assert done["finished"] and done["new_value"] == upgraded[:4] + "*" * 10 + upgraded[-4:]
    assert _resident(database, upgraded).id
    for typed in (LEGACY_15, upgraded):
        rows = as_json(call(cli, "resident", "history", typed, "--json"))["history"]
        assert [r["field"] for r in rows] == ["id_number"]


def test_refusals_say_why_and_write_nothing(cli: Cli, database: peewee.Database) -> None:
    taken = call(cli, "resident", "change", PERSON, "--field", "id_number", "--value", OTHER, "--document", "户口簿",
                 "--staff", "1001", "--supervisor", "2001", pin="2580\n3691\n")
    assert taken.returncode != 0 and "另一位参保人" in one_line(taken)
    bad = call(cli, "resident", "change", PERSON, "--field", "bank_account", "--value", "12ab", "--document",
               "银行卡", "--staff", "1001", pin="2580\n")
    assert bad.returncode != 0 and "银行账户" in one_line(bad)
    pin = call(cli, "resident", "change", PERSON, "--field", "hukou_region", "--value", "360721", "--document",
               "户籍证明", "--staff", "1001", pin="0000\n")
    assert pin.returncode != 0 and one_line(pin)
    one_pin = call(cli, "resident", "change", PERSON, "--field", "name", "--value", "张三", "--document", "户口簿",
                   "--staff", "1001", "--supervisor", "2001", pin="2580\n")
    assert one_pin.returncode != 0 and "第二行" in one_line(one_pin)
    for result in (taken, bad, pin, one_pin):
        assert "Traceback" not in result.stderr
    with database.connection_context():
        assert not Application.select().where(Application.type == "info_change").exists()
        assert not InfoChangeHistory.select().exists()
