"""'Use at most N Mbit/s': uploads together stay under the cap; Stop still ends them at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from app.api import BandwidthCap, CancelledError, CreateRequest, WorkflowClient
from app.simulator import Simulator


def photo(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8" + bytes(size) + b"\xff\xd9")
    return path


def test_two_uploads_together_stay_under_the_cap(simulator: Simulator, tmp_path: Path) -> None:
    cap = BandwidthCap(8.0)  # 1,000,000 bytes a second
    files = [photo(tmp_path, f"p{i}.jpg", 600_000) for i in range(2)]
    with WorkflowClient("k", simulator.base_url, upload_cap=cap) as client:
        started = time.monotonic()
        threads = [
            threading.Thread(target=client.create, args=(CreateRequest(files=[f]),)) for f in files
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - started
    assert simulator.created_count() == 2
    # 1.2 MB at 1 MB/s, less the last chunk that goes at once.
    assert took >= 1.0
    # Lifted: loopback speed again.
    cap.set(None)
    with WorkflowClient("k", simulator.base_url, upload_cap=cap) as client:
        started = time.monotonic()
        client.create(CreateRequest(files=[files[0]]))
        assert time.monotonic() - started < took / 2


def test_stop_ends_a_paced_upload_at_once(simulator: Simulator, tmp_path: Path) -> None:
    cap = BandwidthCap(0.8)  # 100 KB a second: 5 s for this photo
    big = photo(tmp_path, "big.jpg", 500_000)
    cancel = threading.Event()
    with WorkflowClient("k", simulator.base_url, upload_cap=cap, cancel=cancel) as client:
        threading.Timer(0.3, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(CancelledError):
            client.create(CreateRequest(files=[big]), attempts=1)
        assert time.monotonic() - started < 2.0
    assert simulator.created_count() == 0
