"""A per-host gate that every request passes, so one 429 slows down every thread."""

from __future__ import annotations

import threading
import time

from app.api.errors import CancelledError


class RateGovernor:
    """Holds, per host, the moment before which no request may start.

    A 429 (or a Retry-After) `penalize`s the host: every thread that then calls `wait` sleeps
    until the penalty has passed. `min_interval` optionally spaces request starts to one host.
    The engine reads `delay_remaining()` to schedule uploads instead of parking workers.
    State lives in the object, never in module globals; share one object between clients
    that talk to the same server.
    """

    def __init__(self, min_interval: float = 0.0) -> None:
        self.min_interval = min_interval
        self._lock = threading.Lock()
        self._blocked_until: dict[str, float] = {}
        self._next_start: dict[str, float] = {}

    def wait(self, host: str, cancel: threading.Event | None = None) -> None:
        """Block until a request to `host` may start; raise CancelledError if cancelled."""
        while True:
            if cancel is not None and cancel.is_set():
                raise CancelledError()
            with self._lock:
                now = time.monotonic()
                ready_at = max(self._blocked_until.get(host, 0.0), self._next_start.get(host, 0.0))
                if ready_at <= now:
                    if self.min_interval > 0:
                        self._next_start[host] = now + self.min_interval
                    return
                delay = ready_at - now
            # Re-check after sleeping: another thread may have extended the penalty meanwhile.
            if cancel is None:
                time.sleep(delay)
            elif cancel.wait(delay):
                raise CancelledError()

    def penalize(self, host: str, seconds: float) -> None:
        """Hold every request to `host` for `seconds` from now (never shortens a penalty)."""
        with self._lock:
            until = time.monotonic() + max(0.0, seconds)
            if until > self._blocked_until.get(host, 0.0):
                self._blocked_until[host] = until

    def delay_remaining(self, host: str | None = None) -> float:
        """Seconds until `host` (or, with None, every host) may be asked again; 0 if now."""
        with self._lock:
            now = time.monotonic()
            if host is None:
                untils = list(self._blocked_until.values())
            else:
                untils = [self._blocked_until.get(host, 0.0)]
            return max([0.0, *(u - now for u in untils)])

    def __repr__(self) -> str:
        return f"RateGovernor(delay_remaining={self.delay_remaining():.1f}s)"
