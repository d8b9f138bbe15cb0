"""The simulator's bandwidth knob: request bodies arrive at the link's pace, shared by all."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from app.simulator import Simulator, SimulatorConfig


def post(base_url: str, path: Path) -> float:
    started = time.monotonic()
    with path.open("rb") as f:
        response = httpx.post(
            f"{base_url}/workflow",
            headers={"X-Api-Key": "k"},
            data={"template_id": "vim_new_year_2026"},
            files=[("image_files", ("p.jpg", f, "image/jpeg"))],
            timeout=60,
        )
    assert response.status_code == 200, response.text
    return time.monotonic() - started


def test_bodies_take_as_long_as_the_link_needs(tmp_path: Path) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8" + bytes(1_000_000) + b"\xff\xd9")  # ~8 Mbit
    with Simulator(SimulatorConfig(bandwidth_mbps=20.0)) as sim:
        one = post(sim.base_url, photo)
        # 8 Mbit at 20 Mbit/s: 0.4 s, plus a little for the request itself.
        assert 0.38 <= one < 1.5
        # Two at once share the link: together they take as long as both bodies need.
        took: list[float] = []
        threads = [
            threading.Thread(target=lambda: took.append(post(sim.base_url, photo)))
            for _ in range(2)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(took) == 2
        assert 0.78 <= time.monotonic() - started < 2.5
        # The knob may change while it runs: off means loopback speed again.
        sim.config.bandwidth_mbps = None
        assert post(sim.base_url, photo) < one - 0.25  # without the link's 0.4 s
