"""Shared helpers for engine and CLI tests: real photos on disk, an engine on a real store."""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from app.api import RetryPolicy, WorkflowClient
from app.engine import (
    Backoff,
    BatchSettings,
    Engine,
    EngineEvent,
    EventKind,
    ItemSnapshot,
    JobStore,
    PollPolicy,
)
from app.images import Photo, inspect, mark_duplicates

FAST_POLL = PollPolicy(first=0.02, factor=1.6, cap=0.1)
FAST_BACKOFF = Backoff(base=0.01, cap=0.05)
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.005, max_delay=0.02, max_retry_after=0.05)


def make_jpegs(
    folder: Path, count: int, *, prefix: str = "photo", size: int = 64, offset: int = 0
) -> list[Path]:
    """`count` small, distinct JPEG files; a different `offset` gives different pictures."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"{prefix}{index + 1:03d}.jpg"
        i = index + offset
        colour = ((i * 37) % 256, (i * 91 + 40) % 256, (i * 53 + 90) % 256)
        image = Image.new("RGB", (size, size), colour)
        image.putpixel((i % size, (i // size) % size), (255 - colour[0], 0, 0))
        image.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def sha256_of(path: str | Path) -> str:
    """The digest the simulator records for an upload (RecordedFile.sha256), whatever hash
    intake uses for its own purposes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def photos_of(paths: Sequence[Path]) -> list[Photo]:
    photos = [inspect(p) for p in paths]
    mark_duplicates(photos)
    return photos


def make_client(base_url: str, key: str = "test-key") -> WorkflowClient:
    return WorkflowClient(key, base_url, retry=FAST_RETRY)


class Recorder:
    """Collects every event an engine emits (from any thread)."""

    def __init__(self) -> None:
        self.events: list[EngineEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: EventKind) -> list[EngineEvent]:
        with self._lock:
            return [e for e in self.events if e.kind is kind]

    def states_of(self, item_id: int) -> list[str]:
        return [
            e.item.state.value
            for e in self.of(EventKind.ITEM)
            if e.item is not None and e.item.id == item_id
        ]


def new_engine(
    data_dir: Path, base_url: str, *, concurrency: int = 4, key: str = "test-key", **kw: object
) -> Engine:
    store = JobStore.open(data_dir)
    return Engine(
        store,
        make_client(base_url, key),
        concurrency=concurrency,
        poll=FAST_POLL,
        backoff=FAST_BACKOFF,
        **kw,  # type: ignore[arg-type]
    )


_closed: weakref.WeakSet[Engine] = weakref.WeakSet()


def close(engine: Engine) -> None:
    """Shut the engine down and close its client and store (once; again does nothing)."""
    if engine in _closed:
        return
    _closed.add(engine)
    engine.shutdown()
    engine.client.close()
    engine.store.close()


def by_state(items: Sequence[ItemSnapshot]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.state.value] = counts.get(item.state.value, 0) + 1
    return counts


__all__ = ["BatchSettings"]
