"""关系转移申请: the kind of transfer (step 1), out or in (step 2), and the other
region (step 3) — picked from a numbered, paged list of provinces (touch and
number keys), or typed into a field — then confirm."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Input

from kiosk.rules.text import InvalidText, normalise_text
from kiosk.services import applications
from screens.resident.apply_common import ApplyDraft, ApplyStep
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.widgets.card_reader import FreeTextInput, holds_card_number
from screens.widgets.cjk_wrap import Prose
from screens.widgets.menu import MenuButton

KINDS = (("1", "employee_interprovincial"), ("2", "employee_to_resident"), ("3", "resident_to_employee"))
DIRECTIONS = (("1", "out"), ("2", "in"))
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
    "湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省",
    "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)
PER_PAGE = 8  # keys 1–8; 9 the next page (after the last, the first again); 0 is back, as everywhere
MAX_REGION = 40


class TransferKindScreen(ApplyStep):
    """Step 1: 职工跨省转移 / 职工转城乡居民 / 城乡居民转职工."""

    TITLE_KEY = "resident.apply.transfer.title"

    def compose_body(self) -> ComposeResult:
        yield Prose(self.t("resident.apply.transfer.kind_hint"), classes="note", id="apply-hint")
        with Grid(id="apply-transfer-kinds", classes="menu-grid apply-column"):
            for key, kind in KINDS:
                yield MenuButton(key, self.t(f"resident.apply.transfer.kind.{kind}"), kind)

    def choose(self, choice: str) -> None:
        if choice in {kind for _, kind in KINDS}:
            self.draft.data["kind"] = choice
            self.app.push_screen(TransferDirectionScreen(self.draft))


class TransferDirectionScreen(ApplyStep):
    """Step 2: 转出 (to another region) or 转入 (from another region)."""

    TITLE_KEY = "resident.apply.transfer.title"

    def compose_body(self) -> ComposeResult:
        yield Prose(self.t("resident.apply.transfer.direction_hint"), classes="note", id="apply-hint")
        with Grid(id="apply-transfer-directions", classes="menu-grid apply-column"):
            for key, direction in DIRECTIONS:
                yield MenuButton(key, self.t(f"resident.apply.transfer.direction.{direction}",
                                             hall=self.host.settings.hall.name), direction)

    def choose(self, choice: str) -> None:
        if choice not in ("out", "in") or self.resident is None:
            return
        # The service's own check, now (no region yet: a stand-in): 转出 is applied for at the
        # new place, 城乡/职工衔接 only at pension age; said here, not after the confirmation.
        data = {**self.draft.data, "direction": choice, "other_region": self.draft.data.get("other_region") or "-"}
        ctx, resident_id, type_ = self.host.ctx, self.resident.id, self.draft.type
        self.run_service(lambda: applications.check(ctx, resident_id, type_, data),
                         lambda _: self._go(choice), self._refused)

    def _go(self, direction: str) -> None:
        self.draft.data["direction"] = direction
        self.app.push_screen(TransferRegionScreen(self.draft))

    def _refused(self, message: str) -> None:
        hint = self.query_one("#apply-hint", Prose)
        hint.set_text(self.t("fix17kiosk.apply.refused", reason=message.rstrip("。.")))
        hint.add_class("warning")


class TransferRegionScreen(ApplyStep):
    """Step 3: the other region — a province by number key, or typed text and Enter."""

    TITLE_KEY = "resident.apply.transfer.title"

    def __init__(self, draft: ApplyDraft) -> None:
        super().__init__(draft)
        self.page = 0

    @property
    def pages(self) -> int:
        return (len(PROVINCES) + PER_PAGE - 1) // PER_PAGE

    def compose_body(self) -> ComposeResult:
        t = self.t
        direction = self.draft.data.get("direction", "out")
        yield Prose(t(f"resident.apply.transfer.region_hint.{direction}", page=self.page + 1, pages=self.pages),
                    classes="note", id="apply-hint")
        with Grid(id="apply-regions", classes="menu-grid"):
            start = self.page * PER_PAGE
            for i, name in enumerate(PROVINCES[start:start + PER_PAGE]):
                yield MenuButton(str(i + 1), name, f"region-{start + i}")
            later = MenuButton("9", t("resident.apply.transfer.next_page"), "next-page")
            later.display = self.pages > 1
            yield later
        yield FreeTextInput(placeholder=t("resident.apply.transfer.typed"), max_length=MAX_REGION,
                            id="apply-region-input")

    def say(self, message: str) -> None:
        """Shown in place of the hint: the screen has no spare row at 80x24."""
        hint = self.query_one("#apply-hint", Prose)
        hint.set_text(message)  # broken with 避头尾: no line starts with ，or 。
        hint.add_class("warning")

    def on_key(self, event: events.Key) -> None:
        """A character typed while the field lacks the focus (a button has it) goes into the
        field, and the field keeps the focus, so Enter submits what was typed (attack E21).
        Digits still pick the numbered provinces until the field has the focus."""
        char = event.character
        if not event.is_printable or not char or char.isspace() or char.isdigit():
            return
        field = self.query_one("#apply-region-input", Input)
        if self.focused is field:
            return
        event.stop()
        event.prevent_default()  # not also a menu key or 0-is-back (KioskScreen, ResidentScreen)
        field.select_on_focus = False  # focusing must not select what is there for the next key to replace
        field.focus()
        field.cursor_position = len(field.value)
        field.insert_text_at_cursor(char)

    def choose(self, choice: str) -> None:
        if choice == "next-page":
            self.page = (self.page + 1) % self.pages
            self.refresh(recompose=True)
        elif choice.startswith("region-"):
            self.picked(PROVINCES[int(choice.removeprefix("region-"))])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:  # the one normaliser: trimmed, invisible and control characters refused
            text = normalise_text(event.value)
        except InvalidText as exc:
            self.say(exc.describe(self.t))
            return
        if not text:
            self.say(self.t("resident.apply.transfer.empty"))
            return
        if holds_card_number(text):  # never someone's number as a region (nor on the review)
            event.input.value = ""
            self.say(self.t("fix17kiosk.card.in_text"))
            return
        self.picked(text)

    def picked(self, region: str) -> None:
        t = self.t
        data = self.draft.data
        data["other_region"] = region
        kind, direction = data.get("kind", "employee_interprovincial"), data.get("direction", "out")
        self.draft.lines = [
            t("resident.apply.transfer.line_kind", kind=t(f"resident.apply.transfer.kind.{kind}")),
            t(f"resident.apply.transfer.line_{direction}", region=region, hall=self.host.settings.hall.name),
        ]
        self.draft.notes = [t("resident.apply.transfer.note")]
        self.app.push_screen(ApplyConfirmScreen(self.draft))
