"""HEIC grid thumbnails: the embedded preview (libheif through ctypes) vs a full decode.

    .venv/bin/python bench/heic_thumbnails.py [--count 6]

Makes (once, kept in bench/out/) 12 MP HEICs like an iPhone's (4032×3024, every other one turned
by EXIF orientation 6), each written twice by pillow-heif: with a 320 px embedded thumbnail and
without one. Then times `thumbnail_bytes` (256 px box, one thread, CPU time per image):
- with the embedded thumbnail (the new path),
- the same files with the embedded path switched off (what every HEIC cost before),
- files without a thumbnail (the fallback: a full decode, as before).
pillow-heif is only used to write the files (it can encode; the app reads through pi-heif).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.images import thumbnail_bytes  # noqa: E402
from app.images import thumbnails as thumbnails_module  # noqa: E402
from bench.thumbnails import photo_like  # noqa: E402

OUT = ROOT / "bench" / "out" / "heic-4032x3024"
SIZE = (4032, 3024)


def ensure_heics(count: int) -> tuple[list[Path], list[Path]]:
    import pillow_heif

    OUT.mkdir(parents=True, exist_ok=True)
    with_thumb = [OUT / f"thumb-{i:02d}.heic" for i in range(count)]
    without = [OUT / f"plain-{i:02d}.heic" for i in range(count)]
    for i in range(count):
        if with_thumb[i].exists() and without[i].exists():
            continue
        print(f"  encoding HEIC {i + 1}/{count} (once) ...", flush=True)
        im = photo_like(i).resize(SIZE)
        exif = Image.Exif()
        if i % 2:
            exif[0x0112] = 6
        for path, thumbs in ((with_thumb[i], [320]), (without[i], [])):
            heif = pillow_heif.from_pillow(im)
            tmp = path.with_suffix(".part")
            heif.save(tmp, format="HEIF", quality=85, exif=exif.tobytes(), thumbnails=thumbs)
            tmp.replace(path)
    return with_thumb, without


def cpu_ms(fn: Callable[[Path], object], paths: list[Path], rounds: int = 3) -> float:
    """Median CPU milliseconds per image (one thread; CPU time is what a shared machine
    disturbs least)."""
    for p in paths:
        p.read_bytes()  # page cache warm
    samples = []
    for _ in range(rounds):
        for p in paths:
            started = time.thread_time()
            fn(p)
            samples.append(1000 * (time.thread_time() - started))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=6)
    args = parser.parse_args()
    with_thumb, without = ensure_heics(args.count)
    mb = sum(p.stat().st_size for p in without) / len(without) / 1e6
    print(f"{args.count} HEIC 4032×3024 ({mb:.1f} MB each), 256 px thumbnails, one thread")

    embedded = cpu_ms(thumbnail_bytes, with_thumb)
    fallback = cpu_ms(thumbnail_bytes, without, rounds=1)
    real = thumbnails_module._heif_embedded
    thumbnails_module._heif_embedded = lambda path, size: None  # type: ignore[assignment]
    try:
        before = cpu_ms(thumbnail_bytes, with_thumb, rounds=1)
    finally:
        thumbnails_module._heif_embedded = real
    print(f"  with embedded thumbnail (libheif, ctypes)   {embedded:8.1f} ms/image")
    print(f"  same files, embedded path off (before)     {before:8.1f} ms/image")
    print(f"  without embedded thumbnail (full decode)   {fallback:8.1f} ms/image")
    print(
        f"RESULT HEIC thumbnail: {embedded:.1f} ms with embedded thumbnail vs {before:.0f} ms "
        f"before ({before / embedded:.0f}× faster); {fallback:.0f} ms without one (full decode)"
    )


if __name__ == "__main__":
    main()
