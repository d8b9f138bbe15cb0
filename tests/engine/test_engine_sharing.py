"""Two engines, or an engine and a `vimbatch` process, on one data folder: every photo is
created exactly once; the batch another process works on is shown read-only, then taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from app.engine import BatchSettings, EventKind, ItemState
from app.engine.sharing import BUSY_ELSEWHERE
from app.engine.uploads import STOPPED_MID_UPLOAD
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

ROOT = Path(__file__).resolve().parents[2]


def _creates_by_hash(sim: Simulator) -> Counter[str]:
    created: Counter[str] = Counter()
    for request in sim.requests:
        if request.method == "POST" and request.path == "/workflow" and request.status == 200:
            for part in request.files:
                created[part.sha256] += 1
    return created


def _wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.02)


def _seen_states(recorder: Recorder, batch_id: int) -> set[ItemState]:
    return {
        e.item.state for e in recorder.of(EventKind.ITEM) if e.item and e.item.batch_id == batch_id
    }


def test_second_engine_shows_a_busy_batch_read_only_then_takes_it_over(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    sim = sim_factory(latency=0.08, processing_time=0.2)
    paths = make_jpegs(tmp_path / "in", 10)
    first = new_engine(private_dirs, sim.base_url, concurrency=2)
    second = new_engine(private_dirs, sim.base_url, concurrency=4, watch_interval=0.05)
    recorder = Recorder()
    second.subscribe(recorder)
    try:
        first.start()
        batch = first.create_batch(BatchSettings(), photos_of(paths))
        _wait_until(lambda: first.store.count([ItemState.UPLOADING], [batch]) > 0)
        # Started while the first one is sending: its uploads are not "interrupted" ones.
        second.start()
        assert second.busy_batches() == {batch}
        some = second.items(batch)[-1]
        second.cancel_item(some.id)
        second.retry_failed(batch)
        assert second.item(some.id).state is not ItemState.CANCELLED  # type: ignore[union-attr]
        notices = [e.message for e in recorder.of(EventKind.NOTICE)]
        assert notices == [BUSY_ELSEWHERE, BUSY_ELSEWHERE]
        # The first engine's progress reaches the second one's listeners.
        _wait_until(lambda: ItemState.SUBMITTED in _seen_states(recorder, batch))
        assert sim.created_count() < 10
    finally:
        close(first)  # ends mid-batch: the second engine carries on with the rest
    try:
        _wait_until(lambda: not second.busy_batches())
        assert second.wait_idle(timeout=60)
        assert by_state(second.items(batch)) == {"succeeded": 10}
        created = _creates_by_hash(sim)
        assert sorted(created[sha256_of(p)] for p in paths) == [1] * 10
        assert sim.created_count() == 10
    finally:
        close(second)


def test_cli_process_killed_mid_batch_is_taken_over_and_resume_leaves_it_alone(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    sim = sim_factory(latency=0.15, processing_time=0.3)
    folder = tmp_path / "in"
    make_jpegs(folder, 14)
    env = dict(os.environ)
    env.update(
        VIMMERSE_API_KEY="two-process-key",
        VIMBATCH_DATA_DIR=str(private_dirs),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONUNBUFFERED="1",
    )
    cli = [sys.executable, "-m", "app.cli", "--base-url", sim.base_url, "--poll", "0.03"]
    sender = subprocess.Popen(
        [*cli, "submit", str(folder), "--wait", "--json", "--concurrency", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    engine = new_engine(private_dirs, sim.base_url, watch_interval=0.05)
    recorder = Recorder()
    engine.subscribe(recorder)
    try:
        assert sender.stdout is not None
        for line in sender.stdout:
            if '"state": "submitted"' in line:
                break
        engine.start()  # like the window opening while the command line sends
        (batch,) = engine.busy_batches()
        second = subprocess.run(
            [*cli, "resume", "--wait", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert second.returncode == 1, second.stderr
        assert "being worked on by another vimbatch window or process" in second.stderr
        assert "final" not in second.stdout  # it touched nothing
        assert sender.poll() is None, "the sender finished too soon for this test"
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
        _wait_until(lambda: not engine.busy_batches())
        assert engine.wait_idle(timeout=60)
        items = engine.items(batch)
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait(timeout=30)
        if sender.stdout is not None:
            sender.stdout.close()
        close(engine)
    assert len(items) == 14
    assert {ItemState.SUBMITTED, ItemState.RUNNING} & _seen_states(recorder, batch)
    created = _creates_by_hash(sim)
    for item in items:
        digest = sha256_of(item.sources[0])
        if item.state is ItemState.SUCCEEDED:
            assert created[digest] == 1, item
        else:  # only a create cut by the kill may need the user's word, never resent
            assert item.state is ItemState.NEEDS_ATTENTION and item.error == STOPPED_MID_UPLOAD
            assert created[digest] <= 1
    assert sum(created.values()) == sim.created_count()
    assert by_state(items).get("succeeded", 0) >= 12
