"""One timer thread with a heap of due tasks, handing each to the Executor when its time comes.

This is how poll back-off, retry delays and rate-governor waits happen without any worker (or
upload slot) sleeping: a waiting task is just an entry in the heap.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Collection, Hashable

from app.engine.executor import Executor


class Scheduler:
    """Runs tasks after a delay. A `key` names a task so it can be replaced or cancelled
    (scheduling a key again replaces the earlier entry)."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Hashable | None, Callable[[], None]]] = []
        self._live: dict[Hashable, int] = {}  # key -> sequence number of its current entry
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopped = False
        # (key,) of a due entry out of the heap that the executor has not taken yet
        self._handing: tuple[Hashable | None] | None = None

    def call_later(self, delay: float, fn: Callable[[], None], key: Hashable | None = None) -> None:
        with self._cond:
            if self._stopped:
                return
            seq = next(self._counter)
            if key is not None:
                self._live[key] = seq
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, delay), seq, key, fn))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="vimbatch-scheduler", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def cancel(self, key: Hashable) -> None:
        with self._cond:
            self._live.pop(key, None)

    def pending(self, exclude: Collection[Hashable] = ()) -> int:
        """Entries still waiting (cancelled ones and those keyed in `exclude` left out), and the
        one being handed to the executor: until the executor has it, nothing else shows it."""
        with self._cond:
            handing = self._handing is not None and self._handing[0] not in exclude
            return int(handing) + sum(
                1
                for _, seq, key, _ in self._heap
                if key is None or (self._live.get(key) == seq and key not in exclude)
            )

    def stop(self) -> None:
        """Drop every waiting task and end the timer thread."""
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._live.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        break
                    timeout = self._heap[0][0] - now if self._heap else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _, seq, key, fn = heapq.heappop(self._heap)
                if key is not None:
                    if self._live.get(key) != seq:
                        continue  # replaced or cancelled
                    del self._live[key]
                self._handing = (key,)
            try:
                self._executor.submit(fn)
            finally:
                with self._cond:
                    self._handing = None
