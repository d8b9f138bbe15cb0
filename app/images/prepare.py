"""`prepare_upload`: the last step before a photo leaves the machine."""

from __future__ import annotations

import contextlib
import os
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from app.images import problems as msg
from app.images.atomic import atomic_write_bytes
from app.images.checks import recheck
from app.images.convert import SMALLER_COPY_SIDE, write_converted
from app.images.formats import JPEG_FORMATS, MAX_PIXELS, UPLOAD_FORMATS
from app.images.hashing import bytes_match
from app.images.jpeg_gps import JpegStructureError, strip_gps_jpeg
from app.images.photo import Photo
from app.images.problems import PhotoChangedError, PhotoUnusableError, ProblemCode

_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)


def prepare_upload(
    photo: Photo,
    cache_dir: str | os.PathLike[str],
    *,
    strip_gps: bool = True,
    smaller: bool = False,
) -> Path:
    """Return the file to upload for `photo`: its own path when it can go as it is, else a
    converted or location-free copy in `cache_dir`. `smaller`: a photo larger than
    SMALLER_COPY_SIDE goes as a smaller copy (long side 2,560 px, JPEG q90, upright, no GPS;
    the original untouched) — for slow links.

    First re-checks the original (size, modification time, content hash) and raises
    PhotoChangedError if it changed or vanished since `inspect`; raises PhotoUnusableError when
    the photo has a problem or cannot be converted. Copies are named by content hash, so a second
    call is free and concurrent calls are safe. Runs in the calling thread (a worker)."""
    if photo.problem_code is not None:
        raise PhotoUnusableError(photo.problem_code, photo.problem or msg.CORRUPT_MESSAGE)
    recheck(photo)
    if smaller and max(photo.width or 0, photo.height or 0) > SMALLER_COPY_SIDE:
        return _smaller_copy(photo, Path(cache_dir) / "uploads")
    wants_strip = strip_gps and photo.has_gps
    if photo.format in UPLOAD_FORMATS and not wants_strip:
        return photo.path
    if photo.content_hash is None:
        raise PhotoUnusableError(ProblemCode.CHANGED, msg.CHANGED_WHILE_CHECKING_MESSAGE)
    folder = Path(cache_dir) / "uploads"
    with _as_unusable(photo):
        if photo.format in JPEG_FORMATS:
            dest = folder / f"{photo.content_hash}-nogps.jpg"
            if not _reuse(dest):
                _write_stripped_jpeg(photo, dest)
            return dest
        stem = folder / f"{photo.content_hash}-{'nogps' if strip_gps else 'keepgps'}"
        for suffix in (".jpg", ".png"):
            if _reuse(done := stem.with_suffix(suffix)):
                return done
        return write_converted(photo.path, stem, strip_gps=strip_gps)


@contextlib.contextmanager
def _as_unusable(photo: Photo) -> Iterator[None]:
    """What reading or writing the photo raises, as the plain reason it cannot be sent."""
    try:
        yield
    except Image.DecompressionBombError:
        raise PhotoUnusableError(
            ProblemCode.TOO_LARGE,
            msg.too_large_pixels_message(photo.width, photo.height, MAX_PIXELS),
        ) from None
    except PermissionError:
        raise PhotoUnusableError(ProblemCode.UNREADABLE, msg.NO_PERMISSION_MESSAGE) from None
    except _DECODE_ERRORS as e:
        truncated = "truncated" in str(e) or isinstance(e, EOFError)
        raise PhotoUnusableError(
            ProblemCode.CORRUPT, msg.TRUNCATED_MESSAGE if truncated else msg.CORRUPT_MESSAGE
        ) from e


def _smaller_copy(photo: Photo, folder: Path) -> Path:
    if photo.content_hash is None:
        raise PhotoUnusableError(ProblemCode.CHANGED, msg.CHANGED_WHILE_CHECKING_MESSAGE)
    stem = folder / f"{photo.content_hash}-small{SMALLER_COPY_SIDE}"
    with _as_unusable(photo):
        for suffix in (".jpg", ".png"):  # PNG: a picture with transparency stays one
            if _reuse(done := stem.with_suffix(suffix)):
                return done
        return write_converted(photo.path, stem, max_side=SMALLER_COPY_SIDE)


