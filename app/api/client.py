"""`WorkflowClient`: every call of the Workflow API, with retries, rate limiting and typed errors."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, Unpack
from urllib.parse import quote, urlsplit

import httpx

from app import __version__
from app.api.bandwidth import BandwidthCap
from app.api.errors import (
    ApiError,
    CancelledError,
    InvalidKeyError,
    KeyMissingError,
    MalformedResponseError,
    MaybeCreatedError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    scrub,
    scrub_value,
)
from app.api.governor import RateGovernor
from app.api.models import CreateRequest, Visibility, Workflow, WorkflowChanges
from app.api.responses import error_for_status, read_body
from app.api.retry import RetryPolicy, sleep
from app.api.uploads import LastBytesHook, ProgressCallback, open_multipart

DEFAULT_BASE_URL = "https://api.vimmerse.net"

# Per socket operation, not per request: a 200 MB upload on a slow link keeps going as long as
# bytes keep flowing. No pool timeout: workers are kept at or below max_connections.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, write=60.0, read=120.0, pool=None)

# A JSON answer is a few kB; anything past this is not the documented answer (and reading it
# whole would take the memory of the app): it is read streamed and refused past the cap.
MAX_ANSWER_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Timeouts:
    """Read timeouts (seconds of silence on the socket) that fit each kind of request.

    A status check, a change or an error report is small and answered at once: 30 s of silence
    means trouble. A create's answer comes once the server has stored the photos (longer). A
    download's bytes flow steadily once started. `connect` and `write` apply to all."""

    status: float = 30.0
    create: float = 120.0
    download: float = 60.0
    health: float = 10.0
    connect: float = 10.0
    write: float = 60.0

    def for_read(self, read: float) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, write=self.write, read=read, pool=None)


log = logging.getLogger("app.api")

# At most this much of a request may wait unsent in the socket's buffer (Linux, macOS). Without
# it the kernel takes megabytes of a photo at once, so "the body was handed over" (the moment
# from which a create is in doubt) would come long before the bytes left the computer; the
# bytes in flight on the network are not limited by it, so uploads stay as fast.
_NOT_SENT_LOW_WATER = 128 * 1024
_SOCKET_OPTIONS: list[tuple[int, int, int]] = (
    [(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT, _NOT_SENT_LOW_WATER)]
    if hasattr(socket, "TCP_NOTSENT_LOWAT")
    else []
)

T = TypeVar("T")

# Failures before any byte of the request reached the server: always safe to resend.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; ValueError (plain words) if it is not safe to use."""
    text = base_url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"“{base_url}” is not a server address (it should start with https://).")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            "The server address must start with https:// so your key and photos travel "
            "encrypted (plain http:// is only allowed for a server on this computer)."
        )
    return text


