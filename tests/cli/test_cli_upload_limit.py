"""`--max-upload-mbps N` caps the upload rate; `--smaller-copies` sends 2,560 px copies."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from app.engine import set_upload_limit, upload_limit
from app.simulator import Simulator
from cli.conftest import Run


@pytest.fixture(autouse=True)
def no_limit_after() -> Iterator[None]:
    yield
    set_upload_limit(None)  # the cap is process-wide: the next test starts without one


def noisy(folder: Path, count: int, size: tuple[int, int]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.effect_noise(size, 50 + i).convert("RGB").save(folder / f"p{i}.jpg", quality=95)
    return folder


@pytest.mark.parametrize("before_command", [False, True])
def test_max_upload_mbps_paces_the_uploads(
    vimbatch: Callable[..., Run],
    simulator: Simulator,
    api_key: str,
    tmp_path: Path,
    before_command: bool,
) -> None:
    photos = noisy(tmp_path / "in", 2, (600, 400))
    total = sum(p.stat().st_size for p in photos.iterdir())
    limit = ("--max-upload-mbps", "4")  # 500,000 bytes a second
    args = ["--base-url", simulator.base_url]
    args += [*limit, "submit", str(photos)] if before_command else ["submit", str(photos), *limit]
    started = time.monotonic()
    run = vimbatch(*args, "--json")
    took = time.monotonic() - started
    assert run.code == 0, run.err
    assert simulator.created_count() == 2
    assert upload_limit() == 4.0
    # Both bodies through a 4 Mbit/s cap, less one 64 KiB chunk each that goes at once.
    assert took >= (total - 2 * 65536) / 500_000 * 0.95


def test_a_bad_limit_is_a_usage_error(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    run = vimbatch(
        "--base-url", simulator.base_url, "submit", str(tmp_path), "--max-upload-mbps", "0"
    )
    assert run.code == 2
    assert "Mbit/s" in run.err


def test_smaller_copies_flag(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    photos = noisy(tmp_path / "in", 1, (4000, 3000))
    original = next(photos.iterdir()).stat().st_size
    run = vimbatch("--base-url", simulator.base_url, "submit", str(photos), "--smaller-copies")
    assert run.code == 0, run.err
    sent = [f for r in simulator.requests if r.method == "POST" for f in r.files]
    assert len(sent) == 1 and sent[0].size < original * 0.6
