"""Start-up recovery, cancel/retry, updates and deletes through the engine, error reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from app.api import Visibility
from app.engine import BatchSettings, Engine, EventKind, ItemState, JobStore
from app.engine.uploads import STOPPED_MID_UPLOAD
from app.simulator import Simulator
from engine.enginetools import Recorder, by_state, close, make_jpegs, new_engine, photos_of


def test_recovery_flags_mid_upload_and_follows_submitted(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    sim = sim_factory(processing_time=0.1)
    paths = make_jpegs(tmp_path / "in", 4)
    out = tmp_path / "out"
    # A first run sends one photo; then the store is left as a crash would leave it.
    engine = new_engine(private_dirs, sim.base_url)
    batch = engine.create_batch(BatchSettings(download_dir=str(out)), photos_of(paths))
    ids = [i.id for i in engine.items(batch)]
    close(engine)
    from app.api import CreateRequest, WorkflowClient

    with WorkflowClient("k", sim.base_url) as client:
        sent = client.create(CreateRequest(files=[paths[1]], title="photo002"))
    store = JobStore.open(private_dirs)
    store.update(ids[0], state=ItemState.UPLOADING)  # died with its body sent, no answer
    store.mark_body_sent(ids[0])
    store.update(ids[1], state=ItemState.SUBMITTED, workflow_id=sent.id)  # died while following
    store.update(ids[3], state=ItemState.UPLOADING)  # died before its body went out whole
    store.close()

    engine = make_engine(sim.base_url)
    engine.start()
    assert engine.wait_idle(timeout=30)
    items = {i.id: i for i in engine.items(batch)}
    assert items[ids[0]].state is ItemState.NEEDS_ATTENTION
    assert items[ids[0]].error == STOPPED_MID_UPLOAD
    assert items[ids[1]].state is ItemState.SUCCEEDED and items[ids[1]].workflow_id == sent.id
    assert items[ids[1]].files and Path(items[ids[1]].files[0]).is_file()
    assert items[ids[2]].state is ItemState.SUCCEEDED
    assert items[ids[3]].state is ItemState.SUCCEEDED  # queued again by itself
    assert sim.created_count() == 3  # never resent silently: 1 by hand + 2 queued


def test_cancel_and_retry(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    sim = sim_factory(processing_time=30)
    paths = make_jpegs(tmp_path / "in", 3)
    engine = make_engine(sim.base_url, concurrency=1)
    engine.pause()  # nothing goes until resumed
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    first, second, third = (i.id for i in engine.items(batch))
    assert engine.batches()[0].paused_kind == "user"
    engine.cancel_item(third)
    assert by_state(engine.items(batch)) == {"paused": 2, "cancelled": 1}
    engine.resume()
    assert engine.wait_submitted(batch, timeout=30)
    engine.cancel_item(first)
    items = {i.id: i for i in engine.items(batch)}
    assert items[first].state is ItemState.CANCELLED and items[first].error
    assert items[second].state.is_remote
    assert items[third].state is ItemState.CANCELLED
    assert sim.created_count() == 2
    sim.config.processing_time = 0.05
    engine.retry_item(third)
    assert engine.wait_submitted(batch, timeout=30)
    assert sim.created_count() == 3
    assert engine.retry_failed(batch) == 0


def test_update_and_delete_through_the_engine(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    paths = make_jpegs(tmp_path / "in", 2)
    engine = make_engine(simulator.base_url)
    engine.subscribe(recorder)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    one, two = engine.items(batch)
    simulator.script("PUT", "/workflow/", "503")  # retried, not shown
    engine.update_item(one.id, title="Kept", rating=4, delivered=True, visibility=Visibility.PUBLIC)
    assert engine.wait_idle(timeout=30)
    updated = engine.item(one.id)
    assert updated is not None and updated.rating == "4" and updated.delivered_at
    assert updated.title == "Kept"
    served = simulator.workflows[str(one.workflow_id)]
    assert served["title"] == "Kept" and served["visibility_status"] == "2"
    engine.delete_item(two.id, remote=True)
    assert engine.wait_idle(timeout=30)
    assert engine.item(two.id) is None
    assert str(two.workflow_id) not in simulator.workflows
    removed = recorder.of(EventKind.ITEM_REMOVED)
    assert [e.item.id for e in removed if e.item] == [two.id]
    simulator.script("PUT", "/workflow/", "400")
    engine.update_item(one.id, rating=1)
    assert engine.wait_idle(timeout=30)
    assert any("could not be changed" in (e.message or "") for e in recorder.of(EventKind.NOTICE))


def test_unexpected_answers_are_reported_safely_and_rate_limited(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    paths = make_jpegs(tmp_path / "in", 1)
    simulator.script("GET", "/workflow/", *(["malformed"] * 6))
    engine = make_engine(simulator.base_url, key="secret-key-123")
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    assert by_state(engine.items(batch)) == {"succeeded": 1}  # the report did not disturb it
    time.sleep(0.1)
    reports = simulator.error_reports
    assert 1 <= len(reports) <= 3
    text = repr(reports)
    assert "secret-key-123" not in text and str(tmp_path) not in text
    context = reports[0]["context"]
    assert context["workflow_id"] == engine.items(batch)[0].workflow_id
    assert {"app_version", "os", "python"} <= set(context)


def test_error_reports_can_be_switched_off(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    paths = make_jpegs(tmp_path / "in", 1)
    simulator.script("GET", "/workflow/", "malformed", "malformed")
    engine = make_engine(simulator.base_url, error_reports=False)
    engine.start()
    engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    assert simulator.error_reports == []


def test_retry_all_failed_starts_each_item_s_time_over(
    sim_factory: Callable[..., Simulator], tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    """A row shows the time since its item was added: after "Retry all failed" that is the
    retry, not the original send (the rows read "Being made · 12 min" at once otherwise)."""
    sim = sim_factory(processing_time=0.2, fail_rate=1.0)
    paths = make_jpegs(tmp_path / "in", 2)
    engine = make_engine(sim.base_url)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    failed = engine.items(batch)
    assert {i.state for i in failed} == {ItemState.FAILED}
    first_added = max(i.created_at for i in failed)
    retried_at = time.time()
    assert retried_at > first_added
    assert engine.retry_failed(batch) == 2
    for item in engine.items(batch):
        assert item.created_at >= retried_at, (item.created_at, retried_at)
