"""The photo grid: intake on workers, slices, duplicates, badges, lazy thumbnails, removal."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QPixmap

from app.images.thumbnails import ThumbnailCache
from app.ui.image_grid import PhotoArea, PhotoGridModel, ProblemRole
from app.ui.workers import Workers


def _model(workers: Workers, tmp_path: Path) -> PhotoGridModel:
    return PhotoGridModel(workers.cpu, ThumbnailCache(tmp_path / "thumbs"))


def test_folder_intake_adds_photos_and_flags_bad_file(
    qtbot, qtmodeltester, workers, photo_dir, tmp_path
):
    model = _model(workers, tmp_path)
    with qtbot.waitSignal(model.intake_finished, timeout=10_000) as finished:
        model.add_paths([str(photo_dir)])
    added, duplicates, _notices = finished.args
    assert (added, duplicates) == (5, 0)
    assert model.rowCount() == 5
    names = {model.photo(r).path.name: model.photo(r) for r in range(5)}
    assert names["broken.jpg"].problem  # the intake's plain-language reason
    assert len(model.usable_photos()) == 4 and model.problem_count() == 1
    broken_row = next(r for r in range(5) if model.photo(r).path.name == "broken.jpg")
    index = model.index(broken_row)
    assert model.data(index, ProblemRole) == names["broken.jpg"].problem
    assert names["broken.jpg"].problem in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert model.total_bytes() == sum(p.stat().st_size for p in photo_dir.iterdir())
    qtmodeltester.check(model)


def test_same_files_or_copies_are_skipped_with_one_count(qtbot, workers, photo_dir, tmp_path):
    model = _model(workers, tmp_path)
    with qtbot.waitSignal(model.intake_finished, timeout=10_000):
        model.add_paths([str(photo_dir)])
    copy = tmp_path / "elsewhere" / "copy_of_photo_0.jpg"
    copy.parent.mkdir()
    shutil.copy(photo_dir / "photo_0.jpg", copy)
    with qtbot.waitSignal(model.intake_finished, timeout=10_000) as finished:
        model.add_paths([str(photo_dir / "photo_1.jpg"), str(copy)])
    assert finished.args[0] == 0 and finished.args[1] == 2
    assert model.rowCount() == 5


def test_thumbnails_load_lazily_and_replace_placeholder(qtbot, workers, photo_dir, tmp_path):
    model = _model(workers, tmp_path)
    area = PhotoArea(model)
    qtbot.addWidget(area)
    area.resize(800, 600)
    area.show()
    assert area.currentWidget() is area.empty
    with qtbot.waitSignal(model.intake_finished, timeout=10_000):
        model.add_paths([str(photo_dir)])
    assert area.currentWidget() is area.grid
    good = [r for r in range(model.rowCount()) if model.photo(r).problem is None]
    first = model.data(model.index(good[0]), Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: all(model.has_thumbnail(r) for r in good), timeout=10_000)
    loaded = model.data(model.index(good[0]), Qt.ItemDataRole.DecorationRole)
    assert isinstance(loaded, QPixmap) and not loaded.isNull()
    assert loaded.cacheKey() != first.cacheKey()
    # A 320×240 photo keeps its shape in the thumbnail.
    assert loaded.width() > loaded.height()
    qtbot.waitUntil(lambda: model.thumbnails_pending() == 0, timeout=5000)


def test_remove_rows_updates_summary_and_allows_re_adding(
    qtbot, qtmodeltester, workers, photo_dir, tmp_path
):
    model = _model(workers, tmp_path)
    with qtbot.waitSignal(model.intake_finished, timeout=10_000):
        model.add_paths([str(photo_dir)])
    before = model.total_bytes()
    removed_size = model.photo(0).size + model.photo(2).size
    assert model.remove_rows([2, 0]) == 2
    assert model.rowCount() == 3
    assert model.total_bytes() == before - removed_size
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.intake_finished, timeout=10_000) as finished:
        model.add_paths([str(photo_dir)])
    assert finished.args[0] == 2 and model.rowCount() == 5


def test_many_photos_arrive_in_slices(qtbot, workers, tmp_path, photo_factory):
    folder = tmp_path / "many"
    for i in range(150):
        photo_factory(folder / f"p{i:03d}.jpg", (64 + i, 64), f"#{(i * 37) % 256:02x}80c0")
    model = _model(workers, tmp_path)
    inserts: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append(last - first + 1))
    with qtbot.waitSignal(model.intake_finished, timeout=30_000):
        model.add_paths([str(folder)])
    assert model.rowCount() == 150 and sum(inserts) == 150
    assert len(inserts) > 1  # streamed as chunks arrive, not one block at the end
    assert not model.index(0).parent().isValid() and model.rowCount(QModelIndex()) == 150


def test_quitting_during_a_walk_that_hangs_does_not_wait_for_it(
    qtbot, workers, tmp_path, monkeypatch
):
    import threading
    import time

    from app.ui import image_grid

    # Stands in for a network folder that stops answering: it cannot exist here.
    release = threading.Event()
    started = threading.Event()

    def hanging_walk(paths, cancelled=None):
        started.set()
        release.wait(30)
        return image_grid.WalkResult()

    monkeypatch.setattr(image_grid, "walk", hanging_walk)
    model = PhotoGridModel(workers.cpu)
    model.add_paths([str(tmp_path)])
    assert started.wait(5)
    begun = time.monotonic()
    try:
        assert workers.shutdown(5000)
        assert time.monotonic() - begun < 2
    finally:
        release.set()


def test_inspecting_stops_between_files_when_quitting(photo_dir):
    import threading

    from app.ui.image_grid import _inspect_chunk

    paths = sorted(photo_dir.iterdir())
    stop = threading.Event()
    assert len(_inspect_chunk(paths, stop)) == len(paths)
    stop.set()
    assert _inspect_chunk(paths, stop) == []


def _grid_with_a_full_folder(qtbot, workers, tmp_path, photo_factory) -> tuple[PhotoArea, Path]:
    later = tmp_path / "b_second"
    for i in range(60):
        photo_factory(later / f"p{i:02d}.jpg", (64, 48), "#3080c0")
    model = _model(workers, tmp_path)
    area = PhotoArea(model)
    qtbot.addWidget(area)
    area.resize(420, 300)
    area.show()
    qtbot.waitExposed(area)
    with qtbot.waitSignal(model.intake_finished, timeout=30_000):
        model.add_paths([str(later)])
    earlier = tmp_path / "a_first"
    for i in range(5):
        photo_factory(earlier / f"q{i}.jpg", (64, 48), "#c08030")
    return area, earlier


def _shown(area: PhotoArea, row: int) -> bool:
    grid = area.grid
    return grid.viewport().rect().intersects(grid.visualRect(area.model.index(row)))


def test_photos_added_above_the_view_are_scrolled_into_sight(
    qtbot, workers, tmp_path, photo_factory
):
    area, earlier = _grid_with_a_full_folder(qtbot, workers, tmp_path, photo_factory)
    grid = area.grid
    grid.scrollToBottom()
    assert not _shown(area, 0)
    # The new folder sorts first: its photos go above what is on screen.
    with qtbot.waitSignal(area.model.intake_finished, timeout=30_000):
        area.model.add_paths([str(earlier)])
    assert area.model.photo(0).path.parent == earlier
    assert _shown(area, 0), "the photos just added are out of sight"


def test_a_user_scrolling_during_an_add_is_left_where_they_are(
    qtbot, workers, tmp_path, photo_factory
):
    area, earlier = _grid_with_a_full_folder(qtbot, workers, tmp_path, photo_factory)
    grid = area.grid
    grid.scrollToBottom()
    bar = grid.verticalScrollBar()

    def user_scrolls(*_args: object) -> None:
        bar.triggerAction(bar.SliderAction.SliderSingleStepSub)

    area.model.rowsInserted.connect(user_scrolls)
    with qtbot.waitSignal(area.model.intake_finished, timeout=30_000):
        area.model.add_paths([str(earlier)])
    area.model.rowsInserted.disconnect(user_scrolls)
    assert not _shown(area, 0)  # not pulled back to the top against the user's scrolling
