"""Killing `vimbatch` (kill -9, Ctrl-C) and resuming: nothing lost, nothing created twice."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from engine.enginetools import sha256_of

from app.simulator import Simulator
from cli.conftest import photo_dir

KEY = "recovery-key"


def _env(data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        VIMMERSE_API_KEY=KEY,
        VIMBATCH_DATA_DIR=str(data),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONUNBUFFERED="1",
    )
    return env


def _cli(sim: Simulator, *args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", "--base-url", sim.base_url, "--poll", "0.03", *args]


def _start(sim: Simulator, data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _cli(sim, *args),
        env=_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def _wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 30) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if needle in line:
            return
    pytest.fail(f"never saw {needle!r}; stderr: {proc.stderr.read() if proc.stderr else ''}")


def _creates_by_hash(sim: Simulator) -> Counter[str]:
    """Workflows the server really created, counted per uploaded photo content."""
    created: Counter[str] = Counter()
    for request in sim.requests:
        if request.method == "POST" and request.path == "/workflow" and request.status == 200:
            for part in request.files:
                created[part.sha256] += 1
    return created


def _items(data: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(data / "jobs.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM items").fetchall()
    finally:
        db.close()


def test_kill_9_at_random_moments_then_resume(
    sim_factory: Callable[..., Simulator], tmp_path: Path
) -> None:
    sim = sim_factory(latency=0.05, processing_time=0.5)
    rng = random.Random(1234)
    interrupted_rounds = 0
    for round_number in range(5):
        sim.reset()
        data = tmp_path / f"data{round_number}"
        out = tmp_path / f"out{round_number}"
        photos = photo_dir(tmp_path / f"in{round_number}", 10, offset=round_number * 20)
        hashes = {sha256_of(p): p for p in sorted(photos.iterdir())}

        proc = _start(sim, data, "submit", str(photos), "--wait", "--download", str(out),
                      "--json", "--concurrency", "3")  # fmt: skip
        _wait_for_line(proc, '"event": "item"')
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode in (-signal.SIGKILL, 0)  # 0: it finished before the kill
        at_kill = Counter(row["state"] for row in _items(data))
        if set(at_kill) - {"succeeded", "failed", "needs_attention", "cancelled"}:
            interrupted_rounds += 1

        done = subprocess.run(
            _cli(sim, "resume", "--wait", "--json"),
            env=_env(data),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
        items = _items(data)
        assert len(items) == 10, done.stderr  # nothing lost: every photo has its item
        created = _creates_by_hash(sim)
        by_state = Counter(row["state"] for row in items)
        assert set(by_state) <= {"succeeded", "needs_attention"}, (by_state, done.stderr)
        assert done.returncode == (1 if by_state["needs_attention"] else 0), done.stderr
        for row in items:
            sources = json.loads(row["sources"])
            digest = sha256_of(sources[0])
            assert digest in hashes
            if row["state"] == "succeeded":
                assert created[digest] == 1, f"{sources[0]} created {created[digest]} times"
                assert row["workflow_id"] in sim.workflows
                files = [Path(d["path"]) for d in json.loads(row["downloads"])]
                assert files and all(f.is_file() for f in files)
            else:
                assert created[digest] <= 1
                assert "may have been created" in row["error"]
        assert sum(created.values()) == sim.created_count()
    assert interrupted_rounds >= 3  # the kills did land while work was unfinished


def test_ctrl_c_saves_state_exits_130_and_resume_finishes(
    sim_factory: Callable[..., Simulator], tmp_path: Path
) -> None:
    sim = sim_factory(latency=0.1, processing_time=1.0)
    data = tmp_path / "data"
    photos = photo_dir(tmp_path / "in", 8)
    proc = _start(sim, data, "submit", str(photos), "--wait", "--json", "--concurrency", "2")
    _wait_for_line(proc, '"state": "submitted"')
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "vimbatch resume" in err
    states = Counter(row["state"] for row in _items(data))
    assert states["uploading"] == 0  # creates in flight were allowed to finish and recorded
    assert states["queued"] > 0  # the rest waits, resumable
    done = subprocess.run(
        _cli(sim, "resume", "--wait"),
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert Counter(row["state"] for row in _items(data)) == {"succeeded": 8}
    assert sim.created_count() == 8
