"""Makes every platform's icon file from the one source image, resources/icon.png.

    python packaging/make_icons.py

writes resources/icons/vimbatch.ico (Windows), vimbatch.icns (macOS) and vimbatch-<size>.png
(Linux .desktop icon themes, the window icon). The outputs are committed (re-run this after
changing the source); packaging/build.py makes them when one is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icon.png"
OUTPUT_DIR = ROOT / "resources" / "icons"
NAME = "vimbatch"

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
# The source keeps macOS's transparent margin around the tile (Apple's grid asks for it).
# Windows and Linux icons are expected to fill their square, so those lose most of it.
FULL_BLEED_CROP = 80


def outputs(directory: Path = OUTPUT_DIR) -> list[Path]:
    """Every file this script writes."""
    return [
        directory / f"{NAME}.ico",
        directory / f"{NAME}.icns",
        *(directory / f"{NAME}-{size}.png" for size in PNG_SIZES),
    ]


def load_source(path: Path = SOURCE) -> Image.Image:
    image = Image.open(path)
    image.load()
    if image.size != (1024, 1024):
        raise SystemExit(f"{path} must be 1024×1024 pixels; it is {image.width}×{image.height}")
    return image.convert("RGBA")


def full_bleed(source: Image.Image) -> Image.Image:
    crop = FULL_BLEED_CROP
    return source.crop((crop, crop, source.width - crop, source.height - crop))


def make_icons(source_path: Path = SOURCE, directory: Path = OUTPUT_DIR) -> list[Path]:
    source = load_source(source_path)
    square = full_bleed(source)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    ico = directory / f"{NAME}.ico"
    # Pillow shrinks the largest image for each listed size (Lanczos), one entry per size.
    square.resize((256, 256), Image.Resampling.LANCZOS).save(
        ico, format="ICO", sizes=[(n, n) for n in ICO_SIZES]
    )
    written.append(ico)

    icns = directory / f"{NAME}.icns"
    # Pillow writes every ICNS size up to the source's 1024 px (retina 512@2x included).
    source.save(icns, format="ICNS")
    written.append(icns)

    for size in PNG_SIZES:
        png = directory / f"{NAME}-{size}.png"
        square.resize((size, size), Image.Resampling.LANCZOS).save(png, optimize=True)
        written.append(png)
    return written


def main() -> int:
    for path in make_icons():
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
