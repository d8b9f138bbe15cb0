"""A simulated network link: request bodies arrive no faster than `SimulatorConfig.bandwidth_mbps`.

Tests run on loopback, where a 5 MB photo arrives in milliseconds; a photographer at an event
sends it over 10–20 Mbit/s. One `Link` is shared by every connection of a simulator, as the
venue's uplink is shared by every upload, so parallel uploads split the bandwidth between them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class _Stream(Protocol):
    def read(self, n: int, /) -> bytes: ...
    def readline(self, limit: int, /) -> bytes: ...


JITTER_SLACK = 0.01  # seconds of a late wake-up that the link makes up for


class Link:
    """Paces bytes through one shared pipe: each chunk books the next free slot on a virtual
    clock (first come, first served) and its reader waits until that slot has passed."""

    def __init__(self, stopping: threading.Event) -> None:
        self._lock = threading.Lock()
        self._free_at = 0.0
        self._stopping = stopping

    def carry(self, nbytes: int, mbps: float) -> None:
        """Wait as long as `nbytes` take at `mbps` megabits per second, after the bytes booked
        before them (returns early when the simulator stops)."""
        if nbytes <= 0 or mbps <= 0:
            return
        duration = nbytes * 8 / (mbps * 1e6)
        with self._lock:
            now = time.monotonic()
            # An idle link does not bank unused time for a later burst; but a reader that woke
            # a few ms late does not lose that time either: on a real link the bytes wait in
            # the network's buffers meanwhile, and the sender is not slowed by our scheduling.
            start = max(now - JITTER_SLACK, self._free_at)
            self._free_at = start + duration
            due = self._free_at
        delay = due - time.monotonic()
        if delay > 0:
            self._stopping.wait(delay)


class ThrottledStream:
    """A request's input stream whose reads are paced by a `Link` (when a bandwidth is set:
    the knob is read on every read, so it may change while the simulator runs)."""

    # Small reads keep the pacing smooth and the parallel uploads interleaved.
    MAX_READ = 16 * 1024

    def __init__(self, stream: _Stream, link: Link, mbps: Callable[[], float | None]) -> None:
        self._stream = stream
        self._link = link
        self._mbps = mbps

    def read(self, n: int, /) -> bytes:
        mbps = self._mbps()
        if not mbps:
            return self._stream.read(n)
        data = self._stream.read(min(n, self.MAX_READ))
        self._link.carry(len(data), mbps)
        return data

    def readline(self, limit: int, /) -> bytes:
        line = self._stream.readline(limit)
        mbps = self._mbps()
        if mbps:
            self._link.carry(len(line), mbps)
        return line
