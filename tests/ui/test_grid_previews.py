"""The grid shows a camera's EXIF preview at once, then the decoded thumbnail in its place."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QPixmap

from app.images.thumbnails import ThumbnailCache
from app.ui import image_grid
from app.ui.image_grid import PhotoArea, PhotoGridModel
from app.ui.workers import Workers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "images"))
from intake_corpus import exif_with_preview

PHOTO = (40, 90, 200)  # the photo: blue
PREVIEW = (0, 200, 0)  # its embedded preview: green, so the screen tells which one shows


def camera_photo(
    path: Path, size: tuple[int, int], preview: tuple[int, int], orientation: int
) -> None:
    small = io.BytesIO()
    Image.new("RGB", preview, PREVIEW).save(small, "JPEG", quality=90)
    exif = exif_with_preview(small.getvalue(), orientation)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, PHOTO).save(path, "JPEG", quality=90, exif=exif)


def centre(pixmap: object) -> tuple[int, int, int]:
    assert isinstance(pixmap, QPixmap) and not pixmap.isNull()
    image = pixmap.toImage()
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def is_preview(pixmap: object) -> bool:
    _r, g, b = centre(pixmap)
    return g > 150 and b < 80


def is_photo(pixmap: object) -> bool:
    _r, g, b = centre(pixmap)
    return b > 150 and g < 130


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Holds every decoded thumbnail back until released, so the preview can be seen."""
    release = threading.Event()
    real = image_grid._thumbnail

    def held(*args):  # type: ignore[no-untyped-def]
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(image_grid, "_thumbnail", held)
    yield release
    release.set()


def test_preview_first_then_the_decoded_thumbnail(qtbot, workers: Workers, tmp_path: Path, gate):  # type: ignore[no-untyped-def]
    folder = tmp_path / "card"
    camera_photo(folder / "a_landscape.jpg", (800, 600), (160, 120), 1)
    camera_photo(folder / "b_turned.jpg", (800, 600), (160, 120), 6)
    camera_photo(folder / "c_cropped.jpg", (900, 600), (160, 120), 1)  # stale 4:3 preview
    model = PhotoGridModel(workers.cpu, ThumbnailCache(tmp_path / "thumbs"))
    area = PhotoArea(model)
    qtbot.addWidget(area)
    area.resize(800, 600)
    area.show()
    with qtbot.waitSignal(model.intake_finished, timeout=10_000):
        model.add_paths([str(folder)])
    rows = {model.photo(r).path.name: r for r in range(model.rowCount())}
    qtbot.waitUntil(lambda: model.has_picture(rows["a_landscape.jpg"]), timeout=10_000)
    qtbot.waitUntil(lambda: model.has_picture(rows["b_turned.jpg"]), timeout=10_000)

    def shown(name: str) -> object:
        return model.pixmap_for(model.photo(rows[name]))

    assert is_preview(shown("a_landscape.jpg"))
    turned = shown("b_turned.jpg")
    assert isinstance(turned, QPixmap) and turned.height() > turned.width()  # upright
    assert is_preview(turned)
    # A preview whose shape is not the photo's never shows: the quiet placeholder waits.
    cropped = rows["c_cropped.jpg"]
    assert not model.has_picture(cropped)
    assert not model.has_thumbnail(rows["a_landscape.jpg"])

    gate.set()
    qtbot.waitUntil(lambda: all(model.has_thumbnail(r) for r in rows.values()), timeout=10_000)
    for name in rows:
        assert is_photo(shown(name)), name
    assert model.thumbnails_pending() == 0
