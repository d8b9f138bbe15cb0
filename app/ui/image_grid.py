"""The photo grid: a list model of intake `Photo`s, a painting delegate and a lazy thumbnail loader.

Never a widget per photo: one `QListView` in icon mode with uniform item sizes, so 10,000 photos
lay out in tens of milliseconds and only visible rows are asked for a thumbnail.

Feeding the grid (`PhotoGridModel.add_paths`) never blocks the GUI thread:
walk the dropped paths → inspect files in chunks on the CPU pool → append the results in
time-boxed slices (~40 ms per event-loop turn) → thumbnails are made only for rows the view
paints, newest request first, as QImage on workers and QPixmap here.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.images.checks import inspect
from app.images.exif_preview import exif_preview
from app.images.inspect_processes import InspectProcesses
from app.images.intake import PhotoList, path_key
from app.images.photo import Photo
from app.images.problems import CORRUPT_MESSAGE, ProblemCode
from app.images.thumbnails import ThumbnailCache
from app.images.walk import WalkResult, walk
from app.ui.user_text import user_text
from app.ui.workers import TaskRunner

log = logging.getLogger(__name__)

QWIDGETSIZE_MAX = 16_777_215  # Qt's QWIDGETSIZE_MAX (not exported by PySide6)

THUMB_SOURCE_SIZE = 256  # what ThumbnailCache stores on disk
ICON_SIZE = 136  # logical width of the picture box in a cell
ICON_HEIGHT = 112  # its height: a 4:3 landscape fills it, a portrait stands in it
CELL = QSize(156, 150)  # fixed grid size: picture + one line of text
INSPECT_CHUNK = 32  # files per intake job: big enough to amortise, small enough to stream
LATER_CHUNK = 128  # once the first screen's photos are on their way: fewer jobs to deliver
CHUNKS_IN_FLIGHT = 4
SLICE_SECONDS = 0.012  # GUI time spent appending rows per event-loop turn
APPEND_CHUNK = 64  # photos listed per step of a slice
# Rows go in at once until the first screenful shows, then at most every APPEND_MS in bigger
# chunks: each insert re-lays the grid out and repaints every visible cell (dozens of Python
# calls, each waiting for the GIL while workers hash and decode), so fewer, bigger inserts keep
# the GUI thread free (bench/gui_responsiveness.py: longest stall and the 99th percentile).
FIRST_SCREEN_ROWS = 120
APPEND_MS = 150
PIXMAP_CACHE = 1500  # LRU of display-sized pixmaps (~50 KB each at 1×)
WANTED_MAX = 300  # rows once painted but not loaded yet; older wishes are forgotten
PREVIEWS_PER_JOB = 96  # EXIF previews read per job: a screenful or two, ~0.2 ms each

PhotoRole = Qt.ItemDataRole.UserRole + 1
ProblemRole = Qt.ItemDataRole.UserRole + 2
PathRole = Qt.ItemDataRole.UserRole + 3


WALK_POLL_SECONDS = 0.1  # how often a running walk looks whether the app is quitting


def human_size(n: int) -> str:
    """Bytes as the user's locale writes them ("3.4 MB"): Qt's one formatting of sizes."""
    return QLocale().formattedDataSize(n, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def _inspect_chunk(
    paths: Sequence[Path], stop: threading.Event, processes: InspectProcesses | None = None
) -> list[Photo]:
    if processes is not None:
        # In another process: this thread only waits, and the GUI thread keeps the GIL.
        photos = processes.inspect_chunk(paths, stop)
    else:
        photos = []
        for path in paths:
            if stop.is_set():  # quitting: the outcome is dropped anyway, so do not read on
                break
            photos.append(_inspect_one(path))
    for photo in photos:
        # Here rather than on the GUI thread, which lists them: the batch-order key (a
        # remembered function) and the path's hash (kept by the Path object).
        path_key(photo.path)
    return photos


def _inspect_one(path: Path) -> Photo:
    # inspect() promises not to raise for a bad file; if it ever does, that one photo gets a
    # reason and the rest of its chunk still arrives.
    try:
        return inspect(path)
    except Exception:
        log.exception("inspect failed for %s", path.name)
        photo = Photo(path=path)
        return photo.fail(ProblemCode.CORRUPT, CORRUPT_MESSAGE)


def _walk(paths: Sequence[str], stop: threading.Event) -> tuple[list[Path], list[str], list[str]]:
    """Files to inspect, image web addresses, and plain-language problems met while walking.

    The walk stops between entries once `stop` is set, but a network folder that stops
    answering hangs inside one file-system call that no check can reach, so the walk runs on a
    daemon thread of its own (plain Python, no Qt) while this pool job waits for it and gives up
    as soon as `stop` is set: quitting never waits on a walk; a walk stuck in the kernel ends
    with the process."""
    outcome: list[WalkResult | BaseException] = []

    def run() -> None:
        try:
            outcome.append(walk(paths, cancelled=stop.is_set))
        except BaseException as error:  # handed to the waiting job, raised there
            outcome.append(error)

    thread = threading.Thread(target=run, name="vimbatch-walk", daemon=True)
    thread.start()
    while thread.is_alive():
        if stop.is_set():
            return [], [], []
        thread.join(WALK_POLL_SECONDS)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    notices = [f"{Path(p.path).name or p.path}: {p.message}" for p in result.problems]
    files = list(result.files)
    for path in files:
        # A Path keeps its hash once computed: here, not on the GUI thread that looks each one
        # up among the photos already added (~7 ms for 5,000, far more while workers run).
        hash(path)
    return files, list(result.urls), notices


def _thumbnail_job(
    cache: ThumbnailCache, path: Path, content_hash: str | None, box: int
) -> tuple[Path, QImage]:
    return path, _thumbnail(cache, path, content_hash, box)


def _thumbnail(cache: ThumbnailCache, path: Path, content_hash: str | None, box: int) -> QImage:
    """Runs on a worker: JPEG bytes from the disk cache, decoded and shrunk to display size."""
    data = cache.get_or_make(path, THUMB_SOURCE_SIZE, content_hash=content_hash)
    image = QImage.fromData(data)
    if image.isNull():
        raise ValueError("thumbnail could not be decoded")
    return _fit(image, box)


def _previews_job(
    paths: Sequence[Path], box: int, stop: threading.Event
) -> list[tuple[Path, QImage]]:
    """Runs on a worker: the camera's EXIF previews of these photos (where there is one of the
    photo's shape), as stand-ins until their thumbnails are decoded."""
    found: list[tuple[Path, QImage]] = []
    for path in paths:
        if stop.is_set():
            break
        data = exif_preview(path)
        if data is None:
            continue
        image = QImage.fromData(data)
        if not image.isNull():
            found.append((path, _fit(image, box)))
    return found


