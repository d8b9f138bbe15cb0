"""The simulator's HTTP side: a threaded loopback server, faults, scripts and the request log."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from app.simulator.body import BodyError, BodyReader
from app.simulator.config import FAULT_OUTCOMES, RecordedFile, RecordedRequest, SimulatorConfig
from app.simulator.multipart import MultipartError, MultipartForm, boundary_of, parse_multipart
from app.simulator.persistence import clear_folder, remember_port, remembered_port
from app.simulator.protocol import (
    HttpError,
    Reply,
    bad_request,
    data_reply,
    fault_reply,
    json_reply,
    key_refused,
    not_authenticated,
)
from app.simulator.service import WorkflowService

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 1024 * 1024
FILE_CHUNK = 256 * 1024


@dataclass
class _Script:
    method: str
    prefix: str
    outcomes: deque[str]


class Simulator:
    """A faithful local server of the Workflow API on 127.0.0.1 (see docs/ARCHITECTURE.md).

    Start it in-process (`with Simulator(SimulatorConfig(...)) as sim:`) or with
    `python -m app.simulator`. Knobs in `config` may change while it runs.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_dir: Path | None = None,
    ):
        """`state_dir`: keep workflows and their files there across restarts (demo mode),
        and serve on the port used last time from it when `port` is 0 and that port is free,
        so that the result links an earlier run handed out still work. None: in memory, in a
        temporary folder removed by `stop`."""
        self.config = config or SimulatorConfig()
        self.host = host
        self.port = port
        self.state_dir = state_dir
        self.base_url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._root: Path | None = None
        self._service: WorkflowService | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._scripts: list[_Script] = []
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> str:
        """Start serving; returns the base URL, e.g. "http://127.0.0.1:53121"."""
        if self._server is not None:
            return self.base_url
        self._stopping.clear()
        if self.state_dir is not None:
            self._root = self.state_dir
            self._root.mkdir(parents=True, exist_ok=True)
            clear_folder(self._root / "uploads")
            server = self._bind_remembered()
            self._service = WorkflowService(self.config, self._root, persistent=True)
        else:
            self._root = Path(tempfile.mkdtemp(prefix="vimbatch-sim-"))
            self._service = WorkflowService(self.config, self._root)
            server = _Server((self.host, self.port), _Handler)
        server.simulator = self
        self._server = server
        self.port = server.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        if self.state_dir is not None:
            remember_port(self.state_dir, self.port)
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="simulator",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, drop open connections and remove stored files. Returns promptly."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        server.join_handlers(timeout=2)
        if self._root is not None and self.state_dir is None:
            shutil.rmtree(self._root, ignore_errors=True)

    def _bind_remembered(self) -> _Server:
        """Listen on the port of the last run from `state_dir` (its result links point there),
        or on `port`, or on any free one when that one is taken now."""
        assert self.state_dir is not None
        port = self.port or remembered_port(self.state_dir)
        if port:
            try:
                return _Server((self.host, port), _Handler)
            except OSError as exc:
                log.warning(
                    "simulator: port %d is taken (%s); result links of earlier runs will not work",
                    port,
                    exc,
                )
        return _Server((self.host, 0), _Handler)

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ knobs and views

    def script(self, method: str, path_prefix: str, *outcomes: str) -> None:
        """The next requests matching `method` (or "*") and `path_prefix` get `outcomes` in
        order, then normal service. Outcomes: "500", "502", "503", "429", "drop_before",
        "drop_after", "malformed", "400", "401", "402", "403", "404", "422", "slow:<seconds>"."""
        for outcome in outcomes:
            if outcome not in FAULT_OUTCOMES and not _is_slow(outcome):
                raise ValueError(f"unknown outcome {outcome!r}")
        with self._lock:
            self._scripts.append(_Script(method.upper(), path_prefix, deque(outcomes)))

    def add_credit(self, n: int) -> None:
        """Allow `n` more creates (no effect while credit is unlimited)."""
        with self._state.lock:
            if self.config.credit is not None:
                self.config.credit += n

    def fail_next(self, n: int = 1) -> None:
        """The next `n` created workflows will end in "fail"."""
        with self._state.lock:
            self._state.fail_next += n

    def created_count(self) -> int:
        """Workflows created so far (deleted ones included), since start or `reset()`."""
        with self._state.lock:
            return self._state.created

    def reset(self) -> None:
        """Forget workflows, requests, scripts and error reports; the config stays."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()
        self._state.reset()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def workflows(self) -> dict[str, dict[str, Any]]:
        """Server-side state: every workflow as GET would serve it now."""
        return self._state.snapshot(self.base_url)

    @property
    def error_reports(self) -> list[dict[str, Any]]:
        """Bodies received by POST /workflow/error-log, oldest first."""
        with self._state.lock:
            return [dict(report) for report in self._state.error_reports]

    @property
    def _state(self) -> WorkflowService:
        if self._service is None:
            raise RuntimeError("the simulator is not started")
        return self._service

    # ------------------------------------------------------------------ per request

    def _record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(entry)

    def _next_outcome(self, method: str, path: str, is_api: bool) -> str | None:
        with self._lock:
            for script in self._scripts:
                if (
                    script.outcomes
                    and script.method in (method, "*")
                    and path.startswith(script.prefix)
                ):
                    outcome = script.outcomes.popleft()
                    if not script.outcomes:
                        self._scripts.remove(script)
                    return outcome
        config = self.config
        if is_api and path != "/health" and config.fault_rate > 0 and config.faults:
            with self._state.lock:
                rng = self._state.rng
                if rng.random() < config.fault_rate:
                    return rng.choice(config.faults)
        return None

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _is_slow(outcome: str) -> bool:
    if not outcome.startswith("slow:"):
        return False
    try:
        return float(outcome[5:]) >= 0
    except ValueError:
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of parallel uploads must not wait on SYN retries
    simulator: Simulator

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]):
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._handler_threads: set[threading.Thread] = set()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        current = threading.current_thread()
        with self._open_lock:
            self._handler_threads.add(current)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
                self._handler_threads.discard(current)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections so they end now."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def join_handlers(self, timeout: float) -> None:
        with self._open_lock:
            threads = list(self._handler_threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer are normal here (drops, cancelled downloads).
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VimmerseSimulator/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end on their own eventually
    disable_nagle_algorithm = True  # head and body go in two writes: no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    # ------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        sim = self.server.simulator
        url = urlsplit(self.path)
        path = unquote(url.path).rstrip("/") or "/"
        api_key = self.headers.get("X-Api-Key")
        entry = RecordedRequest(method=method, path=path, query=url.query, api_key=api_key)
        is_api = not path.startswith("/files/")
        try:
            body = BodyReader(
                self.rfile,
                self.headers.get("Content-Length"),
                self.headers.get("Transfer-Encoding"),
            )
        except BodyError:
            self.close_connection = True
            self._send(bad_request().reply(), entry)
            return
        outcome = sim._next_outcome(method, path, is_api)
        if outcome is not None:
            entry.outcome = outcome
        if is_api:
            sim._pause(sim.config.latency)
        if outcome is not None and _is_slow(outcome):
            sim._pause(float(outcome[5:]))
            outcome = None
        if sim._stopping.is_set():  # woken from a pause by stop(): answer nothing
            self.close_connection = True
            self._hang_up()
            return
        if outcome == "drop_before":
            # Nothing read, nothing created: the connection just goes away.
            self.close_connection = True
            sim._record(entry)  # logged before the client can notice the hang-up
            self._hang_up()
            return
        if outcome is not None and outcome != "drop_after":
            self._drain(body)
            self._send(fault_reply(outcome, sim.config.retry_after), entry)
            return
        try:
            reply = self._route(method, path, body, entry)
        except HttpError as error:
            reply = error.reply()
        except (BodyError, MultipartError):
            self.close_connection = True
            reply = bad_request().reply()
        except Exception:  # a bug of ours must still answer, as a real server would
            reply = json_reply(500, {"message": "INTERNAL_SERVER_ERROR"})
        self._drain(body)
        if outcome == "drop_after":
            self.close_connection = True
            if reply.file is not None and reply.status == 200:
                self._send(reply, entry, cut_short=True)
            else:
                entry.status = None
                sim._record(entry)
                self._hang_up()
            return
        self._send(reply, entry)

    def _route(self, method: str, path: str, body: BodyReader, entry: RecordedRequest) -> Reply:
        sim = self.server.simulator
        state = sim._state
        parts = path.strip("/").split("/")
        if path == "/health":
            if method not in ("GET", "HEAD"):
                return json_reply(405, {"detail": "Method Not Allowed"})
            return data_reply({"status": "ok"})
        if parts[0] == "files" and len(parts) == 3:
            if method not in ("GET", "HEAD"):
                return json_reply(405, {"detail": "Method Not Allowed"})
            file_path, content_type = state.file(parts[1], parts[2])
            return Reply(200, content_type=content_type, file=file_path)
        if parts[0] != "workflow" or len(parts) > 2:
            return json_reply(404, {"detail": "Not Found"})
        allowed = ("POST",) if len(parts) == 1 else ("GET", "PUT", "DELETE")
        if len(parts) == 2 and parts[1] == "error-log":
            allowed = ("POST",) if method == "POST" else allowed
        if method not in allowed:
            return json_reply(405, {"detail": "Method Not Allowed"})
        key = self._check_key(entry.api_key)
        base = sim.base_url
        if len(parts) == 1:
            form = self._read_form(body, state.uploads, entry)
            try:
                workflow_id, created = state.create(key, form, base)
            finally:
                form.discard_files()
            entry.workflow_id = workflow_id
            return data_reply(created)
        if parts[1] == "error-log":
            payload = self._read_json(body, entry)
            return data_reply(state.log_error(key, payload, base))
        workflow_id = parts[1]
        entry.workflow_id = workflow_id
        if method == "GET":
            return data_reply(state.get(workflow_id, base))
        if method == "PUT":
            return data_reply(state.update(workflow_id, self._read_json(body, entry), base))
        return data_reply(state.delete(workflow_id, base))

    def _check_key(self, api_key: str | None) -> str:
        if not api_key or not api_key.strip():
            raise not_authenticated()
        valid = self.server.simulator.config.valid_keys
        if valid is not None and api_key not in valid:
            raise key_refused()
        return api_key

    def _read_json(self, body: BodyReader, entry: RecordedRequest) -> Any:
        raw = body.read_all(MAX_JSON_BYTES)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad_request() from exc
        entry.json = payload
        return payload

    def _read_form(self, body: BodyReader, tmp_dir: Path, entry: RecordedRequest) -> MultipartForm:
        content_type = self.headers.get("Content-Type", "")
        boundary = boundary_of(content_type)
        if boundary is not None:
            form = parse_multipart(body.read, boundary, tmp_dir)
        elif content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            raw = body.read_all(MAX_JSON_BYTES).decode("utf-8", "replace")
            form = MultipartForm(fields=parse_qsl(raw, keep_blank_values=True))
        else:
            form = MultipartForm()
        entry.fields = list(form.fields)
        entry.files = [
            RecordedFile(part.field, part.filename, part.size, part.sha256, part.content_type)
            for part in form.files
        ]
        return form

    def _drain(self, body: BodyReader) -> None:
        try:
            body.drain()
        except (BodyError, OSError):
            self.close_connection = True

    def _hang_up(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, reply: Reply, entry: RecordedRequest, cut_short: bool = False) -> None:
        sim = self.server.simulator
        entry.status = reply.status
        sim._record(entry)
        try:
            if reply.file is None:
                self._write_head(reply, len(reply.body))
                if self.command != "HEAD":
                    self.wfile.write(reply.body)
                return
            with reply.file.open("rb") as source:
                size = reply.file.stat().st_size
                self._write_head(reply, size)
                if self.command == "HEAD":
                    return
                # A dropped download sends half the bytes it promised, then hangs up.
                remaining = size // 2 if cut_short else size
                while remaining > 0 and (chunk := source.read(min(FILE_CHUNK, remaining))):
                    self.wfile.write(chunk)
                    remaining -= len(chunk)
            if cut_short:
                self.wfile.flush()
                self._hang_up()
        except OSError:
            self.close_connection = True

    def _write_head(self, reply: Reply, length: int) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(length))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
