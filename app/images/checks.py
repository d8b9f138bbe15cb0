"""`inspect`: cheap checks of one file (header, dimensions, truncation, hash) and `recheck`."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from app.images import problems as msg
from app.images.formats import (
    JPEG_FORMATS,
    MAX_FILE_BYTES,
    MAX_PIXELS,
    MIN_SIDE,
    RAW_EXTENSIONS,
    format_label,
    open_image,
)
from app.images.hashing import file_matches, hash_file
from app.images.photo import Photo
from app.images.problems import PhotoChangedError, PhotoUnusableError, ProblemCode

_JPEG_TAIL_BYTES = 4096
_GPS_IFD = 0x8825

# Errors Pillow raises on malformed headers and pixel data besides OSError.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)


def inspect(path: str | os.PathLike[str]) -> Photo:
    """Check one file without decoding its pixels where a cheaper test exists.

    JPEG (most photos) is judged by its header and its end-of-image marker; PNG by its chunk CRCs;
    GIF, TIFF, BMP and WebP are decoded in full. HEIC is only opened (a full decode costs ~1 s):
    a damaged HEIC is caught by `prepare_upload`, still before any upload. Never raises for a bad
    file: the reason is on the returned Photo. Thread-safe."""
    photo = Photo(path=Path(path))
    try:
        st = photo.path.stat()
    except FileNotFoundError:
        return photo.fail(ProblemCode.VANISHED, msg.VANISHED_MESSAGE)
    except PermissionError:
        return photo.fail(ProblemCode.UNREADABLE, msg.NO_PERMISSION_MESSAGE)
    except OSError as e:
        return photo.fail(ProblemCode.UNREADABLE, msg.unreadable_message(e))
    if stat.S_ISDIR(st.st_mode):
        return photo.fail(ProblemCode.UNREADABLE, msg.FOLDER_MESSAGE)
    photo.size, photo.mtime_ns = st.st_size, st.st_mtime_ns
    if st.st_size == 0:
        return photo.fail(ProblemCode.EMPTY, msg.EMPTY_MESSAGE)
    if st.st_size > MAX_FILE_BYTES:
        return photo.fail(
            ProblemCode.TOO_LARGE, msg.too_large_bytes_message(st.st_size, MAX_FILE_BYTES)
        )
    if photo.path.suffix.lower() in RAW_EXTENSIONS:
        # Many RAW files are TIFF-shaped and Pillow would open their small embedded preview.
        return photo.fail(ProblemCode.NOT_IMAGE, msg.RAW_MESSAGE)
    if not _check_pixels(photo):
        return photo
    try:
        photo.content_hash = hash_file(photo.path)
        after = photo.path.stat()
    except FileNotFoundError:
        return photo.fail(ProblemCode.VANISHED, msg.VANISHED_MESSAGE)
    except PermissionError:
        return photo.fail(ProblemCode.UNREADABLE, msg.NO_PERMISSION_MESSAGE)
    except OSError as e:
        return photo.fail(ProblemCode.UNREADABLE, msg.unreadable_message(e))
    if (after.st_size, after.st_mtime_ns) != (photo.size, photo.mtime_ns):
        return photo.fail(ProblemCode.CHANGED, msg.CHANGED_WHILE_CHECKING_MESSAGE)
    photo.note = _note(photo)
    return photo


def _check_pixels(photo: Photo) -> bool:
    """Header, dimensions and truncation; False (with the reason set) when the photo is bad."""
    try:
        with open_image(photo.path) as im:
            photo.format = im.format
            photo.width, photo.height = im.size
            photo.has_gps = _has_gps(im)
            if photo.width * photo.height > MAX_PIXELS:
                photo.fail(
                    ProblemCode.TOO_LARGE,
                    msg.too_large_pixels_message(photo.width, photo.height, MAX_PIXELS),
                )
                return False
            if min(photo.width, photo.height) < MIN_SIDE:
                photo.fail(
                    ProblemCode.TOO_SMALL,
                    msg.too_small_message(photo.width, photo.height, MIN_SIDE),
                )
                return False
            if im.format in JPEG_FORMATS:
                if not _jpeg_is_complete(photo.path):
                    photo.fail(ProblemCode.CORRUPT, msg.TRUNCATED_MESSAGE)
                    return False
            elif im.format == "PNG":
                im.verify()
            elif im.format not in {"HEIF", "AVIF"}:
                im.load()
    except PermissionError:
        photo.fail(ProblemCode.UNREADABLE, msg.NO_PERMISSION_MESSAGE)
        return False
    except FileNotFoundError:
        photo.fail(ProblemCode.VANISHED, msg.VANISHED_MESSAGE)
        return False
    except IsADirectoryError:
        photo.fail(ProblemCode.UNREADABLE, msg.FOLDER_MESSAGE)
        return False
    except Image.DecompressionBombError as e:
        photo.fail(
            ProblemCode.TOO_LARGE,
            msg.too_large_pixels_message(None, None, MAX_PIXELS, pixels=_claimed_pixels(e)),
        )
        return False
    except UnidentifiedImageError:
        photo.fail(ProblemCode.NOT_IMAGE, msg.NOT_IMAGE_MESSAGE)
        return False
    except _DECODE_ERRORS as e:
        truncated = "truncated" in str(e) or isinstance(e, EOFError)
        photo.fail(ProblemCode.CORRUPT, msg.TRUNCATED_MESSAGE if truncated else msg.CORRUPT_MESSAGE)
        return False
    return True


def _claimed_pixels(error: Image.DecompressionBombError) -> int | None:
    # Pillow refuses before it tells us the size; its message carries the pixel count only.
    found = re.search(r"\((\d+) pixels\)", str(error))
    return None if found is None else int(found.group(1))


def _jpeg_is_complete(path: Path) -> bool:
    """A JPEG cut short (interrupted copy or download) lacks its final FFD9 marker; some cameras
    pad after it with zero bytes, which we allow."""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - _JPEG_TAIL_BYTES))
        tail = f.read()
    return tail.rstrip(b"\x00").endswith(b"\xff\xd9")


def _has_gps(im: Image.Image) -> bool:
    # From the raw block rather than im.getexif(): for PNG that would load the pixels, which is
    # slow and makes a later verify() impossible. PNG places eXIf before the pixel data.
    raw = im.info.get("exif")
    if isinstance(raw, bytes) and raw:
        exif = Image.Exif()
        try:
            exif.load(raw)
            if exif.get_ifd(_GPS_IFD):
                return True
        except _DECODE_ERRORS:
            # Unparseable EXIF: assume the worst so the privacy path runs on it.
            return True
    xmp = im.info.get("xmp")
    return isinstance(xmp, bytes | str) and (
        b"GPS" in xmp if isinstance(xmp, bytes) else "GPS" in xmp
    )


def _note(photo: Photo) -> str | None:
    if photo.needs_conversion:
        return f"Will be converted from {format_label(photo.format, photo.path)} to JPEG."
    return None


def recheck(photo: Photo) -> None:
    """Raise PhotoChangedError when the file vanished or differs (size, time or content) from
    what `inspect` saw. Re-hashes the file: call it just before upload, on a worker."""
    try:
        st = photo.path.stat()
        if st.st_size != photo.size:
            raise PhotoChangedError(
                ProblemCode.CHANGED,
                msg.changed_message(f"its size went from {photo.size:,} to {st.st_size:,} bytes"),
            )
        if st.st_mtime_ns != photo.mtime_ns:
            raise PhotoChangedError(ProblemCode.CHANGED, msg.changed_message("it was saved again"))
        if photo.content_hash is not None and not file_matches(photo.path, photo.content_hash):
            raise PhotoChangedError(
                ProblemCode.CHANGED, msg.changed_message("its contents are different")
            )
    except FileNotFoundError:
        raise PhotoChangedError(ProblemCode.VANISHED, msg.VANISHED_MESSAGE) from None
    except PermissionError:
        raise PhotoUnusableError(ProblemCode.UNREADABLE, msg.NO_PERMISSION_MESSAGE) from None
    except OSError as e:
        raise PhotoUnusableError(ProblemCode.UNREADABLE, msg.unreadable_message(e)) from None
