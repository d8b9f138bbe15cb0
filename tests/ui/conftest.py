"""Shared Qt fixtures for the UI tests: real pools that are always shut down, real photos."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QThreadPool

from app.ui.workers import Workers


@pytest.fixture
def workers(qtbot: object) -> Iterator[Workers]:
    """The app's two pools; the test fails if work is still running after shutdown."""
    pools = Workers(io_threads=4)
    yield pools
    assert pools.shutdown(10_000), "thread-pool work still running after the test"
    assert pools.cpu.pool.activeThreadCount() == 0
    assert pools.io.pool.activeThreadCount() == 0
    assert QThreadPool.globalInstance().waitForDone(10_000)


@pytest.fixture
def settle(qtbot: object, workers: Workers) -> Callable[..., None]:
    """`settle(engine, bridge=None)`: wait until nothing more can happen: the pools have run
    every command they were handed (commands reach the engine through them), the engine has
    nothing left to do, and the bridge has handed on every event. Use it before asserting that
    something did NOT happen, instead of sleeping a fixed time that a slow request outlasts."""
    from PySide6.QtCore import QCoreApplication

    def run(engine: Any, bridge: Any = None, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout

        def left_ms() -> int:
            return max(1, int((deadline - time.monotonic()) * 1000))

        while True:
            for pool in (workers.io.pool, workers.cpu.pool):
                assert pool.waitForDone(left_ms()), "the pool did not finish its work"
            assert engine.wait_idle(left_ms() / 1000), "the engine did not become idle"
            # Deliver what the pools and the bridge queued for the GUI thread: a result may
            # hand the engine another command, so look again until all is quiet.
            QCoreApplication.processEvents()
            quiet = (
                workers.io.pool.activeThreadCount() == 0
                and workers.cpu.pool.activeThreadCount() == 0
                and engine.wait_idle(0)
                and (bridge is None or bridge.pending() == 0)
            )
            if quiet:
                return
            assert time.monotonic() < deadline, "things kept happening"

    return run


def make_photo(path: Path, size: tuple[int, int] = (320, 240), color: str = "#3a7bd5") -> Path:
    """A small real JPEG (or PNG/WebP by suffix) on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


@pytest.fixture
def photo_factory() -> Callable[..., Path]:
    """`make_photo(path, size, color)` for tests that need their own photos."""
    return make_photo


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    """A folder of four good photos and one file that only pretends to be a photo."""
    folder = tmp_path / "photos"
    colors = ["#e74c3c", "#27ae60", "#2980b9", "#f39c12"]
    for i, color in enumerate(colors):
        make_photo(folder / f"photo_{i}.jpg", (320 + 16 * i, 240), color)
    (folder / "broken.jpg").write_bytes(b"this is not a jpeg at all")
    return folder


@pytest.fixture
def make_window(qtbot, workers: Workers, private_dirs: Path):  # type: ignore[no-untyped-def]
    """A real MainWindow (offscreen: 1280×800 fitted to the 800×800 screen); its session, if any, is shut down after."""
    from app.ui.main_window import MainWindow

    windows: list = []

    def make(**kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("data_dir", private_dirs)
        kwargs.setdefault("base_url", "http://127.0.0.1:9")
        window = MainWindow(workers, **kwargs)
        qtbot.addWidget(window)
        window.ask_quit = lambda _w, _n: True
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.session is not None:
            window.session.shutdown()
