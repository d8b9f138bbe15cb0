"""Server-side workflow records: how a workflow's status moves with time, and how it is served."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Share of a workflow's processing time at which each running status begins.
RUNNING_STAGES: tuple[tuple[float, str], ...] = (
    (0.0, "new"),
    (0.08, "queue_bullet"),
    (0.25, "processing_bullet"),
)
# A failing workflow gives up part-way, as a real one would.
FAIL_AT = 0.6


@dataclass(frozen=True)
class Output:
    """One file a finished workflow offers: which step made it and under which name."""

    flow: str
    name: str
    content_type: str


IMAGE_OUTPUTS = (
    Output("detect_people", "detect_people.jpg", "image/jpeg"),
    Output("compose", "result.jpg", "image/jpeg"),
)
VIDEO_OUTPUTS = (
    Output("compose", "compose.jpg", "image/jpeg"),
    Output("animate", "result.avi", "video/x-msvideo"),
)
# Served in media_result before a file has been rendered (rendering is lazy).
ESTIMATED_SIZE = {"image/jpeg": 180_000, "video/x-msvideo": 2_400_000}


@dataclass
class InputImage:
    """An uploaded photo, stored under the workflow's folder and served back."""

    name: str
    path: Path
    content_type: str
    readable: bool


@dataclass
class WorkflowRecord:
    """Everything the simulator knows about one workflow. Status is computed on read."""

    id: str
    title: str
    description: str
    visibility_status: str
    template_id: str
    options: dict[str, Any]
    event_id: str
    inputs: list[InputImage]
    image_urls: list[str]
    primary_user_id: str
    customer_id: str
    created_at: datetime
    created_mono: float
    duration: float
    will_fail: bool
    failure_reason: str | None = None
    edited_at: datetime | None = None
    rating: str | None = None
    delivered_at: str | None = None
    rendered: dict[str, int] = field(default_factory=dict)  # name -> size once on disk

    @property
    def outputs(self) -> tuple[Output, ...]:
        return VIDEO_OUTPUTS if self.options.get("pipeline_mode") == "video" else IMAGE_OUTPUTS

    def status(self, now_mono: float) -> tuple[str, int, float]:
        """(processing_status, progress_percentage, seconds after creation it was reached)."""
        elapsed = max(0.0, now_mono - self.created_mono)
        if self.duration <= 0:
            return ("fail", 0, 0.0) if self.will_fail else ("success", 100, 0.0)
        share = elapsed / self.duration
        if self.will_fail and share >= FAIL_AT:
            return "fail", int(10 + 85 * (FAIL_AT - 0.25) / 0.75), FAIL_AT * self.duration
        if share >= 1.0:
            return "success", 100, self.duration
        start, name = max(stage for stage in RUNNING_STAGES if stage[0] <= share)
        if name == "new":
            progress = 0
        elif name == "queue_bullet":
            progress = 5
        else:
            progress = int(10 + 85 * (share - 0.25) / 0.75)
        return name, progress, start * self.duration

    def output(self, name: str) -> Output | None:
        return next((out for out in self.outputs if out.name == name), None)

    def to_json(self, base_url: str, now_mono: float) -> dict[str, Any]:
        """The workflow object exactly as the API serves it at `now_mono`."""
        status, progress, reached = self.status(now_mono)
        updated = self.created_at + timedelta(seconds=reached)
        if self.edited_at is not None and self.edited_at > updated:
            updated = self.edited_at
        files = f"{base_url}/files/{self.id}"
        images = [f"{files}/{item.name}" for item in self.inputs] or list(self.image_urls)
        body: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "visibility_status": self.visibility_status,
            "model": self.template_id,
            "options": dict(self.options),
            "images": images,
            "primary_user_id": self.primary_user_id,
            "customer_id": self.customer_id,
            "processing_status": status,
            "progress_percentage": progress,
            "result": [],
            "completions": [],
            "media_result": [],
            "created_at": stamp(self.created_at),
            "updated_at": stamp(updated),
            # Extra fields the contract does not list: clients must ignore them.
            "event_id": self.event_id,
            "credits_used": 1,
        }
        if status == "success":
            outputs = self.outputs
            final = outputs[-1]
            body["completions"] = [
                {
                    "flow": out.flow,
                    "result": [{"content_type": out.content_type, "url": f"{files}/{out.name}"}],
                }
                for out in outputs
            ]
            body["result"] = [{"content_type": final.content_type, "url": f"{files}/{final.name}"}]
            body["media_result"] = [
                {
                    "updated_at": stamp(updated.replace(microsecond=0)),
                    "size": self.rendered.get(final.name, ESTIMATED_SIZE[final.content_type]),
                    "url": f"{files}/{final.name}",
                }
            ]
        elif status == "fail":
            body["error_message"] = self.failure_reason or "Processing failed"
        if self.rating is not None:
            body["rating"] = self.rating
        if self.delivered_at is not None:
            body["delivered_at"] = self.delivered_at
        return body


def stamp(moment: datetime) -> str:
    """The API's timestamp format, e.g. "2025-04-11 18:33:59.780864+00:00"."""
    return str(moment.astimezone(UTC))


def now_utc() -> datetime:
    return datetime.now(UTC)


def owner_of(api_key: str) -> tuple[str, str]:
    """A stable (primary_user_id, customer_id) for a key, without revealing the key."""
    digest = hashlib.sha256(api_key.encode("utf-8", "replace")).hexdigest()
    return f"user-{digest[:8]}@example.com", f"cus_{digest[8:24]}"
