"""How fast photos actually leave this machine: measured, all uploads together.

Estimates of the time left are only honest when built on what was measured: the bytes the
uploads pushed out over the last seconds (the link, whatever it is), and the size of the photos
sent so far. Thread-safe; the upload workers feed it, anyone may read it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

WINDOW_SECONDS = 8.0  # recent enough to follow a changing link, long enough to be steady
MIN_SPAN_SECONDS = 0.5  # below this, a rate is mostly the first socket buffer filling
MIN_BYTES = 128 * 1024


@dataclass(frozen=True)
class UploadPace:
    """`rate`: bytes a second, all uploads together (None until measured); `bytes_per_photo`:
    the mean size of what was sent per photo so far (None before the first)."""

    rate: float | None = None
    bytes_per_photo: float | None = None


class ThroughputMeter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: deque[tuple[float, int]] = deque()
        self._photos = 0
        self._photo_bytes = 0

    def add(self, nbytes: int) -> None:
        """`nbytes` more left the machine just now."""
        if nbytes <= 0:
            return
        now = time.monotonic()
        with self._lock:
            self._samples.append((now, nbytes))
            self._trim(now)

    def photo_sent(self, nbytes: int) -> None:
        """One photo's whole body went out (`nbytes`)."""
        if nbytes <= 0:
            return
        with self._lock:
            self._photos += 1
            self._photo_bytes += nbytes

    def pace(self) -> UploadPace:
        now = time.monotonic()
        with self._lock:
            self._trim(now)
            per_photo = self._photo_bytes / self._photos if self._photos else None
            if not self._samples:
                return UploadPace(None, per_photo)
            first = self._samples[0][0]
            total = sum(n for _, n in self._samples)
            # Until now, not until the last sample: a stalled link shows as a falling rate.
            span = now - first
            if span < MIN_SPAN_SECONDS or total < MIN_BYTES:
                return UploadPace(None, per_photo)
            return UploadPace(total / span, per_photo)

    def _trim(self, now: float) -> None:
        while self._samples and now - self._samples[0][0] > WINDOW_SECONDS:
            self._samples.popleft()
