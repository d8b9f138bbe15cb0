"""The batch engine: sends each item once, follows its workflow to the end, saves the results.

Every state is written to the store before the action it announces; network work runs on the
Executor's workers; waits (poll back-off, retry delays, the rate governor) are entries in the
Scheduler, so no worker and no upload slot is held while waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import fields, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from app.api import (
    ApiError,
    BadRequestError,
    CancelledError,
    CreateRequest,
    InsufficientCreditError,
    KeyMissingError,
    KeyRefusedError,
    MalformedResponseError,
    MaybeCreatedError,
    MediaFile,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
    Visibility,
    Workflow,
    WorkflowClient,
    parse_timestamp,
)
from app.engine.downloads import (
    choose_target,
    copy_result,
    item_result_name,
    name_pattern_problem,
)
from app.engine.downloads import item_stem as item_stem  # where callers have found it
from app.engine.error_reports import ErrorReporter, describe_exception
from app.engine.executor import Executor, ThreadExecutor
from app.engine.locks import LOCKS_DIR, BatchLocks
from app.engine.model import (
    DEFAULT_NAME_PATTERN,
    BatchSettings,
    BatchSnapshot,
    EngineEvent,
    EventKind,
    Grouping,
    ItemSnapshot,
    ItemState,
    OverwritePolicy,
    SaveOutcome,
)
from app.engine.polling import Backoff, PollPolicy
from app.engine.scheduler import Scheduler
from app.engine.store import Download, JobStore, NewItem, StoredItem
from app.engine.titles import render_title
from app.images import (
    IntakeError,
    Photo,
    PhotoChangedError,
    ProblemCode,
    inspect,
    prepare_upload,
    prune_upload_cache,
)

Listener = Callable[[EngineEvent], None]

STOPPED_MID_UPLOAD = (
    "vimbatch was stopped while this photo was being sent; it may have been created. "
    "Check on Vimmerse, then choose Resubmit or Cancel."
)
CANCELLED_REMOTE = "Cancelled. The workflow already sent to Vimmerse may still finish there."
CANCELLED_AFTER_SEND = "Cancelled, but it had already been sent: the workflow exists on Vimmerse."
WORKFLOW_FAILED = "Vimmerse could not make a result from this one."
WORKFLOW_CANCELLED = "The workflow was cancelled on Vimmerse."
UNEXPECTED_UPDATE = "Something unexpected went wrong while sending this change."
UNEXPECTED_SEND = (
    "Something unexpected went wrong while sending this; it may have been created. "
    "Check on Vimmerse, then choose Resubmit or Cancel."
)
USER_PAUSE = "Paused."
NOT_SENT_YET = "This photo has not been sent to Vimmerse yet."
SAVE_STOPPED = "vimbatch was stopping, so nothing more was saved."
BUSY_ELSEWHERE = (
    "This batch is being worked on by another vimbatch window or process. "
    "Try again once it has finished there."
)
# Upload progress events per item: at most one per this many seconds (the bar moves smoothly).
UPLOAD_PROGRESS_INTERVAL = 0.25
_WATCH_KEY = ("watch",)
_PAUSE_KIND_KEY = "key"
_PAUSE_KIND_CREDIT = "credit"
_PAUSE_KIND_USER = "user"

_PHOTO_FIELDS = ("path", "size", "mtime_ns", "content_hash", "width", "height", "format", "has_gps")


def photo_record(photo: Photo) -> dict[str, Any]:
    """What the store keeps of a photo so that it can be re-checked just before upload."""
    record: dict[str, Any] = {}
    for name in _PHOTO_FIELDS:
        if hasattr(photo, name):
            value = getattr(photo, name)
            record[name] = str(value) if isinstance(value, Path) else value
    return record


def photo_from_record(record: dict[str, Any]) -> Photo:
    known = {f.name for f in fields(Photo)}
    values = {k: v for k, v in record.items() if k in known}
    values["path"] = Path(record["path"])
    return Photo(**values)


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


class _Watched:
    """What this engine last showed of a batch another process works on."""

    def __init__(self) -> None:
        self.items: dict[int, ItemSnapshot] = {}
        self.paused: tuple[str | None, str | None] | None = None


class Engine:
    """Runs batches: create, poll, download, with recovery after a crash.

    Events (each a `EngineEvent` passed to every listener, on worker threads):
    - ITEM: an item's state, progress, results or files changed (`item` = new snapshot); while
      an item is UPLOADING its `progress` is the share of the upload sent (at most ~4 events a
      second; not stored);
    - ITEM_REMOVED: an item was deleted (`item` = its last snapshot);
    - BATCH: a batch was created, paused or resumed, or first seen (`batch` = its snapshot);
    - NOTICE: something to tell the user (`message`), e.g. duplicates left out, a failed update.

    One data folder, several processes: an engine works on a batch (sends, follows, downloads,
    recovers it) only while it holds the batch's lock (app/engine/locks.py). A batch locked by
    another live vimbatch process is read-only here: its items are re-read from the store every
    `watch_interval` seconds and sent as ITEM events, so its progress shows; commands on it
    answer with a NOTICE. When that process ends (even killed), this engine takes the batch
    over and recovers it. Independently of the locks, an item goes from queued to uploading
    only through one atomic compare-and-set in the store, so a photo is never sent twice.
    """

    def __init__(
        self,
        store: JobStore,
        client: WorkflowClient,
        *,
        executor: Executor | None = None,
        concurrency: int = 4,
        cache_dir: Path | None = None,
        error_reports: bool = True,
        poll: PollPolicy | None = None,
        backoff: Backoff | None = None,
        watch_interval: float = 1.0,
    ) -> None:
        self._store = store
        self._client = client
        self._concurrency = max(1, concurrency)
        self._own_executor: ThreadExecutor | None = None
        if executor is None:
            # Uploads use at most `concurrency` workers; the rest keep polls and downloads going.
            self._own_executor = ThreadExecutor(max_workers=min(16, self._concurrency + 4))
            executor = self._own_executor
        self._executor = executor
        self._cache_dir = cache_dir or store.path.parent / "cache"
        self._poll = poll or PollPolicy()
        self._backoff = backoff or Backoff()
        self._scheduler = Scheduler(_Dispatch(self))
        self._reporter = ErrorReporter(
            lambda: self._client, enabled=error_reports, run=self._submit
        )

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._listeners: list[Listener] = []
        self._active = 0  # tasks handed to the executor and not finished
        self._started = False
        self._stopping = False
        self._scope: set[int] | None = None  # batches this engine works on; None: all
        self._claimed: dict[int, int] = {}  # item -> batch, taken by an upload task
        self._cancel_requested: set[int] = set()
        self._not_before: dict[int, float] = {}  # requeued item -> monotonic time
        self._failures: dict[tuple[str, int], int] = {}
        self._poll_interval: dict[int, float] = {}
        self._key_blocked: set[int] = set()  # items whose poll waits for a key
        self._held = False  # pause() of everything: new batches start paused too
        self._locks = BatchLocks(store.path.parent / LOCKS_DIR)
        self._recovered: set[int] = set()  # held batches whose recovery has run
        self._watched: dict[int, _Watched] = {}  # batches another process holds
        self._watch_lock = threading.RLock()  # one survey of the store's batches at a time
        self._watch_interval = max(0.01, watch_interval)
        self._surveyed = False  # the first survey ran: later new batches came from elsewhere
        self._known: set[int] = set()  # batches seen in the store (shown to listeners)
        self._updating: set[int] = set()  # items whose change is on its way now
        self._update_again: set[int] = set()  # ... and changed again meanwhile
        self._pruned = False  # the upload cache was pruned once (on the first start)

    # -- public API ------------------------------------------------------------------------

    @property
    def store(self) -> JobStore:
        return self._store

    @property
    def client(self) -> WorkflowClient:
        return self._client

    @property
    def error_reports(self) -> bool:
        return self._reporter.enabled

    @error_reports.setter
    def error_reports(self, enabled: bool) -> None:
        self._reporter.enabled = enabled

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def create_batch(
        self,
        settings: BatchSettings,
        photos: Sequence[Photo] = (),
        urls: Sequence[str] = (),
    ) -> int:
        when = datetime.now()
        items: list[NewItem] = []
        duplicates = 0

        def title(stem: str, folder: str) -> str:
            return render_title(
                settings.title_pattern, stem=stem, folder=folder, n=len(items) + 1, when=when
            )

        usable: list[Photo] = []
        for photo in photos:
            if photo.duplicate_of is not None or photo.problem_code is ProblemCode.DUPLICATE:
                duplicates += 1
            elif photo.problem is not None or photo.problem_code is not None:
                items.append(
                    NewItem(
                        kind="photo",
                        sources=(str(photo.path),),
                        title=title(photo.path.stem, photo.path.parent.name),
                        photos=(photo_record(photo),),
                        state=ItemState.FAILED,
                        error=photo.problem or "This photo cannot be used.",
                    )
                )
            else:
                usable.append(photo)
        if settings.grouping is Grouping.PER_FOLDER:
            groups: dict[Path, list[Photo]] = {}
            for photo in usable:
                groups.setdefault(photo.path.parent, []).append(photo)
            for folder, members in groups.items():
                items.append(
                    NewItem(
                        kind="folder",
                        sources=tuple(str(p.path) for p in members),
                        title=title(folder.name, folder.name),
                        photos=tuple(photo_record(p) for p in members),
                    )
                )
        else:
            for photo in usable:
                items.append(
                    NewItem(
                        kind="photo",
                        sources=(str(photo.path),),
                        title=title(photo.path.stem, photo.path.parent.name),
                        photos=(photo_record(photo),),
                    )
                )
        for url in urls:
            stem = PurePosixPath(unquote(urlsplit(url).path)).stem or "image"
            items.append(NewItem(kind="url", sources=(url,), title=title(stem, "")))

        def take_lock(new_id: int) -> None:
            # Before the batch is visible to any other process: it is ours from the start.
            if not self._locks.acquire(new_id):
                raise RuntimeError("The new batch could not be reserved; please try again.")

        batch_id, ids = self._store.add_batch(settings, items, before_commit=take_lock)
        with self._lock:
            held = self._held
            self._recovered.add(batch_id)  # nothing to recover in a batch made just now
        with self._watch_lock:
            self._known.add(batch_id)
        if held:
            self._store.set_paused(batch_id, USER_PAUSE, _PAUSE_KIND_USER)
        batch = self._store.batch(batch_id)
        self._emit(EngineEvent(EventKind.BATCH, batch_id=batch_id, batch=batch))
        for item_id in ids:
            snapshot = self._store.snapshot(item_id)
            if snapshot is not None:
                self._emit(EngineEvent(EventKind.ITEM, batch_id=batch_id, item=snapshot))
        if duplicates:
            copies = "1 photo was" if duplicates == 1 else f"{duplicates} photos were"
            self._notice(
                f"{copies} left out because they are copies of other photos in this batch.",
                batch_id,
            )
        with self._lock:
            if self._scope is not None:
                self._scope.add(batch_id)
        self._pump()
        return batch_id

    def start(self, batch_ids: Collection[int] | None = None) -> None:
        """Recover unfinished work (of `batch_ids`, or of every batch) and run.

        Batches another vimbatch process works on are left to it (read-only here, see the
        class notes) and taken over when it ends; with `batch_ids` None, so are batches that
        other processes add to the store later."""
        with self._lock:
            if self._stopping:
                return
            if batch_ids is None:
                self._scope = None
            elif self._scope is not None:
                self._scope.update(batch_ids)
            elif not self._started:
                self._scope = set(batch_ids)
            self._started = True
            prune, self._pruned = not self._pruned, True
        if prune:
            # Converted and location-free copies pile up otherwise; one folder scan, on a worker.
            self._submit(self._prune_upload_cache)
        self._survey()
        self._schedule_watch()
        self._pump()

    def _prune_upload_cache(self) -> None:
        prune_upload_cache(self._cache_dir)

    def claim_batches(self, batch_ids: Collection[int]) -> set[int]:
        """Take these batches for this engine where no other process works on them; returns
        the ids that another vimbatch window or process is working on right now."""
        busy: set[int] = set()
        taken = False
        for batch_id in batch_ids:
            if self._locks.holds(batch_id):
                continue
            if self._locks.acquire(batch_id):
                taken = True
            else:
                busy.add(batch_id)
        with self._lock:
            started = self._started and not self._stopping
        if taken and started:
            self._survey()  # recovers what was just taken
            self._pump()
        return busy

    def busy_batches(self) -> set[int]:
        """Batches this engine shows read-only because another process works on them."""
        with self._watch_lock:
            return set(self._watched)

    def _recover(self, batch_ids: Collection[int]) -> None:
        """Start-up recovery of held batches: an interrupted upload needs the user's word,
        sent workflows are followed again, missing downloads fetched, pending changes sent."""
        for batch_id in sorted(batch_ids):
            # Another process may have changed its settings (e.g. `resume --download`).
            self._store.forget_settings(batch_id)
            for stored in self._store.items(batch_id):
                snap = stored.snapshot
                if snap.state is ItemState.UPLOADING and snap.id not in self._claimed:
                    self._set(snap.id, state=ItemState.NEEDS_ATTENTION, error=STOPPED_MID_UPLOAD)
                elif snap.state.is_remote:
                    self._schedule_poll(snap.id, 0.0)
                elif (
                    snap.state is ItemState.SUCCEEDED
                    and _downloads_missing(stored)
                    and self._store.settings(batch_id).download_dir
                ):
                    self._submit(partial(self._download, snap.id))
                if stored.pending_update and not stored.update_refused:
                    # Interrupted, or its retries ran out last time: send it again now. One the
                    # server refused waits for the user's retry_update / drop_update.
                    self._resend_update(snap.id)

    def _wants(self, batch_id: int) -> bool:
        with self._lock:
            return self._scope is None or batch_id in self._scope

    def _survey(self) -> None:
        """Look at the store's batches: recover the held ones not yet recovered, take the free
        ones that have work left, show the progress of those another process works on, and
        show batches other processes added. Finished batches are taken only when the user acts
        on one (`_busy`), so that a long job list does not cost one open file per batch."""
        with self._watch_lock:
            present = self._store.batch_ids()
            unfinished = self._store.unfinished_batch_ids()
            with self._lock:
                first_survey = not self._surveyed
                self._surveyed = True
            to_recover: list[int] = []
            for batch_id in present:
                new = batch_id not in self._known
                self._known.add(batch_id)
                held = self._locks.holds(batch_id)
                if not held and not self._wants(batch_id):
                    continue
                if held or (batch_id in unfinished and self._locks.acquire(batch_id)):
                    with self._lock:
                        fresh = batch_id not in self._recovered
                        self._recovered.add(batch_id)
                    if fresh:
                        to_recover.append(batch_id)
                elif batch_id in unfinished:
                    self._refresh_watched(batch_id)  # read-only: another process sends it
                    continue
                if batch_id in self._watched:
                    self._refresh_watched(batch_id)  # what happened there until it ended
                    del self._watched[batch_id]
                elif new and not first_survey:
                    self._show_batch(batch_id)  # added by another process meanwhile
            for batch_id in [b for b in self._known if b not in set(present)]:
                self._known.discard(batch_id)
                watched = self._watched.pop(batch_id, None)
                for snapshot in watched.items.values() if watched else ():
                    self._emit(
                        EngineEvent(EventKind.ITEM_REMOVED, batch_id=batch_id, item=snapshot)
                    )
        self._recover(to_recover)

    def _show_batch(self, batch_id: int) -> None:
        batch = self._store.batch(batch_id)
        if batch is None:
            return
        self._emit(EngineEvent(EventKind.BATCH, batch_id=batch_id, batch=batch))
        for stored in self._store.items(batch_id):
            self._emit(EngineEvent(EventKind.ITEM, batch_id=batch_id, item=stored.snapshot))

    def _refresh_watched(self, batch_id: int) -> None:
        """Send events for what another process changed in a batch it holds."""
        watched = self._watched.get(batch_id)
        first = watched is None
        if watched is None:
            watched = self._watched[batch_id] = _Watched()
        batch = self._store.batch(batch_id)
        if batch is None:
            return
        paused = (batch.paused_reason, batch.paused_kind)
        if first or paused != watched.paused:
            watched.paused = paused
            self._emit(EngineEvent(EventKind.BATCH, batch_id=batch_id, batch=batch))
        versions = self._store.versions([batch_id])
        for item_id, (_, updated_at) in sorted(versions.items()):
            known = watched.items.get(item_id)
            if known is not None and known.updated_at == updated_at:
                continue
            snapshot = self._store.snapshot(item_id)
            if snapshot is None:
                continue
            watched.items[item_id] = snapshot
            self._emit(EngineEvent(EventKind.ITEM, batch_id=batch_id, item=snapshot))
        for item_id in [i for i in watched.items if i not in versions]:
            snapshot = watched.items.pop(item_id)
            self._emit(EngineEvent(EventKind.ITEM_REMOVED, batch_id=batch_id, item=snapshot))

    def _schedule_watch(self) -> None:
        with self._lock:
            if self._stopping or not self._started:
                return
            everything = self._scope is None
            scope = set(self._scope or ())
        if everything or self._watched or any(not self._locks.holds(b) for b in scope):
            self._scheduler.call_later(self._watch_interval, self._watch, key=_WATCH_KEY)

    def _watch(self) -> None:
        if self._stopping:
            return
        try:
            self._survey()
            self._pump()
        finally:
            self._schedule_watch()

    def pause(self, batch_id: int | None = None) -> None:
        """Stop sending new photos (of one batch, or all, including batches added while paused);
        workflows already sent are followed."""
        if batch_id is None:
            with self._lock:
                self._held = True
        elif self._busy(batch_id):
            return
        for batch in self._store.batches([batch_id] if batch_id is not None else None):
            if batch.paused_reason is None and self._in_scope(batch.id):
                self._pause_batch(batch.id, USER_PAUSE, _PAUSE_KIND_USER)

    def resume(self, batch_id: int | None = None) -> None:
        """Lift pauses (the user's, credit, key) and carry on sending."""
        if batch_id is None:
            with self._lock:
                self._held = False
        elif self._busy(batch_id):
            return
        for batch in self._store.batches([batch_id] if batch_id is not None else None):
            if batch.paused_reason is None:
                continue
            if self._in_scope(batch.id) or not self.claim_batches([batch.id]):
                self._unpause_batch(batch.id)
            else:
                # Still held there: say so, and show the pause again (the GUI cleared it).
                self._notice(BUSY_ELSEWHERE, batch.id)
                self._emit(EngineEvent(EventKind.BATCH, batch_id=batch.id, batch=batch))
        self._repoll_key_blocked()
        self._pump()

    def cancel_item(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or self._busy(stored.snapshot.batch_id):
            return
        state = stored.snapshot.state
        with self._lock:
            if item_id in self._claimed or state is ItemState.UPLOADING:
                # The upload task decides once its create has an answer (or before it is sent).
                self._cancel_requested.add(item_id)
                if state is ItemState.UPLOADING:
                    return
        if state is ItemState.QUEUED or state is ItemState.PAUSED:
            self._set(item_id, state=ItemState.CANCELLED, error=None)
        elif state.is_remote:
            self._scheduler.cancel(("poll", item_id))
            self._set(item_id, state=ItemState.CANCELLED, error=CANCELLED_REMOTE)

    def retry_item(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or self._busy(stored.snapshot.batch_id):
            return
        state = stored.snapshot.state
        if state is ItemState.SUCCEEDED:
            if self._store.settings(stored.snapshot.batch_id).download_dir and _downloads_missing(
                stored
            ):
                self._failures.pop(("download", item_id), None)
                self._submit(partial(self._download, item_id))
            return
        if state in (ItemState.FAILED, ItemState.CANCELLED):
            self._requeue_fresh(stored)

    def retry_failed(self, batch_id: int) -> int:
        if self._busy(batch_id):
            return 0
        failed = self._store.items(batch_id, states=[ItemState.FAILED])
        for stored in failed:
            self._requeue_fresh(stored)
        return len(failed)

    def resubmit(self, item_id: int) -> None:
        """Send a needs-attention item again: the user checked it was not created (or wants two)."""
        stored = self._store.get(item_id)
        if stored is None or self._busy(stored.snapshot.batch_id):
            return
        if stored.snapshot.state is ItemState.NEEDS_ATTENTION:
            self._requeue_fresh(stored)

    def update_item(
        self,
        item_id: int,
        *,
        title: str | None = None,
        description: str | None = None,
        visibility: Visibility | str | None = None,
        rating: int | str | None = None,
        delivered: bool = False,
        delivered_at: datetime | None = None,
    ) -> None:
        """Change the item's workflow on Vimmerse: recorded in the store before anything is
        sent (one SQLite write in the calling thread), sent on a worker, retried with back-off,
        and kept as `pending_update` (with `update_error` once it cannot land) until it lands
        or the user drops it. Several changes merge, later values winning. `delivered` marks it
        delivered now, `delivered_at` at that time. ITEM events show each step."""
        stored = self._store.get(item_id)
        if stored is None or self._busy(stored.snapshot.batch_id):
            return
        change: dict[str, str] = {}
        if title is not None:
            change["title"] = title
        if description is not None:
            change["description"] = description
        if visibility is not None:
            change["visibility"] = Visibility.parse(visibility).value
        if rating is not None:
            change["rating"] = str(rating)
        if delivered_at is not None or delivered:
            change["delivered_at"] = _stamp(delivered_at or datetime.now(UTC))
        if not change:
            return
        if stored.snapshot.workflow_id is None:
            # Not created yet: title, description and visibility go with its create.
            unsent = self._store.apply_unsent(item_id, change)
            if unsent is not None:
                self._emit_item(unsent)
                if set(change) - {"title", "description", "visibility"}:
                    self._notice(NOT_SENT_YET, stored.snapshot.batch_id)
                return
            current = self._store.get(item_id)
            if current is None or (
                current.snapshot.workflow_id is None
                and current.snapshot.state is not ItemState.UPLOADING
            ):
                self._notice(NOT_SENT_YET, stored.snapshot.batch_id)
                return
            # Being created right now: kept, and sent once the workflow exists.
        self._record_update(item_id, change)

    def retry_update(self, item_id: int) -> None:
        """Send the item's pending change again (after it failed); the user's word."""
        stored = self._store.get(item_id)
        if stored is None or not stored.pending_update or self._busy(stored.snapshot.batch_id):
            return
        self._record_update(item_id, {})

    def drop_update(self, item_id: int) -> None:
        """Give up the item's pending change: the item shows what the server has again."""
        stored = self._store.get(item_id)
        if stored is None or not stored.pending_update or self._busy(stored.snapshot.batch_id):
            return
        self._scheduler.cancel(("update", item_id))
        with self._lock:
            self._failures.pop(("update", item_id), None)
        dropped = self._store.drop_update(item_id)
        if dropped is not None:
            self._emit_item(dropped)

    def delete_item(self, item_id: int, remote: bool) -> None:
        """Forget an item; with `remote`, also delete its workflow (and files) on Vimmerse."""
        stored = self._store.get(item_id)
        if stored is None or self._busy(stored.snapshot.batch_id):
            return
        if stored.snapshot.state is ItemState.UPLOADING or item_id in self._claimed:
            self._notice(
                "This photo is being sent right now. Remove it once it has been sent.",
                stored.snapshot.batch_id,
            )
            return
        if remote and stored.snapshot.workflow_id:
            self._submit(partial(self._run_delete, item_id))
        else:
            self._forget(stored)

    def save_results(
        self,
        item_ids: Sequence[int],
        folder: Path,
        *,
        name_pattern: str = DEFAULT_NAME_PATTERN,
        overwrite: OverwritePolicy = OverwritePolicy.RENAME,
        local_files: Mapping[str, str] | None = None,
    ) -> Future[SaveOutcome]:
        """Save every result of these items into `folder`, on one of the engine's workers
        (returns at once). Names come from `name_pattern` (downloads.item_result_name);
        `local_files` (result URL -> a complete local copy, e.g. a preview already fetched) are
        copied instead of downloaded. Each item's files are recorded in the store as they are
        written (ITEM event; `ItemSnapshot.files`, the report). One NOTICE at the end; the
        returned future then holds the SaveOutcome (it never holds an error for a file that
        could not be saved: that is in `problems`). Its done-callbacks run on a worker."""
        future: Future[SaveOutcome] = Future()
        problem = name_pattern_problem(name_pattern)
        if problem:
            self._notice(problem, None)
            future.set_result(SaveOutcome(folder=str(folder), problems=(problem,)))
            return future
        task = partial(
            self._save_results,
            list(item_ids),
            Path(folder),
            name_pattern,
            overwrite,
            dict(local_files or {}),
            future,
        )
        if self._stopping or not self._try_submit(task):
            future.set_result(SaveOutcome(folder=str(folder), problems=(SAVE_STOPPED,)))
        return future

    def taken_names(
        self, item_ids: Sequence[int], folder: Path, *, name_pattern: str = DEFAULT_NAME_PATTERN
    ) -> list[str]:
        """The result names `save_results` would use that are already in `folder` (so that the
        user is asked what to do, once). Reads the disk: call it on a worker."""
        taken: list[str] = []
        for item_id in item_ids:
            stored = self._store.get(item_id)
            if stored is None:
                continue
            template = self._template_of(stored.snapshot)
            for n, media in enumerate(stored.snapshot.results, start=1):
                name = item_result_name(
                    name_pattern, stored.snapshot, template=template, n=n, media=media
                )
                if (Path(folder) / name).exists():
                    taken.append(name)
        return taken

    def item(self, item_id: int) -> ItemSnapshot | None:
        return self._store.snapshot(item_id)

    def items(self, batch_id: int | None = None) -> list[ItemSnapshot]:
        return [s.snapshot for s in self._store.items(batch_id)]

    def batches(self) -> list[BatchSnapshot]:
        return self._store.batches()

    def set_client(self, client: WorkflowClient) -> None:
        """Use another client (a new key); batches paused for the key carry on."""
        with self._lock:
            self._client = client
        for batch_id, kind in self._store.paused_batches().items():
            if kind == _PAUSE_KIND_KEY and self._in_scope(batch_id):
                self._unpause_batch(batch_id)
        self._repoll_key_blocked()
        # Changes that could not land with the old key (or at all) are tried with the new one;
        # those the server refused still wait for the user.
        for batch_id in self._scope_list():
            for stored in self._store.items(batch_id):
                if stored.pending_update and not stored.update_refused:
                    self._resend_update(stored.snapshot.id)
        self._pump()

    def set_concurrency(self, n: int) -> None:
        with self._lock:
            self._concurrency = max(1, n)
        self._pump()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is left to do right now (True), or `timeout` passes (False)."""
        return self._wait_for(self._is_idle, timeout)

    def wait_submitted(self, batch_id: int, timeout: float | None = None) -> bool:
        """Block until every item of the batch was sent or could not be (or the batch paused)."""

        def done() -> bool:
            with self._lock:
                if any(b == batch_id for b in self._claimed.values()):
                    return False
                stopping = self._stopping
            if not self._locks.holds(batch_id):
                return True  # another process sends it (or it is gone): nothing to wait for here
            if self._store.count([ItemState.UPLOADING], [batch_id]):
                return False
            if stopping or batch_id in self._store.paused_batches():
                return True
            return self._store.count([ItemState.QUEUED], [batch_id]) == 0

        return self._wait_for(done, timeout)

    def shutdown(self, wait: bool = True) -> None:
        """Stop: nothing new starts; with `wait`, creates in flight finish and are recorded."""
        with self._lock:
            self._stopping = True
        self._scheduler.stop()
        if wait:
            self._wait_for(lambda: self._active == 0, None)
        if self._own_executor is not None:
            self._own_executor.shutdown(wait=wait)
        self._release_when_done()

    def _release_when_done(self) -> None:
        """After shutdown, once no task runs: another process may take our batches over."""
        with self._lock:
            if not self._stopping or self._active:
                return
        self._locks.release_all()

    # -- events and bookkeeping ---------------------------------------------------------------

    def _emit(self, event: EngineEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception as exc:  # a broken listener must not break the batch
                self._reporter.report(f"Event listener failed: {describe_exception(exc)}")
        with self._changed:
            self._changed.notify_all()

    def _notice(self, message: str, batch_id: int | None) -> None:
        self._emit(EngineEvent(EventKind.NOTICE, batch_id=batch_id, message=message))

    def _set(self, item_id: int, **changes: Any) -> StoredItem:
        stored = self._store.update(item_id, **changes)
        self._emit_item(stored)
        return stored

    def _emit_item(self, stored: StoredItem) -> None:
        self._emit(
            EngineEvent(EventKind.ITEM, batch_id=stored.snapshot.batch_id, item=stored.snapshot)
        )

    def _forget(self, stored: StoredItem) -> None:
        item_id = stored.snapshot.id
        self._scheduler.cancel(("poll", item_id))
        self._store.delete_item(item_id)
        batch_id = stored.snapshot.batch_id
        self._emit(EngineEvent(EventKind.ITEM_REMOVED, batch_id=batch_id, item=stored.snapshot))
        if self._store.batch(batch_id) is None:  # its last item: the batch went too
            self._locks.release(batch_id)

    def _in_scope(self, batch_id: int) -> bool:
        """This engine works on the batch: it holds its lock."""
        return self._locks.holds(batch_id)

    def _busy(self, batch_id: int) -> bool:
        """Another process works on the batch: tell the user, who asked for a change to it."""
        if self._store.batch(batch_id) is None or not self.claim_batches([batch_id]):
            return False
        self._notice(BUSY_ELSEWHERE, batch_id)
        return True

    def _submit(self, fn: Callable[[], None]) -> None:
        """Hand a task to the executor, counted for `wait_idle`; it never raises."""
        self._try_submit(fn)

    def _try_submit(self, fn: Callable[[], None]) -> bool:
        """`_submit`, telling whether the executor took the task (False: shutting down)."""
        with self._lock:
            self._active += 1

        def run() -> None:
            try:
                fn()
            except Exception as exc:
                self._reporter.report(f"Unexpected failure in a worker: {describe_exception(exc)}")
            finally:
                with self._changed:
                    self._active -= 1
                    self._changed.notify_all()
                    last = self._stopping and self._active == 0
                if last:
                    self._release_when_done()

        try:
            self._executor.submit(run)
        except RuntimeError:  # the executor is shutting down
            with self._changed:
                self._active -= 1
                self._changed.notify_all()
            return False
        return True

    def _is_idle(self) -> bool:
        with self._lock:
            if self._active or self._claimed:
                return False
            started, stopping = self._started, self._stopping
        if self._scheduler.pending(exclude=(_WATCH_KEY,)):
            return False
        if not started or stopping:
            return True
        return not self._store.queued_ids(1, self._scope_list())

    def _wait_for(self, done: Callable[[], bool], timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if done():
                return True
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            with self._changed:
                # Short waits as well: some conditions (the scheduler's heap) do not notify us.
                self._changed.wait(0.05 if remaining is None else min(0.05, remaining))

    def _scope_list(self) -> list[int]:
        """The batches this engine sends: those whose lock it holds."""
        return sorted(self._locks.held())

    def _pause_batch(self, batch_id: int, reason: str, kind: str) -> None:
        current = self._store.batch(batch_id)
        if current is not None and current.paused_reason == reason:
            return
        snapshot = self._store.set_paused(batch_id, reason, kind)
        self._emit(EngineEvent(EventKind.BATCH, batch_id=batch_id, batch=snapshot))
        for stored in self._store.items(batch_id, states=[ItemState.PAUSED]):
            self._emit_item(stored)

    def _unpause_batch(self, batch_id: int) -> None:
        snapshot = self._store.set_paused(batch_id, None, None)
        self._emit(EngineEvent(EventKind.BATCH, batch_id=batch_id, batch=snapshot))
        for stored in self._store.items(batch_id, states=[ItemState.QUEUED]):
            self._emit_item(stored)

    def _fail_count(self, kind: str, item_id: int) -> int:
        with self._lock:
            count = self._failures.get((kind, item_id), 0) + 1
            self._failures[(kind, item_id)] = count
            return count

    def _requeue_fresh(self, stored: StoredItem) -> None:
        """Back to the queue as if new (after the user's word): a new create will be made."""
        item_id = stored.snapshot.id
        with self._lock:
            for kind in ("upload", "download", "poll"):
                self._failures.pop((kind, item_id), None)
            self._not_before.pop(item_id, None)
        self._scheduler.cancel(("poll", item_id))
        self._scheduler.cancel(("update", item_id))
        self._store_photos_for_recheck(stored)
        # A change kept for the old workflow: what the create carries goes with the new one
        # (the snapshot already shows it), the rest is dropped with the old workflow.
        pending = stored.pending_update or {}
        carried = {k: pending[k] for k in ("title", "description", "visibility") if k in pending}
        self._store.drop_update(item_id)
        self._set(
            item_id,
            **carried,
            state=ItemState.QUEUED,
            error=None,
            workflow_id=None,
            status_text="",
            progress=0,
            results=(),
            downloads=(),
        )
        self._pump()

    def _store_photos_for_recheck(self, stored: StoredItem) -> None:
        # The user may have fixed the file since: intake looks at it afresh before sending.
        if stored.photos:
            photos = [dict(p, recheck=True) for p in stored.photos]
            self._store.set_photos(stored.snapshot.id, photos)

    # -- sending ------------------------------------------------------------------------------

    def _pump(self) -> None:
        """Start uploads while slots are free; schedule itself for when waiting items are due."""
        to_start: list[int] = []
        with self._lock:
            if not self._started or self._stopping:
                return
            free = self._concurrency - len(self._claimed)
            if free <= 0:
                return
            wait = self._client.governor.delay_remaining()
            if wait > 0:
                self._scheduler.call_later(wait, self._pump)
                return
            now = time.monotonic()
            limit = free + len(self._claimed) + len(self._not_before)
            soonest: float | None = None
            for item_id, batch_id in self._store.queued(limit, self._scope_list()):
                if item_id in self._claimed:
                    continue
                due = self._not_before.get(item_id)
                if due is not None and due > now:
                    soonest = due if soonest is None else min(soonest, due)
                    continue
                self._not_before.pop(item_id, None)
                self._claimed[item_id] = batch_id
                to_start.append(item_id)
                if len(to_start) >= free:
                    break
            if soonest is not None and len(to_start) < free:
                self._scheduler.call_later(soonest - now, self._pump)
        for item_id in to_start:
            self._submit(partial(self._upload, item_id))

    def _upload(self, item_id: int) -> None:
        try:
            self._upload_one(item_id)
        finally:
            with self._lock:
                self._claimed.pop(item_id, None)
                self._cancel_requested.discard(item_id)
            self._pump()

    def _requeue(self, item_id: int, delay: float, message: str | None) -> None:
        with self._lock:
            self._not_before[item_id] = time.monotonic() + delay
        self._set(item_id, state=ItemState.QUEUED, error=message)
        self._scheduler.call_later(delay, self._pump)

    def _upload_one(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or stored.snapshot.state is not ItemState.QUEUED:
            return
        snap = stored.snapshot
        if snap.batch_id in self._store.paused_batches():
            return
        settings = self._store.settings(snap.batch_id)
        files: list[Path] = []
        try:
            photos = self._photos_to_send(stored)
            for photo in photos:
                files.append(prepare_upload(photo, self._cache_dir, strip_gps=settings.strip_gps))
        except PhotoChangedError as exc:
            self._set(item_id, state=ItemState.NEEDS_ATTENTION, error=str(exc))
            return
        except IntakeError as exc:
            self._set(item_id, state=ItemState.FAILED, error=str(exc))
            return
        except OSError as exc:
            self._set(
                item_id,
                state=ItemState.FAILED,
                error=f"The photo could not be read ({exc.strerror or 'unknown error'}).",
            )
            return
        urls = list(snap.sources) if snap.kind == "url" else []
        with self._lock:
            if self._stopping:
                return
            if item_id in self._cancel_requested:
                self._set(item_id, state=ItemState.CANCELLED, error=None)
                return
            client = self._client
            # Written before the create goes out: from here on it may exist on the server. The
            # compare-and-set fails when the item is no longer queued: taken by another
            # engine or process, paused, cancelled or removed meanwhile.
            claimed = self._store.claim_upload(item_id)
        if claimed is None:
            self._drop_converted(files, photos)
            return
        self._emit_item(claimed)
        # From the row as claimed: a title, description or visibility set until the claim goes
        # with the create (later ones are kept as a pending change, sent once it exists).
        sending = claimed.snapshot
        request = CreateRequest(
            files=files,
            urls=urls,
            template_id=settings.template_id,
            options=dict(settings.options),
            visibility=sending.visibility or settings.visibility,
            title=sending.title,
            description=sending.description,
            event_id=settings.event_id,
        )
        try:
            workflow = client.create(
                request, attempts=1, on_progress=self._upload_progress(claimed.snapshot)
            )
        except (KeyMissingError, KeyRefusedError) as exc:
            self._set(item_id, state=ItemState.QUEUED, error=None)
            self._pause_batch(snap.batch_id, str(exc), _PAUSE_KIND_KEY)
        except InsufficientCreditError as exc:
            self._set(item_id, state=ItemState.QUEUED, error=None)
            self._pause_batch(snap.batch_id, str(exc), _PAUSE_KIND_CREDIT)
        except RateLimitedError as exc:
            delay = max(client.governor.delay_remaining(), exc.retry_after or 0.0)
            if delay <= 0:
                delay = self._backoff.delay(self._fail_count("upload", item_id))
            self._requeue(item_id, delay, str(exc))
        except (ServerError, NetworkError) as exc:
            # The client only lets these through when nothing can have been created.
            self._requeue(
                item_id, self._backoff.delay(self._fail_count("upload", item_id)), str(exc)
            )
        except MaybeCreatedError as exc:
            self._set(item_id, state=ItemState.NEEDS_ATTENTION, error=str(exc))
            if exc.status is not None and 200 <= exc.status < 300:
                self._reporter.report(
                    f"Create answer unreadable: {exc.detail}", file_name=_base_name(snap)
                )
        except (ValidationError, BadRequestError, NotFoundError) as exc:
            self._set(item_id, state=ItemState.FAILED, error=str(exc))
        except ApiError as exc:
            self._set(item_id, state=ItemState.FAILED, error=str(exc))
            self._reporter.report(
                f"Unexpected answer to a create: {type(exc).__name__} {exc.status}",
                file_name=_base_name(snap),
            )
        except CancelledError:
            self._set(item_id, state=ItemState.NEEDS_ATTENTION, error=STOPPED_MID_UPLOAD)
        except Exception as exc:
            self._set(item_id, state=ItemState.NEEDS_ATTENTION, error=UNEXPECTED_SEND)
            self._reporter.report(
                f"Create failed unexpectedly: {describe_exception(exc)}", file_name=_base_name(snap)
            )
        else:
            with self._lock:
                cancelled = item_id in self._cancel_requested
                self._failures.pop(("upload", item_id), None)
            if cancelled:
                self._set(
                    item_id,
                    state=ItemState.CANCELLED,
                    workflow_id=workflow.id,
                    error=CANCELLED_AFTER_SEND,
                )
            else:
                stored = self._set(
                    item_id,
                    state=ItemState.SUBMITTED,
                    workflow_id=workflow.id,
                    status_text=workflow.processing_status,
                    progress=workflow.progress,
                    **_details_of(workflow),
                )
                if stored.pending_update:  # changed while it was being created
                    self._resend_update(item_id)
                self._follow(stored, workflow, changed=True)
            self._drop_converted(files, photos)

    def _upload_progress(self, snapshot: ItemSnapshot) -> Callable[[int, int], None]:
        """ITEM events with the share of the upload sent, a few a second (not stored)."""
        throttle = ProgressThrottle(UPLOAD_PROGRESS_INTERVAL)

        def on_progress(sent: int, total: int) -> None:
            percent = throttle(sent, total)
            if percent is not None and not self._stopping:
                self._emit(
                    EngineEvent(
                        EventKind.ITEM,
                        batch_id=snapshot.batch_id,
                        item=replace(snapshot, progress=percent, updated_at=time.time()),
                    )
                )

        return on_progress

    def _photos_to_send(self, stored: StoredItem) -> list[Photo]:
        photos: list[Photo] = []
        rechecked = False
        records: list[dict[str, Any]] = []
        for record in stored.photos:
            if record.get("recheck"):
                photo = inspect(record["path"])
                rechecked = True
                if photo.problem is not None:
                    raise IntakeError(photo.problem_code or ProblemCode.CORRUPT, photo.problem)
                records.append(photo_record(photo))
            else:
                photo = photo_from_record(record)
                records.append(record)
            photos.append(photo)
        if rechecked:
            self._store.set_photos(stored.snapshot.id, records)
        return photos

    def _drop_converted(self, files: list[Path], photos: list[Photo]) -> None:
        originals = {p.path for p in photos}
        for path in files:
            if path not in originals and self._cache_dir in path.parents:
                path.unlink(missing_ok=True)

    # -- following ----------------------------------------------------------------------------

    def _schedule_poll(self, item_id: int, delay: float) -> None:
        self._scheduler.call_later(delay, partial(self._poll_one, item_id), key=("poll", item_id))

    def _repoll_key_blocked(self) -> None:
        with self._lock:
            blocked = list(self._key_blocked)
            self._key_blocked.clear()
        for item_id in blocked:
            self._schedule_poll(item_id, 0.0)

    def _poll_one(self, item_id: int) -> None:
        if self._stopping:
            return
        stored = self._store.get(item_id)
        # Finished workflows are never asked again.
        if stored is None or not stored.snapshot.state.is_remote or not stored.snapshot.workflow_id:
            return
        workflow_id = stored.snapshot.workflow_id
        try:
            workflow = self._client.get(workflow_id)
        except NotFoundError as exc:
            self._set(item_id, state=ItemState.FAILED, error=str(exc))
            return
        except (KeyMissingError, KeyRefusedError) as exc:
            with self._lock:
                self._key_blocked.add(item_id)
            self._pause_batch(stored.snapshot.batch_id, str(exc), _PAUSE_KIND_KEY)
            return
        except CancelledError:
            return
        except ApiError as exc:
            if isinstance(exc, MalformedResponseError):
                self._reporter.report(
                    f"Status answer unreadable: {exc.detail}", workflow_id=workflow_id
                )
            self._schedule_poll(item_id, self._backoff.delay(self._fail_count("poll", item_id)))
            return
        except Exception as exc:
            self._reporter.report(
                f"Status check failed unexpectedly: {describe_exception(exc)}",
                workflow_id=workflow_id,
            )
            self._schedule_poll(item_id, self._backoff.delay(self._fail_count("poll", item_id)))
            return
        with self._lock:
            self._failures.pop(("poll", item_id), None)
        current = self._store.get(item_id)
        if current is None or not current.snapshot.state.is_remote:
            return  # cancelled or deleted meanwhile
        snap = current.snapshot
        changed = (
            workflow.processing_status != snap.status_text
            or workflow.progress != snap.progress
            or snap.state is ItemState.SUBMITTED
        )
        if changed and not workflow.is_finished:
            current = self._set(
                item_id,
                state=ItemState.RUNNING,
                status_text=workflow.processing_status,
                progress=workflow.progress,
            )
        # Only a new status name brings polling back to its fastest: progress creeps up on
        # almost every answer and would otherwise keep a long workflow at the first interval.
        status_changed = workflow.processing_status != snap.status_text or (
            snap.state is ItemState.SUBMITTED
        )
        self._follow(current, workflow, changed=status_changed)

    def _follow(self, stored: StoredItem, workflow: Workflow, *, changed: bool) -> None:
        """Act on a workflow's state: finish the item, start downloads, or poll again later."""
        item_id = stored.snapshot.id
        if workflow.succeeded:
            self._poll_interval.pop(item_id, None)
            settings = self._store.settings(stored.snapshot.batch_id)
            if settings.download_dir and workflow.result:
                known = {d.url: d for d in stored.downloads}
                downloads = tuple(known.get(m.url, Download(url=m.url)) for m in workflow.result)
                self._set(
                    item_id,
                    state=ItemState.RUNNING,
                    status_text=workflow.processing_status,
                    progress=100,
                    results=workflow.result,
                    downloads=downloads,
                )
                self._submit(partial(self._download, item_id))
            else:
                self._set(
                    item_id,
                    state=ItemState.SUCCEEDED,
                    status_text=workflow.processing_status,
                    progress=100,
                    results=workflow.result,
                    error=None,
                )
        elif workflow.failed:
            self._poll_interval.pop(item_id, None)
            cancelled = workflow.processing_status.strip().lower() == "cancel"
            self._set(
                item_id,
                state=ItemState.FAILED,
                status_text=workflow.processing_status,
                error=WORKFLOW_CANCELLED if cancelled else WORKFLOW_FAILED,
            )
        else:
            with self._lock:
                interval = self._poll.next_interval(self._poll_interval.get(item_id), changed)
                self._poll_interval[item_id] = interval
            self._schedule_poll(item_id, interval)

    # -- downloading --------------------------------------------------------------------------

    def _download(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or stored.snapshot.state not in (ItemState.RUNNING, ItemState.SUCCEEDED):
            return
        snap = stored.snapshot
        settings = self._store.settings(snap.batch_id)
        if not settings.download_dir:
            return
        folder = Path(settings.download_dir)
        downloads = list(stored.downloads)
        if not downloads and snap.results:
            downloads = [Download(url=m.url) for m in snap.results]
        results = {m.url: m for m in snap.results}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for index, entry in enumerate(downloads):
                if entry.done or entry.skipped:
                    continue
                if self._stopping:
                    return
                if entry.path is None:
                    name = item_result_name(
                        settings.name_pattern,
                        snap,
                        template=settings.template_id,
                        n=index + 1,
                        media=results.get(entry.url) or MediaFile("", entry.url),
                    )
                    target = choose_target(folder, name, settings.overwrite)
                    entry = (
                        replace(entry, skipped=True)
                        if target is None
                        else replace(entry, path=str(target))
                    )
                    downloads[index] = entry
                    # The chosen name is stored before the file is written: a resumed download
                    # reuses it instead of saving a renamed second copy.
                    self._store.update(item_id, downloads=tuple(downloads))
                    if entry.skipped:
                        continue
                assert entry.path is not None
                self._client.download(entry.url, Path(entry.path))
                downloads[index] = replace(entry, done=True)
                self._set(item_id, downloads=tuple(downloads))
        except CancelledError:
            return
        except (ApiError, OSError) as exc:
            failures = self._fail_count("download", item_id)
            retryable = isinstance(exc, ApiError) and exc.retryable
            if retryable and failures < self._backoff.download_attempts and not self._stopping:
                self._scheduler.call_later(
                    self._backoff.delay(failures),
                    lambda: self._submit(partial(self._download, item_id)),
                )
                return
            reason = str(exc) if isinstance(exc, ApiError) else (exc.strerror or str(exc))
            self._set(
                item_id,
                state=ItemState.SUCCEEDED,
                error=f"The result could not be saved: {reason}",
            )
            return
        with self._lock:
            self._failures.pop(("download", item_id), None)
        self._set(item_id, state=ItemState.SUCCEEDED, error=None)

    def _template_of(self, snapshot: ItemSnapshot) -> str:
        try:
            return self._store.settings(snapshot.batch_id).template_id
        except KeyError:  # its batch went meanwhile
            return ""

    def _save_results(
        self,
        item_ids: list[int],
        folder: Path,
        pattern: str,
        policy: OverwritePolicy,
        local_files: dict[str, str],
        future: Future[SaveOutcome],
    ) -> None:
        try:
            outcome = self._save_into(item_ids, folder, pattern, policy, local_files)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        message = f"Saved {outcome.count} file{'s' if outcome.count != 1 else ''} to "
        message += f"{folder.name or folder}."
        if outcome.problems:
            message += f" {len(outcome.problems)} could not be saved ({outcome.problems[0]})."
        self._notice(message, None)
        future.set_result(outcome)

    def _save_into(
        self,
        item_ids: list[int],
        folder: Path,
        pattern: str,
        policy: OverwritePolicy,
        local_files: dict[str, str],
    ) -> SaveOutcome:
        # One file after the other: with "keep both", each name is chosen once the files
        # before it are on disk, so two results never take the same name.
        saved: dict[int, tuple[str, ...]] = {}
        skipped = 0
        problems: list[str] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = f"The folder could not be made: {exc.strerror or exc}"
            return SaveOutcome(folder=str(folder), problems=(problem,))
        for item_id in item_ids:
            if self._stopping:
                problems.append(SAVE_STOPPED)
                break
            stored = self._store.get(item_id)
            if stored is None:
                continue
            snap = stored.snapshot
            template = self._template_of(snap)
            written: list[str] = []
            for n, media in enumerate(snap.results, start=1):
                name = item_result_name(pattern, snap, template=template, n=n, media=media)
                target = choose_target(folder, name, policy)
                if target is None:
                    skipped += 1
                    continue
                source = local_files.get(media.url)
                try:
                    if source and Path(source).is_file():
                        copy_result(Path(source), target)
                    else:
                        self._client.download(media.url, target)
                except CancelledError:
                    problems.append(f"{name}: {SAVE_STOPPED}")
                    break
                except (ApiError, OSError) as exc:
                    reason = str(exc) if isinstance(exc, ApiError) else (exc.strerror or str(exc))
                    problems.append(f"{name}: {reason}")
                    continue
                written.append(str(target))
            if written:
                saved[item_id] = tuple(written)
                recorded = self._store.add_saved_files(item_id, written)
                if recorded is not None:
                    self._emit_item(recorded)
        return SaveOutcome(
            folder=str(folder), saved=saved, skipped=skipped, problems=tuple(problems)
        )

    # -- updates and deletes --------------------------------------------------------------------

    def _record_update(self, item_id: int, change: dict[str, str]) -> None:
        """Store the change (merged; its error cleared) before it is sent, then send it now."""
        stored = self._store.merge_update(item_id, change)
        if stored is None:
            return
        self._emit_item(stored)
        self._scheduler.cancel(("update", item_id))
        with self._lock:
            self._failures.pop(("update", item_id), None)
        self._submit(partial(self._run_update, item_id))

    def _resend_update(self, item_id: int) -> None:
        """Send a kept change again without the user's word (restart, new key, just created)."""
        self._record_update(item_id, {})

    def _run_update(self, item_id: int) -> None:
        """One change of an item on its way at a time; a newer one waits for it to settle."""
        with self._lock:
            if item_id in self._updating:
                self._update_again.add(item_id)
                return
            self._updating.add(item_id)
        try:
            self._send_update(item_id)
        finally:
            with self._lock:
                self._updating.discard(item_id)
                again = item_id in self._update_again
                self._update_again.discard(item_id)
            if again and not self._stopping:
                self._submit(partial(self._run_update, item_id))

    def _send_update(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or not stored.pending_update or not stored.snapshot.workflow_id:
            return
        if stored.snapshot.update_error:
            return  # it could not land: waits for the user's word (or the next start)
        change = dict(stored.pending_update)
        # The contract: a PUT without delivered_at (or with null) stamps the current time.
        # For an item the user marked delivered we send that time (the new mark, or the known
        # one again) so the server keeps the right one. For an item never marked delivered,
        # the server's stamp on a rating or a title is an API quirk we cannot avoid: nothing
        # can be sent to prevent it, and the engine ignores it (the user's mark is separate).
        delivered_at = parse_timestamp(
            change.get("delivered_at") or stored.confirmed.get("delivered_at")
        )
        snap = stored.snapshot
        try:
            self._client.update(
                str(snap.workflow_id),
                title=change.get("title"),
                description=change.get("description"),
                visibility=change.get("visibility"),
                rating=change.get("rating"),
                delivered_at=delivered_at,
            )
        except CancelledError:
            return  # stopped: stays pending, sent again on the next start
        except (KeyMissingError, KeyRefusedError) as exc:
            self._update_failed(stored, change, str(exc), refused=False)  # again with a new key
            return
        except ApiError as exc:
            if exc.retryable:
                failures = self._fail_count("update", item_id)
                if self._stopping:
                    return  # stays pending, sent again on the next start
                if failures < self._backoff.update_attempts:
                    self._scheduler.call_later(
                        self._backoff.delay(failures),
                        partial(self._run_update, item_id),
                        key=("update", item_id),
                    )
                    return
            self._update_failed(stored, change, str(exc), refused=not exc.retryable)
            return
        except Exception as exc:
            self._reporter.report(
                f"Update failed unexpectedly: {describe_exception(exc)}",
                workflow_id=snap.workflow_id,
            )
            self._update_failed(stored, change, UNEXPECTED_UPDATE, refused=False)
            return
        with self._lock:
            self._failures.pop(("update", item_id), None)
        # What landed is what was sent (title, rating, ... and the user's delivered mark); the
        # delivered_at the server echoes for an item never marked delivered is ignored.
        settled = self._store.settle_update(item_id, change)
        if settled is not None:
            self._emit_item(settled)

    def _update_failed(
        self, stored: StoredItem, change: dict[str, str], error: str, *, refused: bool
    ) -> None:
        item_id = stored.snapshot.id
        with self._lock:
            self._failures.pop(("update", item_id), None)
        failed = self._store.fail_update(item_id, change, error, refused=refused)
        if failed is None:
            return  # changed or dropped meanwhile: the newer change goes out on its own
        self._emit_item(failed)
        self._notice(
            f"“{failed.snapshot.title}” could not be changed: {error}", failed.snapshot.batch_id
        )

    def _run_delete(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or not stored.snapshot.workflow_id:
            return
        try:
            self._client.delete(stored.snapshot.workflow_id)
        except NotFoundError:
            pass  # already gone on the server: forgetting it here is what the user wants
        except ApiError as exc:
            self._notice(
                f"“{stored.snapshot.title}” could not be deleted on Vimmerse: {exc}",
                stored.snapshot.batch_id,
            )
            return
        self._forget(stored)


class _Dispatch:
    """The Scheduler's executor: due tasks go through the engine's counted `_submit`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def submit(self, fn: Callable[[], None]) -> None:
        if fn == self._engine._pump:  # cheap: no worker needed to decide what to start
            fn()
        else:
            self._engine._submit(fn)


def _downloads_missing(stored: StoredItem) -> bool:
    """Results exist that are neither saved nor skipped (or were never planned)."""
    if not stored.snapshot.results:
        return False
    if not stored.downloads:
        return True
    return any(not (d.done or d.skipped) for d in stored.downloads)


def _stamp(moment: datetime) -> str:
    """A delivered time as stored and shown: ISO 8601 in UTC, to the second."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _details_of(workflow: Workflow) -> dict[str, str]:
    """Description and visibility as the server's answer gives them (where it gives them)."""
    details: dict[str, str] = {}
    if workflow.visibility is not None:
        details["visibility"] = workflow.visibility.value
    if workflow.description:
        details["description"] = workflow.description
    return details


def _base_name(snapshot: ItemSnapshot) -> str | None:
    if not snapshot.sources:
        return None
    first = snapshot.sources[0]
    return PurePosixPath(urlsplit(first).path).name if snapshot.kind == "url" else Path(first).name
