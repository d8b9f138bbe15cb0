"""Changes to workflows (rating, delivered, title, description, visibility) against the simulator:
recorded before they are sent, kept until they land (across restarts), the user's delivered mark
kept apart from the time the server stamps on every PUT."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.api import Visibility, parse_timestamp
from app.engine import BatchSettings, Engine, EventKind, ItemSnapshot, ItemState, JobStore
from app.simulator import Simulator
from engine.enginetools import FAST_BACKOFF, FAST_RETRY, Recorder, close, make_jpegs
from engine.enginetools import photos_of as _photos


def _puts(sim: Simulator) -> list[Any]:
    return [r for r in sim.requests if r.method == "PUT"]


def _finished(
    engine: Engine, folder: Path, count: int = 1, settings: BatchSettings | None = None
) -> list[ItemSnapshot]:
    engine.start()
    batch = engine.create_batch(settings or BatchSettings(), _photos(make_jpegs(folder, count)))
    assert engine.wait_idle(timeout=30)
    items = engine.items(batch)
    assert [i.state for i in items] == [ItemState.SUCCEEDED] * count
    return items


def _item(engine: Engine, item_id: int) -> ItemSnapshot:
    item = engine.item(item_id)
    assert item is not None
    return item


def test_a_rating_does_not_mark_the_item_delivered(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(simulator.base_url)
    (item,) = _finished(engine, tmp_path / "in")
    engine.update_item(item.id, rating=4)
    assert engine.wait_idle(timeout=10)
    rated = _item(engine, item.id)
    (put,) = _puts(simulator)
    assert put.json == {"rating": "4"}
    served = simulator.workflows[str(item.workflow_id)]
    assert served["rating"] == "4" and served["delivered_at"]  # the server stamped it anyway
    assert rated.rating == "4"
    assert rated.delivered_at is None
    assert rated.pending_update is None and rated.update_error is None


def test_the_delivered_time_is_sent_and_resent_with_later_changes(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(simulator.base_url)
    (item,) = _finished(
        engine,
        tmp_path / "in",
        settings=BatchSettings(visibility=Visibility.PUBLIC, description="Party"),
    )
    assert item.visibility is Visibility.PUBLIC and item.description == "Party"
    engine.update_item(item.id, delivered=True)
    assert engine.wait_idle(timeout=10)
    delivered = _item(engine, item.id)
    # (Had the server stamped it again, its time would carry microseconds: not the mark.)
    engine.update_item(
        item.id, rating=2, title="New title", visibility=Visibility.PRIVATE, description="D"
    )
    assert engine.wait_idle(timeout=10)
    after = _item(engine, item.id)
    first, second = _puts(simulator)
    assert delivered.delivered_at is not None
    mark = parse_timestamp(delivered.delivered_at)
    assert mark is not None and abs(time.time() - mark.timestamp()) < 30
    assert first.json == {"delivered_at": delivered.delivered_at}
    assert second.json == {
        "title": "New title",
        "description": "D",
        "visibility_status": "0",
        "rating": "2",
        "delivered_at": delivered.delivered_at,
    }
    served = simulator.workflows[str(item.workflow_id)]
    assert parse_timestamp(served["delivered_at"]) == mark
    assert after.delivered_at == delivered.delivered_at
    assert (after.title, after.rating, after.description) == ("New title", "2", "D")
    assert after.visibility is Visibility.PRIVATE
    assert after.pending_update is None


def test_a_change_is_stored_before_it_is_sent(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    engine = make_engine(simulator.base_url)
    engine.subscribe(recorder)
    (item,) = _finished(engine, tmp_path / "in")
    simulator.script("PUT", "/workflow/", "slow:0.4")
    engine.update_item(item.id, title="Slow one", rating=5)
    # Another connection to the same file sees it while the PUT is still on its way.
    other = JobStore.open(private_dirs)
    try:
        stored = other.get(item.id)
    finally:
        other.close()
    assert stored is not None
    assert stored.pending_update == {"title": "Slow one", "rating": "5"}
    assert stored.snapshot.title == "Slow one"  # the user's wish is what is shown
    assert stored.confirmed["title"] == item.title  # ... over what the server has
    assert engine.wait_idle(timeout=10)
    landed = _item(engine, item.id)
    assert landed.pending_update is None and landed.title == "Slow one"
    shown = [e.item.pending_update for e in recorder.of(EventKind.ITEM) if e.item]
    assert shown[-2:] == [{"title": "Slow one", "rating": "5"}, None]


def test_a_refused_change_stays_pending_across_a_restart_until_retried(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    engine = make_engine(simulator.base_url)
    engine.subscribe(recorder)
    (item,) = _finished(engine, tmp_path / "in")
    simulator.script("PUT", "/workflow/", "400")
    engine.update_item(item.id, rating=5, description="Keep me")
    assert engine.wait_idle(timeout=10)
    failed = _item(engine, item.id)
    assert failed.pending_update == {"rating": "5", "description": "Keep me"}
    assert failed.update_error  # the plain words the status bar shows too
    assert failed.rating == "5" and failed.description == "Keep me"
    assert f"“{failed.title}” could not be changed: {failed.update_error}" in [
        e.message for e in recorder.of(EventKind.NOTICE)
    ]
    assert len(_puts(simulator)) == 1

    close(engine)  # a restart: the next engine opens the same store
    engine = make_engine(simulator.base_url)
    engine.start()
    assert engine.wait_idle(timeout=10)
    waiting = _item(engine, item.id)
    assert len(_puts(simulator)) == 1  # refused: not sent again without the user's word
    assert waiting.pending_update == failed.pending_update
    assert waiting.update_error == failed.update_error
    engine.retry_update(item.id)
    assert engine.wait_idle(timeout=10)
    landed = _item(engine, item.id)
    puts = _puts(simulator)
    assert len(puts) == 2 and puts[1].json == {"rating": "5", "description": "Keep me"}
    assert landed.pending_update is None and landed.update_error is None
    assert landed.rating == "5" and landed.description == "Keep me"
    assert landed.delivered_at is None
    served = simulator.workflows[str(item.workflow_id)]
    assert served["rating"] == "5" and served["description"] == "Keep me"


def test_a_change_whose_retries_run_out_is_sent_again_on_the_next_start(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    tries = FAST_RETRY.attempts * FAST_BACKOFF.update_attempts
    engine = make_engine(simulator.base_url)
    (item,) = _finished(engine, tmp_path / "in")
    simulator.script("PUT", "/workflow/", *(["500"] * tries))
    engine.update_item(item.id, title="Eventually")
    assert engine.wait_idle(timeout=20)
    failed = _item(engine, item.id)
    assert len(_puts(simulator)) == tries  # retried with back-off, then given up for now
    assert failed.pending_update == {"title": "Eventually"} and failed.update_error
    assert simulator.workflows[str(item.workflow_id)]["title"] != "Eventually"

    close(engine)  # a restart: the next engine opens the same store
    engine = make_engine(simulator.base_url)
    engine.start()
    assert engine.wait_idle(timeout=10)
    landed = _item(engine, item.id)
    assert len(_puts(simulator)) == tries + 1
    assert landed.pending_update is None and landed.update_error is None
    assert landed.title == "Eventually"
    assert simulator.workflows[str(item.workflow_id)]["title"] == "Eventually"


def test_changes_merge_and_a_dropped_one_is_forgotten(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(simulator.base_url)
    (item,) = _finished(engine, tmp_path / "in", settings=BatchSettings(description="Orig"))
    simulator.script("PUT", "/workflow/", "422")
    engine.update_item(item.id, title="A", rating=1)
    assert engine.wait_idle(timeout=10)
    assert _item(engine, item.id).update_error
    engine.update_item(item.id, rating=3)  # merged with the one that failed, and sent
    assert engine.wait_idle(timeout=10)
    merged = _item(engine, item.id)

    simulator.script("PUT", "/workflow/", "404")
    engine.update_item(item.id, description="Lost cause", visibility=Visibility.PUBLIC)
    assert engine.wait_idle(timeout=10)
    assert _item(engine, item.id).description == "Lost cause"
    engine.drop_update(item.id)
    dropped = _item(engine, item.id)
    assert engine.wait_idle(timeout=10)
    puts = _puts(simulator)
    # (A scripted fault answers before the body is read: the simulator records no JSON.)
    assert [p.outcome for p in puts] == ["422", "ok", "404"]
    assert puts[1].json == {"title": "A", "rating": "3"}
    assert merged.pending_update is None and (merged.title, merged.rating) == ("A", "3")
    assert dropped.pending_update is None and dropped.update_error is None
    assert dropped.description == "Orig" and dropped.visibility is Visibility.UNLISTED

    close(engine)  # a restart: the next engine opens the same store
    engine = make_engine(simulator.base_url)
    engine.start()
    assert engine.wait_idle(timeout=10)
    again = _item(engine, item.id)
    assert len(_puts(simulator)) == 3 and again.pending_update is None


def test_the_upload_cache_is_pruned_once_on_start(
    simulator: Simulator, private_dirs: Path, make_engine: Callable[..., Engine]
) -> None:
    uploads = private_dirs / "cache" / "uploads"
    uploads.mkdir(parents=True)
    old, fresh = uploads / "old-nogps.jpg", uploads / "fresh-nogps.jpg"
    old.write_bytes(b"x" * 100)
    fresh.write_bytes(b"y" * 100)
    long_ago = time.time() - 30 * 24 * 3600
    os.utime(old, (long_ago, long_ago))
    engine = make_engine(simulator.base_url)
    engine.start()
    assert engine.wait_idle(timeout=10)
    assert not old.exists() and fresh.exists()


def test_a_title_set_before_sending_goes_with_the_create(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    engine = make_engine(simulator.base_url)
    engine.subscribe(recorder)
    engine.start()
    engine.pause()
    batch = engine.create_batch(BatchSettings(), _photos(make_jpegs(tmp_path / "in", 1)))
    (item,) = engine.items(batch)
    engine.update_item(item.id, title="Before", visibility=Visibility.PUBLIC, rating=2)
    waiting = _item(engine, item.id)
    engine.resume()
    assert engine.wait_idle(timeout=30)
    done = _item(engine, item.id)
    assert waiting.pending_update is None and waiting.title == "Before"
    assert "This photo has not been sent to Vimmerse yet." in [
        e.message for e in recorder.of(EventKind.NOTICE)
    ]
    assert _puts(simulator) == []
    served = simulator.workflows[str(done.workflow_id)]
    assert served["title"] == "Before" and served["visibility_status"] == "2"
    assert done.rating is None and done.visibility is Visibility.PUBLIC
