"""Attack E6, E9, E11 at the services (both backends): a staff name passes the residents' name
rule; every entry a command run on this machine writes names ``admin-cli`` and the OS user
(``system`` only for the program's own calls); opening an application is an audited look
wherever it was opened from."""

from __future__ import annotations

import json
import re
from typing import Any

import peewee
import pytest

from db.files import os_user
from db.models import AuditEntry, Staff
from kiosk.clock import FixedClock
from kiosk.i18n import Translator, translate_message
from kiosk.services import (
    CLI_ACTOR,
    ServiceContext,
    ServiceError,
    applications,
    rule_audit,
    service_password,
    staff,
)
from tests.services.resident_factory import seed_residents

PIN = "482916"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _detail(entry: AuditEntry) -> dict[str, Any]:
    return json.loads(entry.detail) if isinstance(entry.detail, str) else dict(entry.detail or {})


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.seq))


def test_cli_made_entries_name_admin_cli_and_the_os_user(database: peewee.Database, clock: FixedClock) -> None:
    seeded = seed_residents(database)
    cli = ServiceContext(database, clock, staff_number=CLI_ACTOR)
    staff.add_staff(cli, "S9", "王五", "clerk", PIN)
    staff.reset_pin(cli, "S9", "739146")
    staff.unlock(cli, "S9")
    cli.extras[service_password.CHANNEL] = "cli"  # as `kiosk card` sets it
    service_password.set_password(cli, seeded.li, "518273", id_card_checked=False)
    service_password.unlock(cli, seeded.li)
    rule_audit.record_audit_look(cli, rule_audit.Report((), (), 0))
    for action in ("staff.add", "staff.reset_pin", "staff.unlock", "resident.password_set",
                   "resident.password_unlock", "ruleaudit.run"):
        [entry] = _entries(action)
        assert (action, entry.actor, _detail(entry).get("os_user")) == (action, "admin-cli", os_user())

    # A logged-in administrator is named by number (no OS user); the program's own call stays "system".
    staff.add_staff(ServiceContext(database, clock), "S1", "李四", "admin", PIN)
    admin = ServiceContext(database, clock).as_staff(Staff.get(Staff.number == "S1").id, "S1")
    staff.unlock(admin, "S9")
    counter_entry = _entries("staff.unlock")[-1]
    assert counter_entry.actor == "S1" and "os_user" not in _detail(counter_entry)
    assert [e.actor for e in _entries("staff.add")] == ["admin-cli", "system"]


@pytest.mark.parametrize(("name", "code"), [("王\x1b[31m五", "control"), ("[@click=app.quit]x[/]", "name_symbol"),
                                            ("王五2", "name_symbol"), ("王\u200b五", "zero_width")])
def test_a_staff_name_passes_the_residents_name_rule(database: peewee.Database, clock: FixedClock, name: str,
                                                     code: str) -> None:
    with pytest.raises(ServiceError) as caught:
        staff.add_staff(ServiceContext(database, clock), "S8", name, "clerk", PIN)
    assert caught.value.code == code and "\x1b" not in caught.value.message
    english = translate_message(Translator("en"), caught.value.key, caught.value.params)
    assert not CJK.search(english) and "name" in english
    assert not Staff.select().exists()


def test_a_staff_name_is_stored_normalised(database: peewee.Database, clock: FixedClock) -> None:
    info = staff.add_staff(ServiceContext(database, clock), "S8", " 王　五 ", "clerk", PIN)
    assert info.name == "王五" == Staff.get(Staff.number == "S8").name


def test_opening_an_application_is_an_audited_look_once(database: peewee.Database, clock: FixedClock) -> None:
    seeded = seed_residents(database)
    staff.add_staff(ServiceContext(database, clock), "S1", "李四", "clerk", PIN)
    clerk = ServiceContext(database, clock).as_staff(Staff.get(Staff.number == "S1").id, "S1")
    number = "SQ20261101000001"  # 张's transfer
    info = applications.open_application(clerk, number)  # e.g. from the Work list
    assert info.number == number and info.resident_id == seeded.zhang
    [look] = _entries("resident.open")
    assert (look.actor, look.entity_id, _detail(look)["reason"]) == ("S1", str(seeded.zhang), "application")
    applications.get_application(clerk, number)  # a refresh of the screen that shows it
    applications.open_application(clerk, number, served=seeded.zhang)  # 张 was opened (and audited) by Find
    assert len(_entries("resident.open")) == 1
