"""The engine measures how fast photos leave: the link's rate and the bytes per photo."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.engine import BatchSettings, throughput
from app.engine.throughput import ThroughputMeter
from app.simulator import Simulator
from engine.enginetools import close, new_engine, photos_of


def noisy_jpegs(folder: Path, count: int) -> list[Path]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"p{i}.jpg"
        Image.effect_noise((700, 500), 60 + i).convert("RGB").save(path, quality=95)
        paths.append(path)
    return paths


def test_upload_rate_follows_the_link(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    simulator = sim_factory(bandwidth_mbps=8.0, processing_time=0.2)  # 1,000,000 bytes/s
    paths = noisy_jpegs(tmp_path / "in", 6)
    engine = new_engine(private_dirs, simulator.base_url, concurrency=2)
    try:
        assert engine.upload_pace().rate is None  # nothing measured yet: no guess
        engine.start()
        engine.create_batch(BatchSettings(), photos_of(paths))
        seen: list[float] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not engine.wait_idle(timeout=0.05):
            rate = engine.upload_pace().rate
            if rate is not None:
                seen.append(rate)
        assert engine.wait_idle(timeout=30)
        assert seen, "no rate while sending"
        # Read while sending: within the link's rate, give or take a socket buffer's worth.
        middle = sorted(seen)[len(seen) // 2]
        assert 0.5e6 < middle < 1.8e6, middle
        per_photo = engine.upload_pace().bytes_per_photo
        sizes = [p.stat().st_size for p in paths]
        assert per_photo is not None and min(sizes) <= per_photo <= max(sizes) * 1.01
    finally:
        close(engine)


def test_meter_needs_enough_to_tell() -> None:
    meter = ThroughputMeter()
    meter.add(10_000)
    assert meter.pace().rate is None
    meter.photo_sent(3_000)
    meter.photo_sent(5_000)
    assert meter.pace().bytes_per_photo == 4_000


def test_each_batch_has_its_own_bytes_per_photo(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    """Originals first, then much smaller photos: the second batch's size per photo is its own,
    not the session's mean (which the big ones would double or more)."""
    from PIL import Image

    big = noisy_jpegs(tmp_path / "big", 3)
    small = []
    for i in range(3):
        path = tmp_path / "small" / f"s{i}.jpg"
        path.parent.mkdir(exist_ok=True)
        Image.effect_noise((200, 150), 60 + i).convert("RGB").save(path, quality=95)
        small.append(path)
    simulator = sim_factory(processing_time=0.1)
    engine = new_engine(private_dirs, simulator.base_url, concurrency=2)
    try:
        engine.start()
        first = engine.create_batch(BatchSettings(), photos_of(big))
        assert engine.wait_idle(timeout=30)
        second = engine.create_batch(BatchSettings(), photos_of(small))
        assert engine.wait_idle(timeout=30)
        pace = engine.upload_pace()
        big_sizes = [p.stat().st_size for p in big]
        small_sizes = [p.stat().st_size for p in small]
        mine = pace.per_photo(second)
        assert mine is not None and min(small_sizes) <= mine <= max(small_sizes) * 1.01
        theirs = pace.per_photo(first)
        assert theirs is not None and min(big_sizes) <= theirs <= max(big_sizes) * 1.01
        assert pace.bytes_per_photo is not None and pace.bytes_per_photo > 2 * mine
    finally:
        close(engine)


def test_the_last_measured_rate_stays_once_the_uploads_are_still(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Measured on this link, then idle: the current rate is gone (a stalled link must not look
    fast), the last measured one is kept for the next batch's estimate."""
    clock = [1000.0]
    # Only this module's clock: the real one goes on for everything else.
    monkeypatch.setattr(throughput, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    meter = ThroughputMeter()
    for _ in range(10):
        meter.add(500_000)
        clock[0] += 0.5
    measured = meter.pace()
    assert measured.rate is not None and measured.last_rate == measured.rate
    clock[0] += 60  # a minute without sending
    later = meter.pace()
    assert later.rate is None
    assert later.last_rate == measured.rate
