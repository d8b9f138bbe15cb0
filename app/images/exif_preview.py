"""The small preview a camera or phone embeds in a JPEG's EXIF, as an instant grid placeholder.

Reading it costs a few small reads (~0.2 ms) where decoding even a 1/8-scaled 12 MP JPEG costs
~40 ms, so a drop of thousands of camera photos shows real pictures at once while the accurate
thumbnails follow. It is only a stand-in: an edited photo may carry a stale preview, so one whose
shape differs from the photo's is never used, and the decoded thumbnail always replaces it.
"""

from __future__ import annotations

import io
import logging
import os
import struct
from pathlib import Path
from typing import BinaryIO

from PIL import Image

log = logging.getLogger(__name__)

MAX_PREVIEW_BYTES = 256 * 1024  # camera previews are 5–60 KB; anything bigger is not one
_SCAN_LIMIT = 1024 * 1024  # markers before the picture itself (APPn segments are ≤ 64 KB each)
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

# EXIF orientation → the Pillow transpose that makes the picture upright (as exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def same_shape(thumb: tuple[int, int], photo: tuple[int, int]) -> bool:
    """Same orientation and aspect ratio, allowing for rounding a small preview's sides (a
    160 × 120 preview of a 4000 × 3000 photo matches; 160 × 120 of a 3:2 photo does not)."""
    tw, th = thumb
    pw, ph = photo
    if min(tw, th, pw, ph) <= 0:
        return False
    return abs(tw / th - pw / ph) <= 0.01 * (pw / ph) + 1.0 / min(tw, th)


def exif_preview(path: str | os.PathLike[str]) -> bytes | None:
    """The photo's embedded EXIF preview as JPEG bytes, upright, or None: not a JPEG, no
    preview, a preview whose aspect ratio is not the photo's, or anything unreadable (the
    decoded thumbnail that follows gives the reasons). Never decodes the photo itself."""
    try:
        with Path(path).open("rb") as f:
            found = _scan_jpeg(f)
        if found is None:
            return None
        photo_size, exif = found
        parsed = _parse_exif(exif)
        if parsed is None:
            return None
        orientation, preview = parsed
        with Image.open(io.BytesIO(preview), formats=["JPEG"]) as im:
            # Both sizes as stored, before orientation: the preview is turned like the photo.
            if not same_shape(im.size, photo_size):
                return None
            transpose = _UPRIGHT.get(orientation)
            if transpose is None and im.mode in ("RGB", "L"):
                return preview  # already upright: the camera's own bytes, not re-encoded
            upright = im.convert("RGB")
            if transpose is not None:
                upright = upright.transpose(transpose)
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=85)
            return out.getvalue()
    except (OSError, SyntaxError, ValueError, struct.error, Image.DecompressionBombError) as e:
        log.debug("no EXIF preview for %s: %s", os.fspath(path), e)
        return None


def _scan_jpeg(f: BinaryIO) -> tuple[tuple[int, int], bytes] | None:
    """(photo width, height) from the frame header and the EXIF segment's TIFF data, walking
    the markers without reading the scan data."""
    if f.read(2) != b"\xff\xd8":
        return None
    exif: bytes | None = None
    while f.tell() < _SCAN_LIMIT:
        head = f.read(4)
        if len(head) < 4 or head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:  # fill byte: step one on
            f.seek(-3, os.SEEK_CUR)
            continue
        length = struct.unpack(">H", head[2:])[0]
        if length < 2:
            return None
        if marker == 0xE1 and exif is None:
            body = f.read(length - 2)
            if body.startswith(b"Exif\x00\x00"):
                exif = body[6:]
            continue
        if marker in _SOF_MARKERS:
            body = f.read(5)
            if len(body) < 5:
                return None
            height, width = struct.unpack(">HH", body[1:5])
            return ((width, height), exif) if exif else None
        if marker == 0xDA:  # start of scan before any frame header: not a JPEG we know
            return None
        f.seek(length - 2, os.SEEK_CUR)
    return None


def _parse_exif(tiff: bytes) -> tuple[int, bytes] | None:
    """(orientation, embedded JPEG preview) from EXIF's TIFF data (IFD0 and IFD1)."""
    if tiff[:4] == b"II*\x00":
        endian = "<"
    elif tiff[:4] == b"MM\x00*":
        endian = ">"
    else:
        return None
    ifd0 = struct.unpack(endian + "I", tiff[4:8])[0]
    tags0, ifd1 = _read_ifd(tiff, ifd0, endian)
    orientation = tags0.get(0x0112, 1)
    if not ifd1:
        return None
    tags1, _ = _read_ifd(tiff, ifd1, endian)
    offset, length = tags1.get(0x0201), tags1.get(0x0202)
    if tags1.get(0x0103, 6) != 6 or not offset or not length or length > MAX_PREVIEW_BYTES:
        return None
    preview = tiff[offset : offset + length]
    if len(preview) != length or not preview.startswith(b"\xff\xd8"):
        return None
    return orientation, preview


def _read_ifd(tiff: bytes, offset: int, endian: str) -> tuple[dict[int, int], int]:
    """The SHORT/LONG tags of one IFD with a single value each, and the next IFD's offset."""
    if offset <= 0 or offset + 2 > len(tiff):
        return {}, 0
    count = struct.unpack(endian + "H", tiff[offset : offset + 2])[0]
    end = offset + 2 + 12 * count
    if end + 4 > len(tiff):
        return {}, 0
    tags: dict[int, int] = {}
    for start in range(offset + 2, end, 12):
        tag, kind, n = struct.unpack(endian + "HHI", tiff[start : start + 8])
        if n != 1:
            continue
        if kind == 3:  # SHORT, left-justified in the 4-byte value field
            tags[tag] = struct.unpack(endian + "H", tiff[start + 8 : start + 10])[0]
        elif kind == 4:  # LONG
            tags[tag] = struct.unpack(endian + "I", tiff[start + 8 : start + 12])[0]
    next_ifd = struct.unpack(endian + "I", tiff[end : end + 4])[0]
    return tags, next_ifd
