"""A simulator with a state folder (demo mode) keeps its workflows and files across restarts."""

from __future__ import annotations

import json
from pathlib import Path

from engine.enginetools import make_jpegs, photos_of

from app.api import WorkflowClient
from app.engine import BatchSettings, ItemState
from app.engine.session import build_engine, quick_timings
from app.simulator import Simulator, SimulatorConfig


def test_an_interrupted_demo_batch_resumes_after_a_restart(tmp_path: Path) -> None:
    """Start the demo's server and engine, stop both mid-batch, start again on the same
    folders: every photo finishes and every result can be downloaded."""
    state = tmp_path / "demo" / "server"
    data = tmp_path / "demo"
    photos = photos_of(make_jpegs(tmp_path / "photos", 6))
    poll, backoff, retry = quick_timings(0.05)
    config = SimulatorConfig(processing_time=1.5, seed=7)

    first = Simulator(config, state_dir=state)
    base_url = first.start()
    engine = build_engine(
        base_url=base_url, data_dir=data, key="demo-key", poll=poll, backoff=backoff, retry=retry
    )
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos)
        assert engine.wait_submitted(batch, timeout=30)
        # Mid-batch: everything sent, nothing finished yet.
        assert not any(item.state is ItemState.SUCCEEDED for item in engine.items(batch))
    finally:
        engine.shutdown(wait=True)
        engine.client.close()
        engine.store.close()
        first.stop()
    kept = sorted(p.stem for p in (state / "workflows").glob("*.json"))
    assert len(kept) == 6
    assert not list(state.glob("workflows/.*.part"))

    second = Simulator(SimulatorConfig(processing_time=1.5, seed=7), state_dir=state)
    # The result links handed out before point at this address: it is the same one.
    assert second.start() == base_url
    engine = build_engine(
        base_url=base_url, data_dir=data, key="demo-key", poll=poll, backoff=backoff, retry=retry
    )
    try:
        assert sorted(second.workflows) == kept
        engine.start()
        assert engine.wait_idle(timeout=60)
        items = engine.items(batch)
        assert [item.state for item in items] == [ItemState.SUCCEEDED] * 6, [
            (item.state, item.error) for item in items
        ]
        # Nothing was sent twice.
        assert second.created_count() == 0
        with WorkflowClient("demo-key", base_url) as client:
            for number, item in enumerate(items):
                assert item.results
                target = client.download(item.results[0].url, tmp_path / f"result{number}.jpg")
                assert target.stat().st_size > 1000
    finally:
        engine.shutdown(wait=True)
        engine.client.close()
        engine.store.close()
        second.stop()
    # A third start still serves the rendered files, from disk.
    with Simulator(SimulatorConfig(), state_dir=state) as third:
        assert third.base_url == base_url
        record = json.loads(next((state / "workflows").glob("*.json")).read_text())
        served = third.workflows[record["id"]]
        assert served["processing_status"] == "success"
        assert (
            served["media_result"][0]["size"]
            == (state / "files" / record["id"] / "result.jpg").stat().st_size
        )


def test_without_a_state_folder_nothing_is_kept(tmp_path: Path) -> None:
    sim = Simulator(SimulatorConfig(processing_time=0))
    sim.start()
    root = sim._root
    assert root is not None and root.exists()
    sim.stop()
    assert not root.exists()


def test_a_taken_port_falls_back_to_a_free_one(tmp_path: Path) -> None:
    state = tmp_path / "server"
    with Simulator(SimulatorConfig(), state_dir=state) as first:
        # The remembered port is busy (here: the first one still runs).
        with Simulator(SimulatorConfig(), state_dir=tmp_path / "other") as other:
            assert other.port != first.port
        (tmp_path / "copy").mkdir()
        (tmp_path / "copy" / "server.json").write_text(json.dumps({"port": first.port}))
        with Simulator(SimulatorConfig(), state_dir=tmp_path / "copy") as second:
            assert second.port != first.port and second.base_url
