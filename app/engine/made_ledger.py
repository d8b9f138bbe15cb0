"""The "already made" ledger: which photo contents were made into a workflow with which template,
options and event, shared by event mode and ordinary batches, across restarts and processes.

A photo's entry is claimed in the very transaction that stores its item (JobStore.add_batch's
`before_commit`): SQLite's write lock makes the check-and-claim atomic, so two `vimbatch submit`
processes started at once on the same photos cannot both queue one. An entry stops counting when
its item failed or was cancelled (nothing was made), or was deleted before a workflow existed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.engine.model import BatchSettings, ItemState
from app.engine.store import JobStore
from app.engine.templates import load_catalog
from app.images import Photo

# Item states in which nothing was (or will be) made: their ledger entries do not count.
_NOT_MADE = (ItemState.FAILED.value, ItemState.CANCELLED.value)


@dataclass(frozen=True)
class MadeBefore:
    """Where a photo's content was made before: the event's name or the template's label."""

    label: str
    made_at: float  # unix time the entry was claimed
    item_id: int
    workflow_id: str | None

    @property
    def when(self) -> str:
        """ "30 Nov" this year, "30 Nov 2025" before."""
        moment = datetime.fromtimestamp(self.made_at)
        if moment.year == datetime.now().year:
            return f"{moment.day} {moment:%b}"
        return f"{moment.day} {moment:%b %Y}"

    @property
    def words(self) -> str:
        """ "New Year 2026 (30 Nov)"."""
        return f"{self.label} ({self.when})"


def ledger_label(settings: BatchSettings) -> str:
    """What "already made with …" names: the event, else the template."""
    return settings.event_name or load_catalog().label_for(settings.template_id)


def made_key(content_hash: str, settings: BatchSettings) -> str:
    """One photo content with one template, its options and one event."""
    identity = json.dumps(
        [content_hash, settings.template_id, settings.options, settings.event_id],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def already_made(
    store: JobStore, photos: Iterable[Photo], settings: BatchSettings
) -> dict[Path, MadeBefore]:
    """The photos (by path) whose content was already made with these settings."""
    keys: dict[str, list[Path]] = {}
    for photo in photos:
        if photo.content_hash and photo.problem is None:
            keys.setdefault(made_key(photo.content_hash, settings), []).append(photo.path)
    found: dict[Path, MadeBefore] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = store.read(
            "SELECT m.*, i.state AS item_state FROM made_photos m "
            "LEFT JOIN items i ON i.id = m.item_id "
            f"WHERE m.key IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            made = _counting(row)
            if made is not None:
                for path in keys[row["key"]]:
                    found[path] = made
    return found


def claim_items(
    db: sqlite3.Connection, batch_id: int, settings: BatchSettings, *, again: bool
) -> dict[int, MadeBefore]:
    """Claim the ledger for the waiting items of a batch being stored (call inside its
    transaction). Items whose every photo was already made are cancelled with the reason
    (unless `again`); returns them, item id -> where it was made."""
    label = ledger_label(settings)
    now = time.time()
    skipped: dict[int, MadeBefore] = {}
    rows = db.execute(
        "SELECT id, photos FROM items WHERE batch_id = ? AND state IN ('queued', 'paused')",
        (batch_id,),
    ).fetchall()
    for row in rows:
        records: list[dict[str, Any]] = json.loads(row["photos"])
        keys = [made_key(r["content_hash"], settings) for r in records if r.get("content_hash")]
        if not keys:
            continue
        earlier = [_entry(db, key) for key in keys]
        if not again and all(e is not None for e in earlier):
            first = next(e for e in earlier if e is not None)
            skipped[int(row["id"])] = first
            db.execute(
                "UPDATE items SET state = 'cancelled', error = ?, finished_at = ?, "
                "updated_at = ? WHERE id = ?",
                (already_made_message(first), now, now, row["id"]),
            )
            continue
        for key, record in zip(keys, (r for r in records if r.get("content_hash")), strict=True):
            db.execute(
                "INSERT OR REPLACE INTO made_photos (key, content_hash, template_id, event_id, "
                "label, item_id, batch_id, workflow_id, made_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (
                    key,
                    record["content_hash"],
                    settings.template_id,
                    settings.event_id,
                    label,
                    row["id"],
                    batch_id,
                    now,
                ),
            )
    return skipped


def already_made_message(made: MadeBefore) -> str:
    return f"Already made with {made.words}: skipped."


def skipped_words(count: int, made: Sequence[MadeBefore]) -> str:
    """ "12 of these photos were already made with New Year 2026 (30 Nov)"."""
    labels = sorted({m.words for m in made})
    where = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    if count == 1:
        return f"1 of these photos was already made with {where}"
    return f"{count} of these photos were already made with {where}"


def _entry(db: sqlite3.Connection, key: str) -> MadeBefore | None:
    row = db.execute(
        "SELECT m.*, i.state AS item_state FROM made_photos m "
        "LEFT JOIN items i ON i.id = m.item_id WHERE m.key = ?",
        (key,),
    ).fetchone()
    return _counting(row) if row is not None else None


def _counting(row: sqlite3.Row) -> MadeBefore | None:
    """The entry if it still says the photo was made (or is being made)."""
    state = row["item_state"]
    if state is None and row["workflow_id"] is None:
        return None  # its item was removed before anything was created
    if state in _NOT_MADE:
        return None
    return MadeBefore(
        label=str(row["label"]),
        made_at=float(row["made_at"]),
        item_id=int(row["item_id"]),
        workflow_id=row["workflow_id"],
    )
