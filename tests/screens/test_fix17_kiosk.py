"""Issue 17, what a hostile tester found at the self-service kiosk: a card read
typed into a wizard's text field, demo keys colliding with screen keys, a
stale 正在查询, digits lost on the anonymous 取号 screen, the guide's digits,
refusals only after the + confirmation, card reads on the password prompt
and the guide's search, and contribution gaps owed by pensioners."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import peewee
import pytest
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

import screens
from db.models import Application, Resident
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.rules.workflows import WITHDRAWN
from screens.resident.apply_common import ApplyDraft
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_transfer import TransferDirectionScreen, TransferRegionScreen
from screens.resident.attract import AttractScreen
from screens.resident.guide import GuideScreen, TopicScreen
from screens.resident.home import ResidentHomeScreen
from screens.resident.identify import IdentifyScreen
from screens.resident.password import ServicePasswordScreen
from screens.resident.ticket import TicketScreen
from screens.widgets.card_reader import holds_card_number, mask_card_numbers
from screens.widgets.cjk_wrap import NO_LINE_START
from screens.widgets.demo_info import QUIT_KEY, SHOW_KEY, DemoInfo, DemoInfoModal
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import until
from tests.screens.test_front17_kiosk_cards import _seed, visible_text
from tests.screens.test_identity import build
from tests.screens.test_resident_flows import screen_text
from tests.services.resident_factory import LI_ID, ZHANG_CARD, ZHANG_NAME, Seeded
from tests.support import SERVICE_PASSWORD, settle, sign_in

SIZE = (80, 24)
LI_MASKED = "1101**********002X"


@pytest.fixture
def kiosk_sqlite(sqlite_database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """The test residents with service passwords, on SQLite (the screens do not depend on the backend;
    applications.check and contribution_history are tested on both)."""
    return _seed(sqlite_database)


async def _home(pilot: Any, number: str = ZHANG_CARD) -> None:
    await sign_in(pilot, number, home=True)
    await settle(pilot)


async def _keys(pilot: Any, *keys: str) -> None:
    """One key at a time, each screen and its service call settled (a person, not a reader)."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def _li_password_open(app: KioskApp, seeded: Seeded) -> bool:
    screen = app.screen
    return (isinstance(screen, ServicePasswordScreen) and screen.claim is not None
            and screen.claim.resident_id == seeded.li)


# -- 1. a card read in a wizard's text field --------------------------------------------------


