"""Which files we take, which go up as they are, and Pillow set up on purpose for intake."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PIL import Image

# Checks from issue #4: anything above these is refused before a credit is spent.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 100_000_000
MIN_SIDE = 64

# Pillow warns above MAX_IMAGE_PIXELS and raises DecompressionBombError above twice that. We refuse
# everything over MAX_PIXELS ourselves; this makes Pillow refuse absurd headers (a 30,000 × 30,000
# claim) before it allocates anything, instead of the default 179 MP that would let 150 MP through.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# The API accepts these as they are (MPO is a JPEG with extra frames appended; servers read it as
# JPEG). Everything else is converted first.
UPLOAD_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
JPEG_FORMATS = frozenset({"JPEG", "MPO"})

_WANTED_FORMATS = (
    "JPEG", "MPO", "PNG", "WEBP", "HEIF", "AVIF", "TIFF", "BMP", "GIF", "JPEG2000", "PPM", "TGA",
)  # fmt: skip

# Extensions picked up when walking folders (explicitly named files are always inspected).
PHOTO_EXTENSIONS = frozenset(
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".webp", ".heic", ".heif", ".hif",
        ".avif", ".tif", ".tiff", ".bmp", ".dib", ".gif", ".jp2", ".j2k", ".jpx", ".ppm", ".tga",
    }
)  # fmt: skip
RAW_EXTENSIONS = frozenset(
    {
        ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".raf", ".orf",
        ".rw2", ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".kdc", ".mrw",
    }
)  # fmt: skip

_setup_lock = threading.Lock()
_open_formats: tuple[str, ...] | None = None


def open_formats() -> tuple[str, ...]:
    """The Pillow formats intake opens, HEIF registered once (idempotent, thread-safe).

    HEIC/HEIF is read through pi-heif (libheif + libde265, LGPL, decode only), never through
    pillow-heif, whose wheels bundle the GPL x265 encoder that the packaged app must not ship.
    pi-heif 1.4 cannot decode the thumbnails embedded in HEIC files (pillow-heif's draft() can),
    so a HEIC preview is a full decode (~0.5 s for 12 MP) until the disk cache holds it."""
    global _open_formats
    if _open_formats is None:
        with _setup_lock:
            if _open_formats is None:
                import pi_heif

                pi_heif.register_heif_opener()
                Image.init()
                _open_formats = tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)
    return _open_formats


def open_image(path: str | os.PathLike[str]) -> Image.Image:
    """Image.open restricted to photo formats, so a stray PSD/EPS/PDF is never parsed."""
    return Image.open(Path(path), formats=open_formats())


def format_label(fmt: str | None, path: Path) -> str:
    """What a user calls the format: "HEIC" for iPhone photos rather than Pillow's "HEIF"."""
    if fmt == "HEIF" and path.suffix.lower() in {".heic", ".heif", ".hif"}:
        return path.suffix[1:].upper()
    return {"JPEG2000": "JPEG 2000", "MPO": "JPEG"}.get(fmt or "", fmt or "unknown")
