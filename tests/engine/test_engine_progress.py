"""Upload progress while a photo goes up, and what waiting items in a paused batch say."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from app.engine import BatchSettings, Engine, EventKind, ItemState
from app.engine.events import ProgressThrottle
from app.simulator import Simulator
from engine.enginetools import Recorder, close, make_jpegs, new_engine, photos_of


def test_throttle_lets_through_a_few_rising_percentages_a_second() -> None:
    now = [0.0]
    throttle = ProgressThrottle(0.25, clock=lambda: now[0])
    shown = []
    for step in range(1, 101):  # 100 callbacks over 1 s
        now[0] = step / 100
        percent = throttle(step * 1000, 100_000)
        if percent is not None:
            shown.append(percent)
    assert 3 <= len(shown) <= 5  # ~4 per second
    assert shown == sorted(set(shown)) and shown[0] >= 1
    assert throttle(0, 0) is None  # size unknown: nothing to show
    now[0] = 5.0
    assert throttle(10, 100_000) is None  # never backwards (httpx rewinds a file it measured)


def _noisy_jpeg(path: Path, side: int) -> Path:
    rng = random.Random(5)
    Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(path, quality=95)
    return path


def test_uploading_items_report_the_share_sent(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    monkeypatch.setattr("app.engine.events.UPLOAD_PROGRESS_INTERVAL", 0.0)  # every change
    big = _noisy_jpeg(tmp_path / "big.jpg", 900)  # ~1 MB: many 64 KiB reads
    assert big.stat().st_size > 800_000
    engine = make_engine(simulator.base_url)
    engine.subscribe(recorder)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of([big]))
    assert engine.wait_submitted(batch, timeout=30)
    events = [e.item for e in recorder.of(EventKind.ITEM) if e.item]
    uploading = [i.progress for i in events if i.state is ItemState.UPLOADING]
    assert uploading[0] == 0  # the stored "uploading" itself
    assert len(uploading) >= 5 and uploading == sorted(uploading)
    assert uploading[-1] == 100 and all(0 <= p <= 100 for p in uploading)
    states = [i.state for i in events]
    assert states.index(ItemState.SUBMITTED) > max(
        n for n, s in enumerate(states) if s is ItemState.UPLOADING
    )


def test_waiting_items_of_a_paused_batch_say_so(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    sim = sim_factory(credit=1, processing_time=0.05)
    paths = make_jpegs(tmp_path / "in", 4)
    engine = make_engine(sim.base_url, concurrency=1)
    engine.subscribe(recorder)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    items = engine.items(batch)
    waiting = [i for i in items if i.state is not ItemState.SUCCEEDED]
    assert len(waiting) == 3
    assert all(i.state is ItemState.PAUSED and "credit" in (i.error or "") for i in waiting)
    last = {e.item.id: e.item for e in recorder.of(EventKind.ITEM) if e.item}
    assert all(last[i.id].state is ItemState.PAUSED for i in waiting)  # listeners told
    sim.add_credit(5)
    engine.resume(batch)
    assert engine.wait_idle(timeout=30)
    assert {i.state for i in engine.items(batch)} == {ItemState.SUCCEEDED}
    # A pause by the user: items say "paused" without a reason, and go on when resumed.
    more = make_jpegs(tmp_path / "more", 2, offset=50)
    engine.pause()
    second = engine.create_batch(BatchSettings(), photos_of(more))
    assert [(i.state, i.error) for i in engine.items(second)] == [(ItemState.PAUSED, None)] * 2
    engine.resume()
    assert engine.wait_idle(timeout=30)
    assert {i.state for i in engine.items(second)} == {ItemState.SUCCEEDED}
    assert sim.created_count() == 6


def test_a_batch_created_while_all_is_paused_is_never_seen_queued(
    simulator: Simulator, tmp_path: Path, private_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.engine import JobStore

    paths = make_jpegs(tmp_path / "in", 3)
    engine = new_engine(private_dirs, simulator.base_url, concurrency=2)
    other = JobStore.open(private_dirs)  # what any other engine or thread reads
    seen: list[tuple[str | None, list[int]]] = []
    created = engine._sharing.created

    def look_right_after_commit(batch_id: int) -> None:
        stored = other.batch(batch_id)
        assert stored is not None
        seen.append((stored.paused_kind, other.queued_ids(10)))
        created(batch_id)

    monkeypatch.setattr(engine._sharing, "created", look_right_after_commit)
    try:
        engine.start()
        engine.pause()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        assert seen == [("user", [])]
        assert {i.state for i in engine.items(batch)} == {ItemState.PAUSED}
        engine.resume()
        assert engine.wait_idle(timeout=30)
        assert {i.state for i in engine.items(batch)} == {ItemState.SUCCEEDED}
    finally:
        close(engine)
        other.close()
