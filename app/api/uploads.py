"""Building the multipart body of a create, streamed from disk with byte-level progress."""

from __future__ import annotations

import io
import json
import mimetypes
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from app.api.errors import CancelledError
from app.api.models import CreateRequest

ProgressCallback = Callable[[int, int], None]

# Our own table first: mimetypes depends on the OS's database and misses some of these.
_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".bmp": "image/bmp",
}


def content_type_for(path: Path) -> str:
    """The part's content type, from the file name's extension."""
    known = _CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class UploadProgress:
    """Counts the bytes httpx has read from the files of one request and reports them."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total = total
        self._callback = callback
        self._lock = threading.Lock()
        self._per_file: dict[int, int] = {}

    @property
    def sent(self) -> int:
        with self._lock:
            return sum(self._per_file.values())

    @property
    def complete(self) -> bool:
        return self.sent >= self.total

    def update(self, file_key: int, position: int) -> None:
        with self._lock:
            if self._per_file.get(file_key) == position:
                return
            self._per_file[file_key] = position
            sent = sum(self._per_file.values())
        if self._callback is not None:
            self._callback(sent, self.total)


class CountingReader(io.BufferedReader):
    """A file opened for upload that reports every byte httpx reads from it.

    httpx reads it in 64 KiB chunks (so the file is never held whole in memory) and rewinds it
    before sending, which resets this file's count.
    """

    def __init__(
        self, path: Path, progress: UploadProgress, cancel: threading.Event | None = None
    ) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self._progress = progress
        self._cancel = cancel
        self._key = id(self)

    def read(self, size: int | None = -1, /) -> bytes:
        # Stop mid-upload when asked: a body cut short cannot create anything on the server.
        if self._cancel is not None and self._cancel.is_set():
            raise CancelledError()
        chunk = super().read(size)
        self._progress.update(self._key, self.tell())
        return chunk

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        position = super().seek(offset, whence)
        self._progress.update(self._key, position)
        return position


class LastBytesHook(httpx.SyncByteStream):
    """A request body that calls `hook()` just before handing over its last chunk.

    A multipart body ends with its closing boundary: the server cannot act on the form before
    it arrives. So the hook marks the moment from which the request may take effect, and if it
    raises, the body stays incomplete and nothing can be created."""

    def __init__(
        self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, hook: Callable[[], None]
    ) -> None:
        if not isinstance(stream, httpx.SyncByteStream):
            raise TypeError("a create's body is a synchronous stream")
        self._stream = stream
        self._hook = hook

    def __iter__(self) -> Iterator[bytes]:
        held: bytes | None = None
        for chunk in self._stream:
            if held is not None:
                yield held
            held = chunk
        self._hook()
        if held is not None:
            yield held

    def close(self) -> None:
        self._stream.close()


@dataclass
class MultipartBody:
    """The `data` and `files` arguments for httpx, plus the progress of this attempt."""

    data: dict[str, Any]
    files: list[tuple[str, tuple[str, IO[bytes], str]]]
    progress: UploadProgress


def form_fields(request: CreateRequest) -> dict[str, Any]:
    """The text fields of a create, exactly as the contract spells them."""
    data: dict[str, Any] = {
        "title": request.title,
        "description": request.description,
        "visibility_status": str(request.visibility.value),
        "template_id": request.template_id,
        # ASCII-only JSON: survives any server-side charset guess for form fields.
        "options": json.dumps(request.options),
        "event_id": request.event_id,
    }
    if request.urls:
        data["image_urls"] = list(request.urls)  # httpx repeats the field once per value
    return data


@contextmanager
def open_multipart(
    request: CreateRequest,
    on_progress: ProgressCallback | None,
    cancel: threading.Event | None = None,
) -> Iterator[MultipartBody]:
    """Open every file of the request for one attempt; closes them all afterwards."""
    paths = [Path(p) for p in request.files]
    total = sum(p.stat().st_size for p in paths)
    progress = UploadProgress(total, on_progress)
    with ExitStack() as stack:
        files: list[tuple[str, tuple[str, IO[bytes], str]]] = []
        for index, path in enumerate(paths):
            reader = stack.enter_context(CountingReader(path, progress, cancel))
            name = request.names[index] if index < len(request.names) else ""
            files.append(("image_files", (name or path.name, reader, content_type_for(path))))
        yield MultipartBody(data=form_fields(request), files=files, progress=progress)
