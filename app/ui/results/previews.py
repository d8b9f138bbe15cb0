"""Result previews: result files fetched into a cache folder and shrunk, on worker threads.

I/O workers download (WorkflowClient.download), CPU workers shrink (ThumbnailCache) and build a
QImage; the GUI thread turns it into a QPixmap (docs/ARCHITECTURE.md, "Facts: thumbnails" and
"Facts: thread pools"). Each URL is downloaded once at a time, whoever asks for it (a
preview, opening it); a preview already on its way is not asked for twice. Videos cannot be
decoded here (no QtMultimedia), so their poster is a still image from the workflow's per-step
outputs, when one exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.api import MediaFile, Workflow, WorkflowClient
from app.images.thumbnails import ThumbnailCache
from app.ui.user_text import user_text
from app.ui.workers import ErrorCallback, TaskRunner

PREVIEW_SIZE = 480


class ResultFileCache:
    """Result files kept for previews and opening: `<folder>/<hash of URL><ext>`. Thread-safe
    (every write is a rename). `size_bytes` / `clear` make it a settings-dialog CacheControl."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_for(self, media: MediaFile) -> Path:
        digest = hashlib.sha1(media.url.encode(), usedforsecurity=False).hexdigest()[:24]
        return self.folder / f"{digest}{media.extension}"

    def size_bytes(self) -> int:
        total = 0
        if self.folder.is_dir():
            for file in self.folder.iterdir():
                with contextlib.suppress(OSError):
                    total += file.stat().st_size
        return total

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PreviewError(Exception):
    """Plain words for why a preview could not be made (`user_text` shows `user_message`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


def _to_qimage(data: bytes) -> QImage:
    image = QImage.fromData(data)
    if image.isNull():
        raise PreviewError("The preview could not be read.")
    return image


def poster_of(workflow: Workflow) -> MediaFile | None:
    """The last still image among the per-step outputs: the frame the video starts from."""
    for completion in reversed(workflow.completions):
        for media in completion.result:
            if not media.is_video and media.content_type.lower().startswith("image/"):
                return media
    return None


class PreviewLoader(QObject):
    """Fetches results on the I/O pool and shrinks previews on the CPU pool.

    Signals:
        image_ready(str, QImage): a key (a result URL, or "input:<path>") and its preview.
        image_failed(str, str): a key (also "workflow:<item id>") and the plain-words reason.
        workflow_ready(int, object): an item id and its Workflow as the server describes it now.
    """

    image_ready = Signal(str, QImage)
    image_failed = Signal(str, str)
    workflow_ready = Signal(int, object)

    def __init__(
        self,
        io: TaskRunner,
        cpu: TaskRunner,
        files: ResultFileCache,
        thumbnails: ThumbnailCache,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.io = io
        self.cpu = cpu
        self.files = files
        self.thumbnails = thumbnails
        # Read on the worker at the moment of each request, so a replaced or removed key is
        # used (or missed) at once rather than the client of when the panel was wired.
        self.client_source: Callable[[], WorkflowClient | None] = lambda: None
        self._busy: set[str] = set()
        # URL -> callbacks waiting for its download: one download per URL at a time, whoever
        # asked (a preview, opening the file).
        self._downloads: dict[str, list[tuple[Callable[[str], None], ErrorCallback]]] = {}
        self.local: dict[str, str] = {}  # URL -> local file, once known to exist

    def _client(self) -> WorkflowClient:
        client = self.client_source()
        if client is None:
            raise PreviewError("Not connected to Vimmerse.")
        return client

    def _failed(self, key: str, error: BaseException) -> None:
        self._busy.discard(key)
        self.image_failed.emit(key, user_text(error))

    def _run(
        self,
        runner: TaskRunner,
        key: str,
        fn: Callable[[], object],
        done: Callable[[object], None],
    ) -> None:
        if key in self._busy:
            return
        self._busy.add(key)

        def finished(value: object) -> None:
            self._busy.discard(key)
            done(value)

        runner.submit(fn, finished, lambda error: self._failed(key, error))

    def _fetch(self, media: MediaFile) -> Path:
        """On a worker: the result on disk, downloaded once."""
        target = self.files.path_for(media)
        if not target.is_file():
            client = self._client()
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download(media.url, target)
        return target

    def _download(
        self, media: MediaFile, done: Callable[[str], None], failed: ErrorCallback
    ) -> None:
        """`done(local path)` once the result is on disk; joins a download already running."""
        url = media.url
        known = self.local.get(url)
        if known is not None:
            done(known)
            return
        waiting = self._downloads.get(url)
        if waiting is not None:
            waiting.append((done, failed))
            return
        self._downloads[url] = [(done, failed)]

        def finished(value: object) -> None:
            self.local[url] = str(value)
            for on_done, _ in self._downloads.pop(url, []):
                on_done(str(value))

        def broke(error: BaseException) -> None:
            for _, on_error in self._downloads.pop(url, []):
                on_error(error)

        self.io.submit(lambda: self._fetch(media), finished, broke)

    def request_image(self, media: MediaFile, key: str | None = None) -> None:
        """Preview of an image result (or of a video's poster, under the video's `key`)."""
        key = key or media.url
        if key in self._busy:
            return
        self._busy.add(key)

        def shrink(path: str) -> None:
            self._busy.discard(key)  # _run takes it again for the CPU stage
            self._run(
                self.cpu,
                key,
                lambda: _to_qimage(self.thumbnails.get_or_make(path, PREVIEW_SIZE)),
                lambda image: self.image_ready.emit(key, image),
            )

        self._download(media, shrink, lambda error: self._failed(key, error))

    def request_input(self, path: str) -> None:
        key = "input:" + path
        self._run(
            self.cpu,
            key,
            lambda: _to_qimage(self.thumbnails.get_or_make(path)),
            lambda image: self.image_ready.emit(key, image),
        )

    def request_file(
        self,
        media: MediaFile,
        on_done: Callable[[str], None],
        on_error: ErrorCallback | None = None,
    ) -> None:
        """The result as a local file (a video before opening it); `on_done(path)`, or
        `on_error(exception)` when it cannot be fetched."""
        self._download(media, on_done, on_error or (lambda _error: None))

    def request_workflow(self, item_id: int, workflow_id: str) -> None:
        self._run(
            self.io,
            f"workflow:{item_id}",
            lambda: self._client().get(workflow_id),
            lambda workflow: self.workflow_ready.emit(item_id, workflow),
        )
