"""A cap on upload bandwidth ("Use at most N Mbit/s"), shared by every upload of a client.

At an event the photographer shares the venue's uplink with everyone else there; a batch of
300 photos must not take all of it. Reads of upload files are paced on a virtual clock, so all
uploads together stay under the cap however many run at once. The cap may change (or be
lifted) while uploads run: the next chunk follows the new value.
"""

from __future__ import annotations

import threading
import time

from app.api.errors import CancelledError


class BandwidthCap:
    """`mbps` megabits a second at most for request bodies (None or 0: no cap)."""

    def __init__(self, mbps: float | None = None) -> None:
        self._lock = threading.Lock()
        self._mbps = _valid(mbps)
        self._free_at = 0.0

    @property
    def mbps(self) -> float | None:
        return self._mbps

    def set(self, mbps: float | None) -> None:
        with self._lock:
            self._mbps = _valid(mbps)

    def take(self, nbytes: int, cancel: threading.Event | None = None) -> None:
        """Wait until `nbytes` more may go out; raises CancelledError when `cancel` is set
        meanwhile (a paced wait never holds up Stop or quitting)."""
        with self._lock:
            mbps = self._mbps
            if not mbps or nbytes <= 0:
                return
            now = time.monotonic()
            start = max(now, self._free_at)  # an idle link banks no time for a burst
            self._free_at = start + nbytes * 8 / (mbps * 1e6)
            # Wait for the start of this chunk's slot: it then goes at line speed, and the
            # slots of all uploads together never exceed the cap.
            delay = start - now
        if delay > 0:
            if cancel is None:
                time.sleep(delay)
            elif cancel.wait(delay):
                raise CancelledError()


def _valid(mbps: float | None) -> float | None:
    if mbps is None or mbps <= 0:
        return None
    return float(mbps)
