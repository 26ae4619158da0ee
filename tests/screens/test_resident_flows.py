"""Pilot tests of the resident terminal: identify, the home views by number
keys, bad input, idle clearing and lock-down keys."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Input, Static

from kiosk.app import KioskApp
from screens.resident.account import AccountScreen
from screens.resident.attract import AttractScreen
from screens.resident.contributions import YearDetailScreen, YearsScreen
from screens.resident.estimate import EstimateScreen
from screens.resident.home import ResidentHomeScreen
from screens.resident.identify import IdentifyScreen
from screens.resident.statement import StatementScreen
from tests.screens.counter.helpers import until
from tests.services.resident_factory import UNREGISTERED_ID, ZHANG_CARD, ZHANG_ID, ZHANG_NAME
from tests.support import RecordingPrinter, sign_in

SIZE = (80, 24)


def screen_text(app: KioskApp) -> str:
    """Everything the current screen stack renders as text (Statics, inputs, tables, buttons)."""
    parts: list[str] = []
    for screen in app.screen_stack:
        for widget in screen.walk_children(with_self=False):
            if isinstance(widget, Static):
                # Prose (screens.widgets.cjk_wrap) is shown broken into lines; its text is whole.
                parts.append(getattr(widget, "prose", None) or str(widget.render()))
            elif isinstance(widget, Input):
                parts.append(widget.value)
            elif isinstance(widget, DataTable):
                for row in range(widget.row_count):
                    parts.extend(str(cell) for cell in widget.get_row_at(row))
            label = getattr(widget, "label", None)
            if label is not None:
                parts.append(str(label))
    return "\n".join(parts)


async def settle(pilot: object, seconds: float = 0.1) -> None:
    await pilot.pause(seconds)  # type: ignore[attr-defined]
    await pilot.app.workers.wait_for_complete()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def test_card_number_then_enter_on_attract_opens_home(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, AttractScreen)
        await sign_in(pilot, ZHANG_CARD)
        await settle(pilot)
        assert isinstance(app.screen, ResidentHomeScreen)
        text = screen_text(app)
        assert "张*国" in text and ZHANG_NAME not in text and ZHANG_ID not in text


async def test_number_keys_reach_year_ledger_and_estimate(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_ID)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, YearsScreen)
        assert "247" in screen_text(app)
        await pilot.press("8")  # 2026, 2025, ... the eighth is 2019
        await settle(pilot)
        assert isinstance(app.screen, YearDetailScreen) and app.screen.year.year == 2019
        text = screen_text(app)
        assert "2019-04" in text and "未缴费" in text
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ResidentHomeScreen)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert "11,520.00" in screen_text(app)  # last yearly ledger entry of 12 × 480.00
        await pilot.press("escape", "6")
        await settle(pilot)
        assert isinstance(app.screen, EstimateScreen)
        text = screen_text(app)
        assert "2031-07-07" in text and "每月养老金" in text


async def test_statement_prints_and_previews(make_kiosk: Callable[..., KioskApp], printer: RecordingPrinter) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, StatementScreen)
        assert "参保缴费凭证" in screen_text(app)  # the preview first
        assert printer.jobs == []  # a digit alone never prints (issue 17)
        await pilot.press("1")  # asks
        await settle(pilot, 0.3)
        assert printer.jobs == []
        await pilot.press("plus")  # + prints
        await settle(pilot, 0.3)
        assert isinstance(app.screen, StatementScreen)
        assert len(printer.jobs) == 1 and printer.jobs[0][1].kind == "statement"
        assert "已打印" in screen_text(app)


async def test_bad_numbers_name_the_problem_and_stay(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await settle(pilot, 0.5)
        assert isinstance(app.screen, IdentifyScreen)
        for bad, word in (("110101197003074514", "校验"), ("110101197002304515", "出生日期"),
                          ("11010119700307451", "位")):
            await pilot.press(*bad, "enter")
            await settle(pilot)
            assert isinstance(app.screen, IdentifyScreen)
            message = str(app.screen.query_one("#identify-message", Static).render())
            assert word in message, message
            app.screen.query_one("#card-input", Input).value = ""


async def test_unregistered_offers_enrolment_ticket(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*UNREGISTERED_ID, "enter")
        await settle(pilot)
        assert isinstance(app.screen, IdentifyScreen)
        assert app.screen.query("#choice-enrol-ticket")
        assert "尚未参保" in screen_text(app)


async def test_idle_timeout_clears_every_trace(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert "11,520.00" in screen_text(app)
        app.idle_seconds = 1.5  # walked away now (not while a busy machine was still getting here)
        # The countdown shows before clearing, then the attract screen (waited for, not timed).
        await until(pilot, lambda: bool(app.screen.query("#idle-countdown")))
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        assert app.session is None
        text = screen_text(app)
        for secret in (ZHANG_NAME, "张*国", ZHANG_ID, ZHANG_CARD, ZHANG_ID[-4:], "11,520.00"):
            assert secret not in text


async def test_lockdown_keys_do_not_leave(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q", "ctrl+c", "ctrl+p")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, AttractScreen)


async def test_english_toggle_and_large_text(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await settle(pilot, 0.5)
        assert "Swipe your card" in screen_text(app)
        await pilot.press("f5")
        await settle(pilot, 0.5)
        assert app.large_text and app.has_class("-large")


def test_catalogs_hold_the_same_keys() -> None:
    """Every key of every catalog file exists in both languages."""
    from kiosk.i18n import catalog

    zh, en = catalog("zh_CN"), catalog("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []
    assert "resident.attract.prompt" in zh


def test_guide_covers_the_course_and_is_searchable() -> None:
    from kiosk.guide import load_guide

    guide = load_guide()
    ids = {t.id for t in guide.topics}
    assert {"pension", "medical", "unemployment", "injury", "maternity"} <= ids
    assert {"flow_enrolment", "flow_assessment", "flow_benefit", "flow_transfer"} <= ids
    headings = {s.heading.zh_CN for t in guide.topics for s in t.sections}
    assert {"参保对象", "缴费标准", "待遇享受", "政策衔接", "大病保险", "失业登记", "工伤认定", "生育服务"} <= headings
    assert [t.id for t in guide.search("工伤认定")] == ["injury"]
    assert guide.search("no-such-word-zzz") == ()
