"""Parsing the workflow object tolerantly, as the contract describes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.api import (
    Completion,
    MalformedResponseError,
    MediaFile,
    Visibility,
    Workflow,
    parse_timestamp,
)

DOCUMENTED = {
    "id": "workflow-id-12345",
    "title": "My Animated Video",
    "description": "Animated overlay video with background",
    "visibility_status": "1",
    "model": "overlay_gray_5443",
    "options": {"prompt": "smile", "duration": 5},
    "images": ["https://media.vimmerse.net/user/image1.png"],
    "primary_user_id": "user@example.com",
    "customer_id": "customer-id",
    "processing_status": "success",
    "progress_percentage": 100,
    "completions": [
        {
            "result": [{"content_type": "image/png", "url": "https://m.example/step1.png"}],
            "flow": "crop_to_content",
        },
        {
            "result": [{"content_type": "video/mp4", "url": "https://m.example/step4.mp4"}],
            "flow": "create_media",
        },
    ],
    "result": [
        {"content_type": "video/mp4", "url": "https://m.example/final.mp4"},
        {"content_type": "image/png", "url": "https://m.example/final.png"},
    ],
    "media_result": [{"updated_at": "x", "size": 3, "url": "https://m.example/a"}],
    "created_at": "2025-04-11 18:33:59.780864+00:00",
    "updated_at": "2025-04-11T18:35:00Z",
}


def test_documented_example_parses_fully() -> None:
    wf = Workflow.from_json(DOCUMENTED)
    assert wf.id == "workflow-id-12345"
    assert wf.template_id == "overlay_gray_5443"  # responses call it "model"
    assert wf.visibility is Visibility.UNLISTED
    assert wf.options == {"prompt": "smile", "duration": 5}
    assert wf.images == ("https://media.vimmerse.net/user/image1.png",)
    assert wf.progress == 100
    assert wf.result == (
        MediaFile("video/mp4", "https://m.example/final.mp4"),
        MediaFile("image/png", "https://m.example/final.png"),
    )
    assert wf.result[0].is_video and not wf.result[1].is_video
    assert wf.completions[0] == Completion(
        "crop_to_content", (MediaFile("image/png", "https://m.example/step1.png"),)
    )
    assert [c.flow for c in wf.completions] == ["crop_to_content", "create_media"]
    assert wf.created_at == datetime(2025, 4, 11, 18, 33, 59, 780864, tzinfo=UTC)
    assert wf.updated_at == datetime(2025, 4, 11, 18, 35, tzinfo=UTC)
    assert wf.rating is None and wf.delivered_at is None
    assert wf.succeeded and wf.is_finished and not wf.failed


def test_missing_fields_get_defaults_and_unknown_fields_are_ignored() -> None:
    wf = Workflow.from_json({"id": "abc", "surprise": {"nested": [1, 2]}, "another": None})
    assert wf.progress == 0
    assert wf.title == "" and wf.template_id == ""
    assert wf.visibility is None
    assert wf.result == () and wf.completions == () and wf.images == ()
    assert wf.created_at is None
    assert not wf.is_finished  # empty status: still running, keep polling


def test_wrong_types_do_not_crash() -> None:
    wf = Workflow.from_json(
        {
            "id": 42,
            "options": "not a dict",
            "images": "nope",
            "progress_percentage": "55.5",
            "result": [{"url": 3}, "https://m.example/bare.jpg", {"content_type": "image/png"}],
            "completions": [None, {"flow": "x"}],
            "visibility_status": 2,
            "rating": 5,
            "created_at": "yesterday",
        }
    )
    assert wf.id == "42"
    assert wf.options == {} and wf.images == ()
    assert wf.progress == 55
    assert wf.result == (MediaFile("", "https://m.example/bare.jpg"),)
    assert wf.completions == (Completion("x", ()),)
    assert wf.visibility is Visibility.PUBLIC
    assert wf.rating == "5"
    assert wf.created_at is None


@pytest.mark.parametrize("value", [150, -3, None, "abc", True, float("nan")])
def test_progress_is_clamped(value: object) -> None:
    progress = Workflow.from_json({"id": "a", "progress_percentage": value}).progress
    assert 0 <= progress <= 100
    if value == 150:
        assert progress == 100


@pytest.mark.parametrize(
    ("status", "finished", "succeeded", "failed"),
    [
        ("success", True, True, False),
        ("fail", True, False, True),
        ("cancel", True, False, True),
        ("SUCCESS", True, True, False),
        ("new", False, False, False),
        ("processing", False, False, False),
        ("queue_bullet", False, False, False),
        ("something_new_2027", False, False, False),
    ],
)
def test_status_rules(status: str, finished: bool, succeeded: bool, failed: bool) -> None:
    wf = Workflow.from_json({"id": "a", "processing_status": status})
    assert (wf.is_finished, wf.succeeded, wf.failed) == (finished, succeeded, failed)
    assert wf.processing_status == status  # shown as the server said it


@pytest.mark.parametrize("body", [None, [], "text", 3, {}, {"id": ""}, {"id": None}])
def test_not_a_workflow_is_malformed(body: object) -> None:
    with pytest.raises(MalformedResponseError) as info:
        Workflow.from_json(body)
    assert "could not read" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-11 18:33:59.780864+00:00", datetime(2025, 4, 11, 18, 33, 59, 780864, UTC)),
        ("2025-04-11T18:33:59.780864+00:00", datetime(2025, 4, 11, 18, 33, 59, 780864, UTC)),
        ("2025-04-11T18:33:59Z", datetime(2025, 4, 11, 18, 33, 59, tzinfo=UTC)),
        ("2025-04-11T18:33:59", datetime(2025, 4, 11, 18, 33, 59, tzinfo=UTC)),
        ("2025-04-11 18:33:59", datetime(2025, 4, 11, 18, 33, 59, tzinfo=UTC)),
        ("2025-04-11T18:33:59.5Z", datetime(2025, 4, 11, 18, 33, 59, 500000, UTC)),
        (
            "2025-04-11T20:33:59+02:00",
            datetime(2025, 4, 11, 20, 33, 59, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_timestamps(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


@pytest.mark.parametrize("value", ["", "soon", None, True, [], "2025-13-40T00:00:00"])
def test_unreadable_timestamps_are_none(value: object) -> None:
    assert parse_timestamp(value) is None


def test_visibility_parse_and_label() -> None:
    assert Visibility.parse("private") is Visibility.PRIVATE
    assert Visibility.parse("Public") is Visibility.PUBLIC
    assert Visibility.parse("1") is Visibility.UNLISTED
    assert Visibility.parse(0) is Visibility.PRIVATE
    assert Visibility.UNLISTED.label == "Unlisted"
    with pytest.raises(ValueError, match="private, unlisted or public"):
        Visibility.parse("friends")


def test_media_file_extension() -> None:
    assert MediaFile("video/mp4", "https://x/a/b.MP4?sig=1").extension == ".mp4"
    assert MediaFile("image/jpeg", "https://x/a/noext").extension == ".jpg"
    assert MediaFile("", "https://x/a/clip.mov").is_video
