"""Reading a request body from the socket, by Content-Length or chunked, without holding it."""

from __future__ import annotations

from typing import Protocol


class _Stream(Protocol):
    def read(self, n: int, /) -> bytes: ...
    def readline(self, limit: int, /) -> bytes: ...


class BodyError(Exception):
    """The body is not what its headers announced (bad chunk size, cut short)."""


class BodyReader:
    """A file-like `read(n)` over one request's body; `drain()` skips whatever is left so the
    connection can serve the next request."""

    def __init__(self, stream: _Stream, content_length: str | None, transfer_encoding: str | None):
        self._stream = stream
        self._chunked = (transfer_encoding or "").strip().lower() == "chunked"
        self._remaining = 0
        self._done = False
        if not self._chunked:
            try:
                self._remaining = max(0, int(content_length or 0))
            except ValueError as exc:
                raise BodyError("bad Content-Length") from exc
            self._done = self._remaining == 0
        self.bytes_read = 0

    def read(self, n: int = 65536) -> bytes:
        if self._done:
            return b""
        if not self._chunked:
            data = self._stream.read(min(n, self._remaining))
            if not data:
                raise BodyError("body cut short")
            self._remaining -= len(data)
            self._done = self._remaining == 0
            self.bytes_read += len(data)
            return data
        if self._remaining == 0:
            line = self._stream.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise BodyError("bad chunk size") from exc
            if size == 0:
                # Trailers, if any, end with an empty line.
                while self._stream.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                self._done = True
                return b""
            self._remaining = size
        data = self._stream.read(min(n, self._remaining))
        if not data:
            raise BodyError("body cut short")
        self._remaining -= len(data)
        if self._remaining == 0:
            self._stream.readline(1024)  # the CRLF after each chunk
        self.bytes_read += len(data)
        return data

    def read_all(self, limit: int) -> bytes:
        """The whole body, refusing (BodyError) more than `limit` bytes."""
        out = bytearray()
        while chunk := self.read(65536):
            out += chunk
            if len(out) > limit:
                raise BodyError("body too large")
        return bytes(out)

    def drain(self) -> None:
        while self.read(65536):
            pass
