"""How fast photos actually leave this machine: measured, all uploads together.

Estimates of the time left are only honest when built on what was measured: the bytes the
uploads pushed out over the last seconds (the link, whatever it is), and the size of the photos
sent so far. Thread-safe; the upload workers feed it, anyone may read it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

WINDOW_SECONDS = 8.0  # recent enough to follow a changing link, long enough to be steady
MIN_SPAN_SECONDS = 0.5  # below this, a rate is mostly the first socket buffer filling
MIN_BYTES = 128 * 1024


@dataclass(frozen=True)
class UploadPace:
    """`rate`: bytes a second, all uploads together, now (None until measured, and again once
    the uploads have been still for a while); `bytes_per_photo`: the mean size of what was sent
    per photo so far (None before the first); `batch_bytes_per_photo`: each batch's own mean
    size per photo, as prepared for sending (originals and smaller copies differ ~4×: a batch
    is never timed with another's sizes); `last_rate`: the rate measured most recently this
    session, kept while nothing is sent (for the next batch's estimate)."""

    rate: float | None = None
    bytes_per_photo: float | None = None
    batch_bytes_per_photo: Mapping[int, float] = field(default_factory=dict)
    last_rate: float | None = None

    def per_photo(self, batch_id: int) -> float | None:
        """The bytes a photo of `batch_id` sends: its batch's own, else the session's mean."""
        return self.batch_bytes_per_photo.get(batch_id, self.bytes_per_photo)


class ThroughputMeter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: deque[tuple[float, int]] = deque()
        self._photos = 0
        self._photo_bytes = 0
        self._batches: dict[int, tuple[int, int]] = {}  # batch id: (photos, bytes) as prepared
        self._last_rate: float | None = None

    def add(self, nbytes: int) -> None:
        """`nbytes` more left the machine just now."""
        if nbytes <= 0:
            return
        now = time.monotonic()
        with self._lock:
            self._samples.append((now, nbytes))
            self._trim(now)

    def photo_started(self, batch_id: int, nbytes: int) -> None:
        """A photo of `batch_id` started going out; `nbytes`: its size as prepared (an original
        or a smaller copy). Counted once per photo, at its first attempt."""
        if nbytes <= 0:
            return
        with self._lock:
            photos, total = self._batches.get(batch_id, (0, 0))
            self._batches[batch_id] = (photos + 1, total + nbytes)

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
            batches = {b: total / n for b, (n, total) in self._batches.items()}
            rate: float | None = None
            if self._samples:
                first = self._samples[0][0]
                total = sum(n for _, n in self._samples)
                # Until now, not until the last sample: a stalled link shows as a falling rate.
                span = now - first
                if span >= MIN_SPAN_SECONDS and total >= MIN_BYTES:
                    rate = total / span
                    self._last_rate = rate
            return UploadPace(rate, per_photo, batches, self._last_rate)

    def _trim(self, now: float) -> None:
        while self._samples and now - self._samples[0][0] > WINDOW_SECONDS:
            self._samples.popleft()
