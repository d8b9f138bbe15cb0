"""Where the engine's network work runs: an Executor hands each task to some worker thread.

The GUI passes an adapter over its QThreadPool; the command line and tests use ThreadExecutor.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol


class Executor(Protocol):
    def submit(self, fn: Callable[[], None]) -> None:
        """Run `fn` soon on a worker thread. The engine's tasks never raise."""
        ...


class ThreadExecutor:
    """An Executor on plain threads (daemon-free; call `shutdown` when done)."""

    def __init__(self, max_workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="vimbatch")

    def submit(self, fn: Callable[[], None]) -> None:
        self._pool.submit(fn)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
