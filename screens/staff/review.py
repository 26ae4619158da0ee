"""审核: the supervisor's review queue — open applications whose next step
needs a supervisor (待遇审核, 工伤认定 …), oldest first. Opening one offers
approve (the supervisor step) and reject with a required reason."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.services import ServiceContext
from kiosk.services import applications as application_service
from kiosk.services.applications import ApplicationInfo
from screens.counter.worklist import WorklistScreen


class ReviewQueueScreen(WorklistScreen):
    """The worklist narrowed to what waits for a supervisor."""

    TITLE_KEY = "counter.review.title"
    EMPTY_KEY = "counter.review.empty"

    def loader(self, ctx: ServiceContext) -> Callable[[], list[ApplicationInfo]]:
        return lambda: application_service.review_queue(ctx)