def _fit(image: QImage, box: int) -> QImage:
    if max(image.width(), image.height()) > box:
        image = image.scaled(
            box,
            box,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


class PhotoGridModel(QAbstractListModel):
    """A thin Qt model over the intake's `PhotoList` (app/images/intake.py): the photos the
    user added, in batch order (the order `{n}` counts in), each content once; of copies, the
    first in that order stays, whichever check finished first.

    Signals:
        summary_changed(): count, total size or problem count changed.
        intake_progress(int done, int total): files checked so far in the running intake.
        intake_finished(int added, int duplicates, list notices): one intake run is over;
            `notices` are plain-language problems met while walking folders.
        urls_found(list[str]): image web addresses among the dropped items (not grid rows).
    """

    summary_changed = Signal()
    intake_progress = Signal(int, int)
    intake_finished = Signal(int, int, list)
    urls_found = Signal(list)

    def __init__(
        self,
        cpu: TaskRunner,
        thumbnails: ThumbnailCache | None = None,
        parent: QObject | None = None,
        *,
        device_pixel_ratio: float = 1.0,
        processes: InspectProcesses | None = None,
        waiting: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._cpu = cpu
        # Where photos are checked: in worker `processes`, waited for on the `waiting` runner
        # (threads that only wait, so the CPU pool stays free for thumbnails); else on `cpu`.
        self._processes = processes
        self._checks = waiting if processes is not None and waiting is not None else cpu
        self._thumbs = thumbnails  # app.images.ThumbnailCache, or None: placeholders only
        self._photos = PhotoList(listener=self)
        # Intake state.
        self._queued: deque[Photo] = deque()
        self._jobs_running = 0
        self._inspect_total = 0
        self._inspect_done = 0
        self._run_added = 0
        self._run_duplicates = 0
        self._run_copies: list[tuple[str, str]] = []  # (copy's name, kept photo's name)
        self._run_notices: list[str] = []
        self._claimed: set[Path] = set()  # paths in the grid or being inspected: checked once
        self._chunks: deque[list[Path]] = deque()
        self._chunks_in_flight = 0
        self._slicer = QTimer(self, singleShot=True, interval=0)
        self._slicer.timeout.connect(self._append_slice)
        # Thumbnail state.
        self._box = max(ICON_SIZE, round(ICON_SIZE * device_pixel_ratio))
        self._pixmaps: OrderedDict[Path, QPixmap] = OrderedDict()
        # Camera previews shown until the decoded thumbnail replaces them (then dropped).
        self._previews: OrderedDict[Path, QPixmap] = OrderedDict()
        self._preview_asked: set[Path] = set()
        self._previews_running = False
        self._wanted: OrderedDict[Path, None] = OrderedDict()
        self._loading: set[Path] = set()
        self._failed: set[Path] = set()
        self._max_loading = max(2, cpu.pool.maxThreadCount() * 2)
        self._loader = QTimer(self, singleShot=True, interval=0)
        self._loader.timeout.connect(self._load_wanted)
        self._placeholder = _placeholder_pixmap(self._box, broken=False)
        self._broken = _placeholder_pixmap(self._box, broken=True)

    # --- the PhotoList's RowListener: its changes as Qt's ---------------------------------

    def rows_inserting(self, first: int, last: int) -> None:
        self.beginInsertRows(QModelIndex(), first, last)

    def rows_inserted(self) -> None:
        self.endInsertRows()

    def rows_removing(self, first: int, last: int) -> None:
        self.beginRemoveRows(QModelIndex(), first, last)

    def rows_removed(self) -> None:
        self.endRemoveRows()

    # --- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._photos)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._photos):
            return None
        photo = self._photos[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return photo.path.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.pixmap_for(photo)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(photo)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if photo.problem:
                return self.tr("{name}: cannot be used. {reason}").format(
                    name=photo.path.name, reason=photo.problem
                )
            return photo.path.name
        if role == PhotoRole:
            return photo
        if role == ProblemRole:
            return photo.problem
        if role == PathRole:
            return str(photo.path)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # --- what the window asks -----------------------------------------------------------

    def photos(self) -> list[Photo]:
        return self._photos.photos()

    def usable_photos(self) -> list[Photo]:
        """The photos that can be sent, in batch order."""
        return self._photos.usable()

    def problem_photos(self) -> list[Photo]:
        return self._photos.problems()

    def photo(self, row: int) -> Photo:
        return self._photos[row]

    def total_bytes(self) -> int:
        return self._photos.total_bytes

    def problem_count(self) -> int:
        return self._photos.problem_count

    def is_busy(self) -> bool:
        """True while an intake is walking, inspecting or appending."""
        return self._jobs_running > 0 or bool(self._queued)

    def thumbnails_pending(self) -> int:
        return len(self._loading) + len(self._wanted)

    def has_thumbnail(self, row: int) -> bool:
        """The decoded thumbnail is shown (or the photo cannot be shown)."""
        path = self._photos[row].path
        return path in self._pixmaps or path in self._failed

    def has_picture(self, row: int) -> bool:
        """A picture of the photo is shown: its thumbnail, or the camera's preview meanwhile."""
        return self.has_thumbnail(row) or self._photos[row].path in self._previews

    # --- adding -------------------------------------------------------------------------

    def add_paths(self, paths: Iterable[str]) -> None:
        """Files and folders, as dropped: walked and inspected on workers, appended in slices."""
        paths = [str(p) for p in paths]
        if not paths:
            return
        self._begin_job()
        self._cpu.submit(
            partial(_walk, paths, self._cpu.stopping),
            self._walked,
            self._job_failed,
            priority=1,
        )

    def add_photos(self, photos: Iterable[Photo]) -> None:
        """Already-inspected photos (tests, restoring a session): appended in slices too."""
        self._queued.extend(photos)
        self._schedule_append()

    def _begin_job(self) -> None:
        if self._jobs_running == 0 and not self._queued:
            self._run_added = 0
            self._run_duplicates = 0
            self._run_copies = []
            self._run_notices = []
            self._inspect_total = 0
            self._inspect_done = 0
        self._jobs_running += 1

    def _end_job(self) -> None:
        self._jobs_running -= 1
        self._maybe_finished()

    def _walked(self, result: tuple[list[Path], list[str], list[str]]) -> None:
        files, urls, notices = result
        if urls:
            self.urls_found.emit(urls)
        self._run_notices.extend(notices)
        fresh: list[Path] = []
        for path in files:
            if path in self._claimed:
                self._run_duplicates += 1
            else:
                self._claimed.add(path)
                fresh.append(path)
        self._inspect_total += len(fresh)
        start = 0
        while start < len(fresh):
            # Small chunks until the first screen is full (it shows sooner), then bigger ones:
            # each chunk is a job submitted and delivered on this thread.
            size = (
                INSPECT_CHUNK
                if self._inspect_total - len(fresh) + start < FIRST_SCREEN_ROWS
                else LATER_CHUNK
            )
            self._chunks.append(fresh[start : start + size])
            self._jobs_running += 1  # counted now so the run is not "finished" early
            start += size
        self._pump_chunks()
        self.intake_progress.emit(self._inspect_done, self._inspect_total)
        self._end_job()

    def _pump_chunks(self) -> None:
        # A few chunks in flight, not hundreds queued at once: submitting is GUI-thread work,
        # and thumbnails for what is on screen must not wait behind the whole intake.
        while self._chunks and self._chunks_in_flight < CHUNKS_IN_FLIGHT:
            chunk = self._chunks.popleft()
            self._chunks_in_flight += 1
            self._checks.submit(
                partial(_inspect_chunk, chunk, self._checks.stopping, self._processes),
                self._inspected,
                self._chunk_failed,
            )

    def _chunk_failed(self, error: BaseException) -> None:
        self._chunks_in_flight -= 1
        self._pump_chunks()
        self._job_failed(error)

    def _inspected(self, photos: list[Photo]) -> None:
        self._chunks_in_flight -= 1
        self._pump_chunks()
        self._inspect_done += len(photos)
        self._queued.extend(photos)
        self._schedule_append()
        self.intake_progress.emit(self._inspect_done, self._inspect_total)
        self._end_job()

    def _job_failed(self, error: BaseException) -> None:
        # Intake functions report bad files on the Photo; reaching here is a bug, not a bad file.
        self._run_notices.append(
            self.tr("Some files could not be checked: {error}").format(error=user_text(error))
        )
        self._end_job()

    def _append_slice(self) -> None:
        # Listed in steps of APPEND_CHUNK until the slice's time is up: listing sorts and
        # de-duplicates on this thread, and thousands at once (photos now arrive from worker
        # processes faster than the grid takes them) would hold the window for tens of ms.
        deadline = time.monotonic() + SLICE_SECONDS
        listed_any = False
        while self._queued and (not listed_any or time.monotonic() < deadline):
            batch = [self._queued.popleft() for _ in range(min(APPEND_CHUNK, len(self._queued)))]
            added = self._photos.add(batch)
            arrived = {id(p) for p in batch}
            # A photo listed earlier that an earlier copy (in batch order) replaced now: the
            # grid holds as many photos as before, and one more duplicate was skipped.
            replaced = sum(1 for p in added.left_out if id(p) not in arrived)
            self._run_added += len(added.listed) - replaced
            self._run_duplicates += len(added.left_out)
            self._run_copies += [
                (p.path.name, p.duplicate_of.name)
                for p in added.left_out
                if p.duplicate_of is not None
            ]
            for photo in added.listed:
                self._claimed.add(photo.path)
            for photo in added.left_out:
                if photo.path not in self._photos:  # a copy; the same file again keeps its row
                    self._forget(photo)
            listed_any = True
        if listed_any:
            self.summary_changed.emit()
        if self._queued:
            self._schedule_append()
        else:
            self._maybe_finished()

    def run_copies(self) -> list[tuple[str, str]]:
        """Of the last intake run's `duplicates`, the copies of listed photos left out, as
        (the copy's file name, the kept photo's file name); the rest were files given again."""
        return list(self._run_copies)

    def _schedule_append(self) -> None:
        if self._slicer.isActive():
            return  # already due: what arrives meanwhile goes in with it
        rows = len(self._photos)
        self._slicer.setInterval(0 if rows < FIRST_SCREEN_ROWS else APPEND_MS)
        self._slicer.start()

    def _maybe_finished(self) -> None:
        if self._jobs_running == 0 and not self._queued:
            self.intake_finished.emit(
                self._run_added, self._run_duplicates, list(self._run_notices)
            )

    # --- removing -----------------------------------------------------------------------

    def remove_rows(self, rows: Iterable[int]) -> int:
        """Remove these rows (any order); returns how many went."""
        removed = self._photos.remove_rows(rows)
        if not removed:
            return 0
        for photo in removed:
            self._forget(photo)
        self.summary_changed.emit()
        return len(removed)

    def clear(self) -> None:
        self.beginResetModel()
        old, self._photos = self._photos, PhotoList(listener=self)
        for photo in old.photos():
            self._forget(photo)
        self.endResetModel()
        self.summary_changed.emit()

    def _forget(self, photo: Photo) -> None:
        self._claimed.discard(photo.path)
        self._pixmaps.pop(photo.path, None)
        self._previews.pop(photo.path, None)
        self._preview_asked.discard(photo.path)
        self._wanted.pop(photo.path, None)
        self._failed.discard(photo.path)

    # --- thumbnails ---------------------------------------------------------------------

    def pixmap_for(self, photo: Photo) -> QPixmap:
        """The photo's thumbnail, or a placeholder while it loads (asking for it)."""
        path = photo.path
        cached = self._pixmaps.get(path)
        if cached is not None:
            self._pixmaps.move_to_end(path)
            return cached
        if photo.problem is not None or path in self._failed or self._thumbs is None:
            return (
                self._broken
                if photo.problem is not None or path in self._failed
                else self._placeholder
            )
        if path not in self._loading:
            self._wanted[path] = None
            self._wanted.move_to_end(path)
            while len(self._wanted) > WANTED_MAX:
                self._wanted.popitem(last=False)
            if not self._loader.isActive():
                self._loader.start()
        return self._previews.get(path, self._placeholder)

    def _load_wanted(self) -> None:
        # Previews first, in one quick job (~0.2 ms a photo): the screen fills with real
        # pictures at once, and the thumbnails (~40 ms each) are submitted only once it is
        # back. Priorities alone cannot order them: QThreadPool hands a job straight to an idle
        # thread, so thumbnails submitted just after could take both threads first.
        if self._previews_running:
            return
        asking = [p for p in reversed(self._wanted) if p not in self._preview_asked]
        asking = asking[:PREVIEWS_PER_JOB]
        if asking:
            self._preview_asked.update(asking)
            self._previews_running = True
            self._cpu.submit(
                partial(_previews_job, asking, self._box, self._cpu.stopping),
                self._previews_ready,
                self._previews_failed,
                priority=6,
            )
            return
        while self._wanted and len(self._loading) < self._max_loading:
            path, _ = self._wanted.popitem(last=True)  # newest wish first: what is on screen now
            if path not in self._photos:
                continue
            self._loading.add(path)
            assert self._thumbs is not None  # pixmap_for never wishes without a cache
            self._cpu.submit(
                partial(_thumbnail_job, self._thumbs, path, self._hash_of(path), self._box),
                self._thumbnail_ready,
                partial(self._thumbnail_failed, path),
                priority=5,  # ahead of intake chunks: the user is looking at these
            )

    def _hash_of(self, path: Path) -> str | None:
        row = self._photos.row_of(path)
        return self._photos[row].content_hash if row is not None else None

    def _previews_ready(self, found: list[tuple[Path, QImage]]) -> None:
        self._previews_running = False
        if self._wanted:
            self._loader.start()
        for path, image in found:
            row = self._photos.row_of(path)
            # The thumbnail may have come first (from the disk cache): it stays.
            if row is None or path in self._pixmaps or path in self._failed:
                continue
            self._previews[path] = QPixmap.fromImage(image)  # GUI thread only
            while len(self._previews) > PIXMAP_CACHE:
                self._previews.popitem(last=False)
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _previews_failed(self, error: BaseException) -> None:
        # Only stand-ins: the thumbnails still come. Logged, as it would be a bug.
        log.error("EXIF previews failed", exc_info=(type(error), error, error.__traceback__))
        self._previews_running = False
        if self._wanted:
            self._loader.start()

    def _thumbnail_ready(self, result: tuple[Path, QImage]) -> None:
        path, image = result
        self._loading.discard(path)
        self._previews.pop(path, None)  # the accurate picture replaces the camera's at once
        row = self._photos.row_of(path)
        if row is not None:
            self._pixmaps[path] = QPixmap.fromImage(image)  # GUI thread only
            while len(self._pixmaps) > PIXMAP_CACHE:
                self._pixmaps.popitem(last=False)
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
        if self._wanted:
            self._loader.start()

    def _thumbnail_failed(self, path: Path, _error: BaseException | None = None) -> None:
        self._loading.discard(path)
        self._previews.pop(path, None)
        self._failed.add(path)
        row = self._photos.row_of(path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
        if self._wanted:
            self._loader.start()

    def _tooltip(self, photo: Photo) -> str:
        lines = [f"<b>{html.escape(photo.path.name)}</b>"]
        facts = []
        if photo.width and photo.height:
            facts.append(f"{photo.width} × {photo.height}")
        if photo.size:
            facts.append(human_size(photo.size))
        if facts:
            lines.append(" · ".join(facts))
        lines.append(html.escape(str(photo.path.parent)))
        if photo.problem:
            lines.append(
                "<span style='color:#c62828'>"
                + self.tr("Cannot be used: {reason}").format(reason=html.escape(photo.problem))
                + "</span>"
            )
        elif photo.note:
            lines.append(html.escape(photo.note))
        return "<br>".join(lines)


def _placeholder_pixmap(side: int, *, broken: bool) -> QPixmap:
    """A quiet picture frame (loading) or a crossed frame (cannot be shown)."""
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(side * 0.1, side * 0.2, side * 0.8, side * 0.6)
    color = QColor(140, 140, 150, 90)
    painter.setPen(QPen(color, max(1.0, side / 64)))
    painter.setBrush(QColor(140, 140, 150, 35))
    painter.drawRoundedRect(rect, side * 0.04, side * 0.04)
    if broken:
        painter.setPen(QPen(QColor(198, 40, 40, 150), max(2.0, side / 40)))
        painter.drawLine(rect.topLeft(), rect.bottomRight())
        painter.drawLine(rect.topRight(), rect.bottomLeft())
    else:
        # A little mountain and sun: reads as "a photo goes here" in any language.
        path = QPainterPath()
        path.moveTo(rect.left() + rect.width() * 0.15, rect.bottom() - rect.height() * 0.15)
        path.lineTo(rect.left() + rect.width() * 0.45, rect.top() + rect.height() * 0.4)
        path.lineTo(rect.left() + rect.width() * 0.85, rect.bottom() - rect.height() * 0.15)
        path.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPath(path)
        r = rect.height() * 0.12
        sun = QPointF(rect.right() - rect.width() * 0.25, rect.top() + rect.height() * 0.3)
        painter.drawEllipse(sun, r, r)
    painter.end()
    return QPixmap.fromImage(image)


class PhotoDelegate(QStyledItemDelegate):
    """Paints one cell: thumbnail centred in a square, the file name elided below, and a red
    badge on photos that cannot be used (the reason is in the tooltip and accessible text)."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return CELL

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = QRect(option.rect).adjusted(4, 4, -4, -4)
        palette: QPalette = option.palette
        self._paint_frame(painter, rect, option.state, palette)
        picture = QRect(
            rect.left() + (rect.width() - ICON_SIZE) // 2, rect.top() + 6, ICON_SIZE, ICON_HEIGHT
        )
        # Straight from our model when we can: each index.data() is a C++ round trip that
        # waits for the GIL again while workers hash and decode.
        model = index.model()
        if isinstance(model, PhotoGridModel) and 0 <= index.row() < model.rowCount():
            photo = model.photo(index.row())
            pixmap: Any = model.pixmap_for(photo)
            problem: Any = photo.problem
            name_text = photo.path.name
        else:
            pixmap = index.data(Qt.ItemDataRole.DecorationRole)
            problem = index.data(ProblemRole)
            name_text = str(index.data(Qt.ItemDataRole.DisplayRole))
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            self._paint_picture(painter, picture, pixmap, palette, faded=bool(problem))
        text_rect = QRect(
            rect.left() + 4,
            picture.bottom() + 6,
            rect.width() - 8,
            rect.bottom() - picture.bottom() - 6,
        )
        font = QFont(option.font)
        self._paint_name(painter, text_rect, font, option, name_text, problem=bool(problem))
        if problem:
            self._paint_badge(painter, picture, font)
        painter.restore()

    @staticmethod
    def _paint_frame(
        painter: QPainter, rect: QRect, state: QStyle.StateFlag, palette: QPalette
    ) -> None:
        """Selection (filled), hover (tinted) and keyboard focus (dotted) around the cell."""
        if state & QStyle.StateFlag.State_Selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(highlight)
            fill.setAlpha(60)
            painter.setPen(QPen(highlight, 2))
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(rect).adjusted(1, 1, -1, -1), 8, 8)
        elif state & QStyle.StateFlag.State_MouseOver:
            hover = QColor(palette.color(QPalette.ColorRole.Highlight))
            hover.setAlpha(25)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(hover)
            painter.drawRoundedRect(QRectF(rect), 8, 8)
        if state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(
                QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DotLine)
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)

    @staticmethod
    def _paint_picture(
        painter: QPainter, box: QRect, pixmap: QPixmap, palette: QPalette, *, faded: bool
    ) -> None:
        """The thumbnail centred in its box; faded when the photo cannot be used."""
        size = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(box.center())
        painter.drawPixmap(target, pixmap)
        if faded:
            veil = QColor(palette.color(QPalette.ColorRole.Base))
            veil.setAlpha(110)
            painter.fillRect(target, veil)

    @staticmethod
    def _paint_name(
        painter: QPainter,
        box: QRect,
        font: QFont,
        option: QStyleOptionViewItem,
        name: str,
        *,
        problem: bool,
    ) -> None:
        """The file name, elided in the middle; red (readable on light and dark) for a problem."""
        palette: QPalette = option.palette
        painter.setFont(font)
        text_color = palette.color(QPalette.ColorRole.Text)
        if problem:
            text_color = (
                QColor("#c62828")
                if palette.color(QPalette.ColorRole.Base).lightness() > 128
                else QColor("#ff8a80")
            )
        painter.setPen(text_color)
        elided = option.fontMetrics.elidedText(name, Qt.TextElideMode.ElideMiddle, box.width())
        painter.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, elided)

    @staticmethod
    def _paint_badge(painter: QPainter, picture: QRect, font: QFont) -> None:
        """A red "!" in the picture's corner: this photo cannot be used."""
        badge = QRectF(picture.right() - 22, picture.top() + 2, 24, 24)
        painter.setPen(QPen(QColor("white"), 2))
        painter.setBrush(QColor("#c62828"))
        painter.drawEllipse(badge)
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "!")


class PhotoGridView(QListView):
    """Icon-mode list tuned for thousands of photos (uniform sizes, fixed grid, static)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setUniformItemSizes(True)
        self.setGridSize(CELL)
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setItemDelegate(PhotoDelegate(self))
        self.setAccessibleName(self.tr("Photos to send"))
        self.setToolTip("")
        self.setAccessibleDescription(
            self.tr("Arrow keys move between photos, Delete removes the selected ones.")
        )

        # The first photo of the running add (a persistent index: rows listed before it later
        # move it down), and whether the user scrolled meanwhile (then they are left alone).
        self._first_added: QPersistentModelIndex | None = None
        self._user_scrolled = False
        bar = self.verticalScrollBar()
        bar.actionTriggered.connect(self._scrolled_by_user)  # wheel, arrows, page clicks
        bar.sliderPressed.connect(self._scrolled_by_user)

    def follow_additions(self, model: PhotoGridModel) -> None:
        """After each add, show where the photos went: the grid is in batch order (by path),
        so a second folder may land above what is on screen. Once per add, at its end, and
        not when the user scrolled meanwhile."""
        model.rowsInserted.connect(self._rows_added)
        model.intake_finished.connect(self._show_added)
        model.modelReset.connect(self._forget_added)

    def _rows_added(self, _parent: QModelIndex, first: int, _last: int) -> None:
        known = self._first_added
        if known is None or not known.isValid():
            self._user_scrolled = False  # a new add: the earlier scrolling was for the last one
        if known is None or not known.isValid() or first <= known.row():
            self._first_added = QPersistentModelIndex(self.model().index(first, 0))

    def _scrolled_by_user(self, *_args: object) -> None:
        if self._first_added is not None:
            self._user_scrolled = True

    def _forget_added(self) -> None:
        self._first_added = None

    def _show_added(self, added: int, *_rest: object) -> None:
        target, self._first_added = self._first_added, None
        if added <= 0 or target is None or not target.isValid() or self._user_scrolled:
            return
        index = self.model().index(target.row(), 0)
        if not self.viewport().rect().intersects(self.visualRect(index)):
            self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    def selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.selectionModel().selectedIndexes())

    def keyPressEvent(self, event: Any) -> None:
        # Delete / Backspace are handled by the window's "Remove" action; let them through.
        if event.matches(QKeySequence.StandardKey.Delete):
            event.ignore()
            return
        super().keyPressEvent(event)


class PhotoArea(QStackedWidget):
    """The grid, or — while it is empty — a big invitation to drop photos; once there are jobs
    to watch (`set_compact(True)`), the invitation shrinks to a one-line drop strip.

    Signals:
        samples_requested(): "Try with sample photos" was pressed.
        add_photos_requested(), add_folder_requested(): the empty state's buttons.
        compact_changed(bool): the strip (True) or the full page/grid (False) is shown now.
    """

    samples_requested = Signal()
    add_photos_requested = Signal()
    add_folder_requested = Signal()
    compact_changed = Signal(bool)

    def __init__(self, model: PhotoGridModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.grid = PhotoGridView(self)
        self.grid.setModel(model)
        self.grid.follow_additions(model)
        self.empty = self._make_empty_state()
        self.strip = self._make_strip()
        self.addWidget(self.empty)
        self.addWidget(self.grid)
        self.addWidget(self.strip)
        self._compact_wanted = False
        self._ever_added = False
        model.rowsInserted.connect(self._sync)
        model.rowsRemoved.connect(self._sync)
        model.modelReset.connect(self._sync)
        self._sync()

    def _make_empty_state(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("emptyState")
        layout = QVBoxLayout(page)
        layout.addStretch(2)
        icon = QLabel(page)
        icon.setPixmap(_placeholder_pixmap(96, broken=False))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(icon)
        title = QLabel(self.tr("Drop photos or folders here"), page)
        title.setObjectName("emptyTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        hint = QLabel(
            self.tr("JPEG, PNG, WebP or HEIC. Whole folders are fine: we look inside them."), page
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(hint)
        layout.addSpacing(16)
        row = QWidget(page)
        buttons = QVBoxLayout(row)
        buttons.setContentsMargins(0, 0, 0, 0)
        add_photos = QPushButton(self.tr("Add photos…"), row)
        add_photos.setObjectName("emptyAddPhotos")
        add_photos.clicked.connect(self.add_photos_requested)
        add_folder = QPushButton(self.tr("Add folder…"), row)
        add_folder.setObjectName("emptyAddFolder")
        add_folder.clicked.connect(self.add_folder_requested)
        self.samples_button = QPushButton(self.tr("Try with sample photos"), row)
        self.samples_button.setObjectName("samplesButton")
        self.samples_button.setToolTip(
            self.tr("Adds a few pictures that come with vimbatch, to see how it works")
        )
        self.samples_button.clicked.connect(self.samples_requested)
        for button in (add_photos, add_folder, self.samples_button):
            button.setMinimumWidth(220)
            buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(row)
        layout.addStretch(3)
        return page

    def _make_strip(self) -> QWidget:
        """One line: drop here, or add; samples only while nothing was ever added."""
        strip = QFrame(self)
        strip.setObjectName("dropStrip")
        strip.setFrameShape(QFrame.Shape.StyledPanel)
        strip.setFrameShadow(QFrame.Shadow.Plain)
        line = QHBoxLayout(strip)
        line.setContentsMargins(8, 4, 8, 4)
        icon = QLabel(strip)
        icon.setPixmap(_placeholder_pixmap(24, broken=False))
        line.addWidget(icon)
        text = QLabel(self.tr("Drop more photos or folders here"), strip)
        text.setObjectName("dropStripText")
        text.setToolTip(text.text())
        # In a narrow window the words give way to the buttons rather than widen it.
        text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        text.setMinimumWidth(text.fontMetrics().horizontalAdvance("Drop more…"))
        line.addWidget(text, 1)
        add_photos = QPushButton(self.tr("Add photos…"), strip)
        add_photos.setObjectName("stripAddPhotos")
        add_photos.clicked.connect(self.add_photos_requested)
        add_folder = QPushButton(self.tr("Add folder…"), strip)
        add_folder.setObjectName("stripAddFolder")
        add_folder.clicked.connect(self.add_folder_requested)
        self.strip_samples_button = QPushButton(self.tr("Try with sample photos"), strip)
        self.strip_samples_button.setObjectName("stripSamplesButton")
        self.strip_samples_button.setToolTip(self.samples_button.toolTip())
        self.strip_samples_button.clicked.connect(self.samples_requested)
        for button in (add_photos, add_folder, self.strip_samples_button):
            line.addWidget(button)
        return strip

    @property
    def compact(self) -> bool:
        return self.currentWidget() is self.strip

    def set_compact(self, compact: bool) -> None:
        """True while there are jobs to watch: an empty grid then takes one line, not half
        the column (the first start, with no jobs, keeps the big invitation)."""
        self._compact_wanted = compact
        self._sync()

    def _sync(self) -> None:
        was = self.compact
        if self.model.rowCount():
            self._ever_added = True
            page: QWidget = self.grid
        else:
            page = self.strip if self._compact_wanted else self.empty
        self.strip_samples_button.setVisible(not self._ever_added)
        self.setCurrentWidget(page)
        # A stacked widget is as tall as its tallest page; the strip must not be.
        # (A hidden page's minimum would also keep the window from fitting 800 px.)
        for widget in (self.empty, self.grid, self.strip):
            policy = QSizePolicy.Policy.Preferred if widget is page else QSizePolicy.Policy.Ignored
            widget.setSizePolicy(policy, policy)
        if page is self.strip:
            self.setMaximumHeight(self.strip.sizeHint().height())
        else:
            self.setMaximumHeight(QWIDGETSIZE_MAX)
        self.updateGeometry()
        if was != self.compact:
            self.compact_changed.emit(self.compact)


def device_pixel_ratio() -> float:
    app = QApplication.instance()
    screen = app.primaryScreen() if isinstance(app, QApplication) else None
    return float(screen.devicePixelRatio()) if screen is not None else 1.0
