"""Counter lifecycle defects found by a county auditor and a new clerk (issues 15 and 17),
driven by keys on the real app:

- the resident detail's actions are all on screen with labels at 80x24 and 160x48, both languages;
- 受审分离's refusal reaches the English counter in English (ServiceError.key);
- after a step (and when an application opens) no text field has the focus: 0 goes back.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import peewee
import pytest
from rich.cells import cell_len
from textual.widgets import Input

from kiosk.clock import FixedClock
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import applications as apps
from kiosk.services.registration import get_resident
from screens.counter.application import ApplicationScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.resident_detail import ResidentDetailScreen
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import clerk_ctx, login, make_counter_app, message, open_application, until
from tests.screens.counter.test_every_type import _key_of
from tests.services.benefit_town import build
from tests.support import village_town

CLERK, BOSS = ("1001", "2580"), ("2001", "3691")
CJK = re.compile(r"[\u3400-\u9fff]")


def _death(town: Any, who: Any, rid: int) -> str:
    info = apps.submit(who, rid, "death_report",
                       {"death_date": "2026-01-02", "applicant_name": "李四", "relationship": "配偶"},
                       [m.code for m in WORKFLOWS["death_report"].materials])
    return info.number


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_detail_action_on_screen_with_a_label(database: peewee.Database, clock: FixedClock,
                                                          tmp_path: Path, size: tuple[int, int],
                                                          language: str) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    person = get_resident(town.ctx, town.people["retiree"])
    app = make_counter_app(database, clock, language=language)
    async with app.run_test(size=size) as pilot:
        await login(pilot, *CLERK)
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.pause()
        buttons = list(app.screen.query(".action-row MenuButton").results(MenuButton))
        assert {b.key for b in buttons} >= set("23456789")
        width, height = size
        for button in buttons:
            region = button.region
            assert region.width > 0 and region.height > 0, button.key
            assert region.x >= 0 and region.right <= width and region.y >= 0 and region.bottom <= height, \
                (button.key, region)
            label = str(button.label).strip()[len(button.key):].strip()
            assert label and not label.endswith(" "), (button.key, label)
            # The whole label fits on the button's one line (a wrapped label showed blank).
            assert cell_len(f"{button.key}  {label}") <= region.width - 2, (button.key, label, region)


async def test_separation_refusal_in_english(database: peewee.Database, clock: FixedClock,
                                             tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    town.at(dt.date(2026, 1, 10))
    number = _death(town, town.boss, town.people["villager"])  # the supervisor accepted it himself
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, *BOSS)
        await open_application(pilot, number)
        await pilot.press((await _key_of(pilot, "reviewed")).key)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and "Separation" in message(app))
        shown = message(app)
        assert not CJK.search(shown) and number in shown, shown


async def test_no_text_field_keeps_the_focus_after_a_step(database: peewee.Database, clock: FixedClock,
                                                          tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    town.at(dt.date(2026, 1, 10))
    number = _death(town, town.clerk, town.people["villager"])
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, *CLERK)
        person = get_resident(town.ctx, town.people["villager"])
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        # Opened with only the supervisor's 审核 left (disabled for the clerk): the note has no focus.
        await open_application(pilot, number)
        await pilot.pause()
        assert not isinstance(app.focused, Input), app.focused
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        # The supervisor reviews; then the clerk's 办结 finishes it: nothing left to press, 0 still goes back.
        apps.advance(town.boss, number, "reviewed")
        await open_application(pilot, number)
        await pilot.press((await _key_of(pilot, "closed")).key)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None
                    and app.screen.info.finished and not app.screen.query("#transitions MenuButton"))
        await pilot.pause()
        assert not isinstance(app.focused, Input), app.focused
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_a_deceased_resident_does_not_look_alive(database: peewee.Database, clock: FixedClock,
                                                       tmp_path: Path, language: str) -> None:
    from kiosk.services import benefit_run as run
    from tests.screens.counter.helpers import text_of

    town = build(database, clock, tmp_path, unemployment=False)
    town.at(dt.date(2026, 1, 20))
    run.post(town.boss, dt.date(2026, 1, 1), None)  # January paid, then a late report of a December death
    town.at(dt.date(2026, 2, 3))
    rid = town.people["retiree"]
    info = apps.submit(town.clerk, rid, "death_report",
                       {"death_date": "2025-12-20", "applicant_name": "王小明", "relationship": "子女"},
                       [m.code for m in WORKFLOWS["death_report"].materials])
    apps.advance(town.boss, info.number, "reviewed")
    apps.advance(town.clerk, info.number, "closed")
    person = get_resident(town.ctx, rid)
    app = make_counter_app(database, clock, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, *CLERK)
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen) and app.screen._file is not None)
        await pilot.pause()
        standing = text_of(app, "#detail-standing")
        benefits = text_of(app, "#detail-benefits")
        enrolments = text_of(app, "#detail-enrolments")
        panel = app.screen.query_one("#detail-standing")
        assert panel.display and panel.region.y < 24  # at the top, on screen without scrolling
        if language == "zh_CN":
            assert "已死亡" in standing and "2025-12-20" in standing
            assert "已停发（死亡）" in standing and "发至 2025-12" in standing
            assert "多发 2026-01" in standing and "应追回" in standing
            assert "多发，应追回" in benefits
            assert "已终止" in enrolments
        else:
            assert "DECEASED" in standing and "2025-12-20" in standing and "stopped (death)" in standing
            assert "Overpaid 2026-01" in standing and "to recover" in standing
            assert "overpaid" in benefits and "ended" in enrolments
            assert not CJK.search(standing + benefits), standing + benefits


async def test_acceptance_confirmations_show_the_amounts(database: peewee.Database, clock: FixedClock,
                                                         tmp_path: Path) -> None:
    """受理 of 资格认证 names the suspended months and the back pay; 受理 of 死亡注销 the overpayment
    and the grants — before the second key, not only at 审核."""
    from db.models import Benefit
    from kiosk.services import benefit_run as run
    from screens.counter.accept import MaterialsScreen
    from screens.counter.steps.lifecycle import CertificationForm, DeathReportForm
    from tests.screens.counter.helpers import text_of
    from tests.screens.counter.test_every_type import drive

    town = build(database, clock, tmp_path, unemployment=False)
    with database.connection_context():
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == town.benefits["suspended"]).execute()
    town.at(dt.date(2026, 1, 20))
    run.post(town.boss, dt.date(2026, 1, 1), None)  # suspends the overdue pensioner, pays the retiree
    town.at(dt.date(2026, 2, 3))
    villager = get_resident(town.ctx, town.people["suspended"])
    retiree = get_resident(town.ctx, town.people["retiree"])
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, *CLERK)
        app.push_screen(ResidentDetailScreen(villager))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        await pilot.press("1", "enter")
        await until(pilot, lambda: isinstance(app.screen, CertificationForm) and app.screen.ready)
        await pilot.press("1", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        shown = text_of(app, "#confirm-what")
        assert "2026-01" in shown and "下次发放时补发" in shown and "元" in shown, shown
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmActionModal))
        while not isinstance(app.screen, ResidentDetailScreen):
            await pilot.press("escape")
            await pilot.pause()
        app.pop_screen()
        app.push_screen(ResidentDetailScreen(retiree))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen) and app.screen.resident.id == retiree.id)
        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        await pilot.press("1", "2", "3", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeathReportForm) and app.screen.ready)
        await drive(pilot, ("2025-12-20", "enter", "王小明", "enter", "子女", "enter", "enter"))
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        shown = text_of(app, "#confirm-what")
        assert "2026-01 多发" in shown and "丧葬补助金" in shown and "可继承" in shown, shown


async def test_contribution_amount_shown_before_it_is_calculated(database: peewee.Database,
                                                                 clock: FixedClock) -> None:
    """计算缴费金额's confirmation names the months and what the person pays (it showed nothing)."""
    from kiosk.policy import load_policy
    from kiosk.services.registration import register_resident
    from tests.screens.counter.helpers import id_number, staff, text_of
    from tests.screens.counter.test_every_type import _flexible_enrolled, fast_login

    staff(database, clock)
    clerk = clerk_ctx(database, clock, "S001")
    person = register_resident(clerk, id_number(dt.date(1980, 5, 17)), "李秀英")
    _flexible_enrolled(clerk, clerk, person)
    floor = load_policy(None).policy_for(clock.today()).wage.base_floor_fen
    info = apps.submit(clerk, person.id, "assessment", {"scheme": "flexible", "base_fen": floor + 10000,
                                                        "start_month": f"{clock.today():%Y-%m}", "month_count": 3},
                       ["id_card"])
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await fast_login(pilot, "S001")
        await open_application(pilot, info.number)
        await pilot.press((await _key_of(pilot, "amount_calculated")).key)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        shown = text_of(app, "#confirm-what")
        assert "核定 3 个月" in shown and "本人应缴" in shown and "元" in shown, shown
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None
                    and app.screen.info.status == "amount_calculated")
        amount = app.screen.info.amount_fen  # type: ignore[attr-defined]
        assert amount and f"{amount // 100:,}" in shown, (amount, shown)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_an_open_change_is_continued_or_withdrawn_not_a_dead_end(database: peewee.Database,
                                                                       clock: FixedClock, language: str) -> None:
    from kiosk.services import ServiceError, info_change
    from kiosk.services.registration import register_resident
    from screens.counter.info_change import InfoChangeScreen
    from screens.counter.reason import ReasonModal
    from tests.screens.counter.helpers import id_number, staff, text_of
    from tests.screens.counter.test_every_type import fast_login

    staff(database, clock)
    clerk = clerk_ctx(database, clock, "S001")
    person = register_resident(clerk, id_number(dt.date(1980, 5, 17)), "李秀英")
    # A name with markup is refused by the name rule, with the character, before anything is stored.
    with pytest.raises(ServiceError, match="不是姓名用字"):
        info_change.request(clerk, person.id, "name", "[@click=app.quit]x[/]", "证明")
    waiting = info_change.request(clerk, person.id, "name", "李秀华", "公安机关证明")  # waits for a supervisor
    app = make_counter_app(database, clock, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await fast_login(pilot, "S001")
        app.push_screen(InfoChangeScreen(get_resident(clerk, person.id)))
        await until(pilot, lambda: isinstance(app.screen, InfoChangeScreen) and app.screen.file is not None)
        await pilot.pause()
        screen = app.screen
        buttons = {b.choice: b for b in screen.query(MenuButton)}
        assert buttons["field-name"].disabled and not buttons["open"].disabled
        assert buttons["open"].region.right <= 80 and buttons["open"].region.bottom <= 24
        assert waiting.number in text_of(app, "#infochange-open")
        await pilot.press("5")  # continue: the application, where 撤回 is offered
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None)
        await pilot.press((await _key_of(pilot, "withdrawn")).key)
        await until(pilot, lambda: isinstance(app.screen, ReasonModal))
        await pilot.press(*"resident asked")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None
                    and app.screen.info.status == "withdrawn")
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, InfoChangeScreen)
                    and not app.screen.query_one("#infochange-open").display)
        buttons = {b.choice: b for b in app.screen.query(MenuButton)}
        assert not buttons["field-name"].disabled and buttons["open"].disabled


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_village_lists_from_the_counter_home(database: peewee.Database, clock: FixedClock,
                                                   tmp_path: Path, language: str) -> None:
    """F2 (supervisors): the 资格认证 due list and the unpaid list by village with counts, masked,
    scrollable by keys, exported as .xlsx (audited); a clerk does not see the key."""
    import openpyxl

    from db.models import AuditEntry
    from screens.counter.home import CounterHomeScreen
    from screens.counter.village_lists import VillageListScreen
    from screens.widgets.plain import DataTable
    from tests.screens.counter.helpers import text_of

    town = village_town(database, clock, tmp_path)
    town.at(dt.date(2026, 2, 3))
    out = tmp_path / "lists"
    out.mkdir()
    app = make_counter_app(database, clock, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, *CLERK)
        assert not any(b.choice == "lists" for b in app.screen.query(MenuButton))
        await pilot.press("0", "plus")  # 0 asks, + logs out
        await until(pilot, lambda: bool(app.screen.query("#staff-number")))
        await login(pilot, *BOSS)
        lists = next(b for b in app.screen.query(MenuButton) if b.choice == "lists")
        assert lists.region.bottom <= 24 and lists.region.right <= 80 and str(lists.label).strip()
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, VillageListScreen) and bool(app.screen.rows))
        screen = app.screen
        assert isinstance(screen, VillageListScreen)
        screen.out_dir = out
        summary = text_of(app, "#list-summary")
        assert "西村" in summary and "2026-02" in summary, summary
        table = screen.query_one("#list-table", DataTable)
        cells = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert all("*" in row for row in cells), cells
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("4")  # export
        await until(pilot, lambda: any(out.glob("due-2026-02-*.xlsx")))
        await pilot.press("1")  # the unpaid list of this year
        await until(pilot, lambda: screen.kind == "unpaid" and "东村" in text_of(app, "#list-summary"))
        await pilot.press("2")  # the year before
        await until(pilot, lambda: screen.year == 2025 and "2025" in text_of(app, "#list-summary"))
        await until(pilot, lambda: table.row_count > 0)
        cells = " ".join(str(c) for i in range(table.row_count) for c in table.get_row_at(i))
        shown = ("城乡居民养老保险", "城乡居民医疗保险") if language == "zh_CN" else ("Resident pension", "Resident medical")
        assert all(name in cells for name in shown), cells  # the insurance by name, not the raw code
        await pilot.press("4")
        await until(pilot, lambda: any(out.glob("unpaid-2025-*.xlsx")))
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, CounterHomeScreen))
    due = next(out.glob("due-2026-02-*.xlsx"))
    sheets = openpyxl.load_workbook(due).worksheets
    assert any(s.title == "西村" for s in sheets) and all("*" in str(s.cell(2, 3).value) for s in sheets if s.max_row > 1)
    with database.connection_context():
        actions = {a.action for a in AuditEntry.select()}
    assert {"benefit.due_list", "benefit.due_list_export", "collection.list", "collection.export"} <= actions


def test_unpaid_command_names_the_insurance(database: peewee.Database, clock: FixedClock, db_url: str,
                                            tmp_path: Path) -> None:
    from db import audit
    from tests.cli.test_audit_cli import Cli

    village_town(database, clock, tmp_path)
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    database.close()
    result = cli("resident", "unpaid", "2025", "--village", "东村")
    assert result.returncode == 0, result.stderr
    assert "城乡居民养老保险" in result.stdout and "城乡居民医疗保险" in result.stdout
    assert "\tpension\t" not in result.stdout and "\tmedical\t" not in result.stdout
