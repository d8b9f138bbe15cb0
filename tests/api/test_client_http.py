"""WorkflowClient over real loopback HTTP against the scripted server: wire format and retries."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app import __version__
from app.api import (
    ApiError,
    CancelledError,
    CreateRequest,
    InsufficientCreditError,
    KeyMissingError,
    KeyRefusedError,
    MalformedResponseError,
    MaybeCreatedError,
    NetworkError,
    NotFoundError,
    RateGovernor,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    ValidationError,
    Visibility,
    WorkflowClient,
)

from .scripted import WORKFLOW, Recorded, Reply, ScriptedServer

SECRET = "vk-test-5ecret-abcdef0123456789"
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
SHORT = httpx.Timeout(connect=2.0, write=5.0, read=0.3, pool=None)


@pytest.fixture
def client(server: ScriptedServer) -> Iterator[WorkflowClient]:
    with WorkflowClient(SECRET, server.base_url, retry=FAST, timeout=SHORT) as made:
        yield made


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    first = tmp_path / "beach party.JPG"
    first.write_bytes(b"\xff\xd8" + bytes(range(256)) * 40 + b"\xff\xd9")
    second = tmp_path / "logo.png"
    second.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000)
    return [first, second]


# -- create: the wire format -----------------------------------------------------------------


def test_create_sends_the_documented_multipart(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    request = CreateRequest(
        files=photos,
        urls=["https://a.example/1.jpg", "https://a.example/2.jpg"],
        template_id="vim_birthday",
        options={"aspect_ratio": "9:16", "user_name": "Zoë"},
        visibility=Visibility.PRIVATE,
        title="Fête",
        description="Saturday",
        event_id="evt-7",
    )
    workflow = client.create(request)
    assert workflow.id == "wf-1" and workflow.template_id == "vim_new_year_2026"

    (sent,) = server.requests
    assert (sent.method, sent.path) == ("POST", "/workflow")
    assert sent.headers["x-api-key"] == SECRET
    assert sent.headers["user-agent"] == f"vimbatch/{__version__}"
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(sent.headers["content-length"]) == len(sent.body)  # streamed with a real length
    parts = sent.parts()
    fields: dict[str, list[str]] = {}
    files = []
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        if filename is None:
            fields.setdefault(str(name), []).append(part.get_payload(decode=True).decode("utf-8"))
        else:
            files.append((name, filename, part.get_content_type(), part.get_payload(decode=True)))
    assert [(n, f, t) for n, f, t, _ in files] == [
        ("image_files", "beach party.JPG", "image/jpeg"),
        ("image_files", "logo.png", "image/png"),
    ]
    assert [body for *_, body in files] == [p.read_bytes() for p in photos]
    assert fields["image_urls"] == ["https://a.example/1.jpg", "https://a.example/2.jpg"]
    assert json.loads(fields["options"][0]) == {"aspect_ratio": "9:16", "user_name": "Zoë"}
    assert fields["visibility_status"] == ["0"]
    assert fields["template_id"] == ["vim_birthday"]
    assert fields["title"] == ["Fête"] and fields["description"] == ["Saturday"]
    assert fields["event_id"] == ["evt-7"]


def test_create_needs_a_photo_or_a_link(client: WorkflowClient, server: ScriptedServer) -> None:
    with pytest.raises(ValueError, match="at least one photo"):
        client.create(CreateRequest())
    assert server.requests == []


def test_create_streams_files_with_progress(
    client: WorkflowClient, server: ScriptedServer, tmp_path: Path
) -> None:
    big = tmp_path / "big.jpg"
    size = 8 * 1024 * 1024
    with big.open("wb") as out:
        out.truncate(size)
    seen: list[tuple[int, int]] = []
    tracemalloc.start()
    try:
        client.create(CreateRequest(files=[big]), on_progress=lambda s, t: seen.append((s, t)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert server.requests[0].size > size and server.requests[0].complete
    # The file went out in chunks, never whole: many small increasing steps, ending at the total.
    assert peak < size / 4, f"peak Python allocation {peak} bytes for a {size} byte file"
    assert len(seen) >= size // (64 * 1024)
    counts = [s for s, _ in seen]
    assert counts == sorted(counts)
    assert max(b - a for a, b in itertools.pairwise(counts)) <= 64 * 1024
    assert seen[-1] == (size, size)


# -- create: what may and may not be resent ------------------------------------------------------


def test_lost_answer_is_never_resent(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    server.script(Reply(action="drop_after"))
    with pytest.raises(MaybeCreatedError) as info:
        client.create(CreateRequest(files=photos))
    assert server.count("POST", "/workflow") == 1
    assert "may have created" in str(info.value)
    assert not info.value.retryable


def test_read_timeout_on_create_is_maybe_created(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    server.script(Reply(action="stall", stall=0.6))
    with pytest.raises(MaybeCreatedError):
        client.create(CreateRequest(files=photos))
    assert server.count("POST") == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_error_on_create_is_not_retried(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path], status: int
) -> None:
    server.script(Reply(status=status, body={"message": "boom"}))
    with pytest.raises(MaybeCreatedError) as info:
        client.create(CreateRequest(files=photos))
    assert info.value.status == status
    assert server.count("POST") == 1


def test_malformed_answer_to_create_is_maybe_created(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    server.script(Reply(body="<html>hello</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(MaybeCreatedError):
        client.create(CreateRequest(files=photos))
    assert server.count("POST") == 1


def test_503_on_create_is_retried(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    server.script(Reply(status=503), Reply(status=503))
    assert client.create(CreateRequest(files=photos)).id == "wf-1"
    assert server.count("POST") == 3
    # Every attempt sent the files whole again.
    bodies = {
        r.body.replace(r.headers["content-type"].split("boundary=")[1].encode(), b"")
        for r in server.requests
    }
    assert len(bodies) == 1


def test_429_on_create_waits_out_retry_after(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "1"}))
    started = time.monotonic()
    assert client.create(CreateRequest(files=photos)).id == "wf-1"
    assert time.monotonic() - started >= 0.95
    assert server.count("POST") == 2


def test_attempts_1_raises_the_retryable_error(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    server.script(Reply(status=503), Reply(status=429, headers={"Retry-After": "0.5"}))
    with pytest.raises(ServerError) as server_error:
        client.create(CreateRequest(files=photos), attempts=1)
    assert server_error.value.status == 503 and server_error.value.retryable
    started = time.monotonic()
    with pytest.raises(RateLimitedError) as limited:
        client.create(CreateRequest(files=photos), attempts=1)
    assert time.monotonic() - started < 0.4  # raised at once, the wait is the caller's
    assert limited.value.retry_after == 0.5
    # ...but the governor remembers, so the engine can schedule around it.
    assert 0.2 < client.governor.delay_remaining() <= 0.5
    assert server.count("POST") == 2


def test_connect_failure_on_create_is_retried_and_reported_unsent(
    closed_port: int, photos: list[Path]
) -> None:
    base = f"http://127.0.0.1:{closed_port}"
    with WorkflowClient(SECRET, base, retry=FAST) as client, pytest.raises(NetworkError) as info:
        client.create(CreateRequest(files=photos))
    assert info.value.sent is False and info.value.retryable
    assert "Could not reach" in str(info.value)


def test_upload_cut_before_its_end_is_resent(
    client: WorkflowClient, server: ScriptedServer, tmp_path: Path
) -> None:
    big = tmp_path / "big.jpg"
    with big.open("wb") as out:
        out.truncate(8 * 1024 * 1024)
    server.script(Reply(action="cut", cut_after=100_000))
    seen: list[int] = []
    assert client.create(CreateRequest(files=[big]), on_progress=lambda s, t: seen.append(s)).id
    assert [r.complete for r in server.requests] == [False, True]
    assert seen[-1] == big.stat().st_size
    assert 0 in seen[1:]  # progress restarted for the second attempt


def test_402_on_create(client: WorkflowClient, server: ScriptedServer, photos: list[Path]) -> None:
    server.script(Reply(status=402, body={"message": "INSUFFICIENT_CREDIT"}))
    with pytest.raises(InsufficientCreditError, match="out of credit"):
        client.create(CreateRequest(files=photos))
    assert server.count("POST") == 1


def test_422_on_create_names_the_field(
    client: WorkflowClient, server: ScriptedServer, photos: list[Path]
) -> None:
    server.script(
        Reply(
            status=422,
            body={"detail": [{"loc": ["body", "visibility_status"], "msg": "bad value"}]},
        )
    )
    with pytest.raises(ValidationError) as info:
        client.create(CreateRequest(files=photos))
    assert str(info.value) == "The server did not accept the visibility: bad value"


# -- get / update / delete / error-log / key check / health -----------------------------------


def test_get_retries_transient_failures(client: WorkflowClient, server: ScriptedServer) -> None:
    server.script(
        Reply(status=500),
        Reply(action="drop_after"),
        Reply(action="stall", stall=0.6),
    )
    workflow = client.get("wf-1")
    assert workflow.id == "wf-1"
    assert server.count("GET", "/workflow/wf-1") == 4


def test_get_gives_up_after_the_policy_attempts(
    client: WorkflowClient, server: ScriptedServer
) -> None:
    server.default = lambda _r: Reply(status=502)
    with pytest.raises(ServerError, match="Vimmerse had a problem answering") as raised:
        client.get("wf-1")
    assert raised.value.status == 502 and "502" not in str(raised.value)
    assert server.count("GET") == FAST.attempts


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, KeyRefusedError),
        (403, KeyRefusedError),
        (404, NotFoundError),
        (402, InsufficientCreditError),
        (400, ApiError),
    ],
)
def test_get_does_not_retry_final_errors(
    client: WorkflowClient, server: ScriptedServer, status: int, kind: type[ApiError]
) -> None:
    server.script(Reply(status=status, body={"message": "NOPE"}))
    with pytest.raises(kind):
        client.get("wf-1")
    assert server.count("GET") == 1


def test_malformed_answer_to_get(server: ScriptedServer) -> None:
    bodies: list[object] = ["not json at all", {"workflow": {}}, {"data": []}, {"data": {}}]
    with WorkflowClient(SECRET, server.base_url, retry=RetryPolicy(attempts=1)) as client:
        for body in bodies:
            server.script(Reply(body=body if isinstance(body, str) else json.dumps(body)))
            with pytest.raises(MalformedResponseError):
                client.get("wf-1")


def test_ids_are_quoted_into_the_path(client: WorkflowClient, server: ScriptedServer) -> None:
    client.get("a/../b c")
    assert server.requests[0].path == "/workflow/a%2F..%2Fb%20c"


def test_update_sends_only_the_keys_given(client: WorkflowClient, server: ScriptedServer) -> None:
    client.update("wf-1", rating=5)
    client.update("wf-1", title="New", visibility="public", delivered=True)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    client.update("wf-1", description="", delivered_at=when)
    bodies = [r.json() for r in server.requests]
    assert [r.method for r in server.requests] == ["PUT"] * 3
    assert bodies == [
        {"rating": "5"},
        {"title": "New", "visibility_status": "2", "delivered_at": None},
        {"description": "", "delivered_at": "2026-01-02T03:04:05+00:00"},
    ]
    with pytest.raises(ValueError, match="Nothing to change"):
        client.update("wf-1")


def test_delete(client: WorkflowClient, server: ScriptedServer) -> None:
    assert client.delete("wf-1").id == "wf-1"
    assert (server.requests[0].method, server.requests[0].path) == ("DELETE", "/workflow/wf-1")


def test_report_error_scrubs_the_key(client: WorkflowClient, server: ScriptedServer) -> None:
    server.script(Reply(status=503), Reply(body={"data": {"message": "Error logged"}}))
    client.report_error(
        f"upload failed with key {SECRET}",
        {"workflow_id": "wf-1", "headers": {"X-Api-Key": SECRET}, "list": [SECRET]},
    )
    assert server.count("POST", "/workflow/error-log") == 2
    sent = server.requests[-1]
    assert SECRET not in sent.body.decode()
    assert sent.json()["context"]["workflow_id"] == "wf-1"
    assert sent.json()["error_message"].startswith("upload failed with key ")


def test_check_key(server: ScriptedServer) -> None:
    server.default = lambda r: Reply(status=404, body={"message": "NOT_FOUND"})
    with WorkflowClient(SECRET, server.base_url, retry=FAST) as client:
        client.check_key()  # 404: accepted
        server.script(Reply(status=401, body={"detail": "Unauthorized"}))
        with pytest.raises(KeyRefusedError):
            client.check_key()
    paths = [r.path for r in server.requests]
    assert all(p.startswith("/workflow/") and len(p) > len("/workflow/30") for p in paths)
    assert paths[0] != paths[1]  # a fresh random id each time

    with WorkflowClient(None, server.base_url) as keyless, pytest.raises(KeyMissingError):
        keyless.check_key()
    with WorkflowClient("   ", server.base_url) as blank, pytest.raises(KeyMissingError):
        blank.get("wf-1")
    assert len(server.requests) == 2  # nothing was sent without a key


def test_health(server: ScriptedServer, closed_port: int) -> None:
    server.default = lambda r: Reply(body={"status": "ok"})
    with WorkflowClient(None, server.base_url) as client:
        assert client.health() is True
    assert "x-api-key" not in server.requests[0].headers
    assert server.requests[0].path == "/health"
    server.script(Reply(status=500))
    with WorkflowClient(None, server.base_url) as client:
        assert client.health() is False
    with WorkflowClient(None, f"http://127.0.0.1:{closed_port}") as client:
        assert client.health() is False


# -- download ----------------------------------------------------------------------------------


def test_download_streams_atomically_and_keeps_the_key_home(
    client: WorkflowClient,
    server: ScriptedServer,
    other_server: ScriptedServer,
    tmp_path: Path,
) -> None:
    payload = bytes(range(256)) * 2000
    media = lambda _r: Reply(body=payload, headers={"Content-Type": "video/mp4"})  # noqa: E731
    server.default = media
    other_server.default = media
    other_server.script(Reply(status=503))
    seen: list[tuple[int, int]] = []

    dest = client.download(
        f"{other_server.base_url}/out/final.mp4?sig=abc",
        tmp_path / "final.mp4",
        on_progress=lambda d, t: seen.append((d, t)),
    )
    assert dest.read_bytes() == payload
    assert not list(tmp_path.glob("*.part"))
    assert seen[-1] == (len(payload), len(payload))
    assert other_server.count("GET", "/out/final.mp4") == 2  # the 503 was retried
    assert all("x-api-key" not in r.headers for r in other_server.requests)

    client.download("/files/own.png", tmp_path / "own.png")  # relative: the API's own host
    assert server.requests[-1].path == "/files/own.png"
    assert server.requests[-1].headers["x-api-key"] == SECRET


def test_download_follows_redirects_without_the_key(
    client: WorkflowClient,
    server: ScriptedServer,
    other_server: ScriptedServer,
    tmp_path: Path,
) -> None:
    server.script(Reply(status=302, body=b"", headers={"Location": f"{other_server.base_url}/x"}))
    other_server.default = lambda r: Reply(body=b"IMG", headers={"Content-Type": "image/png"})
    client.download("/redirect-me", tmp_path / "x.png")
    assert (tmp_path / "x.png").read_bytes() == b"IMG"
    assert server.requests[0].headers.get("x-api-key") == SECRET
    assert "x-api-key" not in other_server.requests[0].headers


def test_failed_download_leaves_no_file(
    client: WorkflowClient, other_server: ScriptedServer, tmp_path: Path
) -> None:
    other_server.default = lambda r: Reply(status=403, body=b"AccessDenied")
    with pytest.raises(NotFoundError, match="link may have expired"):
        client.download(f"{other_server.base_url}/gone.mp4", tmp_path / "gone.mp4")
    assert list(tmp_path.iterdir()) == []
    assert other_server.count("GET") == 1


# -- base URL, cancel, governor, secrecy ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://api.vimmerse.net", "http://192.168.1.10:8000", "ftp://127.0.0.1", "api.vimmerse.net"],
)
def test_unsafe_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="https://"):
        WorkflowClient(SECRET, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.vimmerse.net/",
        "http://127.0.0.1:8000",
        "http://127.8.9.10",
        "http://localhost:5000",
        "http://[::1]:8000",
    ],
)
def test_safe_base_urls_are_accepted(url: str) -> None:
    with WorkflowClient(SECRET, url) as client:
        assert client.base_url == url.rstrip("/")


def test_cancel_interrupts_a_back_off(server: ScriptedServer) -> None:
    cancel = threading.Event()
    server.default = lambda r: Reply(status=503)
    slow = RetryPolicy(attempts=5, base_delay=20, max_delay=20, jitter=0)
    with WorkflowClient(SECRET, server.base_url, retry=slow, cancel=cancel) as client:
        threading.Timer(0.2, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(CancelledError):
            client.get("wf-1")
        assert time.monotonic() - started < 5
        with pytest.raises(CancelledError):  # stays cancelled: nothing more is sent
            client.get("wf-1")
    assert server.count("GET") == 1


def test_cancel_stops_an_upload_midway(server: ScriptedServer, tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    with big.open("wb") as out:
        out.truncate(8 * 1024 * 1024)
    cancel = threading.Event()

    def on_progress(sent: int, total: int) -> None:
        if sent > 1024 * 1024:
            cancel.set()

    client = WorkflowClient(SECRET, server.base_url, retry=FAST, cancel=cancel)
    with client, pytest.raises(CancelledError):
        client.create(CreateRequest(files=[big]), on_progress=on_progress)
    deadline = time.monotonic() + 2
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [r.complete for r in server.requests] == [False]


def test_a_429_holds_every_thread_of_a_shared_governor(server: ScriptedServer) -> None:
    governor = RateGovernor()
    server.script(Reply(status=429, headers={"Retry-After": "0.5"}))
    with (
        WorkflowClient(SECRET, server.base_url, retry=FAST, governor=governor) as first,
        WorkflowClient(SECRET, server.base_url, retry=FAST, governor=governor) as second,
    ):
        done: dict[str, float] = {}
        started = time.monotonic()

        def poll(name: str, client: WorkflowClient) -> None:
            client.get("wf-1")
            done[name] = time.monotonic() - started

        a = threading.Thread(target=poll, args=("first", first))
        a.start()
        deadline = time.monotonic() + 2
        while governor.delay_remaining() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        b = threading.Thread(target=poll, args=("second", second))
        b.start()
        a.join(5)
        b.join(5)
    assert done["first"] >= 0.45 and done["second"] >= 0.4
    assert server.count("GET") == 3


def test_long_retry_after_is_handed_back(server: ScriptedServer) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "600"}))
    with WorkflowClient(SECRET, server.base_url, retry=FAST) as client:
        with pytest.raises(RateLimitedError, match="10 minutes"):
            client.get("wf-1")
        assert client.governor.delay_remaining() > 590


def test_the_key_never_shows(
    server: ScriptedServer,
    other_server: ScriptedServer,
    photos: list[Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    def echo_key(request: Recorded) -> Reply:
        # A careless server that echoes the key back in its error.
        return Reply(status=400, body={"message": f"bad key {request.headers.get('x-api-key')}"})

    with WorkflowClient(SECRET, server.base_url, retry=FAST, timeout=SHORT) as client:
        texts = [repr(client), str(client)]
        server.script(
            Reply(status=401),
            Reply(status=422, body={"detail": [{"loc": ["body", "title"], "msg": SECRET}]}),
            Reply(action="drop_after"),
        )
        for call in (
            lambda: client.get("wf-1"),
            lambda: client.get("wf-1"),
            lambda: client.create(CreateRequest(files=photos)),
        ):
            with pytest.raises(ApiError) as info:
                call()
            errors.append(info.value)
        server.default = echo_key
        with pytest.raises(ApiError) as echoed:
            client.update("wf-1", title="x")
        errors.append(echoed.value)
        other_server.default = lambda r: Reply(body=b"x")
        client.download(f"{other_server.base_url}/a.png", tmp_path / "a.png")
        server.default = lambda r: Reply(body={"data": {}})
        client.report_error(SECRET, {"k": SECRET})
    for error in errors:
        texts += [str(error), repr(error), str(getattr(error, "server_message", ""))]
        texts += [str(error.__cause__), repr(error.__cause__)]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records, "the client logs its requests"
    assert not [t for t in texts if SECRET in t]
    assert SECRET not in json.dumps(server.requests[-1].json())
    assert WORKFLOW["id"] == "wf-1"


def test_two_downloads_to_one_file_at_once_do_not_share_a_temporary_file(
    client: WorkflowClient, server: ScriptedServer, tmp_path: Path
) -> None:
    payload = bytes(range(256)) * 4000  # several chunks each
    server.default = lambda _r: Reply(body=payload, headers={"Content-Type": "image/jpeg"})
    both_writing = threading.Barrier(2, timeout=5)
    dest = tmp_path / "result.jpg"
    outcomes: list[object] = []

    def fetch() -> None:
        first = [True]

        def progress(_done: int, _total: int) -> None:
            if first[0]:  # each has written its first chunk before either goes on
                first[0] = False
                both_writing.wait()

        try:
            outcomes.append(client.download("/files/result.jpg", dest, on_progress=progress))
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == [dest, dest]
    assert dest.read_bytes() == payload
    assert not list(tmp_path.glob("*.part"))
