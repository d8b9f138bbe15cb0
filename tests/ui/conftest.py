"""Shared Qt fixtures for the UI tests: real pools that are always shut down, real photos."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

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
    """A real MainWindow (offscreen, 1280×800); its session, if any, is shut down after."""
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
