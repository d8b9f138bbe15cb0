"""Building the store, the client and the engine from key + server address + data folder.

The one place where the command line and the GUI put the parts together.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.api import DEFAULT_BASE_URL, RateGovernor, RetryPolicy, WorkflowClient
from app.engine.engine import Engine
from app.engine.executor import Executor
from app.engine.keys import load_key
from app.engine.polling import Backoff, PollPolicy
from app.engine.store import JobStore
from app.logs import hide_secret
from app.paths import cache_dir, data_dir

BASE_URL_ENV = "VIMBATCH_BASE_URL"

# One governor per server for the whole process: a 429 seen by one client slows every client.
_governors: dict[str, RateGovernor] = {}


def resolve_base_url(arg: str | None = None) -> str:
    """The server: the argument, else $VIMBATCH_BASE_URL, else the real Vimmerse API."""
    return (arg or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).strip()


def open_store(data: str | os.PathLike[str] | None = None) -> JobStore:
    return JobStore.open(data_dir(data))


def make_client(
    key: str | None,
    base_url: str,
    *,
    max_connections: int = 16,
    retry: RetryPolicy | None = None,
) -> WorkflowClient:
    """A client for `base_url` (ValueError in plain words when the address is not usable)."""
    hide_secret(key)  # whatever the client or a library logs, the key never reaches the log
    governor = _governors.setdefault(base_url.rstrip("/"), RateGovernor())
    return WorkflowClient(
        key, base_url, governor=governor, max_connections=max_connections, retry=retry
    )


def quick_timings(seconds: float) -> tuple[PollPolicy, Backoff, RetryPolicy]:
    """Every wait scaled to `seconds` (tests and demos): poll, retry back-off, client retries."""
    return (
        PollPolicy(first=seconds, factor=1.6, cap=seconds * 4),
        Backoff(base=seconds, cap=seconds * 4),
        RetryPolicy(base_delay=seconds / 2, max_delay=seconds * 2, max_retry_after=seconds * 4),
    )


def build_engine(
    *,
    base_url: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    key: str | None = None,
    executor: Executor | None = None,
    concurrency: int = 4,
    error_reports: bool = True,
    poll: PollPolicy | None = None,
    backoff: Backoff | None = None,
    retry: RetryPolicy | None = None,
) -> Engine:
    """An engine on the store in `data_dir` talking to `base_url`; `key` None: the stored key."""
    if key is None:
        stored = load_key()
        key = stored.value if stored is not None else None
    store = open_store(data_dir)
    client = make_client(
        key, resolve_base_url(base_url), max_connections=max(16, concurrency + 4), retry=retry
    )
    return Engine(
        store,
        client,
        executor=executor,
        concurrency=concurrency,
        cache_dir=cache_dir(Path(store.path).parent),
        error_reports=error_reports,
        poll=poll,
        backoff=backoff,
    )
