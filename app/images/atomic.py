"""Writing cache files so that readers never see half a file and concurrent writers never clash."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write_with(dest: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file in the same folder, then rename over `dest`: two threads or
    processes making the same content-addressed file both succeed, and the last rename wins."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-", suffix=dest.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        Path(tmp).replace(dest)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def atomic_write_bytes(dest: Path, data: bytes) -> None:
    atomic_write_with(dest, lambda f: f.write(data))
