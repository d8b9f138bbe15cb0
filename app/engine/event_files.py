"""What each file of a watched folder became, per event (table event_files): so that a restart —
even after kill -9 — neither sends a photo again nor misses one that arrived meanwhile."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from app.engine.store import JobStore


class Outcome(StrEnum):
    SENT = "sent"  # an item was made for it (item_id)
    EXISTING = "existing"  # in the folder when the event first started, skipped by choice
    MADE = "made"  # its content was already made (a copy, a re-copied card): skipped
    RAW_TWIN = "raw_twin"  # a RAW whose JPEG twin is used
    RAW = "raw"  # a RAW file alone: cannot be sent
    PROBLEM = "problem"  # intake refused it (note says why)


SKIPPED = (Outcome.EXISTING, Outcome.MADE, Outcome.RAW_TWIN, Outcome.RAW)


@dataclass(frozen=True)
class FileRecord:
    path: str
    size: int
    mtime_ns: int
    outcome: Outcome
    note: str | None
    item_id: int | None


class EventFiles:
    """The per-event file memory, one row per version of a file (a card copied again gives
    new rows beside the old ones); `handled` answers from an in-memory copy (scans are hot)."""

    def __init__(self, store: JobStore, event: int) -> None:
        self._store = store
        self._event = event
        self._known: dict[str, tuple[int, int]] = {}
        for row in store.read(
            "SELECT path, size, mtime_ns FROM event_files WHERE event = ? ORDER BY seen_at",
            (event,),
        ):
            self._known[str(row["path"])] = (int(row["size"]), int(row["mtime_ns"]))

    def handled(self, path: str) -> tuple[int, int] | None:
        return self._known.get(path)

    @property
    def count(self) -> int:
        return len(self._known)

    def record(self, records: list[FileRecord]) -> None:
        if not records:
            return
        now = time.time()
        with self._store.writing() as db:
            db.executemany(
                "INSERT OR REPLACE INTO event_files (event, path, size, mtime_ns, outcome, "
                "note, item_id, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        self._event,
                        r.path,
                        r.size,
                        r.mtime_ns,
                        r.outcome.value,
                        r.note,
                        r.item_id,
                        now,
                    )
                    for r in records
                ],
            )
        for r in records:
            self._known[r.path] = (r.size, r.mtime_ns)

    def item_recorded(self, item_id: int) -> bool:
        rows = self._store.read(
            "SELECT 1 FROM event_files WHERE event = ? AND item_id = ? AND outcome = 'sent'",
            (self._event, item_id),
        )
        return bool(rows)

    def all(self) -> list[FileRecord]:
        rows = self._store.read(
            "SELECT path, size, mtime_ns, outcome, note, item_id FROM event_files "
            "WHERE event = ? ORDER BY seen_at, path",
            (self._event,),
        )
        return [
            FileRecord(
                path=str(r["path"]),
                size=int(r["size"]),
                mtime_ns=int(r["mtime_ns"]),
                outcome=Outcome(r["outcome"]),
                note=r["note"],
                item_id=r["item_id"],
            )
            for r in rows
        ]

    def item_ids(self) -> list[int]:
        rows = self._store.read(
            "SELECT DISTINCT item_id FROM event_files WHERE event = ? AND item_id IS NOT NULL",
            (self._event,),
        )
        return [int(r[0]) for r in rows]
