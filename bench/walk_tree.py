"""Walking a tree of 10,000 files: time and files per second.

    .venv/bin/python bench/walk_tree.py [--files 10000]

The tree (kept in bench/out/) has 100 folders of 100 entries in two levels: mostly .jpg, plus
sidecar .xmp files, hidden files and a folder link loop, as on a real shared drive.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.images import walk  # noqa: E402

TREE = ROOT / "bench" / "out" / "tree"


def ensure_tree(files: int) -> Path:
    root = TREE / str(files)
    marker = root / ".complete"
    if marker.exists():
        return root
    print(f"making a tree of {files} files in {root} (once) ...", flush=True)
    per_folder = 100
    for i in range(files):
        folder = root / f"event-{i // (per_folder * 10):03d}" / f"card-{i // per_folder:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = i % 20
        name = (
            f"IMG_{i:05d}.xmp"
            if kind == 0
            else f".IMG_{i:05d}.jpg"
            if kind == 1
            else f"IMG_{i:05d} é.jpg"
        )
        (folder / name).write_bytes(b"\xff\xd8\xff\xd9")
    (root / "event-000" / "loop").symlink_to(root, target_is_directory=True)
    marker.touch()
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    root = ensure_tree(args.files)
    times = []
    for round_ in range(5):
        started = time.perf_counter()
        result = walk([root])
        times.append(time.perf_counter() - started)
        if round_ == 0:
            print(
                f"  found {len(result.files)} photos, skipped {len(result.skipped)} other files, "
                f"{len(result.problems)} problem(s) reported (the loop)"
            )
    best = min(times)
    print(f"  rounds: {', '.join(f'{t * 1000:.0f} ms' for t in times)}")
    print(
        f"RESULT walk of {args.files} files: {best * 1000:.0f} ms, "
        f"{args.files / best:,.0f} files/s (best of 5, warm file-system cache)"
    )


if __name__ == "__main__":
    main()
