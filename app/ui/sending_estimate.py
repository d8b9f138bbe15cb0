"""How long a batch takes to send, as originals and as smaller copies: what the create
confirmation offers when sending would take more than a few minutes (a venue's Wi-Fi).

Built on what was measured when there is something (the engine's upload rate now, else the
rate it measured on an earlier batch of this session), on a typical Wi-Fi link before that, and
never faster than the user's own upload limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.engine.throughput import UploadPace
from app.images.photo import Photo
from app.images.prepare import smaller_copy_estimate

TYPICAL_WIFI_BYTES_PER_S = 20e6 / 8  # 20 Mbit/s: a busy venue's Wi-Fi, before any measurement
OFFER_AFTER_SECONDS = 180.0  # "a few minutes": below that, nobody waits long enough to mind
WORTH_IT = 0.75  # offered only when the copies save at least a quarter of the time


@dataclass(frozen=True)
class SendingEstimate:
    original_seconds: float
    smaller_seconds: float
    measured: bool  # from this connection's measured rate (else a typical Wi-Fi link)
    earlier: bool = False  # measured on an earlier batch: nothing is being sent right now

    @property
    def offer_smaller(self) -> bool:
        return (
            self.original_seconds > OFFER_AFTER_SECONDS
            and self.smaller_seconds <= self.original_seconds * WORTH_IT
        )


def estimate_sending(
    photos: Sequence[Photo], pace: UploadPace | None, limit_mbps: float | None
) -> SendingEstimate:
    """`pace`: what the engine measured (None: no engine); `limit_mbps`: the user's "Use at
    most" (None: no limit)."""
    now = pace.rate if pace is not None else None
    # Once idle, the current rate is gone; the one measured earlier on this link still tells
    # more than a guess.
    measured_rate = now if now is not None else (pace.last_rate if pace is not None else None)
    rate = measured_rate or TYPICAL_WIFI_BYTES_PER_S
    if limit_mbps:
        rate = min(rate, limit_mbps * 1e6 / 8)
    original = sum(p.size for p in photos)
    smaller = sum(smaller_copy_estimate(p) for p in photos)
    return SendingEstimate(
        original / rate,
        smaller / rate,
        measured=measured_rate is not None,
        earlier=now is None and measured_rate is not None,
    )
