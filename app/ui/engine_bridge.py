"""EngineBridge: the engine's events as Qt signals on the GUI thread, its commands off it.

The engine calls its listeners on worker threads. The bridge's listener only appends the event
to a locked list and, when the list was empty, emits one private signal; because the bridge
lives on the GUI thread that emission is queued, and `_drain` later re-emits every waiting
event as a typed signal on the GUI thread. A burst of a thousand events therefore costs one
queued call, not a thousand.

Commands (pause, retry, cancel, ...) touch the SQLite store and sometimes the network, so they
run on the I/O pool through `app.ui.workers.TaskRunner`; a failure comes back as
`command_failed` with plain words for the user.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.engine.model import (
    BatchSnapshot,
    ConnectionState,
    EngineEvent,
    EventKind,
    ItemSnapshot,
    ItemState,
)
from app.ui.user_text import user_text
from app.ui.workers import TaskRunner

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    # The engine module (httpx, keyring) loads with the session, after the window shows.
    from app.engine.engine import Engine

DRAIN_SECONDS = 0.008  # GUI time spent handing events on per event-loop turn


class EngineBridge(QObject):
    """Adapts an engine to the GUI thread.

    Signals:
        item_changed(object): an ItemSnapshot that is new or changed.
        item_removed(int): the id of an item deleted from the store.
        batch_changed(object): a BatchSnapshot (created, paused, resumed).
        notice(str): something the user should read, in plain words.
        loaded(object, object): the first full read: list[ItemSnapshot], list[BatchSnapshot].
        command_failed(str, str): a command's name and the plain-words reason it failed.
        connection_changed(object): the ConnectionState (online, offline, slowed down), when
            it changes and once after `load`.
    """

    item_changed = Signal(object)
    item_removed = Signal(int)
    batch_changed = Signal(object)
    notice = Signal(str)
    loaded = Signal(object, object)
    command_failed = Signal(str, str)
    connection_changed = Signal(object)

    _wake = Signal()

    def __init__(self, engine: Engine, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.runner = runner
        self._lock = threading.Lock()
        self._waiting: list[EngineEvent] = []
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._closed = False
        self._unsubscribe: Callable[[], None] | None = engine.subscribe(self._on_event)

    # --- events ------------------------------------------------------------------------

    def _on_event(self, event: EngineEvent) -> None:
        """Engine listener: runs on any thread, so it only queues."""
        with self._lock:
            first = not self._waiting
            self._waiting.append(event)
        if first:
            # RuntimeError: the bridge was deleted at exit; nobody is left to tell.
            with contextlib.suppress(RuntimeError):
                self._wake.emit()

    @Slot()
    def _drain(self) -> None:
        # Time-boxed: each event reaches several Python slots, and under load (hundreds of
        # polls answering at once while workers hash and decode) every one of them waits for
        # the GIL; what is left goes back in the queue for the next event-loop turn, so
        # painting and timers get their turn in between.
        deadline = time.perf_counter() + DRAIN_SECONDS
        with self._lock:
            events, self._waiting = self._waiting, []
        for done, event in enumerate(events, 1):
            self._dispatch(event)
            if time.perf_counter() > deadline and done < len(events):
                with self._lock:
                    self._waiting[:0] = events[done:]
                with contextlib.suppress(RuntimeError):
                    self._wake.emit()
                return

    def _dispatch(self, event: EngineEvent) -> None:
        if event.kind is EventKind.ITEM and event.item is not None:
            self.item_changed.emit(event.item)
        elif event.kind is EventKind.ITEM_REMOVED and event.item is not None:
            self.item_removed.emit(event.item.id)
        elif event.kind is EventKind.BATCH and event.batch is not None:
            self.batch_changed.emit(event.batch)
        elif event.kind is EventKind.NOTICE and event.message:
            self.notice.emit(event.message)
        elif event.kind is EventKind.CONNECTION and event.connection is not None:
            self.connection_changed.emit(event.connection)

    def pending(self) -> int:
        """Events received and not handed on yet (any thread)."""
        with self._lock:
            return len(self._waiting)

    def close(self) -> None:
        """Stop listening (before the engine shuts down or the window closes)."""
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        with self._lock:
            self._waiting.clear()

    # --- commands ----------------------------------------------------------------------

    def _run(
        self,
        name: str,
        fn: Callable[[], Any],
        on_result: Callable[[Any], None] | None = None,
    ) -> None:
        # A bridge the window has let go of (leaving the demo, quitting) drops what its last
        # jobs answer: its store is closed by then, and nobody is left to tell.
        def delivered(result: Any) -> None:
            if not self._closed and on_result is not None:
                on_result(result)

        def failed(error: BaseException) -> None:
            if self._closed:
                log.info("%s ended after the window let go of its engine: %r", name, error)
            else:
                self.command_failed.emit(name, user_text(error))

        self.runner.submit(fn, on_result=delivered, on_error=failed)

    def load(self) -> None:
        """Read every item and batch in the store (off the GUI thread); answers with `loaded`."""
        engine = self.engine

        def read() -> tuple[list[ItemSnapshot], list[BatchSnapshot], ConnectionState]:
            return engine.items(), engine.batches(), engine.connection

        def deliver(
            result: tuple[list[ItemSnapshot], list[BatchSnapshot], ConnectionState],
        ) -> None:
            self.loaded.emit(result[0], result[1])
            self.connection_changed.emit(result[2])

        self._run("load", read, deliver)

    def busy_batches(self, on_done: Callable[[set[int]], None]) -> None:
        """Which batches another vimbatch window or process works on; `on_done(ids)` on the
        GUI thread."""
        engine = self.engine
        self._run("busy", lambda: set(engine.busy_batches()), on_done)

    def pause(self) -> None:
        """Stop sending new photos of every batch; answers with `batch_changed` per batch."""
        engine = self.engine
        self._run("pause", lambda: engine.pause())

    def resume(self) -> None:
        """Lift every hold (the user's, credit, key) and carry on sending."""
        engine = self.engine
        self._run("resume", lambda: engine.resume())

    def _each(self, name: str, command: Callable[[int], object], item_ids: Sequence[int]) -> None:
        ids = list(item_ids)

        def work() -> None:
            for item_id in ids:
                command(item_id)

        self._run(name, work)

    def cancel_items(self, item_ids: Sequence[int]) -> None:
        self._each("cancel", self.engine.cancel_item, item_ids)

    def retry_items(self, item_ids: Sequence[int]) -> None:
        self._each("retry", self.engine.retry_item, item_ids)

    def resubmit_items(self, item_ids: Sequence[int]) -> None:
        self._each("resubmit", self.engine.resubmit, item_ids)

    def delete_items(self, item_ids: Sequence[int]) -> None:
        """Delete the items' workflows (and their files) from the server."""
        engine = self.engine
        self._each("delete", lambda item_id: engine.delete_item(item_id, remote=True), item_ids)

    def remove_items(self, item_ids: Sequence[int]) -> None:
        """Forget the items here; their workflows stay on the server."""
        engine = self.engine
        self._each("remove", lambda item_id: engine.delete_item(item_id, remote=False), item_ids)

    def retry_all_failed(self, on_done: Callable[[int], None] | None = None) -> None:
        """Retry every failed item of every batch; `on_done(count)` on the GUI thread."""
        engine = self.engine

        def work() -> int:
            total = 0
            for batch in engine.batches():
                if batch.counts.get(ItemState.FAILED):
                    total += engine.retry_failed(batch.id)
            return total

        self._run("retry_failed", work, on_done)
