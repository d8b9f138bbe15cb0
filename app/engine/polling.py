"""How often a workflow is asked for its status, and how long a failed step waits to retry."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    """Poll soon after a create, then less often while nothing changes (the API asks for this).

    A new status name brings the interval back to `first` (progress alone does not: it creeps
    up on almost every answer). Tests use tiny values.
    """

    first: float = 3.0
    factor: float = 1.6
    cap: float = 60.0

    def next_interval(self, current: float | None, changed: bool) -> float:
        if current is None or changed:
            return self.first
        return min(self.cap, max(self.first, current * self.factor))


@dataclass(frozen=True)
class Backoff:
    """Delays before retrying a requeued upload, a failed poll or a failed download."""

    base: float = 2.0
    cap: float = 60.0
    download_attempts: int = 4
    update_attempts: int = 4

    def delay(self, failures: int) -> float:
        """Seconds before the next try after `failures` failures in a row (jittered down)."""
        raw = min(self.cap, self.base * 2.0 ** max(0, failures - 1))
        return raw * (1.0 - 0.3 * random.random())


class Failures:
    """Failures in a row of one kind of step (upload, poll, download, update), per item: what
    `Backoff.delay` and the attempt limits count. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[int, int] = {}

    def add(self, item_id: int) -> int:
        """Count one more failure; returns how many in a row now."""
        with self._lock:
            count = self._counts.get(item_id, 0) + 1
            self._counts[item_id] = count
            return count

    def clear(self, item_id: int) -> None:
        """It worked (or starts afresh): the next failure is the first again."""
        with self._lock:
            self._counts.pop(item_id, None)
