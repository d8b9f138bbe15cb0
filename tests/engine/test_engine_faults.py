"""Faults, credit and keys: the engine never loses or duplicates work."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from app.engine import BatchSettings, Engine, EventKind, ItemState
from app.simulator import Simulator
from engine.enginetools import (
    Recorder,
    by_state,
    close,
    make_jpegs,
    new_engine,
    photos_of,
    sha256_of,
)


def _creates_by_hash(sim: Simulator) -> Counter[str]:
    created: Counter[str] = Counter()
    for request in sim.requests:
        if request.method == "POST" and request.path == "/workflow" and request.status == 200:
            for part in request.files:
                created[part.sha256] += 1
    return created


def test_quarter_of_requests_faulty_each_photo_once_or_flagged(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    sim = sim_factory(fault_rate=0.25, retry_after=0.02, processing_time=0.1, seed=7)
    paths = make_jpegs(tmp_path / "in", 40)
    engine = make_engine(sim.base_url, concurrency=6)
    engine.start()
    batch = engine.create_batch(BatchSettings(download_dir=str(tmp_path / "out")), photos_of(paths))
    assert engine.wait_idle(timeout=90)
    items = engine.items(batch)
    faults = Counter(r.outcome for r in sim.requests if r.outcome != "ok")
    assert sum(faults.values()) > 20  # the faults really happened
    created = _creates_by_hash(sim)
    states = by_state(items)
    assert set(states) <= {"succeeded", "needs_attention"}, states
    assert states.get("succeeded", 0) >= 20
    for item in items:
        digest = sha256_of(item.sources[0])
        if item.state is ItemState.SUCCEEDED:
            assert created[digest] == 1
            assert item.files and all(Path(f).is_file() for f in item.files)
        else:
            assert created[digest] <= 1
            assert item.error and "may have created" in item.error


def test_402_pauses_the_batch_rest_stays_queued_until_resume(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    sim = sim_factory(credit=2, processing_time=0.05)
    paths = make_jpegs(tmp_path / "in", 6)
    engine = make_engine(sim.base_url, concurrency=1)
    engine.subscribe(recorder)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    assert by_state(engine.items(batch)) == {"succeeded": 2, "paused": 4}
    (snapshot,) = [b for b in engine.batches() if b.id == batch]
    assert snapshot.paused_kind == "credit" and "credit" in (snapshot.paused_reason or "")
    assert any(e.batch and e.batch.paused_kind == "credit" for e in recorder.of(EventKind.BATCH))
    sim.add_credit(10)
    engine.resume(batch)
    assert engine.wait_idle(timeout=30)
    assert by_state(engine.items(batch)) == {"succeeded": 6}
    assert sim.created_count() == 6


def test_refused_key_pauses_then_new_client_carries_on(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    sim = sim_factory(valid_keys=frozenset({"good"}), processing_time=0.05)
    paths = make_jpegs(tmp_path / "in", 3)
    engine = make_engine(sim.base_url, key="wrong")
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    assert by_state(engine.items(batch)) == {"paused": 3}
    (snapshot,) = engine.batches()
    assert snapshot.paused_kind == "key"
    from engine.enginetools import make_client

    old = engine.client
    engine.set_client(make_client(sim.base_url, "good"))
    old.close()
    assert engine.wait_idle(timeout=30)
    assert by_state(engine.items(batch)) == {"succeeded": 3}


def test_lost_create_answer_needs_attention_and_resubmit_sends_again(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    paths = make_jpegs(tmp_path / "in", 2)
    simulator.script("POST", "/workflow", "drop_after")
    engine = make_engine(simulator.base_url, concurrency=1)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    items = engine.items(batch)
    assert by_state(items) == {"needs_attention": 1, "succeeded": 1}
    flagged = next(i for i in items if i.state is ItemState.NEEDS_ATTENTION)
    assert simulator.created_count() == 2  # the lost answer did create one
    engine.resubmit(flagged.id)
    assert engine.wait_idle(timeout=30)
    assert engine.item(flagged.id).state is ItemState.SUCCEEDED  # type: ignore[union-attr]
    assert simulator.created_count() == 3  # on the user's word only


def test_429_and_503_requeue_without_duplicates(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    sim = sim_factory(retry_after=0.05, processing_time=0.05)
    sim.script("POST", "/workflow", "429", "503", "429", "503")
    paths = make_jpegs(tmp_path / "in", 4)
    engine = make_engine(sim.base_url, concurrency=2)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    assert by_state(engine.items(batch)) == {"succeeded": 4}
    assert sim.created_count() == 4
    assert max(_creates_by_hash(sim).values()) == 1


def test_photo_changed_before_upload_needs_attention(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    sim = sim_factory(processing_time=0.05)
    paths = make_jpegs(tmp_path / "in", 2)
    photos = photos_of(paths)
    paths[1].write_bytes(paths[0].read_bytes() + b"edited")
    engine = make_engine(sim.base_url)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos)
    assert engine.wait_idle(timeout=30)
    states = {Path(i.sources[0]).name: i for i in engine.items(batch)}
    assert states["photo002.jpg"].state is ItemState.NEEDS_ATTENTION
    assert states["photo002.jpg"].error
    assert states["photo001.jpg"].state is ItemState.SUCCEEDED
    assert sim.created_count() == 1


def test_stop_before_any_byte_left_puts_the_photo_back_in_the_queue(
    simulator: Simulator, tmp_path: Path, private_dirs: Path
) -> None:
    import threading

    from app.engine import EngineEvent

    paths = make_jpegs(tmp_path / "in", 1)
    engine = new_engine(private_dirs, simulator.base_url, concurrency=1)
    stop = threading.Event()
    engine.client.cancel = stop

    def stop_when_claimed(event: EngineEvent) -> None:
        if event.item is not None and event.item.state is ItemState.UPLOADING:
            stop.set()  # the user presses Stop as the create is about to go out

    engine.subscribe(stop_when_claimed)
    recorder = Recorder()
    engine.subscribe(recorder)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        (item,) = engine.items(batch)
        deadline = time.monotonic() + 10
        while "uploading" not in recorder.states_of(item.id)[:-1] and time.monotonic() < deadline:
            time.sleep(0.02)  # until a state follows the claim
        (item,) = engine.items(batch)
    finally:
        close(engine)
    assert recorder.states_of(item.id)[-2:] == ["uploading", "queued"]
    assert item.state is ItemState.QUEUED and item.error is None
    assert [r for r in simulator.requests if r.method == "POST"] == []


def test_unexpected_failure_before_any_byte_left_says_nothing_was_sent(
    simulator: Simulator, tmp_path: Path, private_dirs: Path
) -> None:
    from app.engine import EngineEvent
    from app.engine.uploads import UNEXPECTED_NOT_SENT

    (path,) = make_jpegs(tmp_path / "in", 1)
    engine = new_engine(private_dirs, simulator.base_url, concurrency=1)

    def vanish_when_claimed(event: EngineEvent) -> None:
        if event.item is not None and event.item.state is ItemState.UPLOADING:
            path.unlink(missing_ok=True)  # gone between the check and the upload

    engine.subscribe(vanish_when_claimed)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of([path]))
        assert engine.wait_idle(timeout=10)
        (item,) = engine.items(batch)
    finally:
        close(engine)
    assert item.state is ItemState.FAILED and item.error == UNEXPECTED_NOT_SENT
    assert [r for r in simulator.requests if r.path == "/workflow"] == []
