"""`vimbatch watch`, `vimbatch events` and `submit --again` as processes: a watcher killed with
kill -9 and started again while photos keep arriving makes each photo exactly once; SIGTERM
stops it with exit 130; two `submit` processes at once never create a photo twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from engine.enginetools import make_jpegs, sha256_of

from app.simulator import Simulator
from cli.conftest import Run

ROOT = Path(__file__).resolve().parents[2]


def creates_by_hash(sim: Simulator) -> Counter[str]:
    created: Counter[str] = Counter()
    for request in sim.requests:
        if request.method == "POST" and request.path == "/workflow" and request.status == 200:
            for part in request.files:
                created[part.sha256] += 1
    return created


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


class Watcher:
    """A `vimbatch watch --json` process whose lines are collected on a thread."""

    def __init__(self, cli: list[str], env: dict[str, str], *args: str) -> None:
        self.lines: list[dict[str, object]] = []
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            [*cli, "watch", *args, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        self.reader = threading.Thread(target=self._read, args=(self.process.stdout,))
        self.reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            if line.startswith("{"):
                with self.lock:
                    self.lines.append(json.loads(line))

    def states(self, state: str) -> set[str]:
        with self.lock:
            return {
                str(line["path"])
                for line in self.lines
                if line.get("event") == "item" and line.get("state") == state
            }

    def finish(self) -> int:
        code = self.process.wait(timeout=60)
        self.reader.join()
        return code


@pytest.fixture
def processes() -> Iterator[list[Watcher]]:
    running: list[Watcher] = []
    yield running
    for watcher in running:
        if watcher.process.poll() is None:
            watcher.process.kill()
        watcher.finish()
        for stream in (watcher.process.stdout, watcher.process.stderr):
            if stream is not None:
                stream.close()


def environment(private_dirs: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        VIMMERSE_API_KEY="watch-key",
        VIMBATCH_DATA_DIR=str(private_dirs),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONUNBUFFERED="1",
    )
    return env


def test_watch_killed_and_restarted_makes_each_photo_exactly_once(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    processes: list[Watcher],
) -> None:
    sim = sim_factory(processing_time=0.3)
    folder = tmp_path / "booth"
    folder.mkdir()
    cli = [sys.executable, "-m", "app.cli", "--base-url", sim.base_url, "--poll", "0.03"]
    env = environment(private_dirs)
    args = (str(folder), "--template", "vim_new_year_2026", "--event", "Party", "--settle", "0.5")
    args = (*args, "--existing", "send")  # photos may land before the first look
    first = Watcher(cli, env, *args)
    processes.append(first)
    batch1 = make_jpegs(tmp_path / "cam", 3, prefix="one")
    for path in batch1:
        (folder / path.name).write_bytes(path.read_bytes())
    # Killed once all three were created (a create cut mid-way is the engine's "needs
    # attention", not resent): polls, downloads and the folder scan die with it.
    wait_until(lambda: len(first.states("submitted")) == 3)
    os.kill(first.process.pid, signal.SIGKILL)
    first.finish()
    # Photos keep arriving while nothing watches.
    batch2 = make_jpegs(tmp_path / "cam", 3, prefix="two", offset=20)
    for path in batch2:
        (folder / path.name).write_bytes(path.read_bytes())
    second = Watcher(cli, env, *args)
    processes.append(second)
    batch3 = make_jpegs(tmp_path / "cam", 2, prefix="three", offset=40)
    for path in batch3:
        (folder / path.name).write_bytes(path.read_bytes())
    every = [*batch1, *batch2, *batch3]
    wanted = {sha256_of(p) for p in every}
    wait_until(lambda: set(creates_by_hash(sim)) >= wanted)
    # The first process's uploads that were cut by kill -9 are the engine's business (needs
    # attention, never resent silently); nothing here may be created twice.
    os.kill(second.process.pid, signal.SIGTERM)
    assert second.finish() == 130
    created = creates_by_hash(sim)
    assert set(created) == wanted and all(n == 1 for n in created.values()), created
    with second.lock:
        summary = [line for line in second.lines if line.get("event") == "summary"]
    assert summary and summary[0]["name"] == "Party"

    listed = subprocess.run(
        [*cli, "events", "--json"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert listed.returncode == 0
    (event,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert event["name"] == "Party" and event["event_id"] == "party"
    assert event["folder"] == str(folder) and event["template"] == "vim_new_year_2026"


def test_two_submits_at_once_create_each_photo_once_and_again_makes_them(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    vimbatch: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = sim_factory(latency=0.05, processing_time=0.2)
    folder = tmp_path / "in"
    paths = make_jpegs(folder, 8)
    env = environment(private_dirs)
    cli = [sys.executable, "-m", "app.cli", "--base-url", sim.base_url, "--poll", "0.03"]
    both = [
        subprocess.Popen(
            [*cli, "submit", str(folder), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    for process in both:
        process.communicate(timeout=120)
        assert process.returncode == 0
    created = creates_by_hash(sim)
    assert set(created) == {sha256_of(p) for p in paths}
    assert all(n == 1 for n in created.values()), created

    monkeypatch.setenv("VIMMERSE_API_KEY", "watch-key")
    base = ("--base-url", sim.base_url, "--data-dir", str(private_dirs), "--poll", "0.03")
    again = vimbatch(*base, "submit", str(folder))
    assert again.code == 0
    assert again.out.count("Already made with New Year 2026 (") == 8
    assert "Add --again to make it anyway." in again.out
    made = vimbatch(*base, "submit", str(folder), "--again", "--wait")
    assert made.code == 0, made.out + made.err
    assert all(n == 2 for n in creates_by_hash(sim).values())
