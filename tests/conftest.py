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
    """Fail a test that leaves a thread, Qt thread-pool work or a running QTimer behind
    (napari's conftest does the same): a leaked engine scheduler or upload keeps talking to a
    simulator that is gone, a leaked timer fires into the next test, and a later test turns
    flaky instead of this one red.

    Autouse and defined first, so it is set up before, and torn down after, every other
    fixture of the test (windows, sessions, pools and simulators are closed by then; pytest-qt
    has closed the test's widgets too)."""
    before = set(threading.enumerate())
    timers = _track_timers(request) if "PySide6.QtCore" in sys.modules else None
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
    if timers is not None:
        # Widgets closed by pytest-qt were handed to deleteLater: let them (and their timers) go.
        qt_core.QCoreApplication.sendPostedEvents(None, qt_core.QEvent.Type.DeferredDelete)
        running = [t for t in timers if _is_active(t)]
        problems += [f"a QTimer ({_timer_owner(t)}) is still running" for t in running]
    if problems:
        pytest.fail(
            f"{request.node.nodeid} left work running: " + "; ".join(problems), pytrace=False
        )


def _track_timers(request: pytest.FixtureRequest) -> list[Any]:
    """Every QTimer started (through Python) during the test."""
    from PySide6.QtCore import QTimer

    started: list[Any] = []
    original = QTimer.start

    def start(timer: Any, *args: Any) -> None:
        started.append(timer)
        original(timer, *args)

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(QTimer, "start", start)
    request.addfinalizer(monkeypatch.undo)
    return started


def _is_active(timer: Any) -> bool:
    try:
        return bool(timer.isActive())
    except RuntimeError:  # its C++ object was deleted with its parent: it cannot fire
        return False


def _timer_owner(timer: Any) -> str:
    try:
        parent = timer.parent()
    except RuntimeError:
        return "deleted"
    name = type(parent).__name__ if parent is not None else "no parent"
    return f"interval {timer.interval()} ms, in {name}"


@pytest.fixture(autouse=True)
def forgotten_secrets() -> Iterator[None]:
    """The log scrubs every key registered in this process (a global set): a test's key ("k")
    must not scrub the next test's logs ("wor[hidden]er")."""
    from app.logs import forget_secrets

    forget_secrets()
    yield
    forget_secrets()


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
def make_engine(private_dirs: Path) -> Iterator[Callable[..., Any]]:
    """`make_engine(base_url, *, data_dir=None, **options)`: an engine on a real store (the
    test's data folder unless `data_dir`), with fast timings (tests/engine/enginetools.py
    `new_engine` takes the options); shut down and closed after the test, whatever happened."""
    from engine.enginetools import close, new_engine

    engines: list[Any] = []

    def make(base_url: str, *, data_dir: Path | None = None, **options: Any) -> Any:
        engine = new_engine(data_dir or private_dirs, base_url, **options)
        engines.append(engine)
        return engine

    yield make
    for engine in reversed(engines):
        close(engine)


@pytest.fixture
def recorder() -> Any:
    """A Recorder (tests/engine/enginetools.py): subscribe it to collect an engine's events."""
    from engine.enginetools import Recorder

    return Recorder()


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
