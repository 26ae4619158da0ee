"""缴费记录: the years (keys 1-8, 9 for the next page, 0 back), then one year's
months with totals; months not paid, and years of an annual (resident)
scheme not paid, are highlighted. A resident-scheme year shows the tier,
the subsidy and what the personal account got instead of base and employer."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid

from kiosk.services import residents
from screens.resident.common import ResidentScreen, label, pension_in_payment, yuan
from screens.widgets.menu import MenuButton
from screens.widgets.plain import DataTable, Static

PAGE = 8  # keys 1-8; 9 the next page (after the last, the first again); 0 is back, as everywhere


class YearsScreen(ResidentScreen):
    """Years newest first, eight to a page."""

    TITLE_KEY = "resident.home.contributions"

    def __init__(self) -> None:
        super().__init__()
        self.page = 0

    def load(self, ctx: Any, resident_id: int) -> Any:
        self.drawing = pension_in_payment(ctx, resident_id)
        return residents.contribution_history(ctx, resident_id)

    def compose_body(self) -> ComposeResult:
        t = self.t
        history = self.data
        drawing = getattr(self, "drawing", None)
        if drawing is not None:  # a retiree: these are the years before her pension
            yield Static(t("frontdesk.contributions.retired", kind=label(t, "resident.benefit_type",
                                                                         drawing.benefit_type),
                           month=f"{drawing.period:%Y-%m}"), classes="note", id="contributions-retired")
        yield Static(t("resident.contributions.summary", months=history.total_pension_months,
                       missing=missing_text(t, history.missing_years, history.missing_months)),
                     id="contributions-summary")
        if not history.years:
            yield Static(t("resident.contributions.none"), classes="message")
            return
        years = history.years[self.page * PAGE:(self.page + 1) * PAGE]
        with Grid(id="years-grid", classes="menu-grid years"):
            for i, year in enumerate(years, 1):
                mark = t("resident.contributions.year_missing", n=len(year.missing)) if year.missing else ""
                if year.unpaid:
                    mark += t("resident.contributions.year_unpaid")
                yield MenuButton(str(i), t("resident.contributions.year", year=year.year) + mark, f"year-{year.year}",
                                 classes="has-missing" if year.has_missing else "")
            if len(history.years) > PAGE:
                yield MenuButton("9", t("resident.contributions.more"), "more")

    def choose(self, choice: str) -> None:
        if choice == "more":
            pages = (len(self.data.years) + PAGE - 1) // PAGE
            self.page = (self.page + 1) % pages
            self.refresh(recompose=True)
        elif choice.startswith("year-"):
            year = self.data.year(int(choice.removeprefix("year-")))
            if year is not None:
                self.app.push_screen(YearDetailScreen(year))


class YearDetailScreen(ResidentScreen):
    """One year: each month paid, the months missing, and the totals."""

    TITLE_KEY = "resident.home.contributions"

    def __init__(self, year: Any) -> None:
        super().__init__()
        self.year = year

    def needs_data(self) -> bool:
        return False

    def compose_body(self) -> ComposeResult:
        t = self.t
        year = self.year
        # A year with nothing paid gets no totals line (a row of zeros): the unpaid line says it all.
        if year.rows and year.annual:
            yield Static(t("resident.contributions.year_totals_annual", year=year.year,
                           individual=yuan(year.individual_fen), subsidy=yuan(year.subsidy_fen)),
                         id="year-totals")
        elif year.rows:
            yield Static(t("resident.contributions.year_totals", year=year.year, months=len(year.rows),
                           individual=yuan(year.individual_fen), employer=yuan(year.employer_fen)),
                         id="year-totals")
        if year.missing:
            months = "、".join(str(m.month) for m in year.missing)
            yield Static(t("resident.contributions.missing_months", months=months), id="missing-months",
                         classes="warning")
        if year.unpaid:
            names = "、".join(t(f"resident.insurance.{name}") for name in year.unpaid)
            yield Static(t("resident.contributions.unpaid_year", year=year.year, insurance=names),
                         id="unpaid-year", classes="warning")
        table: DataTable[Any] = DataTable(id="months-table", cursor_type="row", zebra_stripes=True)
        if year.annual:
            self._annual_rows(table)
        else:
            self._monthly_rows(table)
        yield table

    def _annual_rows(self, table: DataTable[Any]) -> None:
        """Resident schemes: one row a year per insurance; tier, subsidy, personal account."""
        t = self.t
        # Resident medical alone (a fixed fee, no personal account): no tier, no account column.
        pension = bool(self.year.unpaid) or any(r.account_fen is not None for r in self.year.rows)
        paid_column = t("resident.col.tier") if pension else t("resident.col.individual")
        table.add_columns(t("resident.col.year"), t("resident.col.insurance"), paid_column, t("resident.col.subsidy"),
                          *([t("resident.col.to_account")] if pension else []))
        for row in self.year.rows:
            credited = [yuan(row.account_fen) if row.account_fen is not None else "-"] if pension else []
            table.add_row(f"{row.month.year}", t(f"resident.insurance.{row.insurance}"), yuan(row.individual_fen),
                          yuan(row.subsidy_fen), *credited)
        for name in self.year.unpaid:
            table.add_row(Text(f"{self.year.year}", style="bold red"), t(f"resident.insurance.{name}"),
                          Text(t("resident.contributions.unpaid"), style="bold red"), "", "")

    def _monthly_rows(self, table: DataTable[Any]) -> None:
        """Employee and flexible schemes: each month with base, individual and employer parts."""
        t = self.t
        year = self.year
        table.add_columns(t("resident.col.month"), t("resident.col.insurance"), t("resident.col.base"),
                          t("resident.col.individual"), t("resident.col.employer_part"))
        rows = [(r.month, 0, r) for r in year.rows] + [(m, 1, None) for m in year.missing]
        for month, _, row in sorted(rows, key=lambda item: (item[0], item[1])):
            label = f"{month:%Y-%m}"
            if row is None:
                unpaid = Text(t("resident.contributions.unpaid"), style="bold red")
                table.add_row(Text(label, style="bold red"), unpaid, "", "", "")
            elif row.scheme in residents.MONTHLY_SCHEMES:
                table.add_row(label, t(f"resident.insurance.{row.insurance}"), yuan(row.base_fen),
                              yuan(row.individual_fen), yuan(row.employer_fen))
            else:  # a resident-scheme year in a year that also has monthly rows (a scheme change)
                table.add_row(f"{month.year}", t(f"resident.insurance.{row.insurance}"), "-",
                              yuan(row.individual_fen), "-")


def missing_text(t: Any, years: int, months: int) -> str:
    """"2年" / "3个月" / "2年3个月" / "0个月": what is due and unpaid, in the catalog's words."""
    parts = []
    if years:
        parts.append(t("resident.contributions.n_years", n=years))
    if months or not years:
        parts.append(t("resident.contributions.n_months", n=months))
    return t("resident.contributions.join").join(parts)
