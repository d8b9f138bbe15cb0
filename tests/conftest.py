"""Shared fixtures: offscreen Qt, an in-memory keyring, a private data folder, the simulator."""

from __future__ import annotations

import os

# Before any Qt import: tests never need a screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from memory_keyring import MemoryKeyring

from app.simulator import Simulator, SimulatorConfig


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
