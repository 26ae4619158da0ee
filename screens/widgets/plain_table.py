"""``screens.widgets.plain.DataTable``: Textual's DataTable with literal text cells.

Kept apart from :mod:`screens.widgets.plain` (which names it lazily) so that the first screen,
which has no table, does not import Textual's DataTable module at start (issue 18.4).
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.widgets import DataTable as _DataTable

from screens.widgets.plain import _cell

CellT = TypeVar("CellT")


class DataTable(_DataTable[CellT]):
    """``textual.widgets.DataTable`` whose ``str`` cells and column labels are literal text."""

    def add_column(self, label: Any, *args: Any, **kwargs: Any) -> Any:
        return super().add_column(_cell(label), *args, **kwargs)

    def add_row(self, *cells: Any, **kwargs: Any) -> Any:
        if "label" in kwargs:
            kwargs["label"] = _cell(kwargs["label"])
        return super().add_row(*(_cell(cell) for cell in cells), **kwargs)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, _cell(value), **kwargs)

    def update_cell_at(self, coordinate: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, _cell(value), **kwargs)
