"""Re-encoding photos the API cannot take as they are (HEIC, TIFF, GIF, ...) into JPEG, upright."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageOps

from app.images.atomic import atomic_write_with
from app.images.formats import JPEG_FORMATS, open_image

JPEG_QUALITY = 95
# "Smaller copies" for slow links: ~4× fewer bytes than a 12 MP camera JPEG, still more pixels
# than any result template uses.
SMALLER_COPY_SIDE = 2560
SMALLER_COPY_QUALITY = 90
_ORIENTATION_TAG = 0x0112
_GPS_IFD_TAG = 0x8825


def has_alpha(im: Image.Image) -> bool:
    return im.mode in {"RGBA", "LA", "PA", "La", "RGBa"} or (
        im.mode == "P" and "transparency" in im.info
    )


def convert_for_upload(
    source: str | os.PathLike[str], *, strip_gps: bool = True, max_side: int | None = None
) -> tuple[Image.Image, str, dict[str, object]]:
    """Decode `source` (first frame), turn its pixels upright and return (image, format, save
    options): JPEG at high quality, or PNG when the picture has transparency (which JPEG would
    lose). EXIF goes along minus its orientation (now applied) and, when asked, minus GPS; XMP is
    dropped because it can repeat the location. With `max_side`, a smaller copy: at most that
    many pixels on its long side, JPEG quality 90, never any GPS. Raises Pillow/OS errors for a
    damaged file."""
    with open_image(source) as im:
        im.seek(0)
        exif = im.getexif()
        icc = im.info.get("icc_profile")
        if max_side is not None and max(im.size) > max_side:
            # Shrink before turning upright: transposing first would decode every pixel at full
            # size (and a JPEG can decode at 1/2 or 1/4 scale straight away).
            scale = max(im.size) / max_side
            if im.format in JPEG_FORMATS:
                im.draft("RGB", (int(im.width / scale) + 1, int(im.height / scale) + 1))
            im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        upright = ImageOps.exif_transpose(im)
    exif.pop(_ORIENTATION_TAG, None)
    if strip_gps or max_side is not None:
        exif.pop(_GPS_IFD_TAG, None)
    options: dict[str, object] = {"exif": exif.tobytes()} if len(exif) else {}
    if icc:
        options["icc_profile"] = icc
    if has_alpha(upright):
        return upright.convert("RGBA"), "PNG", options
    if upright.mode not in {"RGB", "L"}:
        upright = _to_rgb(upright)
    quality = JPEG_QUALITY if max_side is None else SMALLER_COPY_QUALITY
    options.update(quality=quality, optimize=False)
    return upright, "JPEG", options


def write_converted(
    source: str | os.PathLike[str],
    dest_without_suffix: Path,
    *,
    strip_gps: bool = True,
    max_side: int | None = None,
) -> Path:
    """Convert `source` and write it next to `dest_without_suffix` with the right suffix
    (.jpg or .png), atomically. Returns the written path."""
    image, fmt, options = convert_for_upload(source, strip_gps=strip_gps, max_side=max_side)
    dest = dest_without_suffix.with_suffix(".jpg" if fmt == "JPEG" else ".png")
    atomic_write_with(dest, lambda f: image.save(f, fmt, **options))
    return dest


def _to_rgb(im: Image.Image) -> Image.Image:
    # 16-bit greyscale (I;16, I) would clip to white with a plain convert("RGB").
    if im.mode in {"I;16", "I;16B", "I;16L", "I"}:
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    return im.convert("RGB")