def check_api_key(key: str) -> str:
    """The key without surrounding whitespace; InvalidKeyError (plain words) when it has a
    character no API key has: anything but printable ASCII, or whitespace inside it.

    Such a key could not go into an HTTP header anyway (httpx would refuse it, quoting it)."""
    text = key.strip()
    if not text:
        raise KeyMissingError()
    if not all("!" <= char <= "~" for char in text):
        raise InvalidKeyError()
    return text


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WorkflowClient:
    """Client of the Vimmerse Workflow API; one per server, shared by all worker threads.

    Every request first waits on `governor` (per host; a 429 slows down every thread), then
    goes through one shared `httpx.Client`. Transient failures are retried following `retry`;
    a create is only resent when nothing can have been created. Setting `cancel` interrupts
    waits and retries at once with `CancelledError`.

    The API key only ever leaves in the `X-Api-Key` header, and only to the base URL's origin.
    """

    def __init__(
        self,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        retry: RetryPolicy | None = None,
        governor: RateGovernor | None = None,
        max_connections: int = 16,
        cancel: threading.Event | None = None,
        timeout: httpx.Timeout | None = None,
        upload_cap: BandwidthCap | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        # "Use at most N Mbit/s" for uploads; shared with the next client after a key change.
        self.upload_cap = upload_cap if upload_cap is not None else BandwidthCap()
        self._key = check_api_key(api_key) if api_key and api_key.strip() else None
        self.retry = retry or RetryPolicy()
        self.governor = governor or RateGovernor()
        # Always an event: close() sets it so that running transfers stop at their next chunk
        # instead of holding a worker (and the app's quit) on a connection being torn down.
        self.cancel = cancel if cancel is not None else threading.Event()
        self._origin = _origin(httpx.URL(self.base_url))
        # `timeout` (one for every request) is kept for callers that set one; otherwise each
        # kind of request gets its own read timeout.
        self.timeouts = timeouts or Timeouts()
        self._fixed_timeout = timeout
        # Told at once, with the failure's detail, when a request got no answer. One that
        # could not reach the server (nothing was sent) is then not retried here: the caller (the engine)
        # checks the connection and tries again on its own schedule, instead of each request
        # sleeping through its own round of retries while the server is out of reach.
        self.on_unreachable: Callable[[str], None] | None = None
        # The network streams of this client's connections, so that close() can shut their
        # sockets: a thread blocked reading an answer that never comes wakes up at once.
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()
        self._streams_lock = threading.Lock()
        transport = httpx.HTTPTransport(
            verify=True,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            socket_options=_SOCKET_OPTIONS,
        )
        self._http = httpx.Client(
            timeout=timeout or DEFAULT_TIMEOUT,
            transport=transport,
            headers={"User-Agent": f"vimbatch/{__version__}"},
            follow_redirects=False,  # redirects are followed by hand so the key never follows
        )

    def __repr__(self) -> str:
        key = "set" if self._key else "missing"
        return f"WorkflowClient(base_url={self.base_url!r}, key={key})"

    @property
    def has_key(self) -> bool:
        return self._key is not None

    # -- the calls of the contract ---------------------------------------------------------

    def create(
        self,
        request: CreateRequest,
        *,
        attempts: int | None = None,
        on_progress: ProgressCallback | None = None,
        on_body_sent: Callable[[], None] | None = None,
    ) -> Workflow:
        """POST /workflow. Files are streamed from disk; `on_progress(sent, total)` in bytes.

        `on_body_sent()` runs on the calling thread, once per attempt, just before the last
        bytes of the body (the form's closing boundary, after every photo byte) go out: the
        moment from which the server may act on the form. If it raises, the attempt stops with
        the body incomplete (nothing can be created) and its exception propagates. A failure
        before the body went out whole raises NetworkError(sent=False) (nothing created); after
        it, a lost answer raises MaybeCreatedError.

        Resent only if nothing can have been created (connection refused, upload cut before
        its end, 429, 503). A lost answer raises MaybeCreatedError. With `attempts=1` a
        retryable failure is raised at once so the caller can requeue without waiting.
        """
        if not request.files and not request.urls:
            raise ValueError("Add at least one photo or image link to create a workflow.")
        url = self._url("/workflow")
        headers = self._auth_headers()

        def attempt() -> Workflow:
            body_sent = threading.Event()

            def trace(event: str, info: dict[str, Any]) -> None:
                self._trace(event, info)
                # httpcore says when the last byte of the body went to the socket: from then on
                # the server may act on the form; before it, it cannot have created anything.
                if event.endswith("send_request_body.complete"):
                    body_sent.set()

            try:
                with open_multipart(request, on_progress, self.cancel, self.upload_cap) as body:
                    prepared = self._http.build_request(
                        "POST",
                        url,
                        data=body.data,
                        files=body.files or None,
                        headers=headers,
                        timeout=self._timeout(self.timeouts.create),
                        extensions={"trace": trace},
                    )
                    if on_body_sent is not None:
                        prepared.stream = LastBytesHook(prepared.stream, on_body_sent)
                    response = self._receive(prepared)
            except _NOT_SENT as exc:
                raise NetworkError(self._describe(exc), sent=False) from exc
            except httpx.TransportError as exc:
                if self.cancel.is_set():
                    raise CancelledError() from exc
                # A server acts on a form only once it has all of it: a request cut before its
                # body was sent whole cannot have created anything.
                if not body_sent.is_set():
                    raise NetworkError(self._describe(exc), sent=False) from exc
                kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "lost"
                raise MaybeCreatedError(self._describe(exc), kind=kind) from exc
            except MalformedResponseError as exc:  # an answer too large to be ours
                raise MaybeCreatedError(exc.detail, status=exc.status, kind="unreadable") from exc
            try:
                data = self._data(response)
                return Workflow.from_json(data)
            except MalformedResponseError as exc:
                # A success answer we cannot read: the workflow most likely exists.
                raise MaybeCreatedError(
                    exc.detail, status=response.status_code, kind="unreadable"
                ) from exc
            except ServerError as exc:
                if exc.status == 503:
                    raise
                raise MaybeCreatedError(
                    exc.server_message or "", status=exc.status, kind="server"
                ) from exc

        log.info(
            "Creating a workflow (%d file(s), %d link(s), template %s)",
            len(request.files),
            len(request.urls),
            request.template_id,
        )
        workflow = self._run("POST /workflow", attempt, attempts=attempts)
        log.info("Created workflow %s", workflow.id)
        return workflow

    def get(self, workflow_id: str) -> Workflow:
        """GET /workflow/{id}: the workflow and its status."""
        return self._workflow_call("GET", workflow_id)

    def update(self, workflow_id: str, **changes: Unpack[WorkflowChanges]) -> Workflow:
        """PUT /workflow/{id} with only the keys given (`WorkflowChanges`).

        `delivered=True` without a time sends `"delivered_at": null`: the server stamps it.
        """
        title = changes.get("title")
        description = changes.get("description")
        visibility = changes.get("visibility")
        rating = changes.get("rating")
        delivered_at = changes.get("delivered_at")
        delivered = changes.get("delivered", False)
        body: dict[str, Any] = {}
        if title is not None:
            body["title"] = title
        if description is not None:
            body["description"] = description
        if visibility is not None:
            body["visibility_status"] = Visibility.parse(visibility).value
        if rating is not None:
            body["rating"] = str(rating)
        if delivered_at is not None:
            stamp = delivered_at if delivered_at.tzinfo else delivered_at.replace(tzinfo=UTC)
            body["delivered_at"] = stamp.isoformat()
        elif delivered:
            body["delivered_at"] = None
        if not body:
            raise ValueError("Nothing to change: give at least one field to update.")
        return self._workflow_call("PUT", workflow_id, json_body=body)

    def delete(self, workflow_id: str) -> Workflow:
        """DELETE /workflow/{id}; answers the deleted workflow (its files go too)."""
        return self._workflow_call("DELETE", workflow_id)

    def report_error(self, message: str, context: dict[str, Any] | None = None) -> None:
        """POST /workflow/error-log. The key is scrubbed out of the message and the context."""
        body: dict[str, Any] = {"error_message": scrub(message, self._key)}
        if context:
            body["context"] = scrub_value(context, self._key)
        url = self._url("/workflow/error-log")
        headers = self._auth_headers()

        def attempt() -> None:
            response = self._send(
                "POST", url, headers=headers, json_body=body, read=self.timeouts.status
            )
            self._data(response, require_data=False)

        self._run("POST /workflow/error-log", attempt)

    def check_key(self) -> None:
        """Ask for a workflow that cannot exist: 404 means the key was accepted.

        Raises KeyMissingError, KeyRefusedError, or another ApiError if the server could not say.
        """
        try:
            self.get(str(uuid.uuid4()))
        except NotFoundError:
            return

    def health(self) -> bool:
        """GET /health (no key): True if the server answers 2xx, False on any failure."""
        url = self._url("/health")

        def attempt() -> bool:
            response = self._send("GET", url, headers={}, read=self.timeouts.health)
            return response.is_success

        try:
            return self._run("GET /health", attempt, attempts=1)
        except (ApiError, CancelledError):
            return False

    def download(
        self, url: str, dest: Path, *, on_progress: ProgressCallback | None = None
    ) -> Path:
        """Stream `url` to `dest` through a temporary `<dest>.<random>.part` of its own in the
        same folder (two downloads to one `dest` never share it), replaced atomically; retried
        like get.

        Relative URLs resolve against the base URL. `on_progress(done, total)` in bytes, with
        total 0 when the server does not say. The key goes only to the base URL's origin.
        """
        dest = Path(dest)
        # Not tempfile.mkstemp: its 0600 mode would stay on the saved file.
        part = dest.with_name(f"{dest.name}.{uuid.uuid4().hex[:12]}.part")
        target = httpx.URL(self.base_url + "/").join(url)

        def attempt() -> Path:
            current = target
            for _hop in range(6):
                headers = self._auth_headers() if self._same_origin(current) and self._key else {}
                try:
                    with self._http.stream(
                        "GET",
                        current,
                        headers=headers,
                        timeout=self._timeout(self.timeouts.download),
                        extensions={"trace": self._trace},
                    ) as response:
                        if response.is_redirect and "location" in response.headers:
                            current = current.join(response.headers["location"])
                            continue
                        if not response.is_success:
                            raise self._download_error(current, _capped(response))
                        self._save_stream(response, part, on_progress)
                except _NOT_SENT as exc:
                    raise NetworkError(self._describe(exc), sent=False) from exc
                except httpx.TransportError as exc:
                    if self.cancel.is_set():
                        raise CancelledError() from exc
                    raise NetworkError(self._describe(exc), sent=True) from exc
                part.replace(dest)  # os.replace: atomic on the same file system
                return dest
            raise ApiError("The result file could not be downloaded: too many redirections.")

        try:
            return self._run(f"GET {_loggable(target)}", attempt, host=_origin(target))
        finally:
            part.unlink(missing_ok=True)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything at once: waits and retries end (CancelledError), transfers stop at
        their next chunk, and the sockets are shut so that a request waiting for an answer that
        never comes returns now instead of after its read timeout."""
        self.cancel.set()
        with self._streams_lock:
            streams = list(self._streams)
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):  # already closed: nothing waits on it
                    sock.shutdown(socket.SHUT_RDWR)
        self._http.close()

    def __enter__(self) -> WorkflowClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _auth_headers(self) -> dict[str, str]:
        if self._key is None:
            raise KeyMissingError()
        return {"X-Api-Key": self._key}

    def _same_origin(self, url: httpx.URL) -> bool:
        return _origin(url) == self._origin

    def _workflow_call(
        self, method: str, workflow_id: str, *, json_body: dict[str, Any] | None = None
    ) -> Workflow:
        if not workflow_id or not workflow_id.strip():
            raise ValueError("A workflow id is needed.")
        path = "/workflow/" + quote(workflow_id.strip(), safe="")
        url = self._url(path)
        headers = self._auth_headers()

        def attempt() -> Workflow:
            response = self._send(
                method, url, headers=headers, json_body=json_body, read=self.timeouts.status
            )
            return Workflow.from_json(self._data(response))

        return self._run(f"{method} {path}", attempt)

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        json_body: dict[str, Any] | None = None,
        read: float,
    ) -> httpx.Response:
        """One request whose body is small (JSON or none); transport failures become ours.
        The answer is read whole, up to MAX_ANSWER_BYTES (MalformedResponseError past it)."""
        try:
            prepared = self._http.build_request(
                method,
                url,
                headers=headers,
                json=json_body,
                timeout=self._timeout(read),
                extensions={"trace": self._trace},
            )
            return self._receive(prepared)
        except _NOT_SENT as exc:
            raise NetworkError(self._describe(exc), sent=False) from exc
        except httpx.TransportError as exc:
            if self.cancel.is_set():
                raise CancelledError() from exc
            raise NetworkError(self._describe(exc), sent=True) from exc

    def _receive(self, request: httpx.Request) -> httpx.Response:
        """Send `request` and read its answer streamed, refusing one past the cap."""
        response = self._http.send(request, stream=True)
        try:
            return _capped(response)
        finally:
            response.close()

    def _timeout(self, read: float) -> httpx.Timeout:
        return self._fixed_timeout or self.timeouts.for_read(read)

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: keeps each new connection's stream (see close)."""
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            if stream is not None:
                with self._streams_lock:
                    self._streams.add(stream)

    def _describe(self, exc: Exception) -> str:
        """The failure in a few technical words for logs and reports, the key scrubbed out."""
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return scrub(text, self._key)

    def _data(self, response: httpx.Response, *, require_data: bool = True) -> Any:
        """The object under "data" of a 2xx answer; the typed error of any other answer."""
        body = read_body(response)
        if not response.is_success:
            raise error_for_status(response.status_code, body, response.headers, secret=self._key)
        if not require_data:
            return body
        if body is None:
            raise MalformedResponseError("the answer is not JSON", status=response.status_code)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise MalformedResponseError(
                'the answer has no "data" object', status=response.status_code
            )
        return body["data"]

    def _download_error(self, url: httpx.URL, response: httpx.Response) -> ApiError:
        if self._same_origin(url) or response.status_code in (429,) or response.status_code >= 500:
            return error_for_status(
                response.status_code, read_body(response), response.headers, secret=self._key
            )
        # A result link on another host that refuses us has expired or gone: not a key problem.
        return NotFoundError(
            "The result file is no longer available for download. The link may have expired.",
            status=response.status_code,
        )

    def _save_stream(
        self, response: httpx.Response, part: Path, on_progress: ProgressCallback | None
    ) -> None:
        try:
            total = int(response.headers.get("content-length", "0"))
        except ValueError:
            total = 0
        with part.open("wb") as out:
            for chunk in response.iter_bytes(64 * 1024):
                if self.cancel.is_set():
                    raise CancelledError()
                out.write(chunk)
                if on_progress is not None:
                    on_progress(response.num_bytes_downloaded, total)
            out.flush()
            os.fsync(out.fileno())

    def _told_unreachable(self, error: ApiError) -> bool:
        """Tell `on_unreachable` of a request that got no answer; True when nothing was sent
        (a request to the API's own server is then not retried here: another host, such as
        one serving result files, keeps its retries)."""
        hook = self.on_unreachable
        if hook is None or not isinstance(error, NetworkError):
            return False
        # A connection lost mid-request is a sign too (the check starts at once), but such a
        # request is retried as before: only one that never left can wait for the engine.
        hook(error.detail)
        return not error.sent

    def _run(
        self,
        label: str,
        attempt: Callable[[], T],
        *,
        attempts: int | None = None,
        host: str | None = None,
    ) -> T:
        """Try `attempt` under the governor, retrying what the policy allows."""
        limit = max(1, attempts if attempts is not None else self.retry.attempts)
        host = host or self._origin
        number = 0
        while True:
            number += 1
            if self.cancel.is_set():
                raise CancelledError()
            self.governor.wait(host, self.cancel)
            started = time.monotonic()
            try:
                result = attempt()
            except RateLimitedError as exc:
                wait = (
                    exc.retry_after if exc.retry_after is not None else self.retry.backoff(number)
                )
                self.governor.penalize(host, wait)
                error: ApiError = exc
            except ApiError as exc:
                error = exc
            else:
                log.debug("%s done in %.2f s", label, time.monotonic() - started)
                return result
            if self._told_unreachable(error) and host == self._origin:
                log.debug("%s: not sent, the server is out of reach", label)
                raise error
            retry_after = error.retry_after if isinstance(error, RateLimitedError) else None
            if not error.retryable or number >= limit:
                # A refusal (4xx) is an answer, often expected (check_key's 404); giving up on
                # a transient failure is worth a warning.
                log.log(
                    logging.INFO if error.status and 400 <= error.status < 500 else logging.WARNING,
                    "%s failed after %d attempt(s): %s (status %s, %s)",
                    label,
                    number,
                    type(error).__name__,
                    error.status,
                    error.server_message or "no details",
                )
                raise error
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                log.warning("%s: server asks to wait %.0f s; giving back", label, retry_after)
                raise error
            delay = self.retry.delay(number, retry_after)
            log.warning(  # a retry is worth a line in the log file (not on the terminal)
                "%s: %s (status %s); retry %d of %d in %.1f s",
                label,
                type(error).__name__,
                error.status,
                number,
                limit - 1,
                delay,
            )
            sleep(delay, self.cancel)


def _capped(response: httpx.Response) -> httpx.Response:
    """The answer with its body read (decoded), at most MAX_ANSWER_BYTES of it: a bigger one
    is not an answer of this API and raises MalformedResponseError without being held whole."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise MalformedResponseError(
            f"the answer is too large ({int(declared)} bytes)", status=response.status_code
        )
    body = bytearray()
    for chunk in response.iter_bytes(64 * 1024):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise MalformedResponseError(
                f"the answer is larger than {MAX_ANSWER_BYTES} bytes", status=response.status_code
            )
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=response.request
    )


def _origin(url: httpx.URL) -> str:
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{url.host.lower()}:{port}"


def _loggable(url: httpx.URL) -> str:
    # Signed result links carry credentials in the query: never log it.
    return str(url.copy_with(query=None, fragment=None))