async def test_a_card_read_in_a_wizard_text_field_starts_the_new_card(
        kiosk_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, seeded = kiosk_sqlite
    Application.update(status=WITHDRAWN).where(Application.resident == seeded.zhang).execute()
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _home(pilot)
        await _keys(pilot, "8", "5", "1", "2")  # 关系转移 → 职工跨省 → 转入
        assert isinstance(app.screen, TransferRegionScreen)
        await pilot.press("shift+tab")  # to the typed-region field
        await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "apply-region-input")
        await pilot.press(*LI_ID, "enter")  # the second person's ID card: fast, then Enter
        await until(pilot, lambda: _li_password_open(app, seeded))
        await settle(pilot)
        assert app.session is None  # the first resident's session ended
        assert not any(isinstance(s, (TransferRegionScreen, ApplyConfirmScreen)) for s in app.screen_stack)
        text = screen_text(app) + visible_text(app)
        assert LI_ID not in text and "转入到" not in text and ZHANG_NAME not in text
        assert Application.select().where(Application.status != WITHDRAWN).count() == 0
        await pilot.press(*SERVICE_PASSWORD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        assert app.session.id == seeded.li


async def test_a_text_field_refuses_and_masks_an_id_number(
        kiosk_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, seeded = kiosk_sqlite
    Application.update(status=WITHDRAWN).where(Application.resident == seeded.zhang).execute()
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _home(pilot)
        await _keys(pilot, "8", "5", "1", "2")
        field = app.screen.query_one("#apply-region-input", Input)
        field.focus()
        await pilot.press(*LI_ID[:12])  # being typed: shown masked, never whole
        await settle(pilot)
        assert LI_ID[:12] not in visible_text(app) and "1101****" in visible_text(app)
        await pilot.press("end")  # then a key no reader types (or a number typed among words):
        field.value = f"从{LI_ID}转入"  # not a card read, so the field's own Enter, which refuses it
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TransferRegionScreen)  # refused with a message, not a region
        assert "不能填写证件号码" in screen_text(app)
        assert field.value == "" and app.session is not None and app.session.id == seeded.zhang
    assert holds_card_number("从" + LI_ID) and not holds_card_number("广东省深圳市") and not holds_card_number("2024年")
    assert mask_card_numbers(LI_ID) == LI_MASKED


# -- 2. the demo's keys -------------------------------------------------------------------------


def _all_widget_classes() -> list[type]:
    for info in pkgutil.walk_packages(screens.__path__, "screens."):
        importlib.import_module(info.name)
    found: list[type] = []
    todo: list[type] = [Widget, KioskApp]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_no_screen_binding_or_menu_key_is_a_demo_key() -> None:
    bound: set[str] = set()
    for cls in _all_widget_classes():
        for item in getattr(cls, "BINDINGS", []):
            key = item.key if isinstance(item, Binding) else item[0]
            bound.update(part.strip() for part in key.split(","))
    assert "f10" in {f"f{n}" for n in range(1, 13)}  # menu choices carry F1–F12 (取号, attract) and digits
    menu_keys = {f"f{n}" for n in range(1, 13)} | set("0123456789") | {"enter", "escape", "plus"}
    for key in (SHOW_KEY, QUIT_KEY):
        assert key not in bound, key
        assert key not in menu_keys, key
    assert len(bound) > 20  # the walk found the screens' bindings


async def test_function_keys_in_the_demo_choose_on_screen(kiosk_sqlite: tuple[peewee.Database, Seeded],
                                                          clock: FixedClock) -> None:
    database, _ = kiosk_sqlite
    app = build(database, clock)
    app.demo_info = DemoInfo()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DemoInfoModal))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        # The band names the keys (wait for the attract screen's first frame).
        await until(pilot, lambda: "Ctrl+O" in visible_text(app) and "Ctrl+G" in visible_text(app))
        await _keys(pilot, "f3")  # 取号
        assert isinstance(app.screen, TicketScreen)
        await _keys(pilot, "f9", "f10")  # category keys there, never the demo's
        assert app.is_running and not isinstance(app.screen, DemoInfoModal)
        await _keys(pilot, SHOW_KEY)
        assert isinstance(app.screen, DemoInfoModal)
        await _keys(pilot, SHOW_KEY)
        assert not isinstance(app.screen, DemoInfoModal)
        await pilot.press(QUIT_KEY)
        await until(pilot, lambda: not app.is_running)


# -- 3. no stale 正在查询 ---------------------------------------------------------------------------


