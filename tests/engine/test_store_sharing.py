"""One store file, several writers: atomic claims, batch locks, paused items, old stores."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from app.engine import BatchSettings, ItemState, JobStore
from app.engine.locks import LOCKS_DIR, BatchLocks, lock_path
from app.engine.store import _MIGRATIONS, SCHEMA_VERSION, NewItem


def _photos(n: int) -> list[NewItem]:
    return [NewItem(kind="photo", sources=(f"/p/{i}.jpg",), title=str(i)) for i in range(n)]


def test_two_stores_on_one_file_claim_each_item_exactly_once(tmp_path: Path) -> None:
    stores = [JobStore.open(tmp_path), JobStore.open(tmp_path)]
    try:
        _, ids = stores[0].add_batch(BatchSettings(), _photos(60))
        won: list[list[int]] = [[], []]
        go = threading.Barrier(2)

        def claim_all(n: int) -> None:
            go.wait()
            for item_id in ids:
                claimed = stores[n].claim_upload(item_id)
                if claimed is not None:
                    assert claimed.snapshot.state is ItemState.UPLOADING
                    won[n].append(item_id)

        threads = [threading.Thread(target=claim_all, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(won[0] + won[1]) == ids  # every item claimed once, by one of the two
        assert stores[1].count([ItemState.UPLOADING]) == 60
        assert stores[0].claim_upload(ids[0]) is None  # not queued any more
    finally:
        for store in stores:
            store.close()


def test_waiting_items_are_paused_exactly_while_their_batch_is(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path)
    try:
        batch, ids = store.add_batch(BatchSettings(), _photos(3))
        store.update(ids[2], state=ItemState.SUCCEEDED)
        snapshot = store.set_paused(batch, "Out of credit.", "credit")
        assert snapshot.counts == {ItemState.PAUSED: 2, ItemState.SUCCEEDED: 1}
        paused = [store.snapshot(i) for i in ids[:2]]
        assert all(
            s and s.state is ItemState.PAUSED and s.error == "Out of credit." for s in paused
        )
        assert store.claim_upload(ids[0]) is None and store.queued_ids(10) == []
        # Whoever puts an item back in the queue of a paused batch gets it paused.
        assert store.update(ids[2], state=ItemState.QUEUED).snapshot.state is ItemState.PAUSED
        store.set_paused(batch, None, None)
        again = [store.snapshot(i) for i in ids]
        assert [s.state for s in again if s] == [ItemState.QUEUED] * 3
        assert all(s and s.error is None for s in again)
        store.set_paused(batch, "Paused.", "user")  # the user's own pause needs no reason
        assert {s.error for s in (store.snapshot(i) for i in ids) if s} == {None}
    finally:
        store.close()


def test_batch_ids_are_never_reused(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path)
    try:
        first, (item,) = store.add_batch(BatchSettings(), _photos(1))
        store.delete_item(item)  # the batch goes with its last item
        assert store.batch(first) is None
        second, _ = store.add_batch(BatchSettings(), _photos(1))
        assert second == first + 1
    finally:
        store.close()


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(f"BEGIN; {_MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    db.execute("INSERT INTO batches (id, created_at, settings, paused_reason, paused_kind) "
               "VALUES (3, 0, '{}', 'Out of credit.', 'credit')")  # fmt: skip
    for state in ("queued", "succeeded"):
        db.execute(
            "INSERT INTO items (batch_id, position, kind, sources, photos, title, state, "
            "created_at, updated_at) VALUES (3, 1, 'photo', '[]', '[]', 't', ?, 0, 0)",
            (state,),
        )
    db.commit()
    db.close()
    store = JobStore(path)
    try:
        assert store.schema_version == SCHEMA_VERSION
        states = sorted(i.snapshot.state.value for i in store.items(3))
        assert states == ["paused", "succeeded"]
        new_batch, _ = store.add_batch(BatchSettings(), _photos(1))
        assert new_batch == 4
    finally:
        store.close()


def test_batch_lock_excludes_a_second_holder_until_released(tmp_path: Path) -> None:
    one, two = BatchLocks(tmp_path / LOCKS_DIR), BatchLocks(tmp_path / LOCKS_DIR)
    try:
        assert one.acquire(5) and one.acquire(5)  # taking one's own lock again is fine
        assert not two.acquire(5)  # two opens in one process conflict, as two processes do
        assert two.acquire(6) and one.held() == {5} and two.held() == {6}
        one.release(5)
        assert two.acquire(5)
        assert lock_path(tmp_path / LOCKS_DIR, 5).read_text().strip() == str(os.getpid())
    finally:
        one.release_all()
        two.release_all()


def test_a_killed_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    locks_dir = tmp_path / LOCKS_DIR
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from app.engine.locks import BatchLocks\n"
            f"assert BatchLocks(Path({str(locks_dir)!r})).acquire(1)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    locks = BatchLocks(locks_dir)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not locks.acquire(1)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert locks.acquire(1)  # the OS let go of it with the process
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
        locks.release_all()
