"""WorkflowClient end to end against the project's simulator over loopback HTTP."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from app.api import (
    CancelledError,
    CreateRequest,
    InsufficientCreditError,
    KeyMissingError,
    KeyRefusedError,
    MalformedResponseError,
    MaybeCreatedError,
    NetworkError,
    NotFoundError,
    RetryPolicy,
    ServerError,
    Visibility,
    Workflow,
    WorkflowClient,
)

if TYPE_CHECKING:
    from app.simulator import Simulator

KEY = "sim-key-0123456789"
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def sim(sim_factory: Callable[..., Simulator]) -> Simulator:
    return sim_factory(processing_time=0.2, retry_after=0.2)


@pytest.fixture
def client(sim: Simulator) -> Iterator[WorkflowClient]:
    with WorkflowClient(KEY, sim.base_url, retry=FAST) as made:
        yield made


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    made = []
    for name, color in (("one.jpg", "red"), ("two.png", "blue")):
        path = tmp_path / name
        Image.new("RGB", (80, 60), color).save(path)
        made.append(path)
    return made


def wait_finished(client: WorkflowClient, workflow_id: str, limit: float = 10) -> Workflow:
    deadline = time.monotonic() + limit
    while True:
        workflow = client.get(workflow_id)
        if workflow.is_finished or time.monotonic() > deadline:
            return workflow
        time.sleep(0.05)


def fields_of(sim: Simulator, index: int = -1) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in sim.requests[index].fields:
        out.setdefault(name, []).append(value)
    return out


def test_full_life_of_a_workflow(
    client: WorkflowClient, sim: Simulator, photos: list[Path], tmp_path: Path
) -> None:
    created = client.create(
        CreateRequest(
            files=photos,
            urls=["https://example.com/a.jpg", "https://example.com/b.jpg"],
            visibility=Visibility.PUBLIC,
            title="Gala",
            options={"aspect_ratio": "9:16"},
        )
    )
    assert not created.is_finished
    sent = sim.requests[-1]
    assert [(f.field, f.filename, f.content_type) for f in sent.files] == [
        ("image_files", "one.jpg", "image/jpeg"),
        ("image_files", "two.png", "image/png"),
    ]
    assert [f.sha256 for f in sent.files] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in photos
    ]
    fields = fields_of(sim)
    assert fields["image_urls"] == ["https://example.com/a.jpg", "https://example.com/b.jpg"]
    assert fields["visibility_status"] == ["2"] and fields["title"] == ["Gala"]
    assert fields["options"] == ['{"aspect_ratio": "9:16"}']
    assert sent.api_key == KEY

    done = wait_finished(client, created.id)
    assert done.succeeded and done.progress == 100 and done.result
    assert done.template_id == "vim_new_year_2026"
    assert done.visibility is Visibility.PUBLIC
    assert done.created_at is not None and done.created_at.tzinfo is not None

    media = done.result[0]
    saved = client.download(media.url, tmp_path / f"result{media.extension}")
    with Image.open(saved) as image:
        assert image.size[0] > 0
    assert not list(tmp_path.glob("*.part"))

    updated = client.update(created.id, rating=4, delivered=True)
    assert updated.rating == "4" and updated.delivered_at is not None
    assert sim.requests[-1].json == {"rating": "4", "delivered_at": None}

    assert client.delete(created.id).id == created.id
    with pytest.raises(NotFoundError):
        client.get(created.id)


def test_error_log_reaches_the_server_without_the_key(
    client: WorkflowClient, sim: Simulator
) -> None:
    client.report_error(f"it broke ({KEY})", {"workflow_id": "w1", "note": f"key={KEY}"})
    (report,) = sim.error_reports
    assert report["context"]["workflow_id"] == "w1"
    assert KEY not in repr(report)


def test_key_check(sim_factory: Callable[..., Simulator]) -> None:
    sim = sim_factory(valid_keys=frozenset({KEY}))
    with WorkflowClient(KEY, sim.base_url) as good:
        good.check_key()
    with WorkflowClient("wrong", sim.base_url) as bad, pytest.raises(KeyRefusedError):
        bad.check_key()
    with WorkflowClient(None, sim.base_url) as none, pytest.raises(KeyMissingError):
        none.check_key()
    assert len(sim.requests) == 2
    with WorkflowClient(None, sim.base_url) as none:
        assert none.health() is True


def test_out_of_credit(sim_factory: Callable[..., Simulator], photos: list[Path]) -> None:
    sim = sim_factory(credit=1)
    with WorkflowClient(KEY, sim.base_url, retry=FAST) as client:
        client.create(CreateRequest(files=photos[:1]))
        with pytest.raises(InsufficientCreditError):
            client.create(CreateRequest(files=photos[:1]))
        sim.add_credit(1)
        client.create(CreateRequest(files=photos[:1]))
    assert sim.created_count() == 2


@pytest.mark.parametrize("outcome", ["drop_after", "500", "502"])
def test_create_whose_answer_is_lost_is_sent_once(
    client: WorkflowClient, sim: Simulator, photos: list[Path], outcome: str
) -> None:
    sim.script("POST", "/workflow", outcome)
    with pytest.raises(MaybeCreatedError):
        client.create(CreateRequest(files=photos))
    # The simulator logs a dropped request just after hanging up: give it a moment.
    deadline = time.monotonic() + 2
    while not sim.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert [r.method for r in sim.requests] == ["POST"]
    if outcome == "drop_after":
        assert sim.created_count() == 1  # it really was created: resending would pay twice


@pytest.mark.parametrize("outcome", ["503", "429"])
def test_create_retried_when_nothing_was_created(
    client: WorkflowClient, sim: Simulator, photos: list[Path], outcome: str
) -> None:
    sim.script("POST", "/workflow", outcome, outcome)
    started = time.monotonic()
    client.create(CreateRequest(files=photos))
    assert sim.created_count() == 1
    assert [r.outcome for r in sim.requests] == [outcome, outcome, "ok"]
    if outcome == "429":
        assert time.monotonic() - started >= 0.38  # two Retry-After waits of 0.2 s


def test_attempts_1_on_create(client: WorkflowClient, sim: Simulator, photos: list[Path]) -> None:
    sim.script("POST", "/workflow", "503")
    with pytest.raises(ServerError) as info:
        client.create(CreateRequest(files=photos), attempts=1)
    assert info.value.retryable and sim.created_count() == 0
    assert len(sim.requests) == 1


@pytest.mark.parametrize("outcome", ["500", "502", "503", "429", "drop_before", "drop_after"])
def test_get_retries_transient_faults(
    client: WorkflowClient, sim: Simulator, photos: list[Path], outcome: str
) -> None:
    workflow = client.create(CreateRequest(files=photos[:1]))
    sim.script("GET", "/workflow/", outcome, outcome)
    assert client.get(workflow.id).id == workflow.id
    assert [r.outcome for r in sim.requests[1:]] == [outcome, outcome, "ok"]


@pytest.mark.parametrize("outcome", ["500", "drop_after"])
def test_update_and_delete_retry(
    client: WorkflowClient, sim: Simulator, photos: list[Path], outcome: str
) -> None:
    workflow = client.create(CreateRequest(files=photos[:1]))
    sim.script("PUT", "/workflow/", outcome)
    assert client.update(workflow.id, title="again").title == "again"
    sim.script("DELETE", "/workflow/", "503")
    client.delete(workflow.id)
    assert workflow.id not in sim.workflows


def test_malformed_answer(sim: Simulator, photos: list[Path]) -> None:
    with WorkflowClient(KEY, sim.base_url, retry=RetryPolicy(attempts=1)) as client:
        workflow = client.create(CreateRequest(files=photos[:1]))
        sim.script("GET", "/workflow/", "malformed")
        with pytest.raises(MalformedResponseError):
            client.get(workflow.id)
        sim.script("POST", "/workflow", "malformed")
        with pytest.raises(MaybeCreatedError):
            client.create(CreateRequest(files=photos[:1]))


def test_download_retries_a_cut_transfer(
    client: WorkflowClient, sim: Simulator, photos: list[Path], tmp_path: Path
) -> None:
    workflow = wait_finished(client, client.create(CreateRequest(files=photos[:1])).id)
    media = workflow.result[0]
    sim.script("GET", "/files/", "drop_after", "503")
    progress: list[Any] = []
    path = client.download(
        media.url, tmp_path / "r.jpg", on_progress=lambda d, t: progress.append((d, t))
    )
    with Image.open(path) as image:
        image.load()
    assert [r.outcome for r in sim.requests if r.path.startswith("/files/")] == [
        "drop_after",
        "503",
        "ok",
    ]
    assert progress[-1][0] == path.stat().st_size


@pytest.mark.parametrize("bad", ["abc\ndef", "abc def", "clé-123", "abc\x00def", "ab\tcd"])
def test_malformed_key_is_refused_in_plain_words_before_anything_is_sent(
    sim: Simulator, bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    from app.api import InvalidKeyError

    caplog.set_level("DEBUG")
    with pytest.raises(InvalidKeyError) as raised:
        WorkflowClient(bad, sim.base_url, retry=FAST)
    error = raised.value
    assert isinstance(error, KeyRefusedError) and isinstance(error, ValueError)
    assert "copy the key again" in str(error) and bad not in str(error)
    assert sim.requests == []
    assert all(bad not in r.getMessage() for r in caplog.records)


def test_failure_descriptions_never_quote_the_key(client: WorkflowClient) -> None:
    import httpx

    described = client._describe(httpx.LocalProtocolError(f"Illegal header value b'{KEY}'"))
    assert KEY not in described and "LocalProtocolError" in described


def test_a_closed_client_stops_its_transfers_instead_of_hanging(
    sim: Simulator, photos: list[Path], tmp_path: Path
) -> None:
    """close() (quit, or a replaced key) sets the client's cancel event: transfers still queued
    or mid-stream end with CancelledError at their next chunk instead of holding a worker."""
    made = WorkflowClient(KEY, sim.base_url, retry=FAST)
    workflow = made.create(CreateRequest(files=[photos[0]]))
    finished = wait_finished(made, workflow.id)
    assert finished.succeeded and finished.result
    made.close()
    assert made.cancel.is_set()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        made.download(finished.result[0].url, tmp_path / "after-close.jpg")
    assert time.monotonic() - started < 1.0
    assert not (tmp_path / "after-close.jpg").exists()


def test_a_server_out_of_reach_is_told_at_once_and_not_retried_when_someone_listens(
    sim_factory: Callable[..., Simulator],
) -> None:
    """With `on_unreachable` set (the engine's connection state), a request that cannot reach
    the server says so before any retry and gives up: the engine checks the connection."""
    server = sim_factory()
    base_url = server.base_url
    server.stop()  # nothing listens there any more
    slow = RetryPolicy(attempts=5, base_delay=5.0, max_delay=5.0, jitter=0.0)
    told: list[str] = []
    with WorkflowClient("k", base_url, retry=slow) as client:
        client.on_unreachable = told.append
        started = time.monotonic()
        with pytest.raises(NetworkError) as raised:
            client.get("wf-1")
        assert time.monotonic() - started < 5.0  # no retry waited for
    assert raised.value.sent is False
    assert len(told) == 1 and told[0]
