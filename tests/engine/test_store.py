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
