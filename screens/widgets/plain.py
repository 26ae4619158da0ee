"""Widgets that show text as text: the one place the screens are fed.

Textual reads every ``str`` given to ``Static``, ``Label``, ``Button``,
``DataTable`` cells and ``notify`` as content markup, so a name such as
``[@click=app.quit]x[/]`` or ``广东[/]`` would become an action link or a
``MarkupError``. The kiosk never uses markup in its catalog or code, so the
screens import these drop-in replacements, which treat every ``str`` as
literal text (styles come from CSS, or from a Rich ``Text`` / Textual
``Content`` built in code). ``KioskApp.notify`` does the same for
notifications. tests/screens/test_plain_text.py checks that no screen
imports the markup-reading originals.

Text is also never a terminal command: a control character in it (ESC of an
escape sequence, BEL, DEL, the C1 range) would reach the terminal as it is
(Textual strips only a few), so a name stored before the one normaliser
refused them (attack E6: ``王\x1b[31m五`` in a staff name) is shown with
U+FFFD (�) in its place (:func:`printable`), here where every widget is fed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.content import Content, ContentText
from textual.widgets import Button as _Button
from textual.widgets import Label as _Label
from textual.widgets import Static as _Static

from kiosk.rules.text import TERMINAL_CONTROLS
from kiosk.rules.text import printable as printable_text

if TYPE_CHECKING:
    from screens.widgets.plain_table import DataTable

__all__ = ["Button", "DataTable", "Label", "Static", "literal", "printable"]


def __getattr__(name: str) -> Any:
    # DataTable lives in plain_table and is imported on first use: Textual's DataTable module
    # takes 3-5 ms to import and the first screen has no table (cold start, issue 18.4).
    if name == "DataTable":
        from screens.widgets.plain_table import DataTable

        return DataTable
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def printable(value: Any) -> Any:
    """``value`` with every control character a terminal would obey replaced by U+FFFD
    (:func:`kiosk.rules.text.printable`; tab and line feed kept): a ``str``, a Rich ``Text`` or
    a Textual ``Content`` (one character for one, so styles keep their place); anything else
    unchanged."""
    if isinstance(value, str):
        return printable_text(value)
    if isinstance(value, Content) and TERMINAL_CONTROLS.search(value.plain):
        return Content(printable_text(value.plain), list(value.spans))
    if isinstance(value, Text) and TERMINAL_CONTROLS.search(value.plain):
        value = value.copy()
        value.plain = printable_text(value.plain)
    return value


def literal(value: Any) -> Any:
    """A ``str`` as a Rich ``Text`` without markup or emoji codes; anything else unchanged
    (control characters shown as :data:`REPLACEMENT` either way).
    For Rich renderables built in code (a ``rich.table.Table``'s title and cells)."""
    return Text(printable(value)) if isinstance(value, str) else printable(value)


def _cell(value: Any) -> Any:
    # DataTable cells: no line end, as Textual's own formatter makes them.
    return Text(printable(value), end="") if isinstance(value, str) else printable(value)


class Static(_Static):
    """``textual.widgets.Static`` that never parses markup (``markup=False``) and never sends
    a control character to the terminal (:func:`printable`)."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(printable(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(printable(content), layout=layout)


class Label(_Label):
    """``textual.widgets.Label`` that never parses markup (``markup=False``) and never sends
    a control character to the terminal (:func:`printable`)."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(printable(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(printable(content), layout=layout)


class Button(_Button):
    """``textual.widgets.Button`` whose ``str`` label is literal text, also when set later."""

    def __init__(self, label: ContentText | None = None, *args: Any, **kwargs: Any) -> None:
        if isinstance(label, str):
            label = Content(printable(label))
        super().__init__(label, *args, **kwargs)

    def validate_label(self, label: ContentText) -> Content:
        return Content.from_text(printable(label), markup=False)

    def update_node_styles(self, animate: bool = True) -> None:
        # Textual's Button sets its variant class in __init__, which restyled the new button
        # against the whole stylesheet before it had a parent (about 1 ms a button, a dozen
        # buttons a screen: issue 18.4's key press → next screen). A widget without a parent is
        # styled when it is mounted (App._register applies the stylesheet), so skip it here.
        if self._parent is not None:
            super().update_node_styles(animate)
