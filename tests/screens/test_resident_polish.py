"""What a resident trying the kiosk found wrong (issue 5), checked on screen:
unpaid resident-scheme years, tier/subsidy columns, one-figure calculation
steps, the account basis of the estimate, and a visible focused button."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import peewee
import pytest
from textual.color import Color
from textual.widgets import DataTable

from db.models import Contribution
from kiosk.app import KioskApp
from kiosk.policy import load_policy
from kiosk.rules.money import format_yuan
from kiosk.rules.steps import CalculationStep
from kiosk.services.accounts import account_balance_with_interest
from screens.resident.attract import AttractScreen
from screens.resident.contributions import YearDetailScreen, YearsScreen
from screens.resident.estimate import EstimateScreen
from screens.widgets.menu import MenuButton
from tests.screens.test_resident_flows import screen_text, settle
from tests.services.resident_factory import LI_ID, ZHANG_CARD, Seeded
from tests.support import sign_in

SIZE = (80, 24)


@pytest.fixture
def li_gap_2022(seeded_db: tuple[peewee.Database, Seeded]) -> None:
    """李秀英 (resident pension 2016-2026, 500 yuan tier + 60 subsidy) without her 2022 payment."""
    database, seeded = seeded_db
    with database.connection_context():
        deleted = (Contribution.delete()
                   .where((Contribution.resident == seeded.li) & (Contribution.month == dt.date(2022, 1, 1)))
                   .execute())
    assert deleted == 1


@pytest.mark.parametrize(("language", "summary", "mark", "unpaid"),
                         [("zh_CN", "应缴未缴1年", "2022年 未缴", "2022年养老保险未缴费"),
                          ("en", "unpaid: 1 year(s)", "2022 (unpaid)", "2022: Pension not paid")])
async def test_unpaid_resident_year_in_list_summary_and_detail(
        li_gap_2022: None, make_kiosk: Callable[..., KioskApp], language: str, summary: str, mark: str,
        unpaid: str) -> None:
    app = make_kiosk(language=language)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, LI_ID)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, YearsScreen)
        text = screen_text(app)
        assert summary in text
        button = app.screen.query_one("#choice-year-2022", MenuButton)
        assert mark in str(button.label) and button.has_class("has-missing")
        assert not app.screen.query_one("#choice-year-2021", MenuButton).has_class("has-missing")
        await pilot.press("5")  # 2026, 2025, 2024, 2023, 2022
        await settle(pilot)
        assert isinstance(app.screen, YearDetailScreen) and app.screen.year.year == 2022
        text = screen_text(app)
        assert unpaid in text
        assert "0.00" not in text  # no totals line of zeros for a year with nothing paid


@pytest.mark.parametrize(("language", "columns"),
                         [("zh_CN", ["年度", "险种", "缴费档次", "政府补贴", "计入个人账户"]),
                          ("en", ["Year", "Insurance", "Tier paid", "Subsidy", "To account"])])
async def test_resident_year_detail_shows_tier_subsidy_and_account(make_kiosk: Callable[..., KioskApp],
                                                                   language: str, columns: list[str]) -> None:
    app = make_kiosk(language=language)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, LI_ID)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("2")  # 2025
        await settle(pilot)
        assert isinstance(app.screen, YearDetailScreen) and app.screen.year.year == 2025
        table = app.screen.query_one("#months-table", DataTable)
        assert [str(c.label) for c in table.columns.values()] == columns
        year, insurance, *money = (str(cell) for cell in table.get_row_at(0))
        assert year == "2025" and insurance in ("养老保险", "Pension")
        assert money == ["500.00", "60.00", "560.00"]


async def test_employee_year_detail_keeps_base_and_employer(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        table = app.screen.query_one("#months-table", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["月份", "险种", "缴费基数", "个人缴纳", "单位缴纳"]


def test_step_whose_formula_is_its_result_shows_the_result_once() -> None:
    assert CalculationStep("k", "143.00", 14300).render("基础养老金") == "基础养老金：143.00"
    assert CalculationStep("k", "", 14300).render("基础养老金") == "基础养老金：143.00"
    assert (CalculationStep("k", "12,465.00 ÷ 139", 8968).render("个人账户养老金")
            == "个人账户养老金：12,465.00 ÷ 139 = 89.68")


async def test_estimate_screen_has_no_redundant_step_and_says_how_the_account_grows(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, LI_ID)
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, EstimateScreen)
        steps = [str(w.render()) for w in app.screen.query(".calc-step")]
        assert steps and steps[0].startswith("基础养老金：")
        for step in steps:
            rest = step.partition("：")[2]
            if " = " in rest:
                formula, _, result = rest.rpartition(" = ")
                assert formula.strip() != result.strip(), step
        account = str(app.screen.query_one("#estimate-account").render())
        # 6,160.00 paid in (11 × 560.00) plus the 记账利息 the policy credits, then 560.00 a year
        # (2026 tier 500 + subsidy 60) until 60 in 2050, without future interest.
        balance = _balance_with_interest(seeded_db)
        assert balance > 616000
        assert format_yuan(balance) in account and "560.00" in account and "2026" in account
        assert "不计利息" in account


async def test_estimate_for_someone_no_longer_paying_uses_todays_balance(
        make_kiosk: Callable[..., KioskApp], seeded_db: tuple[peewee.Database, Seeded]) -> None:
    database, seeded = seeded_db
    with database.connection_context():
        Contribution.delete().where((Contribution.resident == seeded.li)
                                    & (Contribution.month >= dt.date(2024, 1, 1))).execute()
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, LI_ID)
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        text = screen_text(app)
        assert f"按目前余额{format_yuan(_balance_with_interest(seeded_db))}元测算" in text
        assert "继续缴到退休" not in text


def _balance_with_interest(seeded_db: tuple[peewee.Database, Seeded]) -> int:
    """Li's resident account today, interest included (what every estimate uses)."""
    database, seeded = seeded_db
    with database.connection_context():
        return account_balance_with_interest(seeded.li, "pension_resident", dt.date(2026, 11, 29), load_policy())


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def _contrast(a: Color, b: Color) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["kiosk", "kiosk-contrast"])
async def test_focused_menu_button_is_clearly_visible(make_kiosk: Callable[..., KioskApp], theme: str) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        await pilot.pause()
        assert isinstance(app.screen, AttractScreen)
        buttons = list(app.screen.query(MenuButton))
        # The number field has the focus first (digits always type the number); Tab reaches the choices.
        await pilot.press("tab", "tab")
        focused = app.focused
        assert isinstance(focused, MenuButton) and focused is buttons[0]
        style, other = focused.visual_style, buttons[1].visual_style
        assert style.foreground is not None and style.background is not None
        # Drawn with explicit colours, not "reverse", which xterm.js (browser mode) showed as a blank button.
        assert not focused.rich_style.reverse
        assert style.foreground != style.background
        assert _contrast(style.foreground, style.background) >= 4.5
        assert other.background is not None and _contrast(style.background, other.background) >= 3  # focus shows
