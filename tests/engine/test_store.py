"""The job store: a real SQLite file, versioned, committed at every write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.api import MediaFile, Visibility
from app.engine import BatchSettings, Grouping, ItemState, JobStore, OverwritePolicy
from app.engine.store import SCHEMA_VERSION, Download, NewItem, StoreTooNewError


def test_batch_and_items_survive_reopening(tmp_path: Path) -> None:
    settings = BatchSettings(
        template_id="vim_arctic",
        options={"aspect_ratio": "9:16"},
        visibility=Visibility.PUBLIC,
        grouping=Grouping.PER_FOLDER,
        overwrite=OverwritePolicy.SKIP,
        download_dir="/tmp/x",
    )
    store = JobStore.open(tmp_path)
    batch_id, (first, second) = store.add_batch(
        settings,
        [
            NewItem(
                kind="photo", sources=("/a/one.jpg",), title="one", photos=({"path": "/a/one.jpg"},)
            ),
            NewItem(
                kind="url",
                sources=("https://x/y.jpg",),
                title="y",
                state=ItemState.FAILED,
                error="bad",
            ),
        ],
    )
    store.update(
        first,
        state=ItemState.SUCCEEDED,
        workflow_id="wf1",
        results=(MediaFile("image/jpeg", "https://r/1.jpg"),),
        downloads=(Download(url="https://r/1.jpg", path="/o/1.jpg", done=True),),
    )
    store.close()

    again = JobStore.open(tmp_path)
    try:
        assert again.settings(batch_id) == settings
        one = again.snapshot(first)
        assert one is not None and one.state is ItemState.SUCCEEDED and one.finished_at
        assert one.results == (MediaFile("image/jpeg", "https://r/1.jpg"),)
        assert one.files == ("/o/1.jpg",)
        two = again.snapshot(second)
        assert two is not None and two.state is ItemState.FAILED and two.error == "bad"
        assert again.find_by_workflow("wf1") is not None
        (batch,) = again.batches()
        assert batch.counts == {ItemState.SUCCEEDED: 1, ItemState.FAILED: 1}
        assert again.schema_version == SCHEMA_VERSION
    finally:
        again.close()


def test_wal_mode_and_newer_schema_refused(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path)
    store.close()
    db = sqlite3.connect(tmp_path / "jobs.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreTooNewError, match="newer version"):
        JobStore.open(tmp_path)


def test_queued_ids_skip_paused_batches(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path)
    try:
        a, a_ids = store.add_batch(BatchSettings(), [NewItem("photo", ("/1",), "1")])
        _b, b_ids = store.add_batch(BatchSettings(), [NewItem("photo", ("/2",), "2")])
        assert store.queued_ids(10) == [*a_ids, *b_ids]
        store.set_paused(a, "Out of credit", "credit")
        assert store.queued_ids(10) == b_ids
        assert store.paused_batches() == {a: "credit"}
        assert store.queued_ids(10, [a]) == []
    finally:
        store.close()


def test_a_schema_2_store_opens_and_keeps_its_pending_change(tmp_path: Path) -> None:
    from app.engine.store import _MIGRATIONS, settings_to_json

    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    for number, script in enumerate(_MIGRATIONS[:2]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number + 1}; COMMIT;")
    settings = BatchSettings(visibility=Visibility.PRIVATE, description="From the batch")
    db.execute(
        "INSERT INTO batches (id, created_at, settings) VALUES (1, 0, ?)",
        (settings_to_json(settings),),
    )
    # 1700000000 = 2023-11-14 22:13:20 UTC: an old {"delivered": true} gets that time.
    db.execute(
        "INSERT INTO items (id, batch_id, position, kind, sources, photos, title, state, "
        "workflow_id, created_at, updated_at, rating, pending_update) VALUES "
        "(7, 1, 1, 'photo', '[\"/a.jpg\"]', '[]', 'a', 'succeeded', 'wf', 0, 1700000000, '2', "
        '\'{"rating": "4", "delivered": true}\')'
    )
    db.commit()
    db.close()

    store = JobStore(path)
    try:
        assert store.schema_version == SCHEMA_VERSION >= 3
        stored = store.get(7)
        assert stored is not None
        item = stored.snapshot
        assert item.pending_update == {"rating": "4", "delivered_at": "2023-11-14T22:13:20+00:00"}
        assert item.rating == "4" and stored.confirmed["rating"] == "2"
        assert item.delivered_at == "2023-11-14T22:13:20+00:00"
        assert item.update_error is None and not stored.update_refused
        assert item.visibility is Visibility.PRIVATE and item.description == "From the batch"
        assert item.files == ()
        assert store.unfinished_batch_ids() == {1}  # the change is still to be sent
    finally:
        store.close()
    JobStore(path).close()  # opening again runs nothing twice


def test_saved_files_and_a_refused_change_as_stored(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path)
    try:
        batch, (item_id,) = store.add_batch(BatchSettings(), [NewItem("photo", ("/1",), "1")])
        store.update(
            item_id,
            state=ItemState.SUCCEEDED,
            workflow_id="wf",
            downloads=(Download(url="u", path="/o/auto.jpg", done=True),),
        )
        store.add_saved_files(item_id, ["/s/one.jpg", "/o/auto.jpg"])
        store.add_saved_files(item_id, ["/s/one.jpg", "/s/two.jpg"])
        store.merge_update(item_id, {"title": "T"})
        assert store.fail_update(item_id, {"title": "other"}, "no", refused=True) is None
        assert store.fail_update(item_id, {"title": "T"}, "Refused.", refused=True) is not None
        assert store.unfinished_batch_ids() == set()  # waits for the user, not for vimbatch
        again = store.get(item_id)
        assert again is not None
        assert again.snapshot.files == ("/o/auto.jpg", "/s/one.jpg", "/s/two.jpg")
        assert again.snapshot.update_error == "Refused." and again.update_refused
        store.merge_update(item_id, {"rating": "1"})  # a new change: sent again, error cleared
        assert store.unfinished_batch_ids() == {batch}
        settled = store.settle_update(item_id, {"title": "T"})
        assert settled is not None and settled.pending_update == {"rating": "1"}
        assert settled.confirmed["title"] == "T"
    finally:
        store.close()
