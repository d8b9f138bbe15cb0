"""Each failure of the job list is told apart, from real SQLite conditions: only a damaged
file gets the "move it away" advice (saying what is lost), and it is never touched."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.engine import BatchSettings, JobStore
from app.engine.store import STORE_FILE, NewItem
from app.engine.store_errors import (
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
)


def _items(count: int) -> list[NewItem]:
    return [
        NewItem(kind="url", sources=(f"https://example.com/{n}.jpg",), title="x" * 500)
        for n in range(count)
    ]


def _store_with(tmp_path: Path, connect: Callable[..., sqlite3.Connection]) -> JobStore:
    JobStore.open(tmp_path).close()  # a healthy, migrated store first
    return JobStore(tmp_path / STORE_FILE, connect=connect)


def test_a_damaged_file_is_called_damaged_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    garbage = b"this is not a database at all" * 200
    path.write_bytes(garbage)
    with pytest.raises(StoreDamagedError) as raised:
        JobStore.open(tmp_path)
    message = str(raised.value)
    assert "damaged" in message and STORE_FILE in message
    # The advice to move it says what is then lost.
    assert "move" in message and "already sent" in message and "twice" in message
    assert path.read_bytes() == garbage


def test_a_full_disk_is_called_full(tmp_path: Path) -> None:
    def small_disk(path: Path, **kw: Any) -> sqlite3.Connection:
        db = sqlite3.connect(path, **kw)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 1}")
        return db

    store = _store_with(tmp_path, small_disk)
    try:
        with pytest.raises(StoreFullError) as raised:
            store.add_batch(BatchSettings(), _items(200))
    finally:
        store.close()
    assert str(raised.value) == (
        "The disk holding vimbatch's job list is full: free some space, then Resume."
    )
    assert "move" not in str(raised.value)


def test_a_read_only_store_is_called_read_only(tmp_path: Path) -> None:
    def read_only(path: Path, **kw: Any) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, **kw)

    store = _store_with(tmp_path, read_only)
    try:
        with pytest.raises(StoreReadOnlyError) as raised:
            store.add_batch(BatchSettings(), _items(1))
    finally:
        store.close()
    assert "read-only" in str(raised.value) and "damaged" not in str(raised.value)


def test_a_store_locked_by_another_program_is_called_locked(tmp_path: Path) -> None:
    def impatient(path: Path, **kw: Any) -> sqlite3.Connection:
        return sqlite3.connect(path, **{**kw, "timeout": 0.1})

    store = _store_with(tmp_path, impatient)
    other = sqlite3.connect(tmp_path / STORE_FILE, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreLockedError) as raised:
            store.add_batch(BatchSettings(), _items(1))
        other.execute("ROLLBACK")
    finally:
        other.close()
        store.close()
    assert "locked by another program" in str(raised.value)
    assert isinstance(raised.value, StoreError) and "move" not in str(raised.value)
