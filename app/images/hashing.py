"""Content hashes: the identity of a photo for duplicates, caches and re-checks.

BLAKE3 over a memory map of the file (bench/hashing.py: 2-4× SHA-256 from the page cache,
close to a plain read from disk). Digests are 64 lowercase hex
characters, as SHA-256 digests were, so stored hashes and cache names keep their shape."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import blake3

HASH_NAME = "blake3"
CHUNK_BYTES = 1024 * 1024
# Below this, mapping the file costs more than reading it.
_MMAP_MIN_BYTES = 64 * 1024
_OPEN_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def hash_file(path: str | os.PathLike[str]) -> str:
    """Hex digest of the file's bytes. Raises OSError like open() does. Thread-safe; the hashing
    itself runs without the GIL.

    Files are memory-mapped (small, special or unmappable ones are read). Caveat of any mapping
    on POSIX: a file truncated by another program during the few milliseconds of the hash
    raises SIGBUS, which ends the process."""
    name = Path(path)
    st = name.stat()
    if stat.S_ISREG(st.st_mode) and st.st_size >= _MMAP_MIN_BYTES:
        try:
            # One thread per file: callers already hash several photos at once (a worker pool),
            # and on 2 cores AUTO threads made it slower, warm (-25%) and from disk (-35%).
            return blake3.blake3(max_threads=1).update_mmap(name).hexdigest()
        except _OPEN_ERRORS:
            raise
        except OSError:
            pass  # file systems that cannot map files (some network and FUSE mounts): read it
    return _hash_streamed(name)


def _hash_streamed(name: Path) -> str:
    digest = blake3.blake3()
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with name.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def hash_bytes(data: bytes) -> str:
    """The digest `hash_file` gives for a file holding `data`."""
    return blake3.blake3(data).hexdigest()


def legacy_hash_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex digest: what earlier versions stored as `content_hash` (job store)."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with Path(path).open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def file_matches(path: str | os.PathLike[str], content_hash: str) -> bool:
    """True when the file's bytes have `content_hash`, in today's form or in the SHA-256 form
    that batches stored by earlier versions carry (checked only when the first one differs)."""
    return hash_file(path) == content_hash or legacy_hash_file(path) == content_hash


def bytes_match(data: bytes, content_hash: str) -> bool:
    """`file_matches` for bytes already read."""
    return hash_bytes(data) == content_hash or hashlib.sha256(data).hexdigest() == content_hash
