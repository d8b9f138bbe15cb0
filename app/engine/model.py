"""The engine's vocabulary: item states, batch settings, and the snapshots its events carry.

These are plain, immutable values: the engine hands them to listeners on worker threads, the GUI
forwards them through queued Qt signals, and the command line prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.api import MediaFile, Visibility


class ItemState(StrEnum):
    """Where one item (a photo, a folder in per-folder mode, or an image URL) stands.

    QUEUED waits for an upload slot; PAUSED waits in a batch whose sending is paused (by the
    user, out of credit, key refused: the item's `error` says why, except for the user's own
    pause) and becomes QUEUED again when the batch resumes. The store keeps the two in step
    with the batch, so a waiting item is always exactly one of them.
    """

    QUEUED = "queued"
    UPLOADING = "uploading"
    SUBMITTED = "submitted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    PAUSED = "paused"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """Nothing more will happen to the item without the user's word."""
        return self in _FINAL

    @property
    def is_remote(self) -> bool:
        """A workflow exists on the server and is being followed."""
        return self in (ItemState.SUBMITTED, ItemState.RUNNING)


_FINAL = frozenset(
    {ItemState.SUCCEEDED, ItemState.FAILED, ItemState.NEEDS_ATTENTION, ItemState.CANCELLED}
)


class Grouping(StrEnum):
    PER_PHOTO = "per_photo"
    PER_FOLDER = "per_folder"


class OverwritePolicy(StrEnum):
    OVERWRITE = "overwrite"
    SKIP = "skip"
    RENAME = "rename"


class WhenUnsure(StrEnum):
    """What to do with a photo whose create may or may not have happened (its whole request
    went out, then the answer was lost, a 5xx came back, or vimbatch was stopped)."""

    ASK = "ask"  # mark it "needs attention": the user checks and resubmits or cancels
    SEND_AGAIN = "send_again"  # send it again at once: may create it twice (a second credit)

    @property
    def label(self) -> str:
        return _WHEN_UNSURE_LABELS[self]


_WHEN_UNSURE_LABELS = {
    WhenUnsure.ASK: "Ask me",
    WhenUnsure.SEND_AGAIN: "Send again (may use a second credit)",
}


DEFAULT_TEMPLATE = "vim_new_year_2026"
DEFAULT_TITLE_PATTERN = "{stem}"
DEFAULT_NAME_PATTERN = "{stem}_{template}_{n}.{ext}"


@dataclass(frozen=True)
class BatchSettings:
    """Everything the user chose for a batch; stored with it so a resume uses the same choices."""

    template_id: str = DEFAULT_TEMPLATE
    options: dict[str, Any] = field(default_factory=dict)
    visibility: Visibility = Visibility.UNLISTED
    title_pattern: str = DEFAULT_TITLE_PATTERN
    description: str = ""
    event_id: str = "no_event"
    grouping: Grouping = Grouping.PER_PHOTO
    download_dir: str | None = None
    name_pattern: str = DEFAULT_NAME_PATTERN
    overwrite: OverwritePolicy = OverwritePolicy.RENAME
    strip_gps: bool = True
    # Send photos larger than 2,560 px as smaller copies (slow links); originals untouched.
    smaller_copies: bool = False
    # A create that may or may not have happened: ask (needs attention) or send again.
    when_unsure: WhenUnsure = WhenUnsure.ASK
    # The saved event (event mode) that made this batch, shown with it; "" for an ordinary batch.
    event_name: str = ""


@dataclass(frozen=True)
class ItemSnapshot:
    """One item as stored, at the moment of an event."""

    id: int
    batch_id: int
    kind: str  # "photo", "folder" or "url"
    sources: tuple[str, ...]  # file paths (several in per-folder mode) or one URL
    title: str
    state: ItemState
    status_text: str  # the server's processing_status, or "" before there is one
    progress: int  # 0-100: while UPLOADING, the share of the upload sent; then the server's
    workflow_id: str | None
    error: str | None  # plain-language reason for failed / needs attention / paused
    results: tuple[MediaFile, ...]
    files: tuple[str, ...]  # downloaded result files
    created_at: float  # unix time the item was added
    updated_at: float
    finished_at: float | None
    # The values below show the user's latest wish: a change not yet on the server
    # (`pending_update`) overrides what is known to be there.
    rating: str | None = None
    # The user's own delivered mark (ISO time): set only by a delivered change the engine sent,
    # never by the time the server stamps on every other change (see engine.py, updates).
    delivered_at: str | None = None
    # Fields not yet on the server, keyed by UPDATE_FIELDS ("visibility": "0"/"1"/"2",
    # "delivered_at": ISO time); None when everything landed.
    pending_update: dict[str, str] | None = None
    # Plain words when the pending change could not land (refused, or retries ran out); it
    # stays until the user retries or drops it (Engine.retry_update / drop_update).
    update_error: str | None = None
    visibility: Visibility | None = None  # None only when not known (very old jobs)
    description: str = ""


# Why a batch is paused (`BatchSnapshot.paused_kind`): lifted by resume, a new key, or either.
PAUSED_BY_USER = "user"
PAUSED_FOR_KEY = "key"
PAUSED_FOR_CREDIT = "credit"
# The job list could not be written (disk full, read-only, locked...): the reason says which.
PAUSED_FOR_STORE = "store"


@dataclass(frozen=True)
class BatchSnapshot:
    id: int
    created_at: float
    settings: BatchSettings
    paused_reason: str | None  # plain words when the batch is paused (credit, key), else None
    counts: dict[ItemState, int]
    paused_kind: str | None = None  # "credit", "key", "store" or "user" while paused, else None


# The fields of a change to a workflow, as `ItemSnapshot.pending_update` names them.
UPDATE_FIELDS = ("title", "description", "visibility", "rating", "delivered_at")


@dataclass(frozen=True)
class SaveOutcome:
    """What `Engine.save_results` did: the files written per item (in result order), the
    results left alone because a file was there (policy SKIP), and plain-language problems."""

    folder: str
    saved: dict[int, tuple[str, ...]] = field(default_factory=dict)
    skipped: int = 0
    problems: tuple[str, ...] = ()

    @property
    def paths(self) -> list[str]:
        """Every file written, item by item."""
        return [path for files in self.saved.values() for path in files]

    @property
    def count(self) -> int:
        return sum(len(files) for files in self.saved.values())


class EventKind(StrEnum):
    ITEM = "item"  # an item changed: `item` holds its new snapshot
    ITEM_REMOVED = "item_removed"  # an item was deleted from the store: `item` is its last state
    BATCH = "batch"  # a batch was created, paused or resumed: `batch` holds it
    NOTICE = "notice"  # something the user should read: `message`
    CONNECTION = "connection"  # the connection to Vimmerse changed: `connection` holds it


class ConnectionStatus(StrEnum):
    ONLINE = "online"  # Vimmerse answers (or nothing has been tried yet)
    OFFLINE = "offline"  # can't reach Vimmerse: sending waits, a light health check backs off
    SLOWED = "slowed"  # Vimmerse asked us to slow down (429): `until` says when it goes on


@dataclass(frozen=True)
class ConnectionState:
    status: ConnectionStatus = ConnectionStatus.ONLINE
    message: str | None = None  # plain words for a banner, None when ONLINE
    until: float | None = None  # unix time the next try / the slow-down ends, when known


@dataclass(frozen=True)
class EngineEvent:
    kind: EventKind
    batch_id: int | None = None
    item: ItemSnapshot | None = None
    batch: BatchSnapshot | None = None
    message: str | None = None
    connection: ConnectionState | None = None
