"""Workflows move through running statuses with rising progress to success or fail."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from simtools import create, finished, wait_for

from app.simulator import Simulator


def test_status_moves_through_running_names_to_success(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(processing_time=1.2, seed=1)
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http:
        workflow_id = create(http, photo).json()["data"]["id"]
        seen: list[tuple[str, int]] = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            workflow = http.get(f"/workflow/{workflow_id}").json()["data"]
            seen.append((workflow["processing_status"], workflow["progress_percentage"]))
            if finished(workflow):
                break
            time.sleep(0.02)
    statuses = list(dict.fromkeys(status for status, _ in seen))
    assert statuses == ["new", "queue_bullet", "processing_bullet", "success"]
    progress = [p for _, p in seen]
    assert progress == sorted(progress), "progress never goes back"
    assert len(set(p for s, p in seen if s == "processing_bullet")) > 3, (
        "progress rises while processing"
    )
    assert seen[-1] == ("success", 100)
    assert workflow["updated_at"] > workflow["created_at"]


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
