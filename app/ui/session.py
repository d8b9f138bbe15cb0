"""The GUI's engine, built in one place from key + server address + data folder.

`Session` owns the engine and its EngineBridge; every call that touches the store or the network
runs on the I/O pool. The window only asks it to create batches, swap the key and shut down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.engine.model import BatchSettings
from app.images.photo import Photo
from app.ui.engine_bridge import EngineBridge
from app.ui.user_text import user_text
from app.ui.workers import Workers

if TYPE_CHECKING:
    # The engine, httpx and keyring load when a session starts, after the window is shown
    # (docs/ARCHITECTURE.md, "Facts: start-up").
    from app.engine.engine import Engine
    from app.engine.made_ledger import MadeBefore

log = logging.getLogger(__name__)


class Session(QObject):
    """One engine on one job store.

    Signals:
        ready(object): the EngineBridge, once the engine is built and recovery started.
        resumed(int): items left unfinished by an earlier run that are being picked up.
        failed(str): the engine could not be started (plain words).
    """

    ready = Signal(object)
    resumed = Signal(int)
    failed = Signal(str)

    def __init__(
        self,
        workers: Workers,
        *,
        key: str | None,
        base_url: str | None = None,
        data_dir: str | Path | None = None,
        error_reports: bool = True,
        concurrency: int = 4,
        demo: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workers = workers
        self.key = key
        from app.engine.session import resolve_base_url

        self.base_url = resolve_base_url(base_url)
        self.data_dir = data_dir
        # `error_reports` is the command line's word (--no-error-reports); `configure` adds the
        # user's setting, and demo mode never reports (nothing real happened).
        self.error_reports = error_reports
        self.reports_wanted = True
        self.concurrency = concurrency
        self.demo = demo
        self.engine: Engine | None = None
        self.bridge: EngineBridge | None = None
        self._closed = False
        self._stopping = False
        self._stopped = threading.Event()  # set once the engine has stopped (or never ran)

    def start(self) -> None:
        """Open the store and build the engine on a worker; answers with `ready` or `failed`."""
        # The engine's own pool, sized to the concurrency: its uploads never hold up the GUI's
        # commands and previews on `workers.io`.
        self.workers.set_engine_concurrency(self.concurrency)
        executor = self.workers.engine.executor()
        kwargs: dict[str, Any] = {
            "base_url": self.base_url,
            "data_dir": self.data_dir,
            "key": self.key or "",
            "executor": executor,
            "error_reports": self._reports(),
            "concurrency": self.concurrency,
        }

        def build() -> tuple[Engine, int]:
            from app.engine.session import build_engine

            engine = build_engine(**kwargs)
            unfinished = sum(1 for item in engine.items() if not item.state.is_final)
            return engine, unfinished

        self.workers.io.submit(build, self._built, lambda e: self.failed.emit(user_text(e)))

    def _built(self, result: tuple[Engine, int]) -> None:
        engine, unfinished = result
        if self._closed:
            self.workers.io.submit(lambda: engine.shutdown(wait=False))
            return
        self.engine = engine
        self.bridge = EngineBridge(engine, self.workers.io, self)
        # Recovery reads the store and may schedule work: off the GUI thread like the rest.
        self.workers.io.submit(engine.start, on_error=lambda e: self.failed.emit(user_text(e)))
        self.ready.emit(self.bridge)
        if unfinished:
            self.resumed.emit(unfinished)

    def _reports(self) -> bool:
        return self.error_reports and self.reports_wanted and not self.demo

    def configure(self, *, concurrency: int, error_reports: bool) -> None:
        """Apply the user's settings: now to a running engine, else when it is built."""
        self.concurrency = concurrency
        self.reports_wanted = error_reports
        self.workers.set_engine_concurrency(concurrency)
        engine = self.engine
        if engine is None:
            return
        reports = self._reports()

        def apply() -> None:
            engine.set_concurrency(concurrency)
            engine.error_reports = reports

        self.workers.io.submit(apply)

    def set_key(self, key: str) -> None:
        """Use a new key from now on (batches held for a refused key carry on)."""
        self.key = key
        engine = self.engine
        if engine is None:
            return
        base_url = self.base_url
        from app.engine.session import make_client

        self.workers.io.submit(lambda: engine.set_client(make_client(key, base_url)))

    def check_made(
        self,
        settings: BatchSettings,
        photos: Sequence[Photo],
        on_done: Callable[[dict[Path, MadeBefore]], None],
    ) -> None:
        """Which photos were already made with these settings (the ledger, on a worker);
        `on_done` gets {} when that cannot be told (the engine then still skips them)."""
        engine = self.engine
        if engine is None:
            on_done({})
            return
        photos = list(photos)
        from app.engine.made_ledger import already_made

        def unknown(error: BaseException) -> None:
            log.warning("could not read the already-made ledger", exc_info=error)
            on_done({})

        self.workers.io.submit(
            lambda: already_made(engine.store, photos, settings), on_done, unknown
        )

    def create_batch(
        self,
        settings: BatchSettings,
        photos: Sequence[Photo],
        urls: Sequence[str],
        on_done: Callable[[int], None],
        on_error: Callable[[str], None],
        *,
        again: bool = False,
    ) -> None:
        """`again`: also make photos already made with these settings."""
        engine = self.engine
        if engine is None:
            on_error(self.tr("Still starting up: try again in a moment."))
            return
        # The engine lists the photos in batch order (app/images/intake.py), as the grid shows
        # them and as the command line numbers them.
        photos = list(photos)
        urls = list(urls)
        self.workers.io.submit(
            lambda: engine.create_batch(settings, photos, urls, again=again),
            on_done,
            lambda e: on_error(user_text(e)),
        )

    def shutdown(self) -> None:
        """Stop the engine and wait (the quit path: the app ends only after this returns);
        creates already on the wire finish and are recorded."""
        engine = self._begin_close()
        if engine is not None:
            self._stop_engine(engine)
        elif not self._stopped.wait(30):  # stopping in the background: wait for it
            log.warning("the engine did not stop within 30 s")

    def shutdown_in_background(self, on_done: Callable[[], None]) -> None:
        """Stop the engine on a worker (creates on the wire may take a while to finish);
        `on_done()` on the GUI thread once it has stopped."""
        engine = self._begin_close()
        if engine is None:
            on_done()
            return

        def failed(error: BaseException) -> None:
            log.error("engine shutdown failed", exc_info=(type(error), error, error.__traceback__))
            on_done()

        stop = self._stop_engine
        self.workers.io.submit(lambda: stop(engine), lambda _none: on_done(), failed)

    def wait_stopped(self, timeout: float) -> bool:
        """Block until the engine has stopped (at quit, after `shutdown_in_background`)."""
        return self._stopped.wait(timeout)

    def _begin_close(self) -> Engine | None:
        """Stop listening; the engine to stop, handed out once (None: nothing left to stop)."""
        self._closed = True
        if self.bridge is not None:
            self.bridge.close()
        engine, self.engine = self.engine, None
        if engine is None and not self._stopping:
            self._stopped.set()
        self._stopping = self._stopping or engine is not None
        return engine

    def _stop_engine(self, engine: Engine) -> None:
        """Any thread: wait for creates on the wire, then close the client and the store."""
        try:
            engine.shutdown(wait=True)
            engine.client.close()
            engine.store.close()
        finally:
            self._stopped.set()