# The most a quality-90 copy holds a pixel: measured on pure noise (the most detailed picture
# there is) at 2,560 px, ~0.6 bytes a pixel. Real photos stay under it.
Q90_MAX_BYTES_PER_PIXEL = 0.6
# HEIC and AVIF pack a picture in about half the bytes a JPEG needs for the same detail.
_DENSER_THAN_JPEG = {"HEIF": 2.0, "AVIF": 2.0}


def smaller_copy_estimate(photo: Photo) -> int:
    """About how many bytes `photo` sends as a smaller copy (its own size when it is not larger
    than the copy). A detailed photo makes a detailed copy: the original's own bytes per pixel
    (how hard it was to compress), scaled to the copy's pixels, at most what quality 90 takes
    for the most detailed picture, never more than the original. (A fixed 2 bits a pixel
    promised a textured 7.2 MB photo half the time it took.)"""
    long_side = max(photo.width or 0, photo.height or 0)
    if long_side <= SMALLER_COPY_SIDE or not photo.width or not photo.height:
        return photo.size
    scale = SMALLER_COPY_SIDE / long_side
    original_pixels = photo.width * photo.height
    pixels = original_pixels * scale * scale
    per_pixel = photo.size / original_pixels * _DENSER_THAN_JPEG.get(photo.format or "", 1.0)
    return min(photo.size, int(pixels * min(per_pixel, Q90_MAX_BYTES_PER_PIXEL)))


def _write_stripped_jpeg(photo: Photo, dest: Path) -> None:
    data = photo.path.read_bytes()
    try:
        stripped = strip_gps_jpeg(data)
    except (JpegStructureError, struct.error) as e:
        raise PhotoUnusableError(ProblemCode.CORRUPT, msg.CORRUPT_MESSAGE) from e
    # The bytes stripped must be the bytes checked: the file may have been saved over since.
    if photo.content_hash is None or not bytes_match(data, photo.content_hash):
        raise PhotoChangedError(
            ProblemCode.CHANGED, msg.changed_message("its contents are different")
        )
    atomic_write_bytes(dest, stripped)


def _reuse(done: Path) -> bool:
    """True when `done` exists; its time is set to now, so that `prune_upload_cache` (which goes
    by age) leaves alone a file that was just handed out for upload."""
    try:
        os.utime(done)
    except FileNotFoundError:
        return False
    return True


UPLOAD_CACHE_MAX_AGE = 7 * 24 * 3600.0
UPLOAD_CACHE_MAX_BYTES = 2 * 1024**3
# Never removed, whatever the size budget says: an upload may be reading them right now.
UPLOAD_CACHE_MIN_AGE = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class PruneResult:
    files: int = 0
    bytes: int = 0


def prune_upload_cache(
    cache_dir: str | os.PathLike[str],
    *,
    max_age: float = UPLOAD_CACHE_MAX_AGE,
    max_bytes: int = UPLOAD_CACHE_MAX_BYTES,
    min_age: float = UPLOAD_CACHE_MIN_AGE,
    now: float | None = None,
) -> PruneResult:
    """Delete converted and location-free copies in `cache_dir/uploads` that were last written
    or handed out more than `max_age` seconds ago, then the oldest others until the folder
    holds at most `max_bytes`; files younger than `min_age` always stay (an upload may be
    reading one). Leftover temporary files of interrupted writes go by the same rules. One
    folder scan, no recursion: bounded work. Safe next to running uploads and other processes
    (a file already gone is skipped). Run it on a worker; returns what was removed."""
    folder = Path(cache_dir) / "uploads"
    now = time.time() if now is None else now
    entries: list[tuple[float, int, str]] = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        entries.append((st.st_mtime, st.st_size, entry.path))
    except OSError:
        return PruneResult()
    entries.sort()  # oldest first
    total = sum(size for _, size, _ in entries)
    removed = freed = 0
    for mtime, size, path in entries:
        age = now - mtime
        if age < min_age or (age <= max_age and total <= max_bytes):
            continue
        try:
            Path(path).unlink()
        except FileNotFoundError:
            pass  # another process pruned it
        except OSError:
            continue
        else:
            removed += 1
            freed += size
        total -= size
    return PruneResult(files=removed, bytes=freed)
