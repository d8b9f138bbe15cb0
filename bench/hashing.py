"""Hash throughput against a plain read of the same files (target ≥ 0.8×).

    .venv/bin/python bench/hashing.py [--count 200]

Uses the photo-like JPEGs of bench/thumbnails.py. The plain read is a 1 MiB `readinto` loop;
the hash is `hash_file` as the app runs it (BLAKE3 over a memory map, one thread per file), with
the streamed BLAKE3 fallback, update_mmap on AUTO threads and the former SHA-256 for reference.
The machine is shared: figures move by ±30% between runs; compare within one run. Every path runs on a
ThreadPoolExecutor(2). Measured twice: from the page cache (warm, memory speed) and from disk
(each file's cached pages dropped with posix_fadvise DONTNEED before every pass, which touches
only these files).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import blake3  # noqa: E402
from thumbnails import ensure_jpegs  # noqa: E402

from app.images import hash_file  # noqa: E402
from app.images.hashing import CHUNK_BYTES, HASH_NAME, _hash_streamed  # noqa: E402

WORKERS = 2
ROUNDS = 3


def plain_read(path: Path) -> int:
    buffer = bytearray(CHUNK_BYTES)
    total = 0
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            total += n
    return total


def sha256_streamed(path: Path) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def blake3_mmap_auto(path: Path) -> str:
    """update_mmap on as many threads as there are cores, per file (not what the app does)."""
    return blake3.blake3(max_threads=blake3.blake3.AUTO).update_mmap(path).hexdigest()


def drop_cache(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fdatasync(fd)  # dirty pages (a freshly made corpus) cannot be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def timed(fn: Callable[[Path], object], paths: list[Path], cold: bool) -> float:
    best = 1e9
    for _ in range(ROUNDS):
        if cold:
            drop_cache(paths)
        started = time.perf_counter()
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(fn, paths))
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    paths = ensure_jpegs(args.count)
    mb = sum(p.stat().st_size for p in paths) / 1e6
    print(
        f"{len(paths)} files, {mb:.0f} MB, {HASH_NAME} (mmap), {WORKERS} threads, best of {ROUNDS}"
    )
    assert hash_file(paths[0]) == _hash_streamed(paths[0])  # both paths give the same digest
    modes = (False, True) if hasattr(os, "posix_fadvise") else (False,)
    for cold in modes:
        label = "from disk " if cold else "warm cache"
        if not cold:
            for p in paths:
                plain_read(p)  # warm up
        read = timed(plain_read, paths, cold)
        hashed = timed(hash_file, paths, cold)
        streamed = timed(_hash_streamed, paths, cold)
        auto = timed(blake3_mmap_auto, paths, cold)
        sha = timed(sha256_streamed, paths, cold)
        print(
            f"  {label}: plain read {mb / read:6.0f} MB/s | hash_file {mb / hashed:6.0f} MB/s | "
            f"blake3 streamed {mb / streamed:6.0f} MB/s | mmap AUTO threads {mb / auto:6.0f} MB/s | "
            f"sha256 {mb / sha:6.0f} MB/s"
        )
        print(
            f"RESULT hash vs plain read, {label}: {read / hashed:.2f}× (target ≥ 0.8×); "
            f"streamed blake3 {read / streamed:.2f}×, mmap AUTO {read / auto:.2f}×, "
            f"former sha256 {read / sha:.2f}×"
        )


if __name__ == "__main__":
    main()
