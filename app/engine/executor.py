"""Where the engine's network work runs: an Executor hands each task to some worker thread.

The GUI passes an adapter over its QThreadPool; the command line and tests use ThreadExecutor.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Executor(Protocol):
    def submit(self, fn: Callable[[], None]) -> None:
        """Run `fn` soon on a worker thread. The engine's tasks never raise."""
        ...


class ThreadExecutor:
    """An Executor on plain threads; call `shutdown` when done.

    Its threads are daemons: a task stuck in a call that cannot be interrupted must not keep
    the process alive after the engine stopped (the engine's shutdown gives work in flight a
    short grace; what it had reached is in the store). Idle threads end after a while."""

    def __init__(self, max_workers: int = 8, idle_seconds: float = 30.0) -> None:
        self._max = max(1, max_workers)
        self._idle_seconds = idle_seconds
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._closed = False

    def submit(self, fn: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the executor was shut down")
            self._queue.put(fn)
            # A new thread only when more tasks wait than threads wait for tasks.
            if self._queue.qsize() <= self._idle or len(self._threads) >= self._max:
                return
            thread = threading.Thread(
                target=self._work, name=f"vimbatch-{len(self._threads) + 1}", daemon=True
            )
            self._threads.add(thread)
        thread.start()

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            with self._lock:
                self._idle += 1
            try:
                fn = self._queue.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    self._idle -= 1
                    if self._queue.empty():
                        self._threads.discard(me)
                        return
                continue
            with self._lock:
                self._idle -= 1
            if fn is None:
                with self._lock:
                    self._threads.discard(me)
                return
            try:
                fn()
            except Exception:
                log.exception("A task raised (tasks are meant to catch their errors)")

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> None:
        """No new tasks; queued ones are dropped. With `wait`, wait for running ones (at most
        `timeout` seconds)."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            # Drop what waits, then wake every thread to end.
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            for _ in threads:
                self._queue.put(None)
        if wait:
            deadline = None if timeout is None else time.monotonic() + timeout
            for thread in threads:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                if thread is not threading.current_thread():
                    thread.join(remaining)
