"""One data folder, several processes: which batches this engine works on (those whose lock
it holds, locks.py), and how it shows the batches another vimbatch process works on.

A batch held elsewhere is read-only here: its items are re-read from the store every
`watch_interval` seconds and announced as they change; commands on it answer with a NOTICE.
When that process ends (even killed), this engine takes the batch over and recovers it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection

from app.engine.events import Events
from app.engine.locks import BatchLocks
from app.engine.model import ItemSnapshot
from app.engine.scheduler import Scheduler
from app.engine.store import JobStore
from app.engine.tasks import Tasks

BUSY_ELSEWHERE = (
    "This batch is being worked on by another vimbatch window or process. "
    "Try again once it has finished there."
)
WATCH_KEY = ("watch",)


class _Watched:
    """What this engine last showed of a batch another process works on."""

    def __init__(self) -> None:
        self.items: dict[int, ItemSnapshot] = {}
        self.paused: tuple[str | None, str | None] | None = None


class Sharing:
    """The batch locks this engine holds, the batches it wants (all, or those it was started
    on), and the batches it watches. `recover(batch_ids)` runs for each batch once it is
    taken; `pump()` after batches were taken, so that their queued items go out."""

    def __init__(
        self,
        store: JobStore,
        locks: BatchLocks,
        *,
        events: Events,
        tasks: Tasks,
        scheduler: Scheduler,
        watch_interval: float,
        recover: Callable[[Collection[int]], None],
        pump: Callable[[], None],
    ) -> None:
        self._store = store
        self._locks = locks
        self._events = events
        self._tasks = tasks
        self._scheduler = scheduler
        self._watch_interval = max(0.01, watch_interval)
        self._recover = recover
        self._pump = pump
        self._lock = threading.Lock()
        self._scope: set[int] | None = None  # batches this engine works on; None: all
        self._recovered: set[int] = set()  # held batches whose recovery has run
        self._survey_lock = threading.RLock()  # one survey of the store's batches at a time
        self._watched: dict[int, _Watched] = {}  # batches another process holds
        self._known: set[int] = set()  # batches seen in the store (shown to listeners)
        self._surveyed = False  # the first survey ran: later new batches came from elsewhere

    # -- which batches -----------------------------------------------------------------------

    def held(self) -> list[int]:
        """The batches this engine works on: those whose lock it holds."""
        return sorted(self._locks.held())

    def holds(self, batch_id: int) -> bool:
        return self._locks.holds(batch_id)

    def widen(self, batch_ids: Collection[int] | None, *, first_start: bool) -> None:
        """Work on these batches too (None: on every batch, also those added later)."""
        with self._lock:
            if batch_ids is None:
                self._scope = None
            elif self._scope is not None:
                self._scope.update(batch_ids)
            elif first_start:
                self._scope = set(batch_ids)

    def take_new(self, batch_id: int) -> None:
        """Take the lock of a batch being created (before any other process can see it):
        ours from the start, with nothing to recover."""
        if not self._locks.acquire(batch_id):
            raise RuntimeError("The new batch could not be reserved; please try again.")
        with self._lock:
            self._recovered.add(batch_id)

    def created(self, batch_id: int) -> None:
        """The batch taken by `take_new` is in the store now."""
        with self._survey_lock:
            self._known.add(batch_id)
        with self._lock:
            if self._scope is not None:
                self._scope.add(batch_id)

    def forget(self, batch_id: int) -> None:
        """The batch is gone (its last item was removed): its lock need not stay held."""
        self._locks.release(batch_id)

    def release_all(self) -> None:
        self._locks.release_all()

    def claim(self, batch_ids: Collection[int]) -> set[int]:
        """Take these batches where no other process works on them; returns the ids another
        vimbatch window or process is working on right now."""
        busy: set[int] = set()
        taken = False
        for batch_id in batch_ids:
            if self._locks.holds(batch_id):
                continue
            if self._locks.acquire(batch_id):
                taken = True
            else:
                busy.add(batch_id)
        if taken and self._tasks.running:
            self.survey()  # recovers what was just taken
            self._pump()
        return busy

    def busy(self, batch_id: int) -> bool:
        """Another process works on the batch: tell the user, who asked for a change to it."""
        if self._store.batch(batch_id) is None or not self.claim([batch_id]):
            return False
        self._events.notice(BUSY_ELSEWHERE, batch_id)
        return True

    def watched(self) -> set[int]:
        """Batches shown read-only because another process works on them."""
        with self._survey_lock:
            return set(self._watched)

    # -- surveying the store -----------------------------------------------------------------

    def survey(self) -> None:
        """Look at the store's batches: recover the held ones not yet recovered, take the free
        ones that have work left, show the progress of those another process works on, and
        show batches other processes added. Finished batches are taken only when the user acts
        on one (`busy`), so that a long job list does not cost one open file per batch."""
        with self._survey_lock:
            present = self._store.batch_ids()
            unfinished = self._store.unfinished_batch_ids()
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
                    self._events.show_batch(batch_id)  # added by another process meanwhile
            for batch_id in self._known - set(present):
                self._known.discard(batch_id)
                watched = self._watched.pop(batch_id, None)
                for snapshot in watched.items.values() if watched else ():
                    self._events.removed(snapshot)
        self._recover(to_recover)

    def schedule_watch(self) -> None:
        """Survey again soon while there is anything to watch or take over."""
        if not self._tasks.running:
            return
        with self._lock:
            everything = self._scope is None
            scope = set(self._scope or ())
        if everything or self._watched or any(not self._locks.holds(b) for b in scope):
            self._scheduler.call_later(self._watch_interval, self._watch, key=WATCH_KEY)

    def _watch(self) -> None:
        if self._tasks.stopping:
            return
        try:
            self.survey()
            self._pump()
        finally:
            self.schedule_watch()

    def _wants(self, batch_id: int) -> bool:
        with self._lock:
            return self._scope is None or batch_id in self._scope

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
            self._events.batch(batch)
        versions = self._store.versions([batch_id])
        for item_id, (_, updated_at) in sorted(versions.items()):
            known = watched.items.get(item_id)
            if known is not None and known.updated_at == updated_at:
                continue
            snapshot = self._store.snapshot(item_id)
            if snapshot is None:
                continue
            watched.items[item_id] = snapshot
            self._events.item(snapshot)
        for item_id in [i for i in watched.items if i not in versions]:
            self._events.removed(watched.items.pop(item_id))
