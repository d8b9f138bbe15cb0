"""A streaming multipart/form-data parser: file parts go straight to temporary files on disk.

Written here because the stdlib's `cgi` module is gone (3.13) and `email` parses from memory.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import Path
from typing import IO

CHUNK = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_FIELD_BYTES = 1024 * 1024


class MultipartError(Exception):
    """The body is not well-formed multipart/form-data."""


@dataclass
class UploadedPart:
    """A file part, already on disk at `path` (the caller owns and removes it)."""

    field: str
    filename: str
    content_type: str
    path: Path
    size: int
    sha256: str


@dataclass
class MultipartForm:
    """Text fields (repeats kept, in order) and file parts."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[UploadedPart] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]

    def discard_files(self) -> None:
        for part in self.files:
            part.path.unlink(missing_ok=True)
        self.files.clear()


def boundary_of(content_type: str | None) -> bytes | None:
    """The boundary of a multipart/form-data Content-Type, or None when it is not one."""
    if not content_type:
        return None
    message = Message()
    message["Content-Type"] = content_type
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary or len(boundary) > 200:
        return None
    return boundary.encode("latin-1", "replace")


class _Buffer:
    def __init__(self, read: Callable[[int], bytes]):
        self._read = read
        self.data = bytearray()
        self.eof = False

    def fill(self) -> bool:
        if self.eof:
            return False
        chunk = self._read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.data += chunk
        return True


def parse_multipart(read: Callable[[int], bytes], boundary: bytes, tmp_dir: Path) -> MultipartForm:
    """Parse a whole multipart body from `read`; file parts are streamed into `tmp_dir`."""
    form = MultipartForm()
    delimiter = b"\r\n--" + boundary
    buf = _Buffer(read)
    # The first delimiter has no CRLF before it: pretend it has, so one search finds them all.
    buf.data += b"\r\n"
    try:
        _skip_to(buf, delimiter)
        while True:
            while len(buf.data) < 2:
                if not buf.fill():
                    raise MultipartError("cut short after a delimiter")
            if buf.data[:2] == b"--":
                return form
            headers = _read_headers(buf)
            name, filename, content_type = _disposition(headers)
            if filename is None:
                value = bytearray()
                _copy_until(buf, delimiter, value.extend, MAX_FIELD_BYTES)
                if name is not None:
                    form.fields.append((name, value.decode("utf-8", "replace")))
                continue
            with tempfile.NamedTemporaryFile(dir=tmp_dir, prefix="upload-", delete=False) as out:
                part = UploadedPart(name or "", filename, content_type, Path(out.name), 0, "")
                form.files.append(part)
                sink = _HashingSink(out)
                part.size = _copy_until(buf, delimiter, sink.write, None)
                part.sha256 = sink.digest.hexdigest()
    except BaseException:
        form.discard_files()
        raise


class _HashingSink:
    def __init__(self, out: IO[bytes]):
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, data: bytes | bytearray) -> None:
        self.out.write(data)
        self.digest.update(data)


def _skip_to(buf: _Buffer, delimiter: bytes) -> None:
    _copy_until(buf, delimiter, lambda _data: None, None)


def _copy_until(
    buf: _Buffer,
    delimiter: bytes,
    sink: Callable[[bytes | bytearray], None],
    limit: int | None,
) -> int:
    """Pass bytes to `sink` up to the next delimiter, which is consumed. Returns the byte count."""
    copied = 0
    keep = len(delimiter) - 1
    while True:
        index = buf.data.find(delimiter)
        if index >= 0:
            sink(buf.data[:index])
            copied += index
            del buf.data[: index + len(delimiter)]
            break
        if len(buf.data) > keep:
            cut = len(buf.data) - keep
            sink(buf.data[:cut])
            copied += cut
            del buf.data[:cut]
        if limit is not None and copied > limit:
            raise MultipartError("a text field is too large")
        if not buf.fill():
            raise MultipartError("no closing delimiter")
    if limit is not None and copied > limit:
        raise MultipartError("a text field is too large")
    return copied


def _read_headers(buf: _Buffer) -> dict[str, str]:
    # The buffer starts with the CRLF that ends the delimiter line, so an empty header block
    # is found at index 0.
    while (end := buf.data.find(b"\r\n\r\n")) < 0:
        if len(buf.data) > MAX_HEADER_BYTES or not buf.fill():
            raise MultipartError("part headers cut short or too large")
    if not buf.data.startswith(b"\r\n"):
        raise MultipartError("garbage after a delimiter")
    raw = bytes(buf.data[2:end]).decode("utf-8", "replace")
    del buf.data[: end + 4]
    headers: dict[str, str] = {}
    for line in raw.split("\r\n"):
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise MultipartError("bad part header")
        headers[key.strip().lower()] = value.strip()
    return headers


def _disposition(headers: dict[str, str]) -> tuple[str | None, str | None, str]:
    message = Message()
    message["Content-Disposition"] = headers.get("content-disposition", "")
    name_param = message.get_param("name", header="content-disposition")
    name = collapse_rfc2231_value(name_param) if name_param is not None else None
    filename = message.get_filename()
    content_type = headers.get("content-type", "application/octet-stream")
    return (str(name) if name is not None else None), filename, content_type
