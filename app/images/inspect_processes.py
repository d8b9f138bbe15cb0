"""Checking photos (`inspect`) in worker processes, so the window's process keeps its GIL.

`inspect` is mostly Python: Pillow parses headers and EXIF in Python code. On threads it takes
the GIL from the GUI thread in 1 ms slices, thousands of times while a big folder goes in, and
every paint then waits its turn (bench/gui_responsiveness.py). In other processes it competes
for CPU only, which the OS shares far more finely. Hashing and decoding release the GIL anyway.

The processes are started with "spawn" (never fork: the app has threads, Qt's among them) on
first use, or earlier with `warm_up()` on a worker once the window shows; starting costs a few
hundred milliseconds that a drop should not wait for. Should they fail (a broken pool, a system
that refuses to start processes), checking goes on in the calling thread: slower for the window,
never wrong.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from app.images.checks import inspect
from app.images.photo import Photo
from app.images.problems import CORRUPT_MESSAGE, ProblemCode

log = logging.getLogger(__name__)

WAIT_SLICE = 0.05  # how often a waiting caller looks whether it should stop
NICE = 10  # the processes' scheduling priority below the app's (POSIX; Windows: unchanged)


def inspect_all(paths: Sequence[Path]) -> list[Photo]:
    """`inspect` each path; a photo whose check raised (a bug) gets a plain reason instead."""
    photos: list[Photo] = []
    for path in paths:
        try:
            photos.append(inspect(path))
        except Exception:
            log.exception("inspect failed for %s", path.name)
            photos.append(Photo(path=path).fail(ProblemCode.CORRUPT, CORRUPT_MESSAGE))
    return photos


def _ready() -> bool:
    return True


def _lower_priority() -> None:
    """In each worker process: yield the CPU to the window's process (its GUI thread, the
    thumbnails on screen). Checking a big folder is background work."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICE)


class InspectProcesses:
    """A small pool of processes that run `inspect_all`. Thread-safe; `shutdown()` at quit."""

    def __init__(self, workers: int) -> None:
        self._workers = max(1, workers)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._closed = False

    def warm_up(self) -> None:
        """Start the processes now (blocking until they answer): call it on a worker."""
        pool = self._get()
        if pool is None:
            return
        try:
            for future in [pool.submit(_ready) for _ in range(self._workers)]:
                future.result(timeout=60)
        except (BrokenProcessPool, OSError, concurrent.futures.TimeoutError) as e:
            self._fail(e)

    def inspect_chunk(self, paths: Sequence[Path], stop: threading.Event) -> list[Photo]:
        """The photos of `paths`, checked in a worker process (in this thread if processes are
        not available). Returns [] as soon as `stop` is set: the outcome would be dropped."""
        pool = self._get()
        if pool is not None:
            try:
                future: Future[list[Photo]] = pool.submit(inspect_all, list(paths))
            except (BrokenProcessPool, RuntimeError, OSError) as e:
                self._fail(e)
            else:
                while True:
                    if stop.is_set():
                        future.cancel()
                        return []
                    try:
                        return future.result(timeout=WAIT_SLICE)
                    except concurrent.futures.TimeoutError:
                        continue
                    except (BrokenProcessPool, OSError) as e:
                        self._fail(e)
                        break
        photos: list[Photo] = []
        for path in paths:
            if stop.is_set():
                break
            photos.extend(inspect_all([path]))
        return photos

    def shutdown(self) -> None:
        """Stop the processes: queued chunks are dropped, a running one ends with its chunk."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _get(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._closed or self._broken:
                return None
            if self._pool is None:
                try:
                    self._pool = ProcessPoolExecutor(
                        self._workers,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_lower_priority,
                    )
                except (OSError, ValueError) as e:
                    log.warning("Photos are checked in this process: %s", e)
                    self._broken = True
                    return None
            return self._pool

    def _fail(self, error: BaseException) -> None:
        log.warning("Checking photos in other processes failed; checking here instead: %s", error)
        with self._lock:
            self._broken = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
