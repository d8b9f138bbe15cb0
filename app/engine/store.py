"""The job store: batches and their items in one SQLite file (WAL), versioned with migrations.

Every state change is committed before the action it announces (an item is "uploading" on disk
before its create goes out, and its workflow id is saved the moment it arrives), so that a crash
or a power cut at any point leaves the store telling the truth about what may have happened.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ParamSpec, TypedDict, TypeVar, Unpack

from app.api import MediaFile, Visibility
from app.engine.model import (
    UPDATE_FIELDS,
    BatchSettings,
    BatchSnapshot,
    Grouping,
    ItemSnapshot,
    ItemState,
    OverwritePolicy,
    WhenUnsure,
)
from app.engine.store_errors import StoreError, store_error

STORE_FILE = "jobs.sqlite3"

# Each entry moves the schema one version up; PRAGMA user_version records how many ran.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        created_at REAL NOT NULL,
        settings TEXT NOT NULL,
        paused_reason TEXT,
        paused_kind TEXT
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        sources TEXT NOT NULL,
        photos TEXT NOT NULL,
        title TEXT NOT NULL,
        state TEXT NOT NULL,
        status_text TEXT NOT NULL DEFAULT '',
        progress INTEGER NOT NULL DEFAULT 0,
        workflow_id TEXT,
        error TEXT,
        results TEXT NOT NULL DEFAULT '[]',
        downloads TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        finished_at REAL,
        rating TEXT,
        delivered_at TEXT,
        pending_update TEXT
    );
    CREATE INDEX items_by_state ON items(state, batch_id, id);
    CREATE INDEX items_by_batch ON items(batch_id, id);
    CREATE INDEX items_by_workflow ON items(workflow_id);
    """,
    # 2: batch ids are never reused (a batch id names its lock file, held by whoever works on
    # it), and items waiting in a paused batch are stored PAUSED rather than QUEUED. Written
    # so that running it twice (two processes opening an old store at once) does no harm.
    """
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT OR IGNORE INTO meta (key, value) SELECT 'last_batch_id', COALESCE(MAX(id), 0) FROM batches;
    UPDATE items SET state = 'paused'
        WHERE state = 'queued'
        AND batch_id IN (SELECT id FROM batches WHERE paused_reason IS NOT NULL);
    """,
    # 3: a change to a workflow is kept until it lands, with its error (and whether the server
    # refused it: then only the user's word sends it again); the item's own description and
    # visibility (from its batch until changed); files the user saved by hand.
    """
    ALTER TABLE items ADD COLUMN update_error TEXT;
    ALTER TABLE items ADD COLUMN update_refused INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE items ADD COLUMN description TEXT;
    ALTER TABLE items ADD COLUMN visibility TEXT;
    ALTER TABLE items ADD COLUMN saved_files TEXT NOT NULL DEFAULT '[]';
    UPDATE items SET
        description = (SELECT json_extract(b.settings, '$.description') FROM batches b
                       WHERE b.id = items.batch_id),
        visibility = (SELECT json_extract(b.settings, '$.visibility') FROM batches b
                      WHERE b.id = items.batch_id);
    UPDATE items SET pending_update = json_set(pending_update, '$.delivered_at',
                                               strftime('%Y-%m-%dT%H:%M:%S+00:00', updated_at,
                                                        'unixepoch'))
        WHERE pending_update IS NOT NULL AND json_extract(pending_update, '$.delivered') = 1;
    UPDATE items SET pending_update = json_remove(pending_update, '$.delivered')
        WHERE pending_update IS NOT NULL;
    """,
    # When a create's body went out whole (JobStore.mark_body_sent): an upload interrupted
    # before that cannot have created anything and goes back to the queue by itself.
    """
    ALTER TABLE items ADD COLUMN body_sent_at REAL;
    """,
    # Event mode (app/engine/event_profiles.py, made_ledger.py, event_files.py): saved events;
    # the "already made" ledger, one row per photo content + template + options + event, claimed
    # in the transaction that stores its item (the trigger keeps the workflow id beside it);
    # what a watched folder's files became, so that a restart neither resends nor misses one.
    """
    CREATE TABLE IF NOT EXISTS event_profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        profile TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE IF NOT EXISTS made_photos (
        key TEXT PRIMARY KEY,
        content_hash TEXT NOT NULL,
        template_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        label TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        batch_id INTEGER NOT NULL,
        workflow_id TEXT,
        made_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS made_by_item ON made_photos(item_id);
    CREATE TRIGGER IF NOT EXISTS made_workflow AFTER UPDATE OF workflow_id ON items
        WHEN NEW.workflow_id IS NOT NULL
    BEGIN
        UPDATE made_photos SET workflow_id = NEW.workflow_id WHERE item_id = NEW.id;
    END;
    CREATE TABLE IF NOT EXISTS event_files (
        event INTEGER NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        note TEXT,
        item_id INTEGER,
        seen_at REAL NOT NULL,
        PRIMARY KEY (event, path, size, mtime_ns)
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


def _statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip().strip(";").strip():
                statements.append(buffer)
            buffer = ""
    if buffer.strip():
        statements.append(buffer)
    return statements


class StoreTooNewError(RuntimeError):
    """The store was written by a newer vimbatch."""


@dataclass(frozen=True)
class NewItem:
    """An item to add: its sources and the intake facts needed to re-check them at upload."""

    kind: str  # "photo", "folder" or "url"
    sources: tuple[str, ...]
    title: str
    photos: tuple[dict[str, Any], ...] = ()
    state: ItemState = ItemState.QUEUED
    error: str | None = None


@dataclass(frozen=True)
class Download:
    """One result file: its URL and where it goes; `done` once the file is complete on disk.

    The path is stored before the download starts, so a resumed download reuses it instead of
    making a renamed copy of a file that was ours all along.
    """

    url: str
    path: str | None = None
    done: bool = False
    skipped: bool = False


class ItemChanges(TypedDict, total=False):
    """The item columns `JobStore.update` writes (and `Events.set` announces), by name and type:
    a misspelled column or a wrong value is a type error, not a failure at run time."""

    state: ItemState  # a final state stamps finished_at; leaving it clears it
    status_text: str  # the server's status name
    progress: int
    workflow_id: str | None
    error: str | None  # plain words, None: no problem
    results: Sequence[MediaFile]
    downloads: Sequence[Download]
    # What the server is known to hold (UPDATE_FIELDS' texts):
    rating: str | None
    delivered_at: str | None
    title: str
    description: str
    visibility: str | None
    pending_update: Mapping[str, str] | None
    # When the item was added; sent afresh (retry, resubmit) it starts over: its row counts
    # the time from then, not from the first send.
    created_at: float


# Every column ItemChanges names, for the check at run time (callers that build a dict).
ITEM_COLUMNS = frozenset(ItemChanges.__annotations__)
_ENCODED_COLUMNS = frozenset({"state", "results", "downloads", "pending_update"})


@dataclass(frozen=True)
class StoredItem:
    """An item with what the engine needs beyond its snapshot."""

    snapshot: ItemSnapshot
    position: int
    photos: tuple[dict[str, Any], ...]
    downloads: tuple[Download, ...] = ()
    pending_update: dict[str, str] | None = field(default=None)  # as on the snapshot
    update_refused: bool = False  # the server refused the pending change: only the user resends
    # What the server holds as far as known (the snapshot shows the pending change over it):
    # keys UPDATE_FIELDS, None where unknown or never set.
    confirmed: dict[str, str | None] = field(default_factory=dict)
    # While UPLOADING: its create's body went out whole (the server may have acted on it).
    body_sent: bool = False


def settings_to_json(settings: BatchSettings) -> str:
    raw = asdict(settings)
    raw["visibility"] = settings.visibility.value
    raw["grouping"] = settings.grouping.value
    raw["overwrite"] = settings.overwrite.value
    raw["when_unsure"] = settings.when_unsure.value
    return json.dumps(raw)


def settings_from_json(text: str) -> BatchSettings:
    raw: dict[str, Any] = json.loads(text)
    known = set(BatchSettings.__dataclass_fields__)
    values = {k: v for k, v in raw.items() if k in known}
    if "visibility" in values:
        values["visibility"] = Visibility.parse(values["visibility"])
    if "grouping" in values:
        values["grouping"] = Grouping(values["grouping"])
    if "overwrite" in values:
        values["overwrite"] = OverwritePolicy(values["overwrite"])
    if "when_unsure" in values:
        try:
            values["when_unsure"] = WhenUnsure(values["when_unsure"])
        except ValueError:  # written by a newer vimbatch: the safe choice
            values["when_unsure"] = WhenUnsure.ASK
    return BatchSettings(**values)


class JobStore:
    """Thread-safe access to the store: one connection, one lock, each write its own commit.

    Every failure of the file is raised as a typed StoreError (store_errors.py): damaged,
    read-only, full, locked by another program, or unavailable. `connect` opens the SQLite
    connection (tests pass one whose writes fail, as on a full disk)."""

    def __init__(
        self, path: Path, *, connect: Callable[..., sqlite3.Connection] = sqlite3.connect
    ) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise store_error(exc, self.path) from exc
        self._lock = threading.RLock()
        self._db = connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed state survives a power cut, not only a crash of the app.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._settings_cache: dict[int, BatchSettings] = {}
        self._migrate()

    @classmethod
    def open(cls, data_dir: Path) -> JobStore:
        return cls(Path(data_dir) / STORE_FILE)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _migrate(self) -> None:
        with self._lock:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreTooNewError(
                    "This job list was written by a newer version of vimbatch. "
                    "Please update vimbatch to open it."
                )
            for number in range(version, SCHEMA_VERSION):
                # One transaction per step, the version read again inside it: a second process
                # opening the same old store at the same moment finds the step done and skips it.
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    current = int(self._db.execute("PRAGMA user_version").fetchone()[0])
                    if current <= number:
                        for statement in _statements(_MIGRATIONS[number]):
                            self._db.execute(statement)
                        self._db.execute(f"PRAGMA user_version = {number + 1}")
                    self._db.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise

    def _rollback(self) -> None:
        # SQLite rolls back by itself on some failures (a full disk): a second ROLLBACK would
        # raise and hide the real error.
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- batches ---------------------------------------------------------------------------

    def add_batch(
        self,
        settings: BatchSettings,
        items: Sequence[NewItem],
        *,
        before_commit: Callable[[int], None] | None = None,
        paused: tuple[str, str] | None = None,
    ) -> tuple[int, list[int]]:
        """Store a batch and its items in one transaction.

        `paused` (reason, kind) stores it paused from the start, its waiting items PAUSED: no
        engine can see it queued, not even for a moment.

        `before_commit(batch_id)` runs inside the transaction, before any other process can see
        the batch (the engine takes the batch's lock there); if it raises, nothing is stored.
        Batch ids are never reused, not even those of deleted batches.
        """
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT MAX(COALESCE((SELECT MAX(id) FROM batches), 0), "
                    "COALESCE((SELECT value FROM meta WHERE key = 'last_batch_id'), 0))"
                ).fetchone()
                batch_id = int(row[0]) + 1
                reason, kind = paused if paused else (None, None)
                self._db.execute(
                    "INSERT INTO batches (id, created_at, settings, paused_reason, paused_kind) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (batch_id, now, settings_to_json(settings), reason, kind),
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_batch_id', ?)",
                    (batch_id,),
                )
                ids: list[int] = []
                for position, item in enumerate(items, start=1):
                    finished = now if item.state.is_final else None
                    state = item.state
                    error = item.error
                    if paused and state is ItemState.QUEUED:
                        state = ItemState.PAUSED
                        error = None if kind == "user" else reason
                    cursor = self._db.execute(
                        "INSERT INTO items (batch_id, position, kind, sources, photos, title, "
                        "state, error, created_at, updated_at, finished_at, description, "
                        "visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            batch_id,
                            position,
                            item.kind,
                            json.dumps(list(item.sources)),
                            json.dumps(list(item.photos)),
                            item.title,
                            state.value,
                            error,
                            now,
                            now,
                            finished,
                            settings.description,
                            settings.visibility.value,
                        ),
                    )
                    ids.append(int(cursor.lastrowid or 0))
                if before_commit is not None:
                    before_commit(batch_id)
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            self._settings_cache[batch_id] = settings
        return batch_id, ids

    def settings(self, batch_id: int) -> BatchSettings:
        with self._lock:
            cached = self._settings_cache.get(batch_id)
            if cached is not None:
                return cached
            row = self._db.execute(
                "SELECT settings FROM batches WHERE id = ?", (batch_id,)
            ).fetchone()
            if row is None:
                raise KeyError(batch_id)
            settings = settings_from_json(row["settings"])
            self._settings_cache[batch_id] = settings
            return settings

    def forget_settings(self, batch_id: int) -> None:
        """Read the batch's settings afresh next time (another process may have changed them)."""
        with self._lock:
            self._settings_cache.pop(batch_id, None)

    def set_download_dir(self, batch_id: int, folder: str | None) -> BatchSettings:
        """Save a batch's results into `folder` from now on (e.g. `vimbatch resume --download`)."""
        settings = replace(self.settings(batch_id), download_dir=folder)
        with self._lock:
            self._db.execute(
                "UPDATE batches SET settings = ? WHERE id = ?",
                (settings_to_json(settings), batch_id),
            )
            self._settings_cache[batch_id] = settings
        return settings

    def set_paused(self, batch_id: int, reason: str | None, kind: str | None) -> BatchSnapshot:
        """Pause a batch (`reason` in plain words) or lift its pause (`reason` None).

        In the same transaction its waiting items become PAUSED (their error saying why, unless
        the user paused) or QUEUED again, so that the store never holds a queued item in a
        paused batch. Returns the batch as now stored.
        """
        kind = kind if reason else None
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "UPDATE batches SET paused_reason = ?, paused_kind = ? WHERE id = ?",
                    (reason, kind, batch_id),
                )
                if reason:
                    item_error = None if kind in (None, "user") else reason
                    self._db.execute(
                        "UPDATE items SET state = 'paused', error = ?, updated_at = ? "
                        "WHERE batch_id = ? AND state IN ('queued', 'paused')",
                        (item_error, now, batch_id),
                    )
                else:
                    self._db.execute(
                        "UPDATE items SET state = 'queued', error = NULL, updated_at = ? "
                        "WHERE batch_id = ? AND state = 'paused'",
                        (now, batch_id),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            snapshot = self.batch(batch_id)
            assert snapshot is not None
            return snapshot

    def paused_batches(self) -> dict[int, str]:
        """Batch id -> paused kind, for every paused batch."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, paused_kind FROM batches WHERE paused_reason IS NOT NULL"
            ).fetchall()
        return {int(r["id"]): str(r["paused_kind"] or "user") for r in rows}

    def batch(self, batch_id: int) -> BatchSnapshot | None:
        found = self.batches([batch_id])
        return found[0] if found else None

    def batches(self, ids: Iterable[int] | None = None) -> list[BatchSnapshot]:
        with self._lock:
            if ids is None:
                rows = self._db.execute("SELECT * FROM batches ORDER BY id").fetchall()
            else:
                wanted = list(ids)
                marks = ",".join("?" * len(wanted))
                rows = self._db.execute(
                    f"SELECT * FROM batches WHERE id IN ({marks}) ORDER BY id", wanted
                ).fetchall()
            counts: dict[int, dict[ItemState, int]] = {int(r["id"]): {} for r in rows}
            for row in self._db.execute(
                "SELECT batch_id, state, COUNT(*) AS n FROM items GROUP BY batch_id, state"
            ):
                per_batch = counts.get(int(row["batch_id"]))
                if per_batch is not None:
                    per_batch[ItemState(row["state"])] = int(row["n"])
            return [
                BatchSnapshot(
                    id=int(r["id"]),
                    created_at=float(r["created_at"]),
                    settings=self.settings(int(r["id"])),
                    paused_reason=r["paused_reason"],
                    counts=counts[int(r["id"])],
                    paused_kind=r["paused_kind"],
                )
                for r in rows
            ]

    # -- items -----------------------------------------------------------------------------

    def get(self, item_id: int) -> StoredItem | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
        return _stored(row) if row is not None else None

    def snapshot(self, item_id: int) -> ItemSnapshot | None:
        stored = self.get(item_id)
        return stored.snapshot if stored is not None else None

    def items(
        self,
        batch_id: int | None = None,
        states: Iterable[ItemState] | None = None,
    ) -> list[StoredItem]:
        clauses: list[str] = []
        args: list[Any] = []
        if batch_id is not None:
            clauses.append("batch_id = ?")
            args.append(batch_id)
        if states is not None:
            wanted = [s.value for s in states]
            clauses.append(f"state IN ({','.join('?' * len(wanted))})")
            args.extend(wanted)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM items {where} ORDER BY id", args).fetchall()
        return [_stored(r) for r in rows]

    def find_by_workflow(self, workflow_id: str) -> StoredItem | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM items WHERE workflow_id = ? ORDER BY id DESC LIMIT 1",
                (workflow_id,),
            ).fetchone()
        return _stored(row) if row is not None else None

    def queued_ids(self, limit: int, batch_ids: Iterable[int] | None = None) -> list[int]:
        """Queued items of batches that are not paused, oldest first."""
        return [item_id for item_id, _ in self.queued(limit, batch_ids)]

    def queued(self, limit: int, batch_ids: Iterable[int] | None = None) -> list[tuple[int, int]]:
        """(item id, batch id) of queued items of batches that are not paused, oldest first."""
        args: list[Any] = []
        only = ""
        if batch_ids is not None:
            wanted = list(batch_ids)
            if not wanted:
                return []
            only = f"AND i.batch_id IN ({','.join('?' * len(wanted))})"
            args.extend(wanted)
        args.append(limit)
        with self._lock:
            rows = self._db.execute(
                "SELECT i.id, i.batch_id FROM items i JOIN batches b ON b.id = i.batch_id "
                f"WHERE i.state = 'queued' AND b.paused_reason IS NULL {only} "
                "ORDER BY i.batch_id, i.id LIMIT ?",
                args,
            ).fetchall()
        return [(int(r["id"]), int(r["batch_id"])) for r in rows]

    def count(self, states: Iterable[ItemState], batch_ids: Iterable[int] | None = None) -> int:
        wanted = [s.value for s in states]
        args: list[Any] = list(wanted)
        only = ""
        if batch_ids is not None:
            ids = list(batch_ids)
            if not ids:
                return 0
            only = f"AND batch_id IN ({','.join('?' * len(ids))})"
            args.extend(ids)
        with self._lock:
            row = self._db.execute(
                f"SELECT COUNT(*) FROM items WHERE state IN ({','.join('?' * len(wanted))}) {only}",
                args,
            ).fetchone()
        return int(row[0])

    def update(self, item_id: int, **changes: Unpack[ItemChanges]) -> StoredItem:
        """Write the given columns (`ItemChanges`; committed at once) and return the item as
        now stored. Setting a final state stamps finished_at; leaving it clears it."""
        given: Mapping[str, Any] = changes
        unknown = sorted(set(given) - ITEM_COLUMNS)
        if unknown:  # a dict built at run time (typed callers cannot get here)
            raise TypeError(f"unknown item column {unknown[0]!r}")
        columns = {k: v for k, v in given.items() if k not in _ENCODED_COLUMNS}
        waiting = False
        if "state" in changes:
            state = ItemState(changes["state"])
            columns["state"] = state.value
            columns["finished_at"] = time.time() if state.is_final else None
            waiting = state in (ItemState.QUEUED, ItemState.PAUSED)
        if "results" in changes:
            columns["results"] = json.dumps(
                [{"content_type": m.content_type, "url": m.url} for m in changes["results"]]
            )
        if "downloads" in changes:
            columns["downloads"] = json.dumps([asdict(d) for d in changes["downloads"]])
        if "pending_update" in changes:
            pending = changes["pending_update"]
            columns["pending_update"] = json.dumps(dict(pending)) if pending is not None else None
        columns["updated_at"] = time.time()
        assignments = ", ".join(f"{name} = ?" for name in columns)
        if waiting:
            # A waiting item is PAUSED exactly while its batch is paused, whoever requeues it.
            columns.pop("state")
            assignments = ", ".join(f"{name} = ?" for name in columns) + (
                ", state = CASE WHEN EXISTS (SELECT 1 FROM batches b WHERE b.id = items.batch_id "
                "AND b.paused_reason IS NOT NULL) THEN 'paused' ELSE 'queued' END"
            )
        with self._lock:
            self._db.execute(
                f"UPDATE items SET {assignments} WHERE id = ?", [*columns.values(), item_id]
            )
            row = self._db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise KeyError(item_id)
        return _stored(row)

    def claim_upload(self, item_id: int) -> StoredItem | None:
        """Queued -> uploading, atomically: the item as now stored if this call moved it, None
        if it was not queued (taken by another engine or process, paused, cancelled, gone).

        The single compare-and-set through which an item may go out: even two processes that
        both believe they own a batch cannot both send one photo.
        """
        with self._lock:
            cursor = self._db.execute(
                "UPDATE items SET state = 'uploading', error = NULL, status_text = '', "
                "progress = 0, finished_at = NULL, body_sent_at = NULL, updated_at = ? "
                "WHERE id = ? AND state = 'queued'",
                (time.time(), item_id),
            )
            if cursor.rowcount != 1:
                return None
            row = self._db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
        return _stored(row) if row is not None else None

    def mark_body_sent(self, item_id: int) -> None:
        """The item's create is handing over its last bytes: from now on it may exist on the
        server (one write per create, no event: it does not change what the user sees)."""
        with self._lock:
            self._db.execute(
                "UPDATE items SET body_sent_at = ? WHERE id = ? AND state = 'uploading'",
                (time.time(), item_id),
            )

    def versions(self, batch_ids: Iterable[int]) -> dict[int, tuple[int, float]]:
        """Item id -> (batch id, updated_at) for these batches: a cheap way to see what changed."""
        wanted = list(batch_ids)
        if not wanted:
            return {}
        with self._lock:
            rows = self._db.execute(
                "SELECT id, batch_id, updated_at FROM items "
                f"WHERE batch_id IN ({','.join('?' * len(wanted))})",
                wanted,
            ).fetchall()
        return {int(r["id"]): (int(r["batch_id"]), float(r["updated_at"])) for r in rows}

    def unfinished_batch_ids(self) -> set[int]:
        """Batches with work left: an item not final, a change not yet sent (one the server
        refused waits for the user, like an item that needs attention), or a result that could
        not be saved."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT batch_id FROM items WHERE state NOT IN "
                "('succeeded', 'failed', 'needs_attention', 'cancelled') "
                "OR (pending_update IS NOT NULL AND update_refused = 0) "
                "OR (state = 'succeeded' AND error IS NOT NULL)"
            ).fetchall()
        return {int(r[0]) for r in rows}

    def batch_ids(self) -> list[int]:
        with self._lock:
            return [int(r[0]) for r in self._db.execute("SELECT id FROM batches ORDER BY id")]

    # -- changes to workflows ---------------------------------------------------------------
    # Each is one read-modify-write under the store's lock, so that a change the user makes
    # while an earlier one is on its way is never overwritten by that one's answer.

    def merge_update(self, item_id: int, change: Mapping[str, str]) -> StoredItem | None:
        """Record a change to send (merged into any pending one, its fields winning); clears
        the pending change's error. An empty `change` only clears the error (a retry)."""
        with self._lock:
            row = self._row(item_id)
            if row is None:
                return None
            pending = _pending(row)
            if not pending and not change:
                return _stored(row)
            pending.update(change)
            return self._write(
                item_id,
                "pending_update = ?, update_error = NULL, update_refused = 0",
                [json.dumps(pending)],
            )

    def settle_update(self, item_id: int, sent: Mapping[str, str]) -> StoredItem | None:
        """`sent` landed: it is now what the server holds, and leaves the pending change
        (a field changed again since it went out stays pending, with its newer value)."""
        with self._lock:
            row = self._row(item_id)
            if row is None:
                return None
            pending = {k: v for k, v in _pending(row).items() if sent.get(k) != v}
            columns = [k for k in UPDATE_FIELDS if k in sent]
            assignments = "".join(f"{name} = ?, " for name in columns)
            return self._write(
                item_id,
                assignments + "pending_update = ?, update_error = NULL, update_refused = 0",
                [*(sent[k] for k in columns), json.dumps(pending) if pending else None],
            )

    def fail_update(
        self, item_id: int, sent: Mapping[str, str], error: str, *, refused: bool
    ) -> StoredItem | None:
        """`sent` could not land: keep it pending with `error`. Nothing is written when the
        pending change is no longer `sent` (the user changed or dropped it meanwhile)."""
        with self._lock:
            row = self._row(item_id)
            if row is None or _pending(row) != dict(sent):
                return None
            return self._write(
                item_id, "update_error = ?, update_refused = ?", [error, 1 if refused else 0]
            )

    def drop_update(self, item_id: int) -> StoredItem | None:
        """Forget the pending change (the user gave it up)."""
        with self._lock:
            if self._row(item_id) is None:
                return None
            return self._write(
                item_id, "pending_update = NULL, update_error = NULL, update_refused = 0", []
            )

    def apply_unsent(self, item_id: int, fields: Mapping[str, str]) -> StoredItem | None:
        """Set title / description / visibility of an item whose workflow was not created and
        is not being created: they go with its create. None when it is (being) sent: the
        compare-and-set races safely with `claim_upload`."""
        columns = [k for k in ("title", "description", "visibility") if k in fields]
        if not columns:
            return None
        with self._lock:
            cursor = self._db.execute(
                f"UPDATE items SET {''.join(f'{k} = ?, ' for k in columns)}updated_at = ? "
                "WHERE id = ? AND workflow_id IS NULL AND state != 'uploading'",
                [*(fields[k] for k in columns), time.time(), item_id],
            )
            if cursor.rowcount != 1:
                return None
            row = self._row(item_id)
        return _stored(row) if row is not None else None

    def add_saved_files(self, item_id: int, paths: Sequence[str]) -> StoredItem | None:
        """Remember files the user saved (they show in `ItemSnapshot.files` and the report)."""
        with self._lock:
            row = self._row(item_id)
            if row is None:
                return None
            files: list[str] = list(json.loads(row["saved_files"] or "[]"))
            files.extend(p for p in paths if p not in files)
            return self._write(item_id, "saved_files = ?", [json.dumps(files)])

    def _row(self, item_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db.execute(
            "SELECT * FROM items WHERE id = ?", (item_id,)
        ).fetchone()
        return row

    def _write(self, item_id: int, assignments: str, values: list[Any]) -> StoredItem | None:
        """UPDATE one item (the caller holds the lock) and return it as now stored."""
        self._db.execute(
            f"UPDATE items SET {assignments}, updated_at = ? WHERE id = ?",
            [*values, time.time(), item_id],
        )
        row = self._row(item_id)
        return _stored(row) if row is not None else None

    def set_photos(self, item_id: int, photos: Sequence[dict[str, Any]]) -> None:
        """Replace the intake facts of an item (after the user asked to look at it afresh)."""
        with self._lock:
            self._db.execute(
                "UPDATE items SET photos = ? WHERE id = ?", (json.dumps(list(photos)), item_id)
            )

    def delete_item(self, item_id: int) -> None:
        """Forget an item; a batch left without items goes with it."""
        with self._lock:
            row = self._db.execute("SELECT batch_id FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))
                self._db.execute(
                    "DELETE FROM batches WHERE id = ? "
                    "AND NOT EXISTS (SELECT 1 FROM items WHERE batch_id = ?)",
                    (row["batch_id"], row["batch_id"]),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    # -- companions: the event mode's tables live in this file too ----------------------------

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of one query (event_profiles.py, made_ledger.py, event_files.py)."""
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The connection under the store's lock, inside one transaction: a new one (BEGIN
        IMMEDIATE, committed at the end), or the one this thread already has open (e.g. in
        add_batch's `before_commit`), whose commit or rollback then decides."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise


def _pending(row: sqlite3.Row) -> dict[str, str]:
    """The pending change as UPDATE_FIELDS -> text (schema 3 turned older stores' {"delivered":
    true} into a delivered_at)."""
    text = row["pending_update"]
    raw = json.loads(text) if text else None
    if not isinstance(raw, dict):
        return {}
    return {k: str(v) for k, v in raw.items() if k in UPDATE_FIELDS and v is not None}


def _visibility(text: str | None) -> Visibility | None:
    if not text:
        return None
    try:
        return Visibility.parse(text)
    except ValueError:
        return None


def _stored(row: sqlite3.Row) -> StoredItem:
    results = tuple(
        MediaFile(content_type=str(m.get("content_type", "")), url=str(m["url"]))
        for m in json.loads(row["results"])
    )
    downloads = tuple(Download(**d) for d in json.loads(row["downloads"]))
    files = [d.path for d in downloads if d.done and d.path]
    files.extend(p for p in json.loads(row["saved_files"] or "[]") if p not in files)
    confirmed: dict[str, str | None] = {
        "title": row["title"],
        "description": row["description"],
        "visibility": row["visibility"],
        "rating": row["rating"],
        "delivered_at": row["delivered_at"],
    }
    pending = _pending(row)
    # The snapshot shows the user's latest wish: the pending change over what the server has.
    shown = {**confirmed, **pending}
    snapshot = ItemSnapshot(
        id=int(row["id"]),
        batch_id=int(row["batch_id"]),
        kind=row["kind"],
        sources=tuple(json.loads(row["sources"])),
        title=shown["title"] or "",
        state=ItemState(row["state"]),
        status_text=row["status_text"],
        progress=int(row["progress"]),
        workflow_id=row["workflow_id"],
        error=row["error"],
        results=results,
        files=tuple(files),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        finished_at=row["finished_at"],
        rating=shown["rating"],
        delivered_at=shown["delivered_at"],
        pending_update=dict(pending) if pending else None,
        update_error=row["update_error"] if pending else None,
        visibility=_visibility(shown["visibility"]),
        description=shown["description"] or "",
    )
    return StoredItem(
        snapshot=snapshot,
        position=int(row["position"]),
        photos=tuple(json.loads(row["photos"])),
        downloads=downloads,
        pending_update=dict(pending) if pending else None,
        update_refused=bool(row["update_refused"]) and bool(pending),
        confirmed=confirmed,
        body_sent=row["body_sent_at"] is not None,
    )


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _translated(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """The method with SQLite's failures raised as typed StoreErrors (store_errors.py)."""

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            store = args[0]
            path = store.path if isinstance(store, JobStore) else Path(STORE_FILE)
            raise store_error(exc, path) from exc

    return call


# Every method, so that no caller ever sees a bare sqlite3 error: the CLI and the window tell
# a damaged file (never touched) from a full disk, a read-only one or a lock held elsewhere.
for _name, _member in list(vars(JobStore).items()):
    if isinstance(_member, property) and _member.fget is not None:
        setattr(JobStore, _name, property(_translated(_member.fget)))
    elif _name == "__init__" or (not _name.startswith("__") and callable(_member)):
        setattr(JobStore, _name, _translated(_member))


__all__ = [
    "SCHEMA_VERSION",
    "STORE_FILE",
    "Download",
    "JobStore",
    "NewItem",
    "StoreError",
    "StoreTooNewError",
    "StoredItem",
    "settings_from_json",
    "settings_to_json",
]
