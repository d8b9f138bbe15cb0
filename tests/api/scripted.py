"""A tiny scripted HTTP server for conditions the simulator cannot make (stalls, cut uploads).

Each request is recorded whole; its answer is the next scripted `Reply` (or the default one).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEEP_BODY = 1024 * 1024

WORKFLOW = {
    "id": "wf-1",
    "title": "t",
    "description": "",
    "visibility_status": "1",
    "model": "vim_new_year_2026",
    "options": {},
    "processing_status": "new",
    "progress_percentage": 0,
    "created_at": "2025-04-11 18:33:59.780864+00:00",
}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes  # kept whole only up to KEEP_BODY bytes, so big uploads stay out of memory
    complete: bool = True
    size: int = 0

    def json(self) -> Any:
        return json.loads(self.body)

    def parts(self) -> list[Message]:
        """The multipart/form-data parts of the body, in order."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = message_from_bytes(head + self.body, policy=HTTP)
        return list(message.iter_parts())  # type: ignore[attr-defined]


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] | str = field(
        default_factory=lambda: {"data": dict(WORKFLOW)}
    )
    headers: dict[str, str] = field(default_factory=dict)
    # "answer", "drop_after" (read all, close without answering), "stall" (read all, then
    # wait `stall` seconds before answering), "cut" (read `cut_after` bytes, then reset).
    action: str = "answer"
    stall: float = 0.0
    cut_after: int = 0
    # Send the body in chunks of this size (Transfer-Encoding: chunked, no Content-Length),
    # repeating `body` `repeat` times: a big answer without a big bytes object in the server.
    chunked: int = 0
    repeat: int = 1


Responder = Callable[[Recorded], Reply]


class ScriptedServer:
    """Answers with the scripted replies in order, then with `default(request)`."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default: Responder = lambda _request: Reply()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server._lock:
                    reply = server.replies.popleft() if server.replies else None
                if reply is not None and reply.action == "cut":
                    body = self.rfile.read(min(reply.cut_after, length))
                    server._record(
                        Recorded(self.command, self.path, headers, body, False, len(body))
                    )
                    # SO_LINGER 0: close with a reset, as a crashing proxy would.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                kept, left = bytearray(), length
                while left > 0:
                    chunk = self.rfile.read(min(left, 64 * 1024))
                    if not chunk:
                        break
                    left -= len(chunk)
                    if length <= KEEP_BODY:
                        kept += chunk
                request = Recorded(
                    self.command, self.path, headers, bytes(kept), left == 0, length - left
                )
                server._record(request)
                if reply is None:
                    reply = server.default(request)
                if reply.action == "drop_after":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if reply.action == "stall":
                    time.sleep(reply.stall)
                payload = reply.body
                if isinstance(payload, dict | list):
                    payload = json.dumps(payload).encode()
                elif isinstance(payload, str):
                    payload = payload.encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if "Content-Type" not in reply.headers:
                    self.send_header("Content-Type", "application/json")
                try:
                    if reply.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for _ in range(reply.repeat):
                            for start in range(0, len(payload), reply.chunked):
                                piece = payload[start : start + reply.chunked]
                                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        self.send_header("Content-Length", str(len(payload) * reply.repeat))
                        self.end_headers()
                        for _ in range(reply.repeat):
                            self.wfile.write(payload)
                except OSError:
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def count(self, method: str, path_prefix: str = "") -> int:
        with self._lock:
            return sum(
                1 for r in self.requests if r.method == method and r.path.startswith(path_prefix)
            )

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
