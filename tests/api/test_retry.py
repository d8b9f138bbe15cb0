"""Back-off, Retry-After and the rate governor: pure timing logic with short waits."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.api import CancelledError, RateGovernor, RetryPolicy, parse_retry_after
from app.api.retry import sleep


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now)
        == 30.0
    )
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("later please") is None
    assert parse_retry_after("inf") is None


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, jitter=0.5)
    for n, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (10, 5.0)]:
        values = {policy.backoff(n) for _ in range(50)}
        assert all(ceiling * 0.5 <= v <= ceiling for v in values)
        assert len(values) > 1  # jittered
    assert RetryPolicy(jitter=0).delay(1, 9.0) == 9.0  # Retry-After wins


def test_sleep_is_interrupted_by_cancel() -> None:
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        sleep(10, cancel)
    assert time.monotonic() - started < 2


def test_governor_penalty_holds_every_thread() -> None:
    governor = RateGovernor()
    assert governor.delay_remaining() == 0
    governor.penalize("h", 0.3)
    assert 0.2 < governor.delay_remaining("h") <= 0.3
    assert governor.delay_remaining("other") == 0
    governor.penalize("h", 0.01)  # never shortens
    assert governor.delay_remaining("h") > 0.2
    finished: list[float] = []
    started = time.monotonic()

    def worker() -> None:
        governor.wait("h")
        finished.append(time.monotonic() - started)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    governor.wait("other")  # another host is not held
    assert time.monotonic() - started < 0.2
    for t in threads:
        t.join(5)
    assert len(finished) == 3 and min(finished) >= 0.25


def test_governor_wait_is_cancellable() -> None:
    governor = RateGovernor()
    governor.penalize("h", 30)
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    with pytest.raises(CancelledError):
        governor.wait("h", cancel)


def test_governor_min_interval_spaces_requests() -> None:
    governor = RateGovernor(min_interval=0.05)
    started = time.monotonic()
    for _ in range(4):
        governor.wait("h")
    assert time.monotonic() - started >= 0.14