async def test_escape_from_the_second_cards_password_leaves_no_loading_message(
        kiosk_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, seeded = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _home(pilot)
        await pilot.press(*LI_ID, "enter")
        await until(pilot, lambda: _li_password_open(app, seeded))
        await _keys(pilot, "escape")
        assert isinstance(app.screen, IdentifyScreen)
        assert "正在查询" not in screen_text(app) + visible_text(app)


# -- 4. digits on the anonymous 取号 screen -----------------------------------------------------------


async def test_digits_on_the_anonymous_ticket_screen_go_to_the_number(
        kiosk_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    database, _ = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _keys(pilot, "f3")
        assert isinstance(app.screen, TicketScreen)
        for key in "360":  # slowly, one at a time
            await _keys(pilot, key)
        assert isinstance(app.screen, AttractScreen)
        field = app.screen.query_one("#card-input", Input)
        assert field.value == "360" and app.focused is field


# -- 5. the guide: digits search on its home, pick after a search ---------------------------------


async def test_guide_digits_search_first_then_pick_a_result(kiosk_sqlite: tuple[peewee.Database, Seeded],
                                                            clock: FixedClock) -> None:
    database, _ = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _keys(pilot, "f4")
        assert isinstance(app.screen, GuideScreen)
        search = app.screen.query_one("#guide-search", Input)
        await _keys(pilot, "1")
        assert search.value == "1" and isinstance(app.screen, GuideScreen)  # the search field has the digits
        search.value = "失业"
        await _keys(pilot, "enter")
        assert isinstance(app.focused, MenuButton)  # the results have the focus
        assert app.screen.query_one("#guide-search", Input).value == "失业"  # the query stays
        await _keys(pilot, "1")
        assert isinstance(app.screen, TopicScreen) and "失业" in screen_text(app)
        await _keys(pilot, "escape")
        assert isinstance(app.screen, GuideScreen) and isinstance(app.focused, MenuButton)
        await _keys(pilot, "0")
        assert isinstance(app.screen, AttractScreen)


# -- 6. refusals before the confirmation -------------------------------------------------------------


async def test_a_refusal_is_said_before_the_confirmation(kiosk_sqlite: tuple[peewee.Database, Seeded],
                                                         clock: FixedClock) -> None:
    database, seeded = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _home(pilot, LI_ID)  # 36 years old, resident scheme
        await _keys(pilot, "8", "5", "3", "2")  # 城乡居民转职工, 转入
        assert isinstance(app.screen, TransferDirectionScreen)  # no region, no review, no +
        assert "达到法定退休年龄（" in screen_text(app)
        await _keys(pilot, "1")  # 转出: applied for at the new place
        assert isinstance(app.screen, TransferDirectionScreen) and "请到新参保地申请" in screen_text(app)
        # The refusal is broken with 避头尾 at 80 columns: no shown line starts with ，or 。
        hint = app.screen.query_one("#apply-hint", Widget)
        shown = [strip.text.strip() for strip in hint.render_lines(hint.region.reset_offset)]
        assert len([line for line in shown if line]) > 1  # long enough to wrap
        assert not [line for line in shown if line and line[0] in NO_LINE_START]
        # Every wizard's review asks the service first: a card application for someone who has one.
        app.push_screen(ApplyConfirmScreen(ApplyDraft("card_apply")))
        await until(pilot, lambda: isinstance(app.screen, ApplyConfirmScreen) and bool(app.screen.query("#apply-message")))
        await settle(pilot)
        assert "已有社保卡" in screen_text(app)
        assert not app.screen.query_one("#choice-submit", MenuButton).display  # nothing to confirm
        await _keys(pilot, "1", "plus")
        assert Application.select().where(Application.resident == seeded.li).count() == 0


# -- 7. card reads on the password prompt and in the guide search ----------------------------------


async def test_a_read_on_the_password_prompt_is_never_an_attempt(kiosk_sqlite: tuple[peewee.Database, Seeded],
                                                                 clock: FixedClock) -> None:
    database, seeded = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*ZHANG_CARD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        await pilot.press(*"123456/789012", "enter")  # a reader's burst with a separator: no number
        await settle(pilot)
        assert "读卡失败，请重新刷卡" in screen_text(app)
        assert Resident.get_by_id(seeded.zhang).service_password_failures == 0
        assert isinstance(app.screen, ServicePasswordScreen) and app.screen.claim.resident_id == seeded.zhang
        field = app.screen.query_one("#password-input", Input)
        assert field.value == "" and app.focused is field
        await pilot.press(*SERVICE_PASSWORD[:3])  # the password is still typed into the field
        await settle(pilot)
        assert field.value == SERVICE_PASSWORD[:3]
        field.value = ""
        await pilot.press(*LI_ID, "enter")  # a valid read: the new card
        await until(pilot, lambda: _li_password_open(app, seeded))
        assert Resident.get_by_id(seeded.zhang).service_password_failures == 0


async def test_a_read_in_the_guide_search_identifies(kiosk_sqlite: tuple[peewee.Database, Seeded],
                                                     clock: FixedClock) -> None:
    database, seeded = kiosk_sqlite
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _keys(pilot, "f4")
        assert isinstance(app.screen, GuideScreen) and isinstance(app.focused, Input)
        await pilot.press(*LI_ID, "enter")
        await until(pilot, lambda: _li_password_open(app, seeded))
        assert not any(isinstance(s, GuideScreen) for s in app.screen_stack)
