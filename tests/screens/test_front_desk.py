"""Front of house at the self-service kiosk (issue 17): typed digits are
never menu keys on the attract and identify screens, a second card during a
session starts the new resident's session, every personal screen needs its
resident, lists scroll by keys and buttons.

No test here waits on real time to decide what a key means: pilot.pause()
between keys stands for a villager's slow typing of any length.
"""

from __future__ import annotations

from typing import Any

import peewee
import pytest
from textual.widgets import Input

from db.models import PrintJob, Resident, Ticket
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from screens.resident.account import AccountScreen
from screens.resident.attract import AttractScreen
from screens.resident.guide import GuideScreen
from screens.resident.home import ResidentHomeScreen
from screens.resident.identify import IdentifyScreen
from screens.resident.password import ServicePasswordScreen
from screens.resident.ticket import TicketScreen
from screens.widgets.card_reader import CardSniffer
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import until
from tests.screens.test_identity import build
from tests.screens.test_resident_flows import screen_text
from tests.services.resident_factory import (
    LI_ID,
    LI_NAME,
    ZHANG_CARD,
    ZHANG_ID,
    ZHANG_NAME,
    Seeded,
    seed_residents,
)
from tests.support import SERVICE_PASSWORD, give_passwords, sign_in

SIZE = (80, 24)
ZHANG_TRACES = (ZHANG_NAME, "张*国", ZHANG_ID, "1101**********4515", ZHANG_CARD, "11,520.00")


@pytest.fixture
def kiosk_db(database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """The test residents, both with the service password."""
    seeded = seed_residents(database)
    give_passwords(database, ZHANG_ID, LI_ID)
    return database, seeded


def card_field(app: KioskApp) -> Input:
    return app.screen.query_one("#card-input", Input)


def no_ticket_printed() -> bool:
    return Ticket.select().count() == 0 and PrintJob.select().count() == 0


async def test_slow_typing_on_attract_never_presses_a_menu_choice(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """Every digit, however long the pause after it, goes into the number; the
    ticket choice (F3) is never pressed by a digit; Enter then identifies."""
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        typed = ""
        for digit in ZHANG_ID:
            await pilot.press(digit)
            await pilot.pause()  # "one second": whatever the pause, the key means the same
            await app.workers.wait_for_complete()
            typed += digit
            assert isinstance(app.screen, AttractScreen), (typed, app.screen)
            assert card_field(app).value == typed
            assert no_ticket_printed()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        assert no_ticket_printed()


async def test_every_digit_alone_types_on_attract_and_identify(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """A lone 0–9 on the attract screen, or typed on the identify screen with the
    focus on a button, is a character of the number, never a choice."""
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        for digit in "1234567890":
            await pilot.press(digit)
            await pilot.pause()
            assert isinstance(app.screen, AttractScreen)
            assert card_field(app).value == digit
            card_field(app).value = ""
        # The choices carry function keys and show them.
        labels = [str(button.label) for button in app.screen.query(MenuButton)]
        assert labels[0].startswith("F1") and all(label.startswith("F") for label in labels)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, IdentifyScreen))
        app.screen.query_one("#nav-home").focus()  # focus away from the field (Tab, or a touch)
        for digit in "3" + "6":
            await pilot.press(digit)
            await pilot.pause()
        assert isinstance(app.screen, IdentifyScreen) and card_field(app).value == "36"
        assert no_ticket_printed()


async def test_function_keys_and_arrows_choose_on_attract(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.data is not None)
        # Categories carry function keys too: a digit here takes no ticket; it is someone typing
        # their number, which goes back to the attract screen's number field, none lost.
        await pilot.press("1", "3")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen)
                    and app.screen.query_one("#card-input", Input).value == "13")
        assert no_ticket_printed()
        app.screen.query_one("#card-input", Input).value = ""
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.data is not None)
        await pilot.press("f1")
        await until(pilot, lambda: Ticket.select().count() == 1)
        await until(pilot, lambda: app.screen.ticket is not None)  # type: ignore[attr-defined]
        app.go_home()
        await pilot.pause()
        # Tab reaches the choices; arrows walk them; Enter presses the focused one.
        await pilot.press("tab", "tab")
        assert isinstance(app.focused, MenuButton) and app.focused.choice == "query"
        await pilot.press("right", "right", "right", "enter")
        await until(pilot, lambda: isinstance(app.screen, GuideScreen))


