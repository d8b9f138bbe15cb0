"""HEIC grid thumbnails: the embedded preview (libheif through ctypes) vs a full decode.

    .venv/bin/python bench/heic_thumbnails.py [--count 6]

Makes (once, kept in bench/out/) 12 MP HEICs like an iPhone's (4032×3024, every other one turned
by EXIF orientation 6), each written twice by pillow-heif: with a 320 px embedded thumbnail and
without one. Then times `thumbnail_bytes` (256 px box, one image at a time, wall and process CPU time):
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


def per_image_ms(
    fn: Callable[[Path], object], paths: list[Path], rounds: int = 3
) -> tuple[float, float]:
    """Median (wall ms, CPU ms) per image, one image at a time. CPU is the whole process's:
    libheif decodes on threads of its own, which a per-thread clock would miss."""
    for p in paths:
        p.read_bytes()  # page cache warm
    walls, cpus = [], []
    for _ in range(rounds):
        for p in paths:
            wall, cpu = time.perf_counter(), time.process_time()
            fn(p)
            walls.append(1000 * (time.perf_counter() - wall))
            cpus.append(1000 * (time.process_time() - cpu))
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=6)
    args = parser.parse_args()
    with_thumb, without = ensure_heics(args.count)
    mb = sum(p.stat().st_size for p in without) / len(without) / 1e6
    print(f"{args.count} HEIC 4032×3024 ({mb:.1f} MB each), 256 px thumbnails, one at a time")

    embedded = per_image_ms(thumbnail_bytes, with_thumb)
    fallback = per_image_ms(thumbnail_bytes, without, rounds=1)
    real = thumbnails_module._heif_embedded
    thumbnails_module._heif_embedded = lambda path, size: None  # type: ignore[assignment]
    try:
        before = per_image_ms(thumbnail_bytes, with_thumb, rounds=1)
    finally:
        thumbnails_module._heif_embedded = real
    for label, (wall, cpu) in (
        ("with embedded thumbnail (libheif, ctypes)", embedded),
        ("same files, embedded path off (before)", before),
        ("without embedded thumbnail (full decode)", fallback),
    ):
        print(f"  {label:<44} {wall:7.1f} ms wall  {cpu:7.1f} ms CPU")
    print(
        f"RESULT HEIC thumbnail: {embedded[0]:.1f} ms ({embedded[1]:.1f} ms CPU) with the "
        f"embedded thumbnail vs {before[0]:.0f} ms ({before[1]:.0f} ms CPU) before: "
        f"{before[1] / embedded[1]:.0f}× less CPU; without one {fallback[0]:.0f} ms "
        f"({fallback[1]:.0f} ms CPU, the full decode as before)"
    )


if __name__ == "__main__":
    main()
