"""``kiosk resident deceased … --staff CLERK --supervisor SUPERVISOR`` (issue 15): the death is
recorded as a 死亡注销 application (受理 → 审核 by the second person → 办结) with the command's
usual JSON shape; the same person as clerk and supervisor is refused and nothing is recorded.
Subprocess, SQLite and PostgreSQL."""

from __future__ import annotations

import peewee

from db.models import Application, ApplicationEvent, Resident, Staff
from tests.cli.test_audit_cli import Cli, one_line
from tests.cli.test_benefit_run_cli import as_json, call, setup
from tests.services.benefit_town import Town

__all__ = ["setup"]  # the fixture, shared with the benefit-run CLI tests


def test_deceased_as_an_application(setup: tuple[Cli, Town], database: peewee.Database) -> None:
    cli, town = setup
    with database.connection_context():
        number = Resident.get_by_id(town.people["retiree"]).id_number
    args = ("resident", "deceased", number, "--date", "2025-12-20", "--staff", "1001", "--applicant", "王小明",
            "--relationship", "子女", "--json")
    refusals = ((("--supervisor", "1001"), "2580\n2580\n", "需要审核员"),  # a clerk cannot 审核
                (("--staff", "2001", "--supervisor", "2001"), "3691\n3691\n", "受审分离"))  # nor the acceptor
    for extra, pins, expected in refusals:
        refused = call(cli, *args, *extra, pin=pins)
        assert refused.returncode != 0 and expected in one_line(refused) and "未办结" in one_line(refused)
        with database.connection_context():
            assert Resident.get_by_id(town.people["retiree"]).death_date is None
            waiting = Application.get((Application.type == "death_report") & (Application.status == "accepted"))
            # Accepted and waiting for a second person at a counter; withdrawn here to try again.
            Application.update(status="withdrawn").where(Application.id == waiting.id).execute()
    missing = call(cli, "resident", "deceased", number, "--date", "2025-12-20", "--staff", "1001",
                   "--supervisor", "2001", "--json", pin="2580\n3691\n")
    assert missing.returncode != 0 and "--applicant" in one_line(missing)

    died = as_json(call(cli, *args, "--supervisor", "2001", pin="2580\n3691\n"))
    assert list(died)[:5] == ["stopped", "overpaid_fen", "funeral_grant_fen", "survivor_fen", "inheritable_fen"]
    assert [s["id"] for s in died["stopped"]] == [town.benefits["retiree"]] and died["funeral_grant_fen"] > 0
    with database.connection_context():
        assert str(Resident.get_by_id(town.people["retiree"]).death_date) == "2025-12-20"
        app = Application.get((Application.type == "death_report") & (Application.status == "closed"))
        numbers = {s.id: s.number for s in Staff.select()}
        steps = [(e.to_status, numbers[e.__data__["staff"]]) for e in
                 ApplicationEvent.select().where(ApplicationEvent.application == app.id).order_by(ApplicationEvent.id)]
        assert steps == [("accepted", "1001"), ("reviewed", "2001"), ("closed", "1001")]
        assert app.data["result"]["funeral_grant_fen"] == died["funeral_grant_fen"]


def test_enrolment_change_as_an_application(setup: tuple[Cli, Town], database: peewee.Database) -> None:
    """``kiosk resident enrolment ID pension resident suspend|resume --staff N``: each an application
    of its own type, 受理 and 办结 by the clerk; resuming what is not suspended is refused."""
    cli, town = setup
    with database.connection_context():
        number = Resident.get_by_id(town.people["villager"]).id_number
    base = ("resident", "enrolment", number, "pension", "resident")
    refused = call(cli, *base, "resume", "--staff", "1001", pin="2580\n")
    assert refused.returncode != 0 and "没有暂停缴费" in one_line(refused)
    outputs = []
    for action, status in (("suspend", "suspended"), ("resume", "active")):
        done = call(cli, *base, action, "--staff", "1001", pin="2580\n")
        assert done.returncode == 0 and f"→ {status}" in done.stdout, done.stderr
        outputs.append(done.stdout)
    with database.connection_context():
        rows = list(Application.select().where(Application.resident == town.people["villager"])
                    .where(Application.type.startswith("enrolment_")).order_by(Application.id))
        assert [(a.type, a.status) for a in rows] == [("enrolment_suspend", "done"), ("enrolment_resume", "done")]
        assert all(a.number in out for a, out in zip(rows, outputs, strict=True))