async def test_second_card_during_a_session_starts_the_new_residents_session(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """李秀英 swipes her ID while 张卫国's account is loading: his session ends
    (none of his data anywhere), her password prompt shows, then her home."""
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        await pilot.press("3")  # his account, loading
        await pilot.press(*LI_ID, "enter")  # the reader types her number and Enter
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        await app.workers.wait_for_complete()
        await pilot.pause()
        li = Resident.get(Resident.id_number == LI_ID)
        assert app.screen.claim is not None and app.screen.claim.resident_id == li.id  # type: ignore[attr-defined]
        assert app.session is None
        for screen in app.screen_stack:
            assert not isinstance(screen, (AccountScreen, ResidentHomeScreen))
        text = screen_text(app)
        for trace in ZHANG_TRACES:
            assert trace not in text, trace
        await pilot.press(*SERVICE_PASSWORD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        assert app.session.id == li.id
        text = screen_text(app)
        assert "李*英" in text and LI_NAME not in text
        for trace in ZHANG_TRACES:
            assert trace not in text, trace


async def test_a_card_with_a_zero_over_a_loading_screen_leaves_no_screen_waiting(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """His own card again from the home menu: its digits walk the menus (5, 0 …),
    the Enter identifies the card afresh; no screen is left on 正在读取."""
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        await pilot.press(*ZHANG_CARD, "enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session is None
        assert [type(s).__name__ for s in app.screen_stack[1:]] == [
            "AttractScreen", "IdentifyScreen", "ServicePasswordScreen"]
        assert "正在读取" not in screen_text(app)


async def test_a_personal_screen_without_its_resident_goes_home(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AccountScreen())  # e.g. a menu key that arrived as the session ended
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        assert "正在读取" not in screen_text(app)


def test_card_sniffer_finds_the_number_an_enter_completes() -> None:
    sniffer = CardSniffer()
    for key in "3" + LI_ID.lower():  # a menu key first, then the reader (x in lower case)
        assert sniffer.feed(key, key) is None
    assert sniffer.feed("enter", "\r") == LI_ID
    for key in "548426015":
        sniffer.feed(key, key)
    assert sniffer.feed("enter", "\r") == "548426015"
    for key in "123456":  # a service password is no card
        sniffer.feed(key, key)
    assert sniffer.feed("enter", "\r") is None
    for key in LI_ID[:-1]:
        sniffer.feed(key, key)
    sniffer.feed("escape", None)  # anything else interrupts
    sniffer.feed("X", "X")
    assert sniffer.feed("enter", "\r") is None


async def test_idle_clears_a_number_left_half_typed_on_attract(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*ZHANG_ID[:8])
        assert card_field(app).value == ZHANG_ID[:8]
        app.idle_seconds = 1.0  # walked away now (not while a busy machine was still typing)
        await until(pilot, lambda: card_field(app).value == "", timeout=15)


async def test_only_a_supervisor_may_exit_from_maintenance(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    from kiosk.services import ServiceContext
    from kiosk.services.staff import add_staff
    from screens.widgets.staff_gate import MaintenanceModal, StaffPinModal

    database = kiosk_db[0]
    ctx = ServiceContext(database, clock, terminal="T01")
    add_staff(ctx, "7001", "王芳", "clerk", "2580")
    add_staff(ctx, "7002", "李强", "supervisor", "3691")
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        for number, pin, may_exit in (("7001", "2580", False), ("7002", "3691", True)):
            await pilot.press("ctrl+t")
            await until(pilot, lambda: isinstance(app.screen, StaffPinModal))
            app.screen.query_one("#staff-number", Input).value = number
            app.screen.query_one("#staff-pin", Input).focus()
            await pilot.press(*pin, "enter")
            await until(pilot, lambda: isinstance(app.screen, MaintenanceModal))
            exit_button = app.screen.query_one("#m-exit")
            assert exit_button.disabled is (not may_exit)
            if not may_exit:
                assert "审核员" in screen_text(app)
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, AttractScreen))
                assert app.is_running
        await pilot.click("#m-exit")
        await until(pilot, lambda: not app.is_running)


async def test_demo_shows_its_cards_passwords_and_pins_and_its_key_ends_it(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock, tmp_path: Any) -> None:
    from db.demo import DemoResident, DemoStaff, DemoSummary
    from kiosk.commands.run import write_demo_info
    from screens.widgets.demo_info import DemoInfoModal

    summary = DemoSummary(samples=[DemoResident("王五", "110101195001010019", "500000001", "企业退休人员", "802514")],
                          staff=[DemoStaff("9001", "张管理", "admin", "4826")])
    path = tmp_path / "demo-info.txt"
    info = write_demo_info(summary, path)
    assert path.stat().st_mode & 0o777 == 0o600
    written = path.read_text(encoding="utf-8")
    assert "110101195001010019" in written and "802514" in written and "4826" in written and "Ctrl+G" in written
    app = build(kiosk_db[0], clock)
    app.demo_info = info
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DemoInfoModal))
        text = screen_text(app)
        for needle in ("110101195001010019", "500000001", "802514", "9001", "4826", str(path)[-20:]):
            assert needle in text, needle
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        assert "Ctrl+G" in screen_text(app)  # the band names the demo's keys (F-keys are menu keys)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, DemoInfoModal))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        await pilot.press("ctrl+g")
        await until(pilot, lambda: not app.is_running)


async def test_the_whole_ledger_is_reachable_by_keys_and_buttons(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """Every ledger row is laid out (no 20-row cap) and End / ▲▼ reach the oldest (at 80x24,
    where the page is longer than the screen)."""
    from textual.containers import VerticalScroll

    from screens.widgets.plain import DataTable

    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, AccountScreen) and app.screen.data is not None)
        await pilot.pause()
        body = app.screen.query_one("#account-body", VerticalScroll)
        tables = list(app.screen.query(DataTable))
        rows = sum(table.row_count for table in tables)
        assert rows == sum(len(account.entries) for account in app.screen.data) > 0
        for table in tables:
            assert table.size.height >= table.row_count + 1  # every row laid out
        assert body.max_scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0
        await pilot.click("#page-down")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.click("#page-up")
        await pilot.pause()
        assert body.scroll_y == 0


