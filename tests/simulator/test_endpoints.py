"""Every endpoint of the contract, its answers and its error bodies, over real HTTP."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from simtools import KEY, create, finished, wait_for

from app.simulator import Simulator

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$")
WORKFLOW_FIELDS = {
    "id", "title", "description", "visibility_status", "model", "options", "images",
    "primary_user_id", "customer_id", "processing_status", "progress_percentage", "result",
    "completions", "media_result", "created_at", "updated_at",
}  # fmt: skip


def test_health_needs_no_key(simulator: Simulator) -> None:
    answer = httpx.get(f"{simulator.base_url}/health")
    assert answer.status_code == 200
    assert "data" in answer.json()


def test_key_check_accepts_any_key_by_default(client: httpx.Client) -> None:
    answer = client.get(f"/workflow/{uuid.uuid4()}")
    assert answer.status_code == 404
    assert answer.json() == {"message": "NOT_FOUND"}


def test_missing_key_is_401_and_refused_key_is_403(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = sim_factory(valid_keys=frozenset({"good"}))
    url = f"{sim.base_url}/workflow/{uuid.uuid4()}"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"X-Api-Key": ""}).status_code == 401
    assert httpx.get(url, headers={"X-Api-Key": "bad"}).status_code == 403
    assert httpx.get(url, headers={"X-Api-Key": "good"}).status_code == 404
    assert [r.api_key for r in sim.requests] == [None, "", "bad", "good"]


def test_create_serves_every_contract_field(client: httpx.Client, photo: Path) -> None:
    answer = create(
        client, photo, title="Gala", description="Table 4", visibility_status="2",
        template_id="vim_birthday", options='{"aspect_ratio": "9:16", "extra": 3}',
    )  # fmt: skip
    assert answer.status_code == 200
    workflow = answer.json()["data"]
    assert set(workflow) >= WORKFLOW_FIELDS
    assert set(workflow) - WORKFLOW_FIELDS, "extra fields that clients must ignore"
    assert uuid.UUID(workflow["id"])
    assert (workflow["title"], workflow["description"]) == ("Gala", "Table 4")
    assert workflow["visibility_status"] == "2"
    assert workflow["model"] == "vim_birthday"
    assert workflow["options"] == {"aspect_ratio": "9:16", "pipeline_mode": "image", "extra": 3}
    assert workflow["processing_status"] == "new"
    assert workflow["progress_percentage"] == 0
    assert workflow["result"] == [] and workflow["completions"] == []
    assert STAMP.match(workflow["created_at"]) and STAMP.match(workflow["updated_at"])
    assert workflow["images"][0].startswith(client.base_url.__str__().rstrip("/") + "/files/")
    assert "rating" not in workflow and "delivered_at" not in workflow


def test_create_defaults(client: httpx.Client, photo: Path) -> None:
    workflow = create(client, photo).json()["data"]
    assert workflow["model"] == "vim_new_year_2026"
    assert workflow["visibility_status"] == "1"
    assert workflow["options"] == {"aspect_ratio": "16:9", "pipeline_mode": "image"}
    assert workflow["title"] == "" and workflow["description"] == ""


def test_input_image_is_served_back_unchanged(client: httpx.Client, photo: Path) -> None:
    workflow = create(client, photo).json()["data"]
    url = workflow["images"][0]
    assert url.endswith("/input_1.jpg")
    served = httpx.get(url)  # no key needed, like a CDN
    assert served.status_code == 200
    assert served.content == photo.read_bytes()


def test_repeated_fields_are_all_received_in_order(
    simulator: Simulator, client: httpx.Client, photo: Path, tmp_path: Path
) -> None:
    second = tmp_path / "second.png"
    second.write_bytes(photo.read_bytes())
    with photo.open("rb") as a, second.open("rb") as b:
        answer = client.post(
            "/workflow",
            data={"image_urls": ["https://x.test/1.jpg", "https://x.test/2.jpg"], "title": "T"},
            files=[
                ("image_files", (photo.name, a, "image/jpeg")),
                ("image_files", ("second.png", b, "image/png")),
            ],
        )
    assert answer.status_code == 200
    images = answer.json()["data"]["images"]
    # URLs are ignored when files are uploaded.
    assert [url.rsplit("/", 1)[1] for url in images] == ["input_1.jpg", "input_2.png"]
    recorded = simulator.requests[-1]
    assert [value for name, value in recorded.fields if name == "image_urls"] == [
        "https://x.test/1.jpg",
        "https://x.test/2.jpg",
    ]
    assert [(f.field, f.filename, f.content_type) for f in recorded.files] == [
        ("image_files", "party photo.jpg", "image/jpeg"),
        ("image_files", "second.png", "image/png"),
    ]
    assert recorded.files[0].size == photo.stat().st_size
    assert recorded.workflow_id == answer.json()["data"]["id"]


def test_urls_only_workflow_renders_a_stand_in(client: httpx.Client) -> None:
    answer = create(client, None, image_urls="https://example.com/me.jpg")
    workflow = answer.json()["data"]
    assert workflow["images"] == ["https://example.com/me.jpg"]
    done = wait_for(client, workflow["id"], finished)
    assert done["processing_status"] == "success"
    assert httpx.get(done["result"][0]["url"]).content[:3] == b"\xff\xd8\xff"


def test_create_validation_errors(client: httpx.Client, photo: Path) -> None:
    def loc_of(answer: httpx.Response) -> list[list[str | int]]:
        assert answer.status_code == 422
        detail = answer.json()["detail"]
        assert all(isinstance(e["msg"], str) and isinstance(e["type"], str) for e in detail)
        return [e["loc"] for e in detail]

    assert loc_of(create(client, photo, visibility_status="3")) == [["body", "visibility_status"]]
    assert loc_of(create(client, photo, options="[1, 2]")) == [["body", "options"]]
    assert loc_of(create(client, photo, options="{not json")) == [["body", "options"]]
    assert loc_of(create(client, None, title="no image")) == [["body", "image_files"]]


def test_put_updates_the_five_keys_and_stamps_delivery(client: httpx.Client, photo: Path) -> None:
    workflow_id = create(client, photo).json()["data"]["id"]
    answer = client.put(
        f"/workflow/{workflow_id}",
        json={"title": "New", "description": "D", "visibility_status": "0", "rating": "5"},
    )
    assert answer.status_code == 200
    updated = answer.json()["data"]
    assert (updated["title"], updated["description"], updated["visibility_status"]) == (
        "New",
        "D",
        "0",
    )
    assert updated["rating"] == "5"
    stamped = datetime.fromisoformat(updated["delivered_at"])
    assert abs((datetime.now(UTC) - stamped).total_seconds()) < 5
    given = client.put(
        f"/workflow/{workflow_id}", json={"delivered_at": "2025-04-11T18:33:59+00:00"}
    )
    assert given.json()["data"]["delivered_at"] == "2025-04-11 18:33:59+00:00"
    null = client.put(f"/workflow/{workflow_id}", json={"delivered_at": None})
    assert null.json()["data"]["delivered_at"].startswith(str(datetime.now(UTC).year))
    assert client.get(f"/workflow/{workflow_id}").json()["data"]["title"] == "New"


def test_put_errors(client: httpx.Client, photo: Path) -> None:
    workflow_id = create(client, photo).json()["data"]["id"]
    other = client.put(f"/workflow/{workflow_id}", json={"title": "x", "model": "y"})
    assert (other.status_code, other.json()) == (400, {"message": "BAD_REQUEST"})
    not_json = client.put(
        f"/workflow/{workflow_id}", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert (not_json.status_code, not_json.json()) == (400, {"message": "BAD_REQUEST"})
    number = client.put(f"/workflow/{workflow_id}", json={"rating": 5})
    assert number.status_code == 422
    assert number.json()["detail"][0]["loc"] == ["body", "rating"]
    missing = client.put(f"/workflow/{uuid.uuid4()}", json={"title": "x"})
    assert (missing.status_code, missing.json()) == (404, {"message": "NOT_FOUND"})


def test_delete_answers_the_workflow_and_removes_its_files(
    client: httpx.Client, photo: Path
) -> None:
    workflow = create(client, photo, title="bye").json()["data"]
    done = wait_for(client, workflow["id"], finished)
    result_url = done["result"][0]["url"]
    assert httpx.get(result_url).status_code == 200
    answer = client.delete(f"/workflow/{workflow['id']}")
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == workflow["id"]
    assert answer.json()["data"]["title"] == "bye"
    assert client.get(f"/workflow/{workflow['id']}").status_code == 404
    assert httpx.get(result_url).status_code == 404
    assert httpx.get(workflow["images"][0]).status_code == 404
    assert client.delete(f"/workflow/{workflow['id']}").status_code == 404


def test_error_log(simulator: Simulator, client: httpx.Client) -> None:
    answer = client.post(
        "/workflow/error-log", json={"error_message": "boom", "context": {"workflow_id": "w1"}}
    )
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["message"] == "Error logged successfully"
    assert re.match(r"customer-error-logs/.+/errors-\d{4}-W\d\d\.log$", data["log_path"])
    assert simulator.error_reports == [{"error_message": "boom", "context": {"workflow_id": "w1"}}]
    missing = client.post("/workflow/error-log", json={"context": {}})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "error_message"]
    not_json = client.post("/workflow/error-log", content=b"plain text")
    assert (not_json.status_code, not_json.json()) == (400, {"message": "BAD_REQUEST"})
    assert len(simulator.error_reports) == 1


def test_request_log_and_reset(simulator: Simulator, client: httpx.Client, photo: Path) -> None:
    create(client, photo)
    client.put(f"/workflow/{uuid.uuid4()}", json={"rating": "1"})
    log = simulator.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("POST", "/workflow", 200),
        ("PUT", log[1].path, 404),
    ]
    assert log[0].api_key == KEY and log[1].json == {"rating": "1"}
    assert simulator.created_count() == 1 and len(simulator.workflows) == 1
    simulator.reset()
    assert simulator.requests == [] and simulator.workflows == {} and simulator.created_count() == 0


def test_unknown_routes_and_methods(simulator: Simulator, client: httpx.Client) -> None:
    assert client.get("/nowhere").status_code == 404
    assert client.get("/workflow").status_code == 405
    assert client.patch(f"/workflow/{uuid.uuid4()}", json={}).status_code == 405
    assert client.get(f"{simulator.base_url}/files/{uuid.uuid4()}/result.jpg").status_code == 404


def test_head_of_a_file_gives_its_length_only(client: httpx.Client, photo: Path) -> None:
    url = create(client, photo).json()["data"]["images"][0]
    answer = httpx.head(url)
    assert answer.status_code == 200
    assert int(answer.headers["content-length"]) == photo.stat().st_size
    assert answer.content == b""
