"""The batch engine's façade: `Engine` puts its parts together and answers the commands of the
GUI and the command line. The work itself is done by the parts:

uploads.py (sending), following.py (polling), saving.py (result files), updates.py (changes
to workflows), sharing.py (batch locks, batches of other processes), recovery.py (picking up
interrupted work), events.py (listeners), tasks.py (workers, waiting).

Every state is written to the store before the action it announces; network work runs on the
Executor's workers; waits (poll back-off, retry delays, the rate governor) are entries in the
Scheduler, so no worker and no upload slot is held while waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Unpack

from app.api import ApiError, NotFoundError, WorkflowChanges, WorkflowClient
from app.engine.batch_items import new_items
from app.engine.connection import HEARTBEAT_KEY, Connection
from app.engine.crew import Crew
from app.engine.downloads import item_stem as item_stem  # where callers have found it
from app.engine.downloads import name_pattern_problem
from app.engine.error_reports import ErrorReporter
from app.engine.events import Events, Listener
from app.engine.executor import Executor, ThreadExecutor
from app.engine.following import Following
from app.engine.locks import LOCKS_DIR, BatchLocks
from app.engine.made_ledger import MadeBefore, claim_items, skipped_words
from app.engine.model import (
    DEFAULT_NAME_PATTERN,
    PAUSED_BY_USER,
    PAUSED_FOR_KEY,
    PAUSED_FOR_STORE,
    BatchSettings,
    BatchSnapshot,
    ConnectionState,
    ItemSnapshot,
    ItemState,
    OverwritePolicy,
    SaveOutcome,
)
from app.engine.polling import Backoff, PollPolicy
from app.engine.recovery import Recovery
from app.engine.saving import SAVE_STOPPED, Saving
from app.engine.scheduler import Scheduler
from app.engine.sharing import BUSY_ELSEWHERE, WATCH_KEY, Sharing
from app.engine.store import JobStore, StoredItem
from app.engine.store_errors import StoreError
from app.engine.tasks import Tasks
from app.engine.throughput import ThroughputMeter, UploadPace
from app.engine.updates import Updates, change_of
from app.engine.uploads import Uploads, carried_into_create
from app.images import Photo, prune_upload_cache

log = logging.getLogger(__name__)

# How long `shutdown` waits for work in flight before it returns anyway (a request that hangs
# must not hold the quit; the store says what that work had reached, recovery does the rest).
SHUTDOWN_GRACE = 2.0

CANCELLED_REMOTE = "Cancelled. The workflow already sent to Vimmerse may still finish there."
USER_PAUSE = "Paused."
STILL_SENDING = "This photo is being sent right now. Remove it once it has been sent."
CANCELLED_UNSURE = (
    "Cancelled without sending it again. If Vimmerse did create its workflow, it is not "
    "followed here."
)


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
    recovers it) only while it holds the batch's lock (sharing.py). A batch locked by another
    live vimbatch process is read-only here: its items are re-read from the store every
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
        self._lock = threading.Lock()
        self._held = False  # pause() of everything: new batches start paused too
        self._store_problem: StoreError | None = None  # the job list cannot be written
        self._own_executor: ThreadExecutor | None = None
        if executor is None:
            # Uploads use at most `concurrency` workers; the rest keep polls and downloads going.
            self._own_executor = ThreadExecutor(max_workers=min(16, max(1, concurrency) + 4))
            executor = self._own_executor
        self._cache_dir = cache_dir or store.path.parent / "cache"
        backoff = backoff or Backoff()

        def current_client() -> WorkflowClient:
            with self._lock:
                return self._client

        self._reporter = ErrorReporter(
            current_client, enabled=error_reports, run=lambda fn: self._tasks.submit(fn)
        )
        self._tasks = Tasks(
            executor,
            report=self._reporter.report,
            on_last=self._release_locks,
            on_store_error=self._store_failed,
        )
        self._scheduler = Scheduler(_Dispatch(self))
        self._events = Events(store, report=self._reporter.report, wake=self._tasks.wake)
        self._connection = Connection(
            client=current_client,
            events=self._events,
            scheduler=self._scheduler,
            tasks=self._tasks,
            backoff=backoff,
            on_online=self._back_online,
            watching=lambda: self._following.following(),
        )
        crew = Crew(
            connection=self._connection,
            store=store,
            client=current_client,
            events=self._events,
            tasks=self._tasks,
            scheduler=self._scheduler,
            backoff=backoff,
            reporter=self._reporter,
        )
        self._updates = Updates(crew)
        self._saving = Saving(crew)
        self._following = Following(crew, poll=poll or PollPolicy(), saving=self._saving)
        self._sharing = Sharing(
            store,
            BatchLocks(store.path.parent / LOCKS_DIR),
            watch_interval=watch_interval,
            recover=lambda batch_ids: self._recovery.recover(batch_ids),
            pump=lambda: self._uploads.pump(),
            events=self._events,
            tasks=self._tasks,
            scheduler=self._scheduler,
        )
        self._meter = ThroughputMeter()
        self._uploads = Uploads(
            crew,
            following=self._following,
            updates=self._updates,
            batches=self._sharing.held,
            cache_dir=self._cache_dir,
            concurrency=concurrency,
            meter=self._meter,
        )
        client.on_unreachable = self._connection.failed_to_connect
        self._recovery = Recovery(
            store,
            events=self._events,
            uploads=self._uploads,
            following=self._following,
            saving=self._saving,
            updates=self._updates,
        )

    # -- public API ------------------------------------------------------------------------

    @property
    def store(self) -> JobStore:
        return self._store

    @property
    def client(self) -> WorkflowClient:
        return self._client

    @property
    def connection(self) -> ConnectionState:
        """The connection to Vimmerse now (CONNECTION events announce each change)."""
        return self._connection.state

    @property
    def store_problem(self) -> StoreError | None:
        """Why the job list cannot be written, while it cannot (sending is paused until
        `resume`); None when all is well."""
        with self._lock:
            return self._store_problem

    @property
    def error_reports(self) -> bool:
        return self._reporter.enabled

    @error_reports.setter
    def error_reports(self, enabled: bool) -> None:
        self._reporter.enabled = enabled

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._events.subscribe(listener)

    def create_batch(
        self,
        settings: BatchSettings,
        photos: Sequence[Photo] = (),
        urls: Sequence[str] = (),
        *,
        again: bool = False,
    ) -> int:
        """`again`: make photos whose content was already made with these settings (the
        ledger, made_ledger.py) instead of storing them cancelled as "already made"."""
        items, duplicates = new_items(settings, photos, urls, datetime.now())
        with self._lock:
            held = self._held
        skipped: dict[int, MadeBefore] = {}

        def before_commit(batch_id: int) -> None:
            # The ledger is claimed in the batch's own transaction: atomic across processes.
            with self._store.writing() as db:
                skipped.update(claim_items(db, batch_id, settings, again=again))
            self._sharing.take_new(batch_id)

        # The lock is taken before the batch is visible to any other process, and a batch
        # created while everything is paused is stored paused: no pump ever sees it queued.
        batch_id, _ = self._store.add_batch(
            settings,
            items,
            before_commit=before_commit,
            paused=(USER_PAUSE, PAUSED_BY_USER) if held else None,
        )
        self._sharing.created(batch_id)
        log.info(
            "Batch %d created: %d item(s), template %s", batch_id, len(items), settings.template_id
        )
        self._events.show_batch(batch_id)
        if skipped:
            self._events.notice(
                skipped_words(len(skipped), list(skipped.values())) + ": skipped.", batch_id
            )
        if duplicates:
            copies = "1 photo was" if duplicates == 1 else f"{duplicates} photos were"
            self._events.notice(
                f"{copies} left out because they are copies of other photos in this batch.",
                batch_id,
            )
        self._uploads.pump()
        return batch_id

    def start(self, batch_ids: Collection[int] | None = None) -> None:
        """Recover unfinished work (of `batch_ids`, or of every batch) and run.

        Batches another vimbatch process works on are left to it (read-only here, see the
        class notes) and taken over when it ends; with `batch_ids` None, so are batches that
        other processes add to the store later."""
        first = self._tasks.start()
        if first is None:
            return  # stopping
        self._sharing.widen(batch_ids, first_start=first)
        if first:
            # Converted and location-free copies pile up otherwise; one folder scan, on a worker.
            self._tasks.submit(partial(prune_upload_cache, self._cache_dir))
        self._sharing.survey()
        self._sharing.schedule_watch()
        self._uploads.pump()

    def claim_batches(self, batch_ids: Collection[int]) -> set[int]:
        """Take these batches for this engine where no other process works on them; returns
        the ids that another vimbatch window or process is working on right now."""
        return self._sharing.claim(batch_ids)

    def busy_batches(self) -> set[int]:
        """Batches this engine shows read-only because another process works on them."""
        return self._sharing.watched()

    def pause(self, batch_id: int | None = None) -> None:
        """Stop sending new photos (of one batch, or all, including batches added while paused);
        workflows already sent are followed."""
        if batch_id is None:
            with self._lock:
                self._held = True
        elif self._sharing.busy(batch_id):
            return
        for batch in self._store.batches(None if batch_id is None else [batch_id]):
            if batch.paused_reason is None and self._sharing.holds(batch.id):
                self._events.set_paused(batch.id, USER_PAUSE, PAUSED_BY_USER)

    def resume(self, batch_id: int | None = None) -> None:
        """Lift pauses (the user's, credit, key, job list) and carry on sending."""
        self._store_works_again()
        if batch_id is None:
            with self._lock:
                self._held = False
        elif self._sharing.busy(batch_id):
            return
        for batch in self._store.batches(None if batch_id is None else [batch_id]):
            if batch.paused_reason is None:
                continue
            if self._sharing.holds(batch.id) or not self._sharing.claim([batch.id]):
                self._events.set_paused(batch.id, None, None)
            else:
                # Still held there: say so, and show the pause again (the GUI cleared it).
                self._events.notice(BUSY_ELSEWHERE, batch.id)
                self._events.batch(batch)
        self._following.repoll_key_blocked()
        self._uploads.pump()

    def cancel_item(self, item_id: int) -> None:
        stored = self._commandable(item_id)
        if stored is None:
            return
        state = stored.snapshot.state
        if self._uploads.request_cancel(item_id, state):
            return
        if state is ItemState.QUEUED or state is ItemState.PAUSED:
            self._events.set(item_id, state=ItemState.CANCELLED, error=None)
        elif state.is_remote:
            self._following.stop(item_id)
            self._events.set(item_id, state=ItemState.CANCELLED, error=CANCELLED_REMOTE)
        elif state is ItemState.NEEDS_ATTENTION:
            # The user's answer to "Resubmit or Cancel": nothing is sent again or waited for.
            self._events.set(item_id, state=ItemState.CANCELLED, error=CANCELLED_UNSURE)

    def retry_item(self, item_id: int) -> None:
        stored = self._commandable(item_id)
        if stored is None:
            return
        state = stored.snapshot.state
        if state is ItemState.SUCCEEDED:
            self._saving.download_again(stored)
        elif state in (ItemState.FAILED, ItemState.CANCELLED):
            self._send_afresh(stored)

    def retry_failed(self, batch_id: int) -> int:
        if self._sharing.busy(batch_id):
            return 0
        failed = self._store.items(batch_id, states=[ItemState.FAILED])
        for stored in failed:
            self._send_afresh(stored)
        return len(failed)

    def resubmit(self, item_id: int) -> None:
        """Send a needs-attention item again: the user checked it was not created (or wants two)."""
        stored = self._commandable(item_id)
        if stored is not None and stored.snapshot.state is ItemState.NEEDS_ATTENTION:
            self._send_afresh(stored)

    def update_item(self, item_id: int, **changes: Unpack[WorkflowChanges]) -> None:
        """Change the item's workflow on Vimmerse: recorded in the store before anything is
        sent (one SQLite write in the calling thread), sent on a worker, retried with back-off,
        and kept as `pending_update` (with `update_error` once it cannot land) until it lands
        or the user drops it. Several changes merge, later values winning. `delivered` marks it
        delivered now, `delivered_at` at that time. ITEM events show each step."""
        stored = self._commandable(item_id)
        if stored is None:
            return
        change = change_of(**changes)
        if change:
            self._updates.change(stored, change)

    def retry_update(self, item_id: int) -> None:
        """Send the item's pending change again (after it failed); the user's word."""
        if self._pending_change(item_id):
            self._updates.record(item_id, {})

    def drop_update(self, item_id: int) -> None:
        """Give up the item's pending change: the item shows what the server has again."""
        if self._pending_change(item_id):
            self._updates.drop(item_id)

    def delete_item(self, item_id: int, remote: bool) -> None:
        """Forget an item; with `remote`, also delete its workflow (and files) on Vimmerse."""
        stored = self._commandable(item_id)
        if stored is None:
            return
        if stored.snapshot.state is ItemState.UPLOADING or self._uploads.is_claimed(item_id):
            self._events.notice(STILL_SENDING, stored.snapshot.batch_id)
            return
        if remote and stored.snapshot.workflow_id:
            self._tasks.submit(partial(self._delete_remote, item_id))
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
            self._events.notice(problem, None)
            future.set_result(SaveOutcome(folder=str(folder), problems=(problem,)))
            return future
        task = partial(
            self._saving.save,
            list(item_ids),
            Path(folder),
            name_pattern,
            overwrite,
            dict(local_files or {}),
            future,
        )
        if self._tasks.stopping or not self._tasks.try_submit(task):
            future.set_result(SaveOutcome(folder=str(folder), problems=(SAVE_STOPPED,)))
        return future

    def taken_names(
        self, item_ids: Sequence[int], folder: Path, *, name_pattern: str = DEFAULT_NAME_PATTERN
    ) -> list[str]:
        """The result names `save_results` would use that are already in `folder` (so that the
        user is asked what to do, once). Reads the disk: call it on a worker."""
        return self._saving.taken_names(list(item_ids), Path(folder), name_pattern)

    def item(self, item_id: int) -> ItemSnapshot | None:
        return self._store.snapshot(item_id)

    def items(self, batch_id: int | None = None) -> list[ItemSnapshot]:
        return [s.snapshot for s in self._store.items(batch_id)]

    def batches(self) -> list[BatchSnapshot]:
        return self._store.batches()

    def set_client(self, client: WorkflowClient) -> None:
        """Use another client (a new key); batches paused for the key carry on."""
        client.on_unreachable = self._connection.failed_to_connect
        with self._lock:
            self._client = client
        for batch_id, kind in self._store.paused_batches().items():
            if kind == PAUSED_FOR_KEY and self._sharing.holds(batch_id):
                self._events.set_paused(batch_id, None, None)
        self._following.repoll_key_blocked()
        # Changes that could not land with the old key (or at all) are tried with the new one;
        # those the server refused still wait for the user.
        for batch_id in self._sharing.held():
            for stored in self._store.items(batch_id):
                self._updates.resend_pending(stored)
        self._uploads.pump()

    def set_concurrency(self, n: int) -> None:
        self._uploads.set_concurrency(n)

    def upload_pace(self) -> UploadPace:
        """The measured upload rate (all uploads together) and bytes per photo sent so far:
        in memory, cheap enough for the GUI thread."""
        return self._meter.pace()

    @property
    def stopped(self) -> bool:
        """`shutdown` was called: nothing new starts (watchers and helpers end with it)."""
        return self._tasks.stopping

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is left to do right now (True), or `timeout` passes (False)."""
        return self._tasks.wait_for(self._is_idle, timeout)

    def wait_submitted(self, batch_id: int, timeout: float | None = None) -> bool:
        """Block until every item of the batch was sent or could not be (or the batch paused)."""

        def done() -> bool:
            if self._uploads.sending(batch_id):
                return False
            if self.store_problem is not None:
                return True  # paused until resume: the job list cannot be written
            stopping = self._tasks.stopping
            if not self._sharing.holds(batch_id):
                return True  # another process sends it (or it is gone): nothing to wait for here
            if self._store.count([ItemState.UPLOADING], [batch_id]):
                return False
            if stopping or batch_id in self._store.paused_batches():
                return True
            return self._store.count([ItemState.QUEUED], [batch_id]) == 0

        return self._tasks.wait_for(done, timeout)

    def shutdown(self, wait: bool = True, *, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop within about `grace` + 1 seconds, whatever hangs.

        Nothing new starts. With `wait`, work in flight gets `grace` seconds to finish and
        record its outcome (a create that is answered is recorded as sent); then the client is
        closed: waits and retries end, transfers stop at their next chunk, and the sockets of
        requests waiting for an answer that does not come are shut, so the tasks end within a
        moment. Work still running after that is not waited for: the store already says how
        far it got (an upload whose body had not gone out whole is queued again on the next
        start, one that had is in doubt: WhenUnsure), so a resume loses nothing and sends
        nothing twice. Without `wait` the client is closed at once. The batch locks are
        released once the last task ends (or when the process exits)."""
        started = time.monotonic()
        self._tasks.stop()
        self._scheduler.stop()
        idle = lambda: self._tasks.active == 0  # noqa: E731
        if wait and not self._tasks.wait_for(idle, grace):
            log.warning(
                "Stopping: %d task(s) still running after %.1f s; cancelling them",
                self._tasks.active,
                grace,
            )
        self.client.close()  # nothing may go out through it any more; hung requests end
        if wait and not self._tasks.wait_for(idle, 1.0):
            log.warning("Stopped with %d task(s) left behind", self._tasks.active)
        if self._own_executor is not None:
            self._own_executor.shutdown(wait=False)
        self._release_locks()
        log.info("Engine stopped in %.2f s", time.monotonic() - started)

    # -- helpers -------------------------------------------------------------------------------

    def _release_locks(self) -> None:
        """After shutdown, once no task runs: another process may take our batches over."""
        if self._tasks.stopped_and_done():
            self._sharing.release_all()

    def _commandable(self, item_id: int) -> StoredItem | None:
        """The item a user's command is about, unless it is gone or another process works on
        its batch (then the user is told)."""
        stored = self._store.get(item_id)
        if stored is None or self._sharing.busy(stored.snapshot.batch_id):
            return None
        return stored

    def _pending_change(self, item_id: int) -> bool:
        """The item has a pending change the user may retry or drop here."""
        stored = self._store.get(item_id)
        return bool(
            stored is not None
            and stored.pending_update
            and not self._sharing.busy(stored.snapshot.batch_id)
        )

    def _send_afresh(self, stored: StoredItem) -> None:
        """Back to the queue as if new (after the user's word): a new create will be made. A
        change kept for the old workflow: what the create carries goes with the new one (the
        snapshot already shows it), the rest is dropped with the old workflow."""
        item_id = stored.snapshot.id
        self._following.forget(item_id)
        self._saving.forget(item_id)
        self._updates.forget(item_id)
        carried = carried_into_create(stored.pending_update)
        self._store.drop_update(item_id)
        self._uploads.requeue_fresh(stored, carried)

    def _is_idle(self) -> bool:
        if self._tasks.active or self._uploads.sending():
            return False
        if self._scheduler.pending(exclude=(WATCH_KEY, HEARTBEAT_KEY)):
            return False
        if not self._tasks.running or self.store_problem is not None:
            return True  # with the job list failing, nothing goes on until resume
        return not self._store.queued_ids(1, self._sharing.held())

    def _store_failed(self, problem: StoreError) -> None:
        """A worker could not write the job list: pause sending (retrying at once would spin),
        say why, and wait for `resume` (after the user freed space, ...)."""
        with self._lock:
            first = self._store_problem is None
            self._store_problem = problem
        self._uploads.block(True)
        if not first:
            return
        log.warning("Sending paused: %s (%s)", problem, problem.detail)
        try:
            self._show_store_pause(problem)
        except StoreError as again:  # not even readable now: the NOTICE says it all
            log.warning("The job list cannot be read either: %s", again.detail)
        self._events.notice(problem.user_message, None)

    def _show_store_pause(self, problem: StoreError) -> None:
        for batch_id in self._sharing.held():
            batch = self._store.batch(batch_id)
            if batch is None or batch.paused_reason is not None:
                continue
            waiting = batch.counts
            if not any(waiting.get(s) for s in (ItemState.QUEUED, ItemState.UPLOADING)):
                continue
            try:
                self._events.set_paused(batch_id, problem.user_message, PAUSED_FOR_STORE)
            except StoreError:
                # Not even the pause can be written: show it (the store keeps it queued, which
                # is true: nothing of it went out).
                self._events.batch(
                    replace(batch, paused_reason=problem.user_message, paused_kind=PAUSED_FOR_STORE)
                )

    def _store_works_again(self) -> None:
        """`resume` after a job-list failure: write what waited, pick up what stopped."""
        with self._lock:
            problem = self._store_problem
            self._store_problem = None
        if problem is None:
            return
        log.info("Resuming after the job list failed (%s)", problem.detail)
        self._uploads.block(False)
        try:
            self._uploads.record_unrecorded()
            self._recovery.recover(self._sharing.held())
        except StoreError as again:
            self._store_failed(again)
            raise

    def _back_online(self) -> None:
        self._uploads.pump()
        self._following.repoll_offline()

    def _delete_remote(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or not stored.snapshot.workflow_id:
            return
        try:
            self._client.delete(stored.snapshot.workflow_id)
        except NotFoundError:
            pass  # already gone on the server: forgetting it here is what the user wants
        except ApiError as exc:
            self._events.notice(
                f"“{stored.snapshot.title}” could not be deleted on Vimmerse: {exc}",
                stored.snapshot.batch_id,
            )
            return
        self._forget(stored)

    def _forget(self, stored: StoredItem) -> None:
        self._following.stop(stored.snapshot.id)
        self._store.delete_item(stored.snapshot.id)
        self._events.removed(stored.snapshot)
        if self._store.batch(stored.snapshot.batch_id) is None:  # its last item: batch went too
            self._sharing.forget(stored.snapshot.batch_id)


class _Dispatch:
    """The Scheduler's executor: due tasks go through the engine's counted Tasks."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def submit(self, fn: Callable[[], None]) -> None:
        if fn == self._engine._uploads.pump:  # cheap: no worker needed to decide what to start
            try:
                fn()
            except StoreError as problem:  # on the scheduler's thread: it must go on
                self._engine._store_failed(problem)
        else:
            self._engine._tasks.submit(fn)
