"""政策指南: the guide topics (data files in kiosk/guide), searchable, each
opening its sections; no identification needed."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.widgets import Input

from kiosk.guide import Topic, load_guide
from screens.resident.common import ResidentScreen
from screens.widgets.card_reader import FreeTextInput, holds_card_number
from screens.widgets.cjk_wrap import paragraph
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


class GuideScreen(ResidentScreen):
    """Topic list with a search field (focused first: typed text, digits too, searches); ↓ or
    Tab reaches the topics, where keys 1-9 open the first nine matches and 0 goes back.
    After a search the focus is on its results (the field keeps the query; ↑ returns to it)."""

    TITLE_KEY = "resident.guide.title"
    PERSONAL = False

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""

    def needs_data(self) -> bool:
        return False

    def compose_body(self) -> ComposeResult:
        t = self.t
        language = self.host.translator.language
        yield FreeTextInput(value=self.query_text, placeholder=t("resident.guide.search"), id="guide-search")
        topics = load_guide().search(self.query_text)
        if not topics:
            yield Static(t("resident.guide.no_match"), classes="message")
            return
        with Grid(id="guide-menu", classes="menu-grid"):
            for i, topic in enumerate(topics[:9], 1):
                yield MenuButton(str(i), topic.title.get(language), f"topic-{topic.id}")

    def on_mount(self) -> None:
        # The search field is the first thing a keyboard reaches: typing 失业 + Enter searches.
        self._focus_search()

    async def recompose(self) -> None:
        await super().recompose()
        buttons = self.query(MenuButton)
        if self.query_text and buttons:
            buttons.first().focus()  # a search's results: a digit picks one, 0 goes back
        else:
            self._focus_search()

    def _focus_search(self) -> None:
        for field in self.query("#guide-search").results(Input):
            field.focus()

    def on_key(self, event: events.Key) -> None:
        # ↓ from the search field goes to the topics (then digits choose, arrows walk, Enter opens).
        if event.key == "down" and isinstance(self.focused, Input):
            buttons = self.query(MenuButton)
            if buttons:
                event.stop()
                buttons.first().focus()
        elif event.key == "up" and self.query(MenuButton) and self.focused is self.query(MenuButton).first():
            event.stop()  # ↑ from the first result goes back to the search field
            self._focus_search()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if holds_card_number(event.value):  # a number typed slowly: never a search, never shown
            event.input.value = ""
            self.notify(self.t("fix17kiosk.card.in_text"), severity="warning")
            return
        self.query_text = event.value
        self.refresh(recompose=True)

    def choose(self, choice: str) -> None:
        if choice.startswith("topic-"):
            self.app.push_screen(TopicScreen(load_guide().topic(choice.removeprefix("topic-"))))


class TopicScreen(ResidentScreen):
    """One topic's sections."""

    TITLE_KEY = "resident.guide.title"
    PERSONAL = False

    def __init__(self, topic: Topic) -> None:
        super().__init__()
        self.topic = topic

    def needs_data(self) -> bool:
        return False

    def compose_body(self) -> ComposeResult:
        language = self.host.translator.language
        with VerticalScroll(id="guide-topic"):
            yield Static(self.topic.title.get(language), classes="balance")
            for section in self.topic.sections:
                # The guide names counters by category letter; the hall's numbers replace them.
                name = getattr(self.app, "name_counters", str)
                yield paragraph(name(section.heading.get(language)), classes="guide-heading")
                yield paragraph(name(section.body.get(language)), classes="guide-body")
