"""When and how long to wait before trying a request again."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from app.api.errors import CancelledError


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential back-off with jitter.

    `attempts` counts the first try. A server's Retry-After is honoured as given, but one longer
    than `max_retry_after` is not slept through: the error goes back to the caller, which can
    schedule around it (see `RateGovernor.delay_remaining`) instead of blocking a worker.
    """

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5  # share of each back-off that is randomised
    max_retry_after: float = 120.0

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry number `retry_number` (1 for the first retry)."""
        raw = min(self.max_delay, self.base_delay * (2.0 ** max(0, retry_number - 1)))
        # Jitter downwards only, so the cap stays a cap and threads do not retry in lockstep.
        return raw * (1.0 - self.jitter * random.random())

    def delay(self, retry_number: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(0.0, retry_after)
        return self.backoff(retry_number)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def sleep(seconds: float, cancel: threading.Event | None) -> None:
    """Sleep that the cancel event interrupts at once (raising CancelledError)."""
    if seconds <= 0:
        if cancel is not None and cancel.is_set():
            raise CancelledError()
        return
    if cancel is None:
        time.sleep(seconds)
    elif cancel.wait(seconds):
        raise CancelledError()
