"""One log line per batch event worth knowing: a batch paused, resumed, finished; a photo sent,
done, failed, needing attention (with the reason) or cancelled. An engine listener, so the window
and the command line log the same lines (a batch's creation is logged by Engine.create_batch)."""

from __future__ import annotations

import logging
import threading
from pathlib import PurePath

from app.engine.model import BatchSnapshot, EngineEvent, EventKind, ItemSnapshot, ItemState
from app.engine.store import JobStore

log = logging.getLogger(__name__)


def item_name(item: ItemSnapshot) -> str:
    """A file's base name, a folder's name, or a link without its query (never a full path)."""
    if not item.sources:
        return f"item {item.id}"
    if item.kind == "url":
        return item.sources[0].split("?", 1)[0]
    path = PurePath(item.sources[0].replace("\\", "/"))
    return f"{path.parent.name}/" if item.kind == "folder" else path.name


class EventLog:
    """Listens to the engine (any thread) and logs what changed, once per change."""

    def __init__(self, store: JobStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._states: dict[int, ItemState] = {}
        self._paused: dict[int, str | None] = {}

    def __call__(self, event: EngineEvent) -> None:
        if event.kind is EventKind.BATCH and event.batch is not None:
            self._on_batch(event.batch)
        elif event.kind is EventKind.ITEM and event.item is not None:
            self._on_item(event.item)

    def _on_batch(self, batch: BatchSnapshot) -> None:
        with self._lock:
            known = batch.id in self._paused
            before = self._paused.get(batch.id)
            self._paused[batch.id] = batch.paused_reason
        if not known:
            # First seen here: created (Engine.create_batch logs that) or shown again.
            if batch.paused_reason:
                log.info("Batch %d is paused: %s", batch.id, batch.paused_reason)
        elif batch.paused_reason and batch.paused_reason != before:
            log.warning("Batch %d paused: %s", batch.id, batch.paused_reason)
        elif before and not batch.paused_reason:
            log.info("Batch %d resumed", batch.id)

    def _on_item(self, item: ItemSnapshot) -> None:
        with self._lock:
            previous = self._states.get(item.id)
            self._states[item.id] = item.state
        if previous is None or previous is item.state:
            return  # first seen (an old item shown again), or progress only
        name = item_name(item)
        if item.state is ItemState.SUBMITTED:
            log.info("Batch %d: %s sent (workflow %s)", item.batch_id, name, item.workflow_id)
        elif item.state is ItemState.SUCCEEDED:
            log.info("Batch %d: %s done (workflow %s)", item.batch_id, name, item.workflow_id)
        elif item.state is ItemState.FAILED:
            log.warning("Batch %d: %s failed: %s", item.batch_id, name, item.error)
        elif item.state is ItemState.NEEDS_ATTENTION:
            log.warning("Batch %d: %s needs attention: %s", item.batch_id, name, item.error)
        elif item.state is ItemState.CANCELLED:
            log.info("Batch %d: %s cancelled", item.batch_id, name)
        if item.state.is_final and not previous.is_final:
            self._maybe_finished(item.batch_id)

    def _maybe_finished(self, batch_id: int) -> None:
        batch = self._store.batch(batch_id)
        if batch is None or not all(state.is_final for state in batch.counts):
            return
        counts = ", ".join(f"{n} {state.value}" for state, n in batch.counts.items())
        log.info("Batch %d finished: %s", batch_id, counts)
