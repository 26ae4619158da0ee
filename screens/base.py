"""What every screen may rely on: the host app's injected parts, and a way to
run service calls off the UI thread.

Screens never import the app (the app imports them); they see it through
:class:`KioskHost`, which ``kiosk.app.KioskApp`` implements. Database and
printer work runs in a thread worker; only the callbacks touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from kiosk.config import Settings
from kiosk.services import ServiceContext, ServiceError

if TYPE_CHECKING:
    from kiosk.i18n import Translator

T = TypeVar("T")


class KioskHost(Protocol):
    """The parts of the running app that screens use."""

    settings: Settings
    ctx: ServiceContext
    translator: Translator
    services: Any  # kiosk.app.Services: policy book, print spool, ... (see kiosk.app)

    def t(self, key: str, /, **params: object) -> str: ...
    def go_home(self) -> None: ...


class HostMixin:
    """Shortcuts shared by screens and modals."""

    @property
    def host(self) -> KioskHost:
        return cast(KioskHost, cast(Screen[Any], self).app)

    def t(self, key: str, /, **params: object) -> str:
        return self.host.t(key, **params)

    def run_service(
        self,
        call: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None] | None = None,
    ) -> Worker[T]:
        """Run ``call`` in a thread; deliver its result (or error text) on the UI thread.

        A :class:`ServiceError` arrives as its message; anything else as a
        calm generic message, so no traceback ever reaches the screen.
        """
        screen = cast(Screen[Any], self)
        worker: Worker[T] = screen.run_worker(call, thread=True, exit_on_error=False, group="service")
        self._service_callbacks()[worker] = (on_done, on_error)
        return worker

    def _service_callbacks(self) -> dict[Worker[Any], tuple[Callable[[Any], None], Callable[[str], None] | None]]:
        callbacks = self.__dict__.get("_kiosk_service_callbacks")
        if callbacks is None:
            callbacks = self.__dict__["_kiosk_service_callbacks"] = {}
        return callbacks

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Hand a finished service call's outcome to its callbacks."""
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        callbacks = self._service_callbacks().pop(event.worker, None)
        if callbacks is None:
            return
        on_done, on_error = callbacks
        if event.state == WorkerState.SUCCESS:
            on_done(event.worker.result)
        elif event.state == WorkerState.ERROR and on_error is not None:
            error = event.worker.error
            if isinstance(error, ServiceError):
                on_error(error.message)
            else:
                cast(Screen[Any], self).log.error(f"service call failed: {error!r}")
                on_error(self.t("error.unexpected"))


class KioskScreen(HostMixin, Screen[Any]):
    """Base for full screens."""


class KioskModal(HostMixin, ModalScreen[T]):
    """Base for modal dialogs; they return their result with ``dismiss``."""