async def test_guide_pages_scroll_and_search_is_first(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    from kiosk.guide import load_guide
    from screens.resident.guide import TopicScreen

    app = build(kiosk_db[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, GuideScreen))
        await pilot.pause()
        assert app.focused is app.screen.query_one("#guide-search", Input)
        await pilot.press("失", "业", "enter")
        await pilot.pause()
        first = app.screen.query(MenuButton).first()
        assert "失业" in str(first.label), str(first.label)
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, TopicScreen) and "失业" in screen_text(app))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, GuideScreen))
        # The pension page is longer than 80x24: it scrolls by keys and by the bar's buttons.
        app.push_screen(TopicScreen(load_guide().topic("pension")))
        await until(pilot, lambda: isinstance(app.screen, TopicScreen))
        await pilot.pause()
        target = app.screen.scroll_target()  # type: ignore[attr-defined]
        assert target is not None and target.max_scroll_y > 0  # more than 80x24 shows
        await pilot.press("end")
        await pilot.pause()
        assert target.scroll_y == target.max_scroll_y
        await pilot.click("#page-up")
        await pilot.pause()
        assert target.scroll_y < target.max_scroll_y


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_large_text_keeps_every_choice_on_screen_at_80x24(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock, language: str) -> None:
    from kiosk.app import make_app
    from kiosk.config import Settings
    from tests.support import RecordingPrinter

    settings = Settings(source="(test)")
    settings.terminal.language = language
    app = make_app(settings, kiosk_db[0], RecordingPrinter(), clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert app.large_text
        for button in app.screen.query(MenuButton):
            assert button.region.bottom <= SIZE[1] and button.region.height >= 3, button.label
        await sign_in(pilot, ZHANG_CARD)
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        app.set_large_text(True)
        await pilot.pause()
        choices = list(app.screen.query(MenuButton))
        assert {b.key for b in choices} >= {"0", "7", "9"}
        for button in choices:
            assert button.region.bottom <= SIZE[1] and button.region.height >= 3, button.label


def test_chinese_lines_never_start_with_closing_punctuation() -> None:
    from kiosk.guide import load_guide
    from screens.widgets.cjk_wrap import NO_LINE_END, NO_LINE_START, wrap

    texts = [section.body.get("zh_CN") for topic in load_guide().topics for section in topic.sections]
    assert texts
    for text in texts:
        for width in (20, 37, 58, 76):
            lines = wrap(text, width)
            assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")
            for line in lines:
                assert line[:1] not in NO_LINE_START and line[-1:] not in NO_LINE_END, (width, line)


async def test_counters_are_named_by_number_everywhere(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """Screens and guide say the numbers the queue data gives (as tickets and the board do),
    never the category letter; a hall that moves category F to counter 7 sees 7号窗口."""
    from db.defaults import ensure_defaults
    from db.models import QueueCategory
    from kiosk.guide import load_guide
    from screens.resident.guide import TopicScreen

    ensure_defaults()
    QueueCategory.update(counters="7").where(QueueCategory.prefix == "F").execute()
    app = build(kiosk_db[0], clock)
    async with app.run_test(size=(160, 48)) as pilot:
        app.push_screen(TopicScreen(load_guide().topic("unemployment")))
        await until(pilot, lambda: isinstance(app.screen, TopicScreen))
        await pilot.pause()
        text = screen_text(app)
        assert "7号窗口" in text and "F窗口" not in text
        assert "2、3号窗口" in app.t("resident.contributions.missing_months", months="1、2")
        app.set_language("en")
        await pilot.pause()
        text = screen_text(app)
        assert "counter 7" in text and "counter F" not in text


async def test_a_ticket_taken_after_identifying_carries_the_resident(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    """9 取号 on the home menu: the ticket names the resident (masked on paper), so the counter
    finds her by the ticket and the board shows the masked name."""
    from printers.document import Document

    database, seeded = kiosk_db
    app = build(database, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))
        await pilot.press("9")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.data is not None)
        await pilot.press("f1")
        await until(pilot, lambda: app.screen.ticket is not None)  # type: ignore[attr-defined]
        ticket = Ticket.get()
        assert ticket.resident_id == seeded.zhang
        printed = Document.from_dict(PrintJob.select().where(PrintJob.kind == "ticket").get().document)
        text = str(printed.to_dict())
        assert "张*国" in text and ZHANG_NAME not in text and ZHANG_ID not in text


async def test_identify_messages_name_counters_by_number(
        kiosk_db: tuple[peewee.Database, Seeded], clock: FixedClock) -> None:
    from tests.services.resident_factory import UNREGISTERED_ID

    app = build(kiosk_db[0], clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press(*UNREGISTERED_ID, "enter")
        await until(pilot, lambda: "尚未参保" in screen_text(app))
        text = screen_text(app)
        assert "1、2号窗口" in text and "A窗口" not in text
