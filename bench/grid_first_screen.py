"""First screen of the grid: 2,000 camera JPEGs dropped at once, with and without EXIF previews.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/grid_first_screen.py [--photos 2000] [--runs 2]

Two folders of 4000×3000 textured JPEGs (q90, ~2.6 MB, every fourth turned by EXIF orientation
6), made once in bench/out/ (~5 GB each; `--clean` removes them afterwards): one where every file
carries a 160×120 EXIF preview as cameras write it, one without. Files differ by a comment
segment, so none is a duplicate of another. For each folder, the real window (1280×800,
offscreen) gets the folder dropped with an empty thumbnail cache, and the bench times, from the
drop:
- first screen: every cell the grid shows holds a picture (camera preview or thumbnail);
- accurate: every cell shown holds its decoded thumbnail.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from bench.thumbnails import photo_like  # noqa: E402

OUT = ROOT / "bench" / "out"
WITH = OUT / "first-screen-with-previews"
WITHOUT = OUT / "first-screen-without-previews"
BASES = 8  # distinct pictures; files differ by a comment, so hashes differ


def exif_segment(orientation: int, preview: bytes | None) -> bytes:
    """An APP1 EXIF segment: orientation in IFD0, the preview (if any) in IFD1."""
    e = "<"
    header = b"II*\x00" + struct.pack(e + "I", 8)
    entries = 1
    ifd0 = struct.pack(e + "H", entries) + struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0)
    if preview is None:
        tiff = header + ifd0 + struct.pack(e + "I", 0)
    else:
        ifd1_at = 8 + len(ifd0) + 4
        data_at = ifd1_at + 2 + 3 * 12 + 4
        ifd1 = struct.pack(e + "H", 3)
        ifd1 += struct.pack(e + "HHIHH", 0x0103, 3, 1, 6, 0)
        ifd1 += struct.pack(e + "HHII", 0x0201, 4, 1, data_at)
        ifd1 += struct.pack(e + "HHII", 0x0202, 4, 1, len(preview))
        ifd1 += struct.pack(e + "I", 0)
        tiff = header + ifd0 + struct.pack(e + "I", ifd1_at) + ifd1 + preview
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def ensure(count: int) -> None:
    if len(list(WITH.glob("*.jpg"))) >= count and len(list(WITHOUT.glob("*.jpg"))) >= count:
        return
    print(f"making {count} + {count} JPEGs 4000×3000 (once) ...", flush=True)
    started = time.perf_counter()
    bases: list[tuple[bytes, bytes]] = []
    for seed in range(BASES):
        im = photo_like(500 + seed)
        out = io.BytesIO()
        im.save(out, "JPEG", quality=90)
        small = io.BytesIO()
        im.resize((160, 120), Image.Resampling.BILINEAR).save(small, "JPEG", quality=80)
        data = out.getvalue()
        # Drop SOI and the JFIF APP0 that Pillow writes: the EXIF segment goes first instead.
        assert data[:4] == b"\xff\xd8\xff\xe0"
        app0_end = 4 + struct.unpack(">H", data[4:6])[0]
        bases.append((data[app0_end:], small.getvalue()))
    for folder in (WITH, WITHOUT):
        folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        rest, preview = bases[i % BASES]
        orientation = 6 if i % 4 == 0 else 1
        comment = f"vimbatch bench photo {i}".encode()
        com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
        for folder, with_preview in ((WITH, True), (WITHOUT, False)):
            path = folder / f"IMG_{i:04d}.jpg"
            if path.exists():
                continue
            seg = exif_segment(orientation, preview if with_preview else None)
            path.write_bytes(b"\xff\xd8" + seg + com + rest)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)


def run_until(condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(5)
    check.timeout.connect(
        lambda: (condition() or time.perf_counter() - t0 > timeout) and loop.quit()
    )
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    return time.perf_counter() - t0


def measure(folder: Path, tmp: Path) -> tuple[float, float, int]:
    from app.ui.image_grid import CELL
    from app.ui.main_window import MainWindow
    from app.ui.workers import Workers

    workers = Workers()
    window = MainWindow(workers, data_dir=tmp / "data", base_url="http://127.0.0.1:9")
    try:
        window.resize(1280, 800)
        window.show()
        workers.warm_up()  # as run_gui does once the window shows
        run_until(lambda: False, 1.5)
        model, view = window.photos, window.grid
        total = len(list(folder.glob("*.jpg")))

        def shown_rows() -> list[int]:
            viewport = view.viewport().rect()
            rows = []
            for row in range(min(model.rowCount(), 400)):
                if view.visualRect(model.index(row)).intersects(viewport):
                    rows.append(row)
            return rows

        viewport = view.viewport().rect()
        capacity = max(1, viewport.width() // CELL.width()) * -(-viewport.height() // CELL.height())

        def screen_full() -> bool:
            return model.rowCount() >= min(total, capacity)

        first: list[float] = []
        accurate: list[float] = []
        started = time.perf_counter()

        def check() -> bool:
            if not screen_full():
                return False
            rows = shown_rows()
            if not rows:
                return False
            now = time.perf_counter() - started
            if not first and all(model.has_picture(r) for r in rows):
                first.append(now)
            if all(model.has_thumbnail(r) for r in rows):
                accurate.append(now)
                return True
            return False

        window.add_paths([str(folder)])
        run_until(check, 120)
        cells = len(shown_rows())
        if not accurate:
            raise SystemExit("the first screen's thumbnails never all arrived")
        run_until(lambda: not model.is_busy(), 300)  # let the intake end before closing
        return first[0], accurate[0], cells
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        workers.shutdown(20_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--clean", action="store_true", help="delete the JPEGs afterwards")
    args = parser.parse_args()
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    ensure(args.photos)
    from app.ui.app import make_application

    app = make_application(["bench"])
    results: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
    cells = 0
    with tempfile.TemporaryDirectory(prefix="vimbatch-first-screen-") as tmp_name:
        for run in range(args.runs):
            for label, folder in (("with", WITH), ("without", WITHOUT)):
                for p in sorted(folder.glob("*.jpg")):
                    p.read_bytes()  # in the page cache, as right after copying them off a card
                first, accurate, cells = measure(folder, Path(tmp_name) / f"{label}{run}")
                results[label].append((first, accurate))
                print(
                    f"  run {run + 1}, {label} previews: first screen ({cells} cells) with "
                    f"pictures after {first * 1000:.0f} ms, accurate after {accurate * 1000:.0f} ms",
                    flush=True,
                )
    app.quit()
    for label in ("with", "without"):
        firsts = [f for f, _ in results[label]]
        accurates = [a for _, a in results[label]]
        print(
            f"RESULT {args.photos} JPEGs {label} EXIF previews: full first screen "
            f"{statistics.median(firsts) * 1000:.0f} ms, accurate thumbnails "
            f"{statistics.median(accurates) * 1000:.0f} ms (median of {args.runs}; runs: "
            + ", ".join(f"{f * 1000:.0f}/{a * 1000:.0f}" for f, a in results[label])
            + ")"
        )
    if args.clean:
        shutil.rmtree(WITH, ignore_errors=True)
        shutil.rmtree(WITHOUT, ignore_errors=True)


if __name__ == "__main__":
    main()
