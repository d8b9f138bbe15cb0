"""Per-batch locks, so that two vimbatch processes on one data folder never work on one batch.

Each batch has a lock file, `<data>/locks/batch-<id>.lock`. An engine works on a batch (sends,
follows, downloads, recovers it) only while it holds that file's OS lock: `fcntl.flock` on
POSIX, `msvcrt.locking` on Windows. The OS drops the lock when the process ends in any way,
kill -9 and power cut included, so a lock never outlives its holder and nothing has to be
cleaned up by hand. Two opens of the file conflict even inside one process (two engines in a
test, or a second window), which is what makes them safe to use as ownership.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

LOCKS_DIR = "locks"


def lock_path(locks_dir: Path, batch_id: int) -> Path:
    return Path(locks_dir) / f"batch-{int(batch_id)}.lock"


def _try_lock(fd: int) -> bool:
    """Take the lock on an open file without waiting: True when this descriptor now holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


class BatchLocks:
    """The batch locks one engine holds. Thread-safe."""

    def __init__(self, locks_dir: Path) -> None:
        self.directory = Path(locks_dir)
        self._lock = threading.Lock()
        self._held: dict[int, int] = {}  # batch id -> open descriptor holding its lock

    def acquire(self, batch_id: int) -> bool:
        """Take the batch's lock if no one holds it (True; also when this object has it)."""
        with self._lock:
            if batch_id in self._held:
                return True
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path(self.directory, batch_id), os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                return False
            try:  # who holds it, for a person looking at the folder; the lock is what counts
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"{os.getpid()}\n".encode())
            except OSError:
                pass
            self._held[batch_id] = fd
            return True

    def holds(self, batch_id: int) -> bool:
        with self._lock:
            return batch_id in self._held

    def held(self) -> set[int]:
        with self._lock:
            return set(self._held)

    def release(self, batch_id: int) -> None:
        with self._lock:
            fd = self._held.pop(batch_id, None)
        if fd is not None:
            _close(fd)

    def release_all(self) -> None:
        with self._lock:
            held = list(self._held.values())
            self._held.clear()
        for fd in held:
            _close(fd)


class NamedLock:
    """One OS lock by name, `<locks dir>/<name>.lock` (e.g. a running event: two watchers of one
    event would each take its photos' outcomes for theirs). Same mechanism as the batch locks:
    the OS drops it when its holder ends in any way. Thread-safe."""

    def __init__(self, locks_dir: Path, name: str) -> None:
        self.path = Path(locks_dir) / f"{name}.lock"
        self._lock = threading.Lock()
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take it if no one holds it (True; also when this object has it)."""
        with self._lock:
            if self._fd is not None:
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                return False
            try:  # who holds it, for a person looking at the folder; the lock is what counts
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"{os.getpid()}\n".encode())
            except OSError:
                pass
            self._fd = fd
            return True

    def release(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            _close(fd)


def _close(fd: int) -> None:
    try:
        _unlock(fd)
    finally:
        os.close(fd)


__all__ = ["LOCKS_DIR", "BatchLocks", "NamedLock", "lock_path"]
