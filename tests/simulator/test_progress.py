"""Workflows move through running statuses with rising progress to success or fail."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from simtools import create, finished, wait_for

from app.simulator import Simulator
from app.simulator.state import WorkflowRecord


def test_status_moves_through_running_names_to_success(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(processing_time=1.2, seed=1)
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http:
        workflow = create(http, photo).json()["data"]
        seen = [(workflow["processing_status"], workflow["progress_percentage"])]
        deadline = time.monotonic() + 5
        while not finished(workflow) and time.monotonic() < deadline:
            time.sleep(0.02)
            workflow = http.get(f"/workflow/{workflow['id']}").json()["data"]
            seen.append((workflow["processing_status"], workflow["progress_percentage"]))
    order = ["new", "queue_bullet", "processing_bullet", "success"]
    statuses = list(dict.fromkeys(status for status, _ in seen))
    # A busy machine may poll past a short stage, never out of order.
    assert statuses == [s for s in order if s in statuses]
    assert {"new", "processing_bullet", "success"} <= set(statuses)
    progress = [p for _, p in seen]
    assert progress == sorted(progress), "progress never goes back"
    assert len({p for s, p in seen if s == "processing_bullet"}) > 2, (
        "progress rises while processing"
    )
    assert seen[-1] == ("success", 100)
    assert workflow["updated_at"] > workflow["created_at"]


def test_status_timeline_of_a_record() -> None:
    record = WorkflowRecord(
        id="w", title="", description="", visibility_status="1", template_id="t", options={},
        event_id="e", inputs=[], image_urls=["u"], primary_user_id="p", customer_id="c",
        created_at=datetime.now(UTC), created_mono=100.0, duration=10.0, will_fail=False,
    )  # fmt: skip
    at = [record.status(100.0 + t)[:2] for t in (0, 0.7, 1, 2, 2.5, 6, 9.9, 10, 50)]
    assert at == [
        ("new", 0), ("new", 0), ("queue_bullet", 5), ("queue_bullet", 5), ("processing_bullet", 10),
        ("processing_bullet", 49), ("processing_bullet", 93), ("success", 100), ("success", 100),
    ]  # fmt: skip
    record.will_fail = True
    assert record.status(105.0)[0] == "processing_bullet"
    assert record.status(106.0)[0] == "fail"


def test_success_carries_result_and_completions(client: httpx.Client, photo: Path) -> None:
    workflow_id = create(client, photo).json()["data"]["id"]
    done = wait_for(client, workflow_id, finished)
    assert done["processing_status"] == "success"
    base = str(client.base_url).rstrip("/")
    assert [c["flow"] for c in done["completions"]] == ["detect_people", "compose"]
    assert done["result"] == [
        {"content_type": "image/jpeg", "url": f"{base}/files/{workflow_id}/result.jpg"}
    ]
    assert done["completions"][-1]["result"] == done["result"]
    media = done["media_result"][0]
    assert media["url"] == done["result"][0]["url"] and isinstance(media["size"], int)


def test_video_pipeline_completions(client: httpx.Client, photo: Path) -> None:
    workflow_id = create(client, photo, options='{"pipeline_mode": "video"}').json()["data"]["id"]
    done = wait_for(client, workflow_id, finished)
    assert [c["flow"] for c in done["completions"]] == ["compose", "animate"]
    assert done["completions"][0]["result"][0]["content_type"] == "image/jpeg"
    assert done["result"][0]["content_type"] == "video/x-msvideo"
    assert done["result"][0]["url"].endswith(".avi")


def test_fail_next_makes_the_next_workflows_fail(
    simulator: Simulator, client: httpx.Client, photo: Path
) -> None:
    simulator.fail_next(2)
    ids = [create(client, photo).json()["data"]["id"] for _ in range(3)]
    outcomes = [wait_for(client, workflow_id, finished) for workflow_id in ids]
    assert [w["processing_status"] for w in outcomes] == ["fail", "fail", "success"]
    assert outcomes[0]["result"] == [] and outcomes[0]["completions"] == []
    assert httpx.get(f"{simulator.base_url}/files/{ids[0]}/result.jpg").status_code == 404


def test_fail_rate_one_fails_every_workflow(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(fail_rate=1.0, processing_time=0.1)
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http:
        ids = [create(http, photo).json()["data"]["id"] for _ in range(3)]
        assert {wait_for(http, i, finished)["processing_status"] for i in ids} == {"fail"}


def test_a_file_that_is_not_a_photo_fails(client: httpx.Client, tmp_path: Path) -> None:
    junk = tmp_path / "notes.jpg"
    junk.write_bytes(b"this is not a jpeg" * 100)
    workflow_id = create(client, junk).json()["data"]["id"]
    assert wait_for(client, workflow_id, finished)["processing_status"] == "fail"


def test_results_are_not_served_before_success(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(processing_time=30)
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http:
        workflow_id = create(http, photo).json()["data"]["id"]
        assert httpx.get(f"{sim.base_url}/files/{workflow_id}/result.jpg").status_code == 404
        assert http.get(f"/workflow/{workflow_id}").json()["data"]["processing_status"] != "success"
