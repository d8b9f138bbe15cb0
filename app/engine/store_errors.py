"""What went wrong with the job store, told apart: the advice differs, and following the wrong
advice (moving a healthy job list away) loses the record of what was sent, which leads to
photos being created twice.

Every failure of the SQLite file reaches callers as one of these typed errors (JobStore
translates them); `str(error)` is the plain-language message for the user."""

from __future__ import annotations

import errno
import os
from pathlib import Path

# SQLite's primary result codes (https://sqlite.org/rescode.html)
_PERM, _BUSY, _LOCKED, _READONLY = 3, 5, 6, 8
_CORRUPT, _FULL, _CANTOPEN, _NOTADB = 11, 13, 14, 26


class StoreError(Exception):
    """The job list could not be read or written; `.user_message` says why and what to do."""

    def __init__(self, user_message: str, *, path: Path, detail: str = "") -> None:
        self.user_message = user_message
        self.path = path
        self.detail = detail  # SQLite's or the OS's words, for the log
        super().__init__(user_message)

    def __str__(self) -> str:
        return self.user_message


class StoreDamagedError(StoreError):
    """The file is not a readable SQLite database any more. Never touched by vimbatch."""


class StoreReadOnlyError(StoreError):
    """The file or its folder may not be written (read-only disk, permissions)."""


class StoreFullError(StoreError):
    """The disk holding the job list is full."""


class StoreLockedError(StoreError):
    """Another program keeps the file locked for longer than vimbatch waits."""


class StoreUnavailableError(StoreError):
    """Any other failure reading or writing the file (a disk error, a vanished drive)."""


def damaged_message(path: Path) -> str:
    return (
        f"vimbatch's job list ({path.name}) is damaged and cannot be read. vimbatch has not "
        "changed it. Keep a copy of it. Only if you move it out of its folder will vimbatch "
        "start with an empty job list, and then it forgets which photos were already sent "
        "(sending them again may create them twice and use credit), the results not yet "
        "saved, and changes not yet sent to Vimmerse."
    )


def read_only_message(path: Path) -> str:
    return (
        f"vimbatch cannot write to its job list ({path.name}): the disk or folder is read-only "
        "or vimbatch may not write there. Nothing was lost. Make it writable, then Resume."
    )


FULL_MESSAGE = "The disk holding vimbatch's job list is full: free some space, then Resume."
LOCKED_MESSAGE = (
    "vimbatch's job list is locked by another program (perhaps a backup or sync tool). Nothing "
    "was lost. Close that program or wait for it to finish, then Resume."
)


def unavailable_message(path: Path) -> str:
    return (
        f"vimbatch could not read or write its job list ({path.name}); the disk may have a "
        "problem or may have been removed. Nothing in it was changed. Check the disk, then Resume."
    )


def store_error(exc: BaseException, path: Path) -> StoreError:
    """The typed error for a failure of the store at `path` (a sqlite3.Error or an OSError)."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError):
        return _from_errno(exc.errno, path, detail)
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return StoreDamagedError(damaged_message(path), path=path, detail=detail)
    if primary == _FULL or "disk is full" in text:
        return StoreFullError(FULL_MESSAGE, path=path, detail=detail)
    if primary in (_READONLY, _PERM) or "readonly" in text or "read-only" in text:
        return StoreReadOnlyError(read_only_message(path), path=path, detail=detail)
    if primary in (_BUSY, _LOCKED) or "locked" in text:
        return StoreLockedError(LOCKED_MESSAGE, path=path, detail=detail)
    if primary == _CANTOPEN and _folder_read_only(path):
        return StoreReadOnlyError(read_only_message(path), path=path, detail=detail)
    return StoreUnavailableError(unavailable_message(path), path=path, detail=detail)


def _from_errno(number: int | None, path: Path, detail: str) -> StoreError:
    if number in (errno.ENOSPC, errno.EDQUOT):
        return StoreFullError(FULL_MESSAGE, path=path, detail=detail)
    if number in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnlyError(read_only_message(path), path=path, detail=detail)
    return StoreUnavailableError(unavailable_message(path), path=path, detail=detail)


def _folder_read_only(path: Path) -> bool:
    folder = path.parent
    return folder.is_dir() and not os.access(folder, os.W_OK)


__all__ = [
    "FULL_MESSAGE",
    "LOCKED_MESSAGE",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreReadOnlyError",
    "StoreUnavailableError",
    "damaged_message",
    "store_error",
]
