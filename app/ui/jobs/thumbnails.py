"""JobThumbnails: small row thumbnails, made on the CPU pool, cached as pixmaps on the GUI thread.

`pixmap(path)` answers at once with what is cached (or None) and notes the path as wanted; a
zero-delay timer turns the wanted paths into pool jobs, most recently asked first, so scrolling
fast through 10,000 rows only loads what was on screen. Workers read the shared disk cache
(`app.images.ThumbnailCache`, the same one the photo grid uses) and return a QImage already
shrunk to row size; only the GUI thread makes the QPixmap.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from app.images.thumbnails import ThumbnailCache
from app.ui.workers import TaskRunner

ROW_PIXELS = 96  # 48 logical px at 2x: sharp on high-DPI screens, tiny in memory
SOURCE_SIZE = 256  # the disk cache's size, shared with the grid
MAX_PIXMAPS = 600
MAX_IN_FLIGHT = 4
MAX_WANTED = 200


def load_row_image(cache: ThumbnailCache, path: str) -> QImage | None:
    """Worker side: the cached JPEG thumbnail, decoded and shrunk to row size."""
    data = cache.get_or_make(Path(path), SOURCE_SIZE)
    image = QImage.fromData(data)
    if image.isNull():
        return None
    return image.scaled(
        ROW_PIXELS,
        ROW_PIXELS,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


class JobThumbnails(QObject):
    """Row thumbnails on demand.

    Signals:
        thumbnail_ready(str): the pixmap for this source path is now cached.
    """

    thumbnail_ready = Signal(str)

    def __init__(
        self, runner: TaskRunner, cache: ThumbnailCache, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._cache = cache
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._wanted: OrderedDict[str, None] = OrderedDict()
        self._in_flight: set[str] = set()
        self._failed: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._start_jobs)

    def pixmap(self, path: str) -> QPixmap | None:
        found = self._pixmaps.get(path)
        if found is not None:
            self._pixmaps.move_to_end(path)
            return found
        if path not in self._in_flight and path not in self._failed:
            self._wanted[path] = None
            self._wanted.move_to_end(path)
            while len(self._wanted) > MAX_WANTED:  # rows scrolled past long ago
                self._wanted.popitem(last=False)
            if not self._timer.isActive():
                self._timer.start()
        return None

    def _start_jobs(self) -> None:
        while self._wanted and len(self._in_flight) < MAX_IN_FLIGHT:
            path, _ = self._wanted.popitem(last=True)  # newest request first
            self._in_flight.add(path)
            self._submit(path)

    def _submit(self, path: str) -> None:
        cache = self._cache

        def on_result(image: object) -> None:
            self._arrived(path, image if isinstance(image, QImage) else None)

        def on_error(_error: BaseException) -> None:
            self._arrived(path, None)

        self._runner.submit(lambda: load_row_image(cache, path), on_result, on_error)

    def _arrived(self, path: str, image: QImage | None) -> None:
        self._in_flight.discard(path)
        if image is None or image.isNull():
            # A photo that cannot be read keeps its placeholder; asking again would loop.
            self._failed.add(path)
        else:
            self._pixmaps[path] = QPixmap.fromImage(image)
            while len(self._pixmaps) > MAX_PIXMAPS:
                self._pixmaps.popitem(last=False)
            self.thumbnail_ready.emit(path)
        if self._wanted and not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        """Stop asking for more (the runner's owner shuts the pool down)."""
        self._timer.stop()
        self._wanted.clear()
