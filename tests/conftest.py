"""Shared fixtures: offscreen Qt, an in-memory keyring, a private data folder, the simulator."""

from __future__ import annotations

import os
import sys
import threading
import time

# Before any Qt import: tests never need a screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from memory_keyring import MemoryKeyring

from app.simulator import Simulator, SimulatorConfig

# How long a test's threads and pool work may take to end once the test is over: they were
# told to stop (engine shutdown, pool shutdown, simulator stop) and only need to get there.
LEAK_GRACE_SECONDS = 10.0


@pytest.fixture(autouse=True)
def _no_leaked_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a thread or Qt thread-pool work running (napari's conftest
    does the same): a leaked engine scheduler or upload keeps talking to a simulator that is
    gone, and makes a later test flaky instead of this one red.

    Autouse and defined first, so it is set up before, and torn down after, every other
    fixture of the test (windows, sessions, pools and simulators are closed by then)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + LEAK_GRACE_SECONDS
    leaked: list[threading.Thread] = []
    for thread in threading.enumerate():
        # Threads Qt started (pool workers) show up as dummies that never end: the pool
        # check below covers them.
        if thread in before or isinstance(thread, threading._DummyThread):
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            leaked.append(thread)
    problems = [f"thread {t.name!r} (daemon={t.daemon}) is still running" for t in leaked]
    qt_core = sys.modules.get("PySide6.QtCore")
    if qt_core is not None:
        pool = qt_core.QThreadPool.globalInstance()
        remaining = max(0, int((deadline - time.monotonic()) * 1000))
        if not pool.waitForDone(remaining):
            problems.append(f"{pool.activeThreadCount()} QThreadPool job(s) still running")
    if problems:
        pytest.fail(
            f"{request.node.nodeid} left work running: " + "; ".join(problems), pytrace=False
        )


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder and never sees a real key from the environment."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("VIMBATCH_DATA_DIR", str(data))
    monkeypatch.delenv("VIMMERSE_API_KEY", raising=False)
    monkeypatch.delenv("VIMBATCH_BASE_URL", raising=False)
    return data


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """A started Workflow API simulator on loopback, fast (0.3 s per workflow); stopped after."""
    sim = Simulator(SimulatorConfig(processing_time=0.3))
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., Simulator]]:
    """Start simulators with any `SimulatorConfig` fields: `sim_factory(credit=2, latency=0.05)`."""
    started: list[Simulator] = []

    def make(**knobs: Any) -> Simulator:
        knobs.setdefault("processing_time", 0.3)
        sim = Simulator(SimulatorConfig(**knobs))
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()
