"""Answers too big, requests that hang, what each failed create is called, the body-sent
moment, and the names photos are sent under."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api import (
    MAX_ANSWER_BYTES,
    CancelledError,
    CreateRequest,
    MalformedResponseError,
    MaybeCreatedError,
    NetworkError,
    RetryPolicy,
    Timeouts,
    WorkflowClient,
)

from .scripted import WORKFLOW, Reply, ScriptedServer

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)


@pytest.fixture
def client(server: ScriptedServer) -> Iterator[WorkflowClient]:
    timeouts = Timeouts(status=0.4, create=3.0, download=3.0, connect=2.0, write=5.0)
    with WorkflowClient("key-1", server.base_url, retry=FAST, timeouts=timeouts) as made:
        yield made


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "5aa62d-nogps.jpg"
    path.write_bytes(b"\xff\xd8" + bytes(range(256)) * 400 + b"\xff\xd9")
    return path


def test_default_timeouts_fit_each_request() -> None:
    timeouts = Timeouts()
    assert timeouts.status == 30.0  # a status check is small: 30 s of silence is trouble
    assert timeouts.create >= 60.0 and timeouts.download >= 30.0


@pytest.mark.parametrize("chunked", [False, True])
def test_a_huge_answer_is_malformed_not_read_whole(
    client: WorkflowClient, server: ScriptedServer, chunked: bool
) -> None:
    piece = b" " * (1024 * 1024)
    # 50 MB: announced by Content-Length, or streamed in chunks without one.
    server.default = lambda _r: Reply(body=piece, repeat=50, chunked=256 * 1024 if chunked else 0)
    with pytest.raises(MalformedResponseError) as raised:
        client.get("wf-1")
    assert "larger" in (raised.value.server_message or "") or "too large" in (
        raised.value.server_message or ""
    )


def test_an_answer_below_the_cap_is_read(client: WorkflowClient, server: ScriptedServer) -> None:
    padding = " " * (MAX_ANSWER_BYTES // 2)
    body = '{"data": ' + padding + json.dumps(WORKFLOW) + "}"
    server.default = lambda _r: Reply(body=body, chunked=64 * 1024)
    assert client.get("wf-1").id == "wf-1"


def test_a_status_check_that_never_answers_times_out_quickly(
    client: WorkflowClient, server: ScriptedServer
) -> None:
    server.default = lambda _r: Reply(action="stall", stall=3.0)
    started = time.monotonic()
    with pytest.raises(NetworkError):
        client.get("wf-1")
    # Two attempts of 0.4 s of silence each, not the create's or download's timeout.
    assert time.monotonic() - started < 2.5


def test_a_create_waits_longer_for_its_answer_than_a_status_check(
    client: WorkflowClient, server: ScriptedServer, photo: Path
) -> None:
    server.script(Reply(action="stall", stall=0.8))
    assert client.create(CreateRequest(files=[photo])).id == "wf-1"


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(status=500, body={"message": "boom"}), "Vimmerse had a problem answering"),
        (Reply(status=502, body="<html>Bad gateway</html>"), "Vimmerse had a problem answering"),
        (
            Reply(body="<html>hello</html>", headers={"Content-Type": "text/html"}),
            "Vimmerse's answer to this photo could not be read",
        ),
        (Reply(action="drop_after"), "The connection was lost after this photo was sent"),
    ],
)
def test_each_doubtful_create_says_what_happened(
    client: WorkflowClient, server: ScriptedServer, photo: Path, reply: Reply, words: str
) -> None:
    server.script(reply)
    with pytest.raises(MaybeCreatedError) as raised:
        client.create(CreateRequest(files=[photo]))
    assert str(raised.value).startswith(words)
    assert "may have created" in str(raised.value)
    if "connection was lost" not in words:
        assert "connection was lost" not in str(raised.value)


def test_body_sent_is_told_once_after_the_whole_body(
    client: WorkflowClient, server: ScriptedServer, photo: Path
) -> None:
    seen: list[int] = []
    client.create(
        CreateRequest(files=[photo]), on_body_sent=lambda: seen.append(server.count("POST"))
    )
    assert len(seen) == 1


def test_a_body_cut_short_is_never_told_sent(
    client: WorkflowClient, server: ScriptedServer, tmp_path: Path
) -> None:
    # Bigger than the socket buffers on both sides: the body cannot all be handed over before
    # the server resets the connection after 2 kB of it.
    photo = tmp_path / "big.jpg"
    photo.write_bytes(b"\xff\xd8" + b"\x10" * (24 * 1024 * 1024) + b"\xff\xd9")
    server.script(Reply(action="cut", cut_after=2048))
    told: list[bool] = []
    with pytest.raises(NetworkError) as raised:
        client.create(
            CreateRequest(files=[photo]), attempts=1, on_body_sent=lambda: told.append(True)
        )
    assert raised.value.sent is False
    assert told == []


def test_photos_go_under_the_names_given(
    client: WorkflowClient, server: ScriptedServer, photo: Path
) -> None:
    client.create(CreateRequest(files=[photo], names=["IMG_0042.jpg"]))
    (part,) = [p for p in server.requests[-1].parts() if p.get_filename()]
    assert part.get_filename() == "IMG_0042.jpg"


def test_close_ends_a_request_that_never_answers_at_once(server: ScriptedServer) -> None:
    server.default = lambda _r: Reply(action="stall", stall=6.0)
    client = WorkflowClient("key-1", server.base_url, retry=FAST)  # default timeouts: 30 s
    outcome: list[BaseException] = []

    def check() -> None:
        try:
            client.get("wf-1")
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=check)
    worker.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    client.close()
    worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 2.0
    assert len(outcome) == 1 and isinstance(outcome[0], CancelledError)


def test_a_failing_body_sent_hook_leaves_the_body_incomplete(
    client: WorkflowClient, server: ScriptedServer, photo: Path
) -> None:
    class FullError(Exception):
        pass

    def refuse() -> None:
        raise FullError()

    with pytest.raises(FullError):
        client.create(CreateRequest(files=[photo]), attempts=1, on_body_sent=refuse)
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    # The server never got the closing boundary: it cannot have acted on the form.
    assert server.requests and not server.requests[0].complete
