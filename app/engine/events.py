"""Telling listeners what happened: every change is written to the store first, then sent as
an EngineEvent to each listener (on the calling worker thread); upload progress, which is not
stored, goes out a few times a second at most (ProgressThrottle)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Unpack

from app.engine.error_reports import describe_exception
from app.engine.model import BatchSnapshot, EngineEvent, EventKind, ItemSnapshot, ItemState
from app.engine.store import ItemChanges, JobStore, StoredItem

log = logging.getLogger(__name__)

Listener = Callable[[EngineEvent], None]
_UNFINISHED = [s for s in ItemState if not s.is_final]

# Upload progress events per item: at most one per this many seconds (the bar moves smoothly).
UPLOAD_PROGRESS_INTERVAL = 0.25


class ProgressThrottle:
    """Turns byte counts into percentages, letting one through at most every `interval` s."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._last_time: float | None = None
        self._last_percent = 0

    def __call__(self, sent: int, total: int) -> int | None:
        """The percentage to show now, or None (too soon, unchanged or total unknown)."""
        if total <= 0:
            return None
        percent = max(0, min(100, sent * 100 // total))
        if percent <= self._last_percent:  # unchanged, or httpx rewinding a file it measured
            return None
        now = self._clock()
        if self._last_time is not None and now - self._last_time < self._interval:
            return None
        self._last_time = now
        self._last_percent = percent
        return percent


class Events:
    """The listeners and the store-then-announce helpers every part of the engine uses.

    `report(message)` gets a listener's failure (a broken listener must not break the batch);
    `wake()` runs after each event, once every listener has it."""

    def __init__(
        self,
        store: JobStore,
        *,
        report: Callable[[str], object],
        wake: Callable[[], None],
    ) -> None:
        self._store = store
        self._report = report
        self._wake = wake
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: EngineEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception as exc:
                log.exception("An event listener failed")
                self._report(f"Event listener failed: {describe_exception(exc)}")
        self._wake()

    def notice(self, message: str, batch_id: int | None) -> None:
        self.emit(EngineEvent(EventKind.NOTICE, batch_id=batch_id, message=message))

    def item(self, snapshot: ItemSnapshot) -> None:
        self.emit(EngineEvent(EventKind.ITEM, batch_id=snapshot.batch_id, item=snapshot))

    def items(self, stored: Iterable[StoredItem]) -> None:
        for each in stored:
            self.item(each.snapshot)

    def removed(self, snapshot: ItemSnapshot) -> None:
        self.emit(EngineEvent(EventKind.ITEM_REMOVED, batch_id=snapshot.batch_id, item=snapshot))

    def batch(self, batch: BatchSnapshot) -> None:
        self.emit(EngineEvent(EventKind.BATCH, batch_id=batch.id, batch=batch))

    def set(self, item_id: int, **changes: Unpack[ItemChanges]) -> StoredItem:
        """Write the item's columns (`JobStore.update`), then announce it."""
        stored = self._store.update(item_id, **changes)
        self.item(stored.snapshot)
        if "state" in changes:
            self._log_outcome(stored.snapshot)
        return stored

    def _log_outcome(self, snap: ItemSnapshot) -> None:
        """One log line per outcome worth knowing: a photo that failed or needs attention (with
        the reason), and a batch whose last item finished."""
        if snap.state in (ItemState.FAILED, ItemState.NEEDS_ATTENTION):
            log.warning("Item %d (%s) %s: %s", snap.id, snap.title, snap.state.value, snap.error)
        if snap.state.is_final and not self._store.count(_UNFINISHED, [snap.batch_id]):
            batch = self._store.batch(snap.batch_id)
            if batch is not None:
                counts = ", ".join(f"{n} {state.value}" for state, n in batch.counts.items() if n)
                log.info("Batch %d finished: %s", snap.batch_id, counts)

    def set_paused(self, batch_id: int, reason: str | None, kind: str | None) -> None:
        """Pause the batch (`reason`, `kind`) or lift its pause (None): stored, then the batch
        and its waiting items announced. Pausing again for the same reason does nothing."""
        if reason is not None:
            current = self._store.batch(batch_id)
            if current is not None and current.paused_reason == reason:
                return
        self.batch(self._store.set_paused(batch_id, reason, kind))
        if reason is not None:
            log.warning("Batch %d paused (%s): %s", batch_id, kind, reason)
        else:
            log.info("Batch %d resumed", batch_id)
        waiting = ItemState.PAUSED if reason is not None else ItemState.QUEUED
        self.items(self._store.items(batch_id, states=[waiting]))

    def show_batch(self, batch_id: int) -> None:
        """Announce a batch and every item of it (new here)."""
        batch = self._store.batch(batch_id)
        if batch is None:
            return
        self.batch(batch)
        self.items(self._store.items(batch_id))

    def upload_progress(
        self, snapshot: ItemSnapshot, stopping: Callable[[], bool]
    ) -> Callable[[int, int], None]:
        """An `on_progress` for the item's create: ITEM events with the share of the upload
        sent, a few a second (not stored), none once the engine is stopping."""
        throttle = ProgressThrottle(UPLOAD_PROGRESS_INTERVAL)

        def on_progress(sent: int, total: int) -> None:
            percent = throttle(sent, total)
            if percent is not None and not stopping():
                self.item(replace(snapshot, progress=percent, updated_at=time.time()))

        return on_progress
