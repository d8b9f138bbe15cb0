"""Concurrency, keep-alive connections and a prompt, clean stop."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from simtools import create

from app.simulator import Simulator, SimulatorConfig


def test_concurrent_creates_get_distinct_ids(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(latency=0.02, seed=5)
    with (
        httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http,
        ThreadPoolExecutor(8) as pool,
    ):
        answers = list(pool.map(lambda _: create(http, photo), range(40)))
    assert {a.status_code for a in answers} == {200}
    ids = {a.json()["data"]["id"] for a in answers}
    assert len(ids) == 40 == sim.created_count() == len(sim.workflows)


def test_stop_is_prompt_and_closes_everything(photo: Path) -> None:
    before = set(threading.enumerate())
    sim = Simulator(SimulatorConfig(processing_time=0.1, latency=5))
    base = sim.start()
    port = int(base.rsplit(":", 1)[1])
    http = httpx.Client(base_url=base, headers={"X-Api-Key": "k"})
    outcome: list[object] = []

    def slow_request() -> None:
        try:
            outcome.append(http.get("/workflow/x").status_code)
        except httpx.TransportError as error:
            outcome.append(error)

    slow = threading.Thread(target=slow_request)
    slow.start()
    time.sleep(0.2)  # one request sleeping in its latency, its connection open
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2
    slow.join(5)
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError), outcome
    http.close()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    time.sleep(0.1)
    assert set(threading.enumerate()) <= before, "no server thread survives stop()"


def test_context_manager_and_port_choice() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Simulator(port=port) as sim:
        assert sim.base_url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{sim.base_url}/health").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health")
