"""Issue 15 money fixes found by a county auditor (SQLite and PostgreSQL): the account part of a
pension month belongs to the month paid (inheritance after a late death report), an outstanding
overpayment is netted against the estate, a run records its policy and refuses a policy that
would change months already paid."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import peewee
import pytest

from db.models import Account, AuditEntry, Benefit, BenefitRun, PrintJob
from kiosk.clock import FixedClock
from kiosk.policy import policy_from_mapping
from kiosk.policy.loader import DEFAULT_POLICY_FILE
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceError, lifecycle
from kiosk.services import applications as apps
from kiosk.services import benefit_run as run
from kiosk.services.accounts import account_balance_with_interest
from kiosk.services.payments import policy_book
from tests.services.benefit_town import Town, build

JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))
HEIR = "36072619880315002X"


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return build(database, clock, tmp_path, unemployment=False)


def _all(type_: str) -> list[str]:
    return [m.code for m in WORKFLOWS[type_].materials]


def test_late_death_report_inheritance_is_payable_and_nets_the_overpayment(town: Town, tmp_path: Path) -> None:
    """Defects 1 and 2: runs for January to April all posted on 20 April (after a death on 15 January);
    the January payout counts against the balance at death, February–April are the overpayment, the
    account part of those months goes back, and the heir is paid grant + balance − overpayment."""
    rid, benefit_id = town.people["retiree"], town.benefits["retiree"]
    town.at(dt.date(2026, 4, 20))
    for month in (JAN, FEB, MAR, APR):
        assert run.post(town.boss, month, tmp_path / f"{month:%Y-%m}.csv").posted
    with town.db.connection_context():
        benefit = Benefit.get_by_id(benefit_id)
        part, monthly = int(benefit.account_part_fen), int(benefit.monthly_fen)
    assert part > 0
    death = dt.date(2026, 1, 15)
    result = lifecycle.record_death(town.clerk, rid, death)
    assert result.overpaid_fen == 3 * monthly
    with town.db.connection_context():
        # What the old rule took (the balance by entry date, no payout of the runs yet) less January's part.
        by_entry_date = account_balance_with_interest(rid, "pension_employee", death, policy_book(town.ctx))
        account = Account.get((Account.resident == rid) & (Account.kind == "pension_employee"))
    assert result.inheritable_fen == by_entry_date - part
    assert account.balance_fen == result.inheritable_fen  # Feb–Apr parts went back: the balance pays it
    heir = {"heir_name": "李四", "heir_id_number": HEIR, "relationship": "配偶", "bank_account": "6217000012345678"}
    info = apps.submit(town.clerk, rid, "inheritance", heir, _all("inheritance"))
    gross = info.data["funeral_grant_fen"] + info.data["inheritable_fen"]
    assert info.data["recover_fen"] == 3 * monthly and info.amount_fen == gross - 3 * monthly  # the step preview
    apps.advance(town.boss, info.number, "reviewed")
    paid = apps.advance(town.clerk, info.number, "paid")  # no "余额不足"
    assert paid.amount_fen == gross - 3 * monthly and paid.data["paid"]["recovered_fen"] == 3 * monthly
    with town.db.connection_context():
        assert Account.get_by_id(account.id).balance_fen == 0
        stopped = Benefit.get_by_id(benefit_id)
        assert stopped.recovered_fen == stopped.overpaid_fen == 3 * monthly  # marked recovered
        assert AuditEntry.select().where((AuditEntry.action == "benefit.recovered")
                                         & (AuditEntry.entity_id == str(benefit_id))).exists()
        receipt = str(PrintJob.get_by_id(paid.data["receipt_job"]).document)
    assert "扣回多发待遇" in receipt


def _book(monthly: str | None, name: str) -> object:
    raw = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    if monthly is not None:
        raw["national_basic_pension"].append({"effective": JAN, "monthly": monthly})
    return policy_from_mapping(raw, name)


def test_run_records_its_policy_and_refuses_one_that_lowers_paid_months(town: Town, tmp_path: Path) -> None:
    """Defect 3: January posted with a file raising the basic pension; February with the shipped
    policy would pay 20元 less for January without a word: refused, naming both policies."""
    town.ctx.extras["policy"] = _book("163", "raised.toml")
    town.at(JAN + dt.timedelta(days=19))
    run.post(town.boss, JAN, tmp_path / "jan.csv")
    with town.db.connection_context():
        row = BenefitRun.get(BenefitRun.month == JAN)
        assert len(row.policy_digest) == 64 and "raised.toml" in row.policy_version
        entry = AuditEntry.get((AuditEntry.action == "benefit.run") & (AuditEntry.entity_id == "2026-01"))
        assert row.policy_digest in str(entry.detail)
        from db.models import PolicyVersion

        assert PolicyVersion.select().where(PolicyVersion.digest == row.policy_digest).exists()
    town.ctx.extras["policy"] = _book("163", "copy.toml")  # the same figures under another name: same hash
    assert run.preview(town.boss, FEB).policy_note == ""
    town.ctx.extras["policy"] = _book("173", "higher.toml")  # a raise beyond: paid as 补差, and said
    assert "raised.toml" in run.preview(town.boss, FEB).policy_note
    town.ctx.extras["policy"] = _book(None, "shipped.toml")
    town.at(FEB + dt.timedelta(days=19))
    with pytest.raises(ServiceError) as refused:
        run.post(town.boss, FEB, tmp_path / "feb.csv")
    assert "raised.toml" in refused.value.message and "shipped.toml" in refused.value.message
    assert not (tmp_path / "feb.csv").exists()
    with pytest.raises(ServiceError):
        run.preview(town.boss, FEB)  # the preview says so too


def test_bank_file_pays_accounts_not_card_numbers(town: Town, tmp_path: Path) -> None:
    """Defect 4: the 银行账号 column is the person's bank account (never the 9-character card number);
    no account → skipped ``no_bank_account``; long numbers (IDs ending X too) written one way; names
    without control characters; .xlsx cells text with number format '@'."""
    import csv

    from db.models import Card, Resident

    with town.db.connection_context():
        Resident.update(bank_account="").where(Resident.id == town.people["villager"]).execute()
        retiree = Resident.get_by_id(town.people["retiree"])
        card = Card.get(Card.resident == retiree.id).card_number
    town.at(JAN + dt.timedelta(days=19))
    preview = run.preview(town.boss, JAN)
    assert preview.skipped.get("no_bank_account") == 1
    assert town.benefits["villager"] not in {line.benefit_id for line in preview.lines}
    result = run.post(town.boss, JAN, tmp_path / "jan.csv")
    [line] = [x for x in result.lines if x.benefit_id == town.benefits["retiree"]]
    assert line.bank_account == retiree.bank_account != card and len(line.bank_account) > 9
    with (tmp_path / "jan.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    [row] = [r for r in rows if r[8] == line.reference]
    assert row[5] == "\t" + retiree.bank_account and row[4] == card
    # One rule for every long number: an ID ending in X is written like an all-digit one.
    fake = run.Line(1, 1, None, "pension", "张\n三\u202e", "36072619880315002X", "A12345678", "6217000012345678901",
                    (run.Item(JAN, "monthly", 100),), "DF2026010000001")
    run.write_file(tmp_path / "x.csv", [fake], JAN)
    with (tmp_path / "x.csv").open(encoding="utf-8-sig", newline="") as handle:
        cells = list(csv.reader(handle))[1]
    assert cells[1] == "张三" and cells[3] == "\t36072619880315002X" and cells[5] == "\t6217000012345678901"
    import openpyxl

    run.write_file(tmp_path / "x.xlsx", [fake], JAN)
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert sheet is not None
    id_cell = sheet.cell(row=2, column=4)
    assert (id_cell.value, id_cell.data_type, id_cell.number_format) == ("36072619880315002X", "s", "@")


def test_labels_name_what_is_paid(town: Town, tmp_path: Path) -> None:
    """Defect 6: a raise is 调整补差 only for EARLIER months, the one-off 抚恤金 is named as such (not
    YYYY-MM补发), and a benefit stopped by a death is skipped as ``deceased``."""
    town.ctx.extras["policy"] = _book("163", "raised.toml")  # +20 from January, after the December claim
    town.at(JAN + dt.timedelta(days=19))
    jan = run.post(town.boss, JAN, None)
    villager = next(x for x in jan.lines if x.benefit_id == town.benefits["villager"])
    assert [i.kind for i in villager.items] == ["monthly"]  # the raised amount itself (attack D10), no arrears
    assert villager.note(JAN) == ""  # January's own raised amount: not "2026-01调整补差"
    town.at(dt.date(2026, 2, 10))
    lifecycle.record_death(town.clerk, town.people["retiree"], dt.date(2026, 1, 20),
                           survivors=[town.people["suspended"]])
    town.at(dt.date(2026, 3, 20))  # February not posted: the 抚恤金 (from February) is paid in March
    mar = run.post(town.boss, MAR, None)
    villager = next(x for x in mar.lines if x.benefit_id == town.benefits["villager"])
    assert villager.note(MAR) == "2026-02补发"
    lump = next(x for x in mar.lines if x.benefit_type == "survivor_lump")
    assert lump.note(MAR) == "一次性抚恤金"
    assert mar.skipped.get("deceased") == 1 and "stopped" not in mar.skipped


def test_deceased_json_says_no_survivor_recorded(town: Town) -> None:
    """Defect 10: no survivor named → survivor_fen is what is due once named, survivor_recorded False."""
    town.at(dt.date(2026, 1, 10))
    died = lifecycle.record_death(town.clerk, town.people["retiree"], dt.date(2026, 1, 2)).as_json()
    assert died["survivor_fen"] > 0 and died["survivor_recorded"] is False and died["survivor_benefits"] == []
    town.at(dt.date(2026, 1, 11))
    named = lifecycle.record_death(town.clerk, town.people["villager"], dt.date(2026, 1, 3),
                                   survivors=[town.people["suspended"]]).as_json()
    assert named["survivor_fen"] == 0 and named["survivor_recorded"] is False  # resident scheme: none due


def test_certification_on_the_spot_and_not_twice(town: Town) -> None:
    """Defect 8: the 受理回执 of a 资格认证 (0 working days) says 当场办结, not 0个工作日; a person certified
    within the current interval is refused — naming the last certification and the next due date —
    and no application is created."""
    from db.models import Application

    rid = town.people["suspended"]
    with town.db.connection_context():
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == town.benefits["suspended"]).execute()
    town.at(dt.date(2026, 1, 5))  # overdue: certification is taken
    info = apps.submit(town.clerk, rid, "certification", {}, _all("certification"), print_receipt=True)
    assert info.print_job_id is not None
    with town.db.connection_context():
        receipt = str(PrintJob.get_by_id(info.print_job_id).document)
    assert "当场办结" in receipt and "0个工作日" not in receipt
    apps.advance(town.clerk, info.number, "certified")
    town.at(dt.date(2026, 3, 2))
    with pytest.raises(ServiceError) as refused:
        apps.submit(town.clerk, rid, "certification", {}, _all("certification"))
    assert "2026-01-05" in refused.value.message and "2027-01-05" in refused.value.message
    with pytest.raises(ServiceError, match="无需重复认证"):
        lifecycle.certify(town.clerk, rid)
    with town.db.connection_context():
        assert Application.select().where((Application.resident == rid)
                                          & (Application.type == "certification")).count() == 1
    town.at(dt.date(2026, 11, 10))  # within two months of the due date: taken again
    assert lifecycle.certify(town.clerk, rid).certified == 1


def test_demo_assessments_at_notified_have_their_notice(database: peewee.Database, clock: FixedClock) -> None:
    """Defect 9: every seeded 缴费核定 that reached 核定缴费金额 has its amounts, assessment and notice,
    made by the steps' own effects, so ``kiosk collection notice SQ…`` prints it."""
    from db.demo import seed_demo
    from db.models import Application
    from kiosk.services import ServiceContext
    from kiosk.services.collection_notice import print_notice

    seed_demo(database, residents=200, seed=15, today=dt.date(2026, 11, 29), now=dt.datetime(2026, 11, 29, 1, 30))
    with database.connection_context():
        notified = list(Application.select().where((Application.type == "assessment")
                                                   & Application.status.in_(("notified", "recorded"))))
    assert notified
    ctx = ServiceContext(database, clock)
    for row in notified:
        with database.connection_context():
            _job, document = print_notice(ctx, row.number)
        assert document.code and int(dict(row.data)["amount_fen"]) > 0
