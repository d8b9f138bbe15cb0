"""Streamed content hashes: the identity of a photo for duplicates, caches and re-checks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# SHA-256 rather than BLAKE2b: with the SHA extensions of current x86 and ARM CPUs it runs at
# ~1 GB/s here against ~440 MB/s for blake2b, and the simulator records uploads by SHA-256 too.
HASH_NAME = "sha256"
CHUNK_BYTES = 1024 * 1024


def hash_file(path: str | os.PathLike[str]) -> str:
    """Hex digest of the file's bytes, read in 1 MiB chunks (hashlib releases the GIL, so worker
    threads hash in parallel). Raises OSError like open() does."""
    digest = hashlib.new(HASH_NAME)
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with Path(path).open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def hash_bytes(data: bytes) -> str:
    return hashlib.new(HASH_NAME, data).hexdigest()
