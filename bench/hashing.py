"""Hash throughput against a plain read of the same files (target ≥ 0.8×).

    .venv/bin/python bench/hashing.py [--count 200]

Uses the JPEGs of bench/thumbnails.py. Both the plain read and the hash use the same 1 MiB
chunked loop on a ThreadPoolExecutor(2). Measured twice: from the page cache (warm, memory
speed) and from disk (each file's cached pages dropped first with posix_fadvise DONTNEED, which
touches only these files).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from thumbnails import ensure_jpegs  # noqa: E402

from app.images import hash_file  # noqa: E402
from app.images.hashing import CHUNK_BYTES, HASH_NAME  # noqa: E402

WORKERS = 2


def plain_read(path: Path) -> int:
    buffer = bytearray(CHUNK_BYTES)
    total = 0
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            total += n
    return total


def drop_cache(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def timed(fn: Callable[[Path], object], paths: list[Path], cold: bool) -> float:
    if cold:
        drop_cache(paths)
    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(fn, paths))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    paths = ensure_jpegs(args.count)
    mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"{len(paths)} files, {mb:.0f} MB, {HASH_NAME}, {WORKERS} threads")
    can_drop = hasattr(os, "posix_fadvise")
    for cold in (False, True) if can_drop else (False,):
        label = "from disk " if cold else "warm cache"
        if not cold:
            plain_read_all = [plain_read(p) for p in paths]  # warm up
            assert sum(plain_read_all) > 0
        read = min(timed(plain_read, paths, cold) for _ in range(3))
        hashed = min(timed(hash_file, paths, cold) for _ in range(3))
        print(f"  {label}: plain read {mb / read:7.0f} MB/s, hash {mb / hashed:7.0f} MB/s")
        print(f"RESULT hash vs plain read, {label}: {read / hashed:.2f}× (target ≥ 0.8×)")


if __name__ == "__main__":
    main()
