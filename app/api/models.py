"""Value objects of the Workflow API, parsed tolerantly from what the server sends."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any, TypedDict
from urllib.parse import urlsplit

from app.api.errors import MalformedResponseError

DEFAULT_TEMPLATE_ID = "vim_new_year_2026"

# Only these three are final; the API's siblings use more names, and any name we do not know
# means "still running" so that a new server status never stops polling by mistake.
SUCCESS = "success"
FAIL = "fail"
CANCEL = "cancel"
FINAL_STATUSES = frozenset({SUCCESS, FAIL, CANCEL})


class Visibility(StrEnum):
    """Who can see a workflow; the value is what the API sends and expects."""

    PRIVATE = "0"
    UNLISTED = "1"
    PUBLIC = "2"

    @classmethod
    def parse(cls, text: str | int) -> Visibility:
        """Read "private"/"unlisted"/"public" (any case) or the API's "0"/"1"/"2"."""
        key = str(text).strip().lower()
        for member in cls:
            if key in (member.value, member.name.lower()):
                return member
        raise ValueError(f"“{text}” is not a visibility: use private, unlisted or public.")

    @property
    def label(self) -> str:
        return self.name.capitalize()


class WorkflowChanges(TypedDict, total=False):
    """What can be changed on a workflow: the one list, taken by `WorkflowClient.update`,
    `Engine.update_item` and the engine's store of pending changes. Absent or None: unchanged."""

    title: str | None
    description: str | None
    visibility: Visibility | str | None
    rating: int | str | None
    delivered: bool  # mark it delivered now (without delivered_at: the server stamps the time)
    delivered_at: datetime | None


@dataclass(frozen=True)
class MediaFile:
    """One output file of a workflow: an image or a video at a URL."""

    content_type: str
    url: str

    @property
    def is_video(self) -> bool:
        if self.content_type:
            return self.content_type.lower().startswith("video/")
        return self.extension in {".mp4", ".mov", ".webm", ".m4v"}

    @property
    def extension(self) -> str:
        """The file extension to save under, from the URL or else from the content type."""
        suffix = PurePosixPath(urlsplit(self.url).path).suffix.lower()
        if suffix:
            return suffix
        subtype = self.content_type.partition("/")[2].split(";")[0].strip().lower()
        return {"jpeg": ".jpg", "quicktime": ".mov"}.get(subtype, f".{subtype}" if subtype else "")


@dataclass(frozen=True)
class Completion:
    """The outputs of one processing step (e.g. "upscale") of a workflow."""

    flow: str
    result: tuple[MediaFile, ...]


@dataclass(frozen=True)
class Workflow:
    """A workflow as the server describes it; built with `Workflow.from_json`."""

    id: str
    title: str
    description: str
    visibility: Visibility | None
    template_id: str
    options: dict[str, Any]
    images: tuple[str, ...]
    processing_status: str
    progress: int
    result: tuple[MediaFile, ...]
    completions: tuple[Completion, ...]
    created_at: datetime | None
    updated_at: datetime | None
    rating: str | None
    delivered_at: datetime | None

    @property
    def is_finished(self) -> bool:
        return self.processing_status.strip().lower() in FINAL_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.processing_status.strip().lower() == SUCCESS

    @property
    def failed(self) -> bool:
        """Finished without a result (failed or cancelled on the server)."""
        return self.processing_status.strip().lower() in (FAIL, CANCEL)

    @classmethod
    def from_json(cls, obj: object) -> Workflow:
        """Build from the object under "data"; only a missing id is fatal."""
        if not isinstance(obj, dict):
            raise MalformedResponseError("the workflow is not a JSON object")
        workflow_id = obj.get("id")
        if not isinstance(workflow_id, str | int) or isinstance(workflow_id, bool):
            raise MalformedResponseError("the workflow has no id")
        if not str(workflow_id):
            raise MalformedResponseError("the workflow has an empty id")
        options = obj.get("options")
        rating = obj.get("rating")
        return cls(
            id=str(workflow_id),
            title=_text(obj.get("title")),
            description=_text(obj.get("description")),
            visibility=_visibility(obj.get("visibility_status")),
            template_id=_text(obj.get("model", obj.get("template_id"))),
            options=dict(options) if isinstance(options, dict) else {},
            images=tuple(u for u in _list(obj.get("images")) if isinstance(u, str)),
            processing_status=_text(obj.get("processing_status")),
            progress=_progress(obj.get("progress_percentage")),
            result=_media_list(obj.get("result")),
            completions=tuple(
                Completion(flow=_text(c.get("flow")), result=_media_list(c.get("result")))
                for c in _list(obj.get("completions"))
                if isinstance(c, dict)
            ),
            created_at=parse_timestamp(obj.get("created_at")),
            updated_at=parse_timestamp(obj.get("updated_at")),
            rating=None if rating is None or isinstance(rating, bool) else str(rating),
            delivered_at=parse_timestamp(obj.get("delivered_at")),
        )


@dataclass
class CreateRequest:
    """What to send to `WorkflowClient.create`: photos from disk and/or image URLs."""

    files: list[Path] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    template_id: str = DEFAULT_TEMPLATE_ID
    options: dict[str, Any] = field(default_factory=dict)
    visibility: Visibility = Visibility.UNLISTED
    title: str = ""
    description: str = ""
    event_id: str = "no_event"
    # The name each file is sent under (what Vimmerse stores and shows), by position in
    # `files`; a missing or empty one: the file's own name. A converted copy goes under the
    # user's file name with the copy's extension.
    names: list[str] = field(default_factory=list)


def parse_timestamp(value: object) -> datetime | None:
    """Read both server formats ("2025-04-11 18:33:59.780864+00:00", ISO with T or Z).

    A time without a zone is taken as UTC; anything unreadable is None, never an error.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _visibility(value: object) -> Visibility | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Visibility.parse(value if isinstance(value, int) else str(value))
    except ValueError:
        return None


def _progress(value: object) -> int:
    if isinstance(value, bool):
        return 0
    try:
        number = float(value) if isinstance(value, int | float | str) else 0.0
    except ValueError:
        return 0
    if not math.isfinite(number):
        return 0
    return max(0, min(100, int(number)))


def _media_list(value: object) -> tuple[MediaFile, ...]:
    files: list[MediaFile] = []
    for item in _list(value):
        if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]:
            files.append(MediaFile(content_type=_text(item.get("content_type")), url=item["url"]))
        elif isinstance(item, str) and item:
            # Tolerance: a bare URL instead of {content_type, url}.
            files.append(MediaFile(content_type="", url=item))
    return tuple(files)
