"""A running event: watches its folder and turns every complete new photo into a workflow.

The periodic scan (folder_scan.py) is the truth; filesystem notifications (watchdog) only make
the next scan come sooner, so a network drive without notifications still works. Each file's
outcome is written to the job store (event_files.py) and each photo's content claimed in the
"already made" ledger (made_ledger.py) when its item is stored, so a restart — after Ctrl-C or
kill -9 — neither sends a photo twice nor misses one that arrived meanwhile. Batches made here
are ordinary batches (the engine sends, follows and downloads them into the results folder, each
file written atomically) with the event's name in their settings.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.engine.engine import Engine
from app.engine.event_files import SKIPPED, EventFiles, FileRecord, Outcome
from app.engine.event_profiles import EventBook, EventProfile
from app.engine.folder_scan import FileFacts, FolderScan, is_raw
from app.engine.locks import LOCKS_DIR, NamedLock
from app.engine.made_ledger import already_made, already_made_message
from app.engine.model import EngineEvent, EventKind, ItemSnapshot, ItemState
from app.images import Photo, ProblemCode, inspect
from app.images.intake import PhotoList, in_batch_order
from app.images.problems import RAW_MESSAGE

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

RAW_TWIN_NOTE = "RAW file: its JPEG twin is used"
EXISTING_NOTE = "In the folder before the event started: skipped, as chosen"
SKIPPED_SHOWN = 10  # skipped files listed by name in a summary; the rest as "… and N more"
RAW_TWIN_GRACE = 5.0  # a camera writes the RAW first: wait this long for its JPEG twin
SCAN_INTERVAL = 5.0  # the scan that is the truth; notifications only bring it forward
FULL_SCAN_INTERVAL = 60.0  # between them, folders whose time did not change are not re-read
NOTIFY_DEBOUNCE = 0.1  # a burst of notifications (a card being copied) makes one scan
INCOMPLETE_RETRIES = 3  # a file that does not decode yet is looked at again this often
_INCOMPLETE = (ProblemCode.CORRUPT, ProblemCode.EMPTY, ProblemCode.UNREADABLE, ProblemCode.VANISHED)


def stuck_message(error: BaseException) -> str:
    reason = getattr(error, "strerror", None) or getattr(error, "user_message", None)
    text = "Watching the folder ran into a problem"
    text += f" ({reason})" if reason else ""
    return text + ". vimbatch keeps trying; photos that arrive meanwhile are not lost."


class EventAlreadyRunningError(RuntimeError):
    """Another window or process is watching this event already (its OS lock is held)."""

    def __init__(self, name: str) -> None:
        self.user_message = (
            f"The event “{name}” is already running in another window or process. "
            "Stop it there first, or use that one."
        )
        super().__init__(self.user_message)


def skip_reason(outcome: Outcome, note: str | None) -> str:
    """Why a file was skipped, in plain words (its note, or what its outcome means)."""
    if note:
        return note
    if outcome is Outcome.EXISTING:
        return EXISTING_NOTE
    if outcome is Outcome.RAW_TWIN:
        return RAW_TWIN_NOTE
    if outcome is Outcome.RAW:
        return RAW_MESSAGE
    return "Already made: skipped."


def unreachable_message(folder: Path) -> str:
    return (
        f"The folder “{folder}” can't be reached. Photos will be picked up as soon as it is back."
    )


@dataclass(frozen=True)
class EventCounts:
    seen: int = 0
    sending: int = 0
    being_made: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class EventStatus:
    running: bool
    folder: str
    reachable: bool
    folder_message: str | None  # plain words while the folder cannot be reached or is stuck
    arriving: int  # files seen but not complete yet
    counts: EventCounts
    latest: ItemSnapshot | None  # the newest finished result (files saved)


@dataclass(frozen=True)
class PhotoNote:
    """A file that did not become a workflow, and why (for `watch --json` and the window)."""

    path: str
    outcome: Outcome
    note: str | None


@dataclass(frozen=True)
class EventSummary:
    seen: int
    made: int
    skipped_already_made: int
    skipped_other: int
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    failed_item_ids: list[int] = field(default_factory=list)  # for "Retry failed"
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, why), oldest first

    def skipped_lines(self, limit: int | None = SKIPPED_SHOWN) -> list[str]:
        """The skipped files with their reasons, at most `limit` of them (None: all)."""
        shown = self.skipped if limit is None else self.skipped[:limit]
        lines = [f"  {name}: {reason}" for name, reason in shown]
        if len(self.skipped) > len(shown):
            lines.append(f"  … and {len(self.skipped) - len(shown)} more")
        return lines

    def lines(self) -> list[str]:
        lines = [
            f"Photos seen: {self.seen}",
            f"Made: {self.made}",
            f"Skipped as already made: {self.skipped_already_made}",
        ]
        if self.skipped_other:
            lines.append(
                f"Skipped for other reasons (RAW files, photos already there): {self.skipped_other}"
            )
        lines.append(f"Failed: {len(self.failed)}")
        lines += [f"  {name}: {reason}" for name, reason in self.failed]
        if self.skipped:
            lines.append("Skipped:")
            lines += self.skipped_lines()
        return lines


class EventRunner:
    """Watches one saved event's folder while started. Callbacks run on its threads:
    `on_change()` when counters, folder health or the latest result may have changed (call
    `status()` from a worker), `on_file(PhotoNote)` for each file that did not become an item."""

    def __init__(
        self,
        engine: Engine,
        profile: EventProfile,
        *,
        interval: float = SCAN_INTERVAL,
        notifications: bool = True,
        on_change: Callable[[], None] | None = None,
        on_file: Callable[[PhotoNote], None] | None = None,
    ) -> None:
        if profile.id is None:
            raise ValueError("Save the event before starting it.")
        self._engine = engine
        self._book = EventBook(engine.store)
        self.profile = profile
        self.folder = profile.watched_folder().resolve()
        self.results = profile.results_folder().resolve()
        self._interval = interval
        self._notifications = notifications
        self._on_change = on_change
        self._on_file = on_file
        self._files = EventFiles(engine.store, profile.id)
        # Results files the engine wrote inside the watched folder: (size, mtime) as seen, so
        # they are passed over quietly (never sent, never counted).
        self._our_results: dict[str, tuple[int, int]] = {}
        self._scan = FolderScan(
            self.folder,
            settle=profile.settle,
            exclude=[self.results, *self._earlier_results()],
            handled=self._handled,
        )
        self._event_lock = NamedLock(engine.store.path.parent / LOCKS_DIR, f"event-{profile.id}")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._observer: BaseObserver | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._reachable = True
        self._problem: str | None = None  # plain words while scanning or sending keeps failing
        self._arriving = 0
        self._tries: dict[str, int] = {}  # did not decode yet: looks so far
        self._raw_waited: set[str] = set()
        self._ours: set[int] = set(self._files.item_ids())
        self._delivered: set[int] = set()
        self._saved: set[int] = set()
        self._latest: ItemSnapshot | None = None
        self.scans = 0

    # -- control ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Begin watching (the engine must be started to send). The event's first start looks
        at what the folder holds now (reads the disk and the store: call it from a worker).
        EventAlreadyRunningError when another window or process watches this event."""
        if self._thread is not None:
            return
        self.claim()
        try:
            if self.profile.started_at is None:
                # Before returning: a photo that lands once start() returned is a new one.
                self._first_look()
        except BaseException:
            self._event_lock.release()
            raise
        self._unsubscribe = self._engine.subscribe(self._on_engine_event)
        self._thread = threading.Thread(
            target=self._run, name=f"event-{self.profile.id}", daemon=True
        )
        self._thread.start()

    def claim(self) -> None:
        """Take the event's OS lock (start() does it too): EventAlreadyRunningError when another
        window or process watches this event. Released by stop() (or the process ending)."""
        if not self._event_lock.acquire():
            raise EventAlreadyRunningError(self.profile.name)

    def poke(self) -> None:
        """Scan now (a notification, or the user pressed refresh)."""
        self._wake.set()

    def stop(self) -> EventSummary:
        """Stop watching; what was stored stays. Returns the event's summary."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self._stop_observer()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._changed()
        try:
            return self.summary()
        finally:
            self._event_lock.release()

    def scan_once(self) -> None:
        """One full scan and what follows (tests may call it directly)."""
        self._tick(full=True)

    # -- reading -----------------------------------------------------------------------------

    @property
    def reachable(self) -> bool:
        """Whether the last scan could read the folder (cheap: no store query)."""
        with self._lock:
            return self._reachable

    @property
    def problem(self) -> str | None:
        """Plain words while watching keeps failing (a full disk, a damaged job list)."""
        with self._lock:
            return self._problem

    def status(self) -> EventStatus:
        counts = self.counts()
        with self._lock:
            reachable, arriving, latest = self._reachable, self._arriving, self._latest
            problem = self._problem
        return EventStatus(
            running=self.running and not self._stop.is_set(),
            folder=str(self.folder),
            reachable=reachable and problem is None,
            folder_message=unreachable_message(self.folder) if not reachable else problem,
            arriving=arriving,
            counts=counts,
            latest=latest,
        )

    def counts(self) -> EventCounts:
        seen = sending = making = done = failed = skipped = 0
        rows = self._engine.store.read(
            "SELECT f.outcome AS outcome, i.state AS state, COUNT(*) AS n FROM event_files f "
            "LEFT JOIN items i ON i.id = f.item_id WHERE f.event = ? "
            "GROUP BY f.outcome, i.state",
            (self.profile.id,),
        )
        for row in rows:
            n = int(row["n"])
            outcome, state = Outcome(row["outcome"]), row["state"]
            seen += n
            if outcome in SKIPPED:
                skipped += n
            elif outcome is Outcome.PROBLEM:
                failed += n
            elif state in ("queued", "uploading", "paused"):
                sending += n
            elif state in ("submitted", "running"):
                making += n
            elif state == "succeeded":
                done += n
            elif state in ("failed", "needs_attention"):
                failed += n
            elif state == "cancelled":
                skipped += n
        return EventCounts(seen, sending, making, done, failed, skipped)

    def records(self) -> list[FileRecord]:
        """What each file of the folder became, oldest first (reads the store)."""
        return self._files.all()

    def summary(self) -> EventSummary:
        records = self._files.all()
        made = already = other = 0
        failed: list[tuple[str, str]] = []
        failed_ids: list[int] = []
        skipped: list[tuple[str, str]] = []
        for record in records:
            name = Path(record.path).name
            if record.outcome in SKIPPED:
                skipped.append((name, skip_reason(record.outcome, record.note)))
            if record.outcome is Outcome.MADE:
                already += 1
            elif record.outcome in SKIPPED:
                other += 1
            elif record.outcome is Outcome.PROBLEM:
                failed.append((name, record.note or "This photo cannot be used."))
            elif record.item_id is not None:
                item = self._engine.item(record.item_id)
                if item is None:
                    continue
                if item.state is ItemState.SUCCEEDED:
                    made += 1
                elif item.state in (ItemState.FAILED, ItemState.NEEDS_ATTENTION):
                    failed.append((name, item.error or "It did not work."))
                    failed_ids.append(item.id)
                elif item.state is ItemState.CANCELLED and item.error:
                    already += 1
                    skipped.append((name, item.error))
        return EventSummary(
            skipped=skipped,
            seen=len(records),
            made=made,
            skipped_already_made=already,
            skipped_other=other,
            failed=failed,
            failed_item_ids=failed_ids,
        )

    # -- the loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        self._start_observer()
        full_due = 0.0
        notified = True
        while not self._stop.is_set() and not self._engine.stopped:
            due: float | None = None
            try:
                full = notified or time.monotonic() >= full_due
                if full:
                    full_due = time.monotonic() + FULL_SCAN_INTERVAL
                due = self._tick(full=full)
                self._set_problem(None)
            except Exception as exc:
                # Never silence: the event says it is stuck, and tries again at the next scan.
                log.exception("event %s: watching failed", self.profile.name)
                self._set_problem(stuck_message(exc))
            timeout = self._interval if due is None else max(0.0, due - time.monotonic())
            timeout = min(timeout, self._interval)
            notified = self._wake.wait(timeout)
            if notified:
                self._wake.clear()
                # A burst of notifications (a card being copied) makes one scan.
                self._stop.wait(NOTIFY_DEBOUNCE)

    def _set_problem(self, problem: str | None) -> None:
        with self._lock:
            changed = problem != self._problem
            self._problem = problem
        if changed:
            self._changed()

    def _first_look(self) -> None:
        """The event's very first start: photos already there are sent or skipped, as chosen.
        The choice is recorded before the start is, so a crash in between asks nothing twice."""
        if self.profile.existing == "skip":
            listing = self._scan.listing()
            if listing is None:
                return  # the folder is not there yet: nothing existed
            self._files.record(
                [
                    FileRecord(p, s.st_size, s.st_mtime_ns, Outcome.EXISTING, None, None)
                    for p, s in listing
                    if self._files.handled(p) is None
                ]
            )
        self.profile = self._book.mark_started(self.profile)

    def _tick(self, *, full: bool) -> float | None:
        """One scan and the photos it found complete; the clock time of the next settle."""
        result = self._scan.scan(full=full)
        self.scans += 1
        with self._lock:
            was = self._reachable
            self._reachable = result.reachable
            changed = was != result.reachable or self._arriving != result.waiting
            self._arriving = result.waiting
        if was and not result.reachable:
            log.warning("watched folder %s cannot be reached", self.folder)
            self._stop_observer()
        elif not was and result.reachable:
            log.info("watched folder %s is back", self.folder)
            self._start_observer()
        if result.ready:
            self._take(result.ready, result.stems)
            changed = True
        if changed:
            self._changed()
        return result.next_due

    def _earlier_results(self) -> list[Path]:
        """The results folders this event's batches saved into (the results folder may have
        been changed since: what was saved in an earlier one is never a new photo)."""
        rows = self._engine.store.read(
            "SELECT DISTINCT json_extract(settings, '$.download_dir') AS dir FROM batches "
            "WHERE json_extract(settings, '$.event_name') = ?",
            (self.profile.name,),
        )
        return [Path(str(row["dir"])) for row in rows if row["dir"]]

    def _written_by_us(self, paths: list[str]) -> set[str]:
        """Which of these files the engine saved itself (a result, by its recorded path)."""
        rows = self._engine.store.read(
            "SELECT json_extract(d.value, '$.path') AS path "
            "FROM items, json_each(items.downloads) AS d "
            "WHERE json_extract(d.value, '$.path') IN (SELECT value FROM json_each(?))",
            (json.dumps(paths),),
        )
        return {str(row["path"]) for row in rows}

    def _take(self, ready: list[FileFacts], stems: frozenset[tuple[str, str]]) -> None:
        records: list[FileRecord] = []
        photos: list[tuple[FileFacts, Photo]] = []
        ours = self._written_by_us([str(facts.path) for facts in ready])
        for facts in ready:
            if str(facts.path) in ours:
                log.info(
                    "event %s: %s is a result it saved, not a photo", self.profile.name, facts.path
                )
                self._our_results[str(facts.path)] = (facts.size, facts.mtime_ns)
                continue
            key = str(facts.path)
            if is_raw(facts.path):
                twin = (str(facts.path.parent), facts.path.stem.lower()) in stems
                if twin:
                    records.append(_record(facts, Outcome.RAW_TWIN, RAW_TWIN_NOTE))
                elif key in self._raw_waited:
                    records.append(_record(facts, Outcome.RAW, RAW_MESSAGE))
                else:
                    self._raw_waited.add(key)
                    self._scan.hold(facts.path, RAW_TWIN_GRACE)
                continue
            photos.append((facts, Photo(path=facts.path)))
        if photos:
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="event-intake") as pool:
                checked = list(pool.map(inspect, [facts.path for facts, _ in photos]))
            photos = [(facts, photo) for (facts, _), photo in zip(photos, checked, strict=True)]
        usable: list[tuple[FileFacts, Photo]] = []
        for facts, photo in photos:
            key = str(facts.path)
            if (photo.size, photo.mtime_ns) != (facts.size, facts.mtime_ns):
                self._scan.forget(facts.path)  # it changed since: the scan sees it afresh
                continue
            if photo.problem_code in _INCOMPLETE:
                tries = self._tries.get(key, 0) + 1
                if tries <= INCOMPLETE_RETRIES:
                    # Maybe still being written by a writer that paused: look again later.
                    self._tries[key] = tries
                    self._scan.hold(facts.path, self.profile.settle * tries + 1.0)
                    continue
            self._tries.pop(key, None)
            usable.append((facts, photo))
        records += self._send(usable)
        self._files.record(records)
        for record in records:
            if record.outcome is not Outcome.SENT and self._on_file is not None:
                self._on_file(PhotoNote(record.path, record.outcome, record.note))

    def _send(self, photos: list[tuple[FileFacts, Photo]]) -> list[FileRecord]:
        if not photos:
            return []
        records: list[FileRecord] = []
        # The shared intake's order and copies rule: the first in batch order is kept.
        facts_of = {photo.path: facts for facts, photo in photos}
        PhotoList().add(photo for _, photo in photos)
        ordered = in_batch_order(photo for _, photo in photos)
        photos = [(facts_of[photo.path], photo) for photo in ordered]
        settings = self.profile.batch_settings()
        made = already_made(self._engine.store, (p for _, p in photos), settings)
        fresh: list[tuple[FileFacts, Photo]] = []
        for facts, photo in photos:
            if photo.duplicate_of is not None:
                note = f"A copy of {photo.duplicate_of.name}: skipped."
                records.append(_record(facts, Outcome.MADE, note))
            elif facts.path in made:
                earlier = made[facts.path]
                if self._ours_unrecorded(earlier.item_id):
                    # Stored just before a crash, not yet recorded here: it is ours, sent.
                    records.append(_record(facts, Outcome.SENT, None, earlier.item_id))
                    self._ours.add(earlier.item_id)
                else:
                    records.append(_record(facts, Outcome.MADE, already_made_message(earlier)))
            else:
                fresh.append((facts, photo))
        if not fresh:
            return records
        batch_id = self._engine.create_batch(settings, [p for _, p in fresh])
        by_path = {item.sources[0]: item for item in self._engine.items(batch_id) if item.sources}
        for facts, _ in fresh:
            item = by_path.get(str(facts.path))
            if item is None:
                continue
            self._ours.add(item.id)
            if item.state is ItemState.CANCELLED:
                # Another process claimed the same content a moment earlier.
                records.append(_record(facts, Outcome.MADE, item.error, item.id))
            else:
                records.append(_record(facts, Outcome.SENT, None, item.id))
        log.info("event %s: %d photo(s) sent as batch %d", self.profile.name, len(fresh), batch_id)
        return records

    def _ours_unrecorded(self, item_id: int) -> bool:
        if item_id in self._ours or self._files.item_recorded(item_id):
            return False
        item = self._engine.item(item_id)
        if item is None:
            return False
        return self._engine.store.settings(item.batch_id).event_name == self.profile.name

    def _handled(self, path: str) -> tuple[int, int] | None:
        return self._files.handled(path) or self._our_results.get(path)

    # -- results -----------------------------------------------------------------------------

    def _on_engine_event(self, event: EngineEvent) -> None:
        item = event.item
        if event.kind is not EventKind.ITEM or item is None or item.id not in self._ours:
            return
        if item.state is ItemState.SUCCEEDED and item.files and not item.error:
            with self._lock:
                # Results are saved one after the other: the last one saved is the latest.
                if item.id not in self._saved:
                    self._saved.add(item.id)
                    self._latest = item
                deliver = (
                    self.profile.mark_delivered
                    and item.delivered_at is None
                    and item.id not in self._delivered
                )
                if deliver:
                    self._delivered.add(item.id)
            if deliver:
                self._engine.update_item(item.id, delivered=True)
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:
                log.exception("an event listener failed")

    # -- notifications -----------------------------------------------------------------------

    def _start_observer(self) -> None:
        if not self._notifications or self._stop.is_set():
            return
        self._stop_observer()
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            log.info("no filesystem notifications: the scan alone watches the folder")
            return
        wake = self._wake

        class _Poke(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                wake.set()

        observer = Observer()
        try:
            observer.schedule(_Poke(), str(self.folder), recursive=True)
            observer.start()
        except OSError:
            log.info("no notifications for %s: the scan alone watches it", self.folder)
            # What started before the failure (the observer's and emitters' threads) ends too.
            observer.stop()
            if observer.is_alive():
                observer.join()
            return
        with self._lock:
            self._observer = observer

    def _stop_observer(self) -> None:
        with self._lock:
            observer, self._observer = self._observer, None
        if observer is None:
            return
        try:
            observer.stop()
            observer.join()
        except Exception:
            log.warning("the folder notifications did not stop cleanly", exc_info=True)


def _record(
    facts: FileFacts, outcome: Outcome, note: str | None, item_id: int | None = None
) -> FileRecord:
    return FileRecord(str(facts.path), facts.size, facts.mtime_ns, outcome, note, item_id)
