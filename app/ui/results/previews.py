"""Result previews: result files fetched into a cache folder and shrunk, on worker threads.

Workers download (WorkflowClient.download), shrink (ThumbnailCache) and build a QImage; the GUI
thread turns it into a QPixmap (TECH-NOTES §1). Each URL is fetched once at a time; a request for
one already on its way is ignored. Videos cannot be decoded here (no QtMultimedia), so their
poster is a still image from the workflow's per-step outputs, when one exists.
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
from app.ui.workers import TaskRunner

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


def _to_qimage(data: bytes) -> QImage:
    image = QImage.fromData(data)
    if image.isNull():
        raise ValueError("The preview could not be read.")
    return image


def poster_of(workflow: Workflow) -> MediaFile | None:
    """The last still image among the per-step outputs: the frame the video starts from."""
    for completion in reversed(workflow.completions):
        for media in completion.result:
            if not media.is_video and media.content_type.lower().startswith("image/"):
                return media
    return None


class PreviewLoader(QObject):
    """Fetches and shrinks previews on the I/O pool.

    Signals:
        image_ready(str, QImage): a key (a result URL, or "input:<path>") and its preview.
        image_failed(str, str): a key and the plain-words reason it has no preview.
        file_ready(str, str): a result URL and the local file now holding it.
        workflow_ready(int, object): an item id and its Workflow as the server describes it now.
    """

    image_ready = Signal(str, QImage)
    image_failed = Signal(str, str)
    file_ready = Signal(str, str)
    workflow_ready = Signal(int, object)

    def __init__(
        self,
        runner: TaskRunner,
        files: ResultFileCache,
        thumbnails: ThumbnailCache,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.files = files
        self.thumbnails = thumbnails
        self.client: WorkflowClient | None = None
        self._busy: set[str] = set()
        self.local: dict[str, str] = {}  # URL -> local file, once known to exist

    def _run(self, key: str, fn: Callable[[], object], done: Callable[[object], None]) -> None:
        if key in self._busy:
            return
        self._busy.add(key)

        def finished(value: object) -> None:
            self._busy.discard(key)
            done(value)

        def failed(error: BaseException) -> None:
            self._busy.discard(key)
            reason = getattr(error, "user_message", None) or str(error) or type(error).__name__
            self.image_failed.emit(key, str(reason))

        self.runner.submit(fn, finished, failed)

    def _fetch(self, media: MediaFile) -> Path:
        """On a worker: the result on disk, downloaded once."""
        target = self.files.path_for(media)
        if not target.is_file():
            client = self.client
            if client is None:
                raise RuntimeError("Not connected to Vimmerse.")
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download(media.url, target)
        return target

    def request_image(self, media: MediaFile, key: str | None = None) -> None:
        """Preview of an image result (or of a video's poster, under the video's `key`)."""
        key = key or media.url

        def work() -> tuple[str, QImage]:
            path = self._fetch(media)
            return str(path), _to_qimage(self.thumbnails.get_or_make(path, PREVIEW_SIZE))

        def done(value: object) -> None:
            assert isinstance(value, tuple)
            path, image = value
            self.local[media.url] = path
            self.file_ready.emit(media.url, path)
            self.image_ready.emit(key, image)

        self._run(key, work, done)

    def request_input(self, path: str) -> None:
        key = "input:" + path
        self._run(
            key,
            lambda: _to_qimage(self.thumbnails.get_or_make(path)),
            lambda image: self.image_ready.emit(key, image),
        )

    def request_file(self, media: MediaFile, on_done: Callable[[str], None]) -> None:
        """The result as a local file (a video before opening it); `on_done(path)`."""

        def done(value: object) -> None:
            self.local[media.url] = str(value)
            self.file_ready.emit(media.url, str(value))
            on_done(str(value))

        self._run("file:" + media.url, lambda: self._fetch(media), done)

    def request_workflow(self, item_id: int, workflow_id: str) -> None:
        client = self.client
        if client is None:
            return
        self._run(
            f"workflow:{item_id}",
            lambda: client.get(workflow_id),
            lambda workflow: self.workflow_ready.emit(item_id, workflow),
        )
