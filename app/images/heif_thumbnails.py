"""The preview an iPhone embeds in every HEIC, read through libheif's C API.

pi-heif (decode-only, LGPL) lists a HEIC's embedded thumbnails but has no way to decode one, so a
grid preview would cost a full 12 MP decode (~0.8 s of CPU). The libheif that pi-heif ships can:
this module calls it through ctypes (`heif_image_handle_get_list_of_thumbnail_IDs`,
`heif_image_handle_get_thumbnail`, `heif_decode_image`), ~10 ms for a 320 px thumbnail. No GPL
code is involved (pillow-heif, whose wheels bundle x265, stays a test-only dependency).

Everything here is best effort: when the library cannot be found or a file has no thumbnail big
enough, `embedded_thumbnail` answers None and the caller decodes the whole picture.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from pathlib import Path

from PIL import Image

from app.images.exif_preview import same_shape

log = logging.getLogger(__name__)

# libheif's enums (heif.h); stable across libheif 1.x.
_COLORSPACE_RGB = 1
_CHROMA_INTERLEAVED_RGB = 10
_CHANNEL_INTERLEAVED = 10

# Brands of HEIF files that carry HEVC/AV1 images (the first box of every HEIC/HEIF/AVIF file).
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)


class _HeifError(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_int),
        ("subcode", ctypes.c_int),
        ("message", ctypes.c_char_p),
    ]


_load_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_lib_path: str | None = None
_lib_tried = False


def _library_candidates() -> list[str]:
    """Where the wheel (and a PyInstaller bundle of it) keeps pi-heif's libheif: auditwheel puts
    it in `pi_heif.libs/`, delocate in `pi_heif/.dylibs/`, delvewheel in `pi_heif.libs/` too.
    Never pillow-heif's copy (its folder holds the GPL x265 encoder)."""
    try:
        import pi_heif
    except ImportError:
        return []
    package = Path(pi_heif.__file__).resolve().parent
    folders = [package.parent / "pi_heif.libs", package / ".dylibs", package]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        folders += [Path(bundle) / "pi_heif.libs", Path(bundle)]
    names = ("libheif*.so*", "libheif*.dylib", "libheif*.dll", "heif*.dll")
    found: list[str] = []
    for folder in folders:
        for name in names:
            found += sorted(str(p) for p in folder.glob(name))
    return found


def _declare(lib: ctypes.CDLL) -> None:
    p = ctypes.c_void_p
    err = _HeifError
    signatures: dict[str, tuple[object, list[object]]] = {
        "heif_context_alloc": (p, []),
        "heif_context_free": (None, [p]),
        "heif_context_read_from_memory_without_copy": (err, [p, p, ctypes.c_size_t, p]),
        "heif_context_get_primary_image_handle": (err, [p, ctypes.POINTER(p)]),
        "heif_image_handle_release": (None, [p]),
        "heif_image_handle_get_width": (ctypes.c_int, [p]),
        "heif_image_handle_get_height": (ctypes.c_int, [p]),
        "heif_image_handle_get_number_of_thumbnails": (ctypes.c_int, [p]),
        "heif_image_handle_get_list_of_thumbnail_IDs": (
            ctypes.c_int,
            [p, ctypes.POINTER(ctypes.c_uint32), ctypes.c_int],
        ),
        "heif_image_handle_get_thumbnail": (err, [p, ctypes.c_uint32, ctypes.POINTER(p)]),
        "heif_decode_image": (err, [p, ctypes.POINTER(p), ctypes.c_int, ctypes.c_int, p]),
        "heif_image_release": (None, [p]),
        "heif_image_get_width": (ctypes.c_int, [p, ctypes.c_int]),
        "heif_image_get_height": (ctypes.c_int, [p, ctypes.c_int]),
        "heif_image_get_plane_readonly": (
            ctypes.POINTER(ctypes.c_uint8),
            [p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)],
        ),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def _library() -> ctypes.CDLL | None:
    """pi-heif's libheif, loaded once (the same copy pi-heif's extension already uses)."""
    global _lib, _lib_path, _lib_tried
    if _lib_tried:
        return _lib
    with _load_lock:
        if not _lib_tried:
            for candidate in _library_candidates():
                try:
                    lib = ctypes.CDLL(candidate)
                    _declare(lib)
                except (OSError, AttributeError) as e:
                    log.debug("libheif at %s not usable for thumbnails: %s", candidate, e)
                    continue
                init = getattr(lib, "heif_init", None)
                if init is not None:
                    # Reference-counted in libheif; pi-heif has called it too. Never undone: the
                    # library stays loaded for the life of the process.
                    init.restype = _HeifError
                    init.argtypes = [ctypes.c_void_p]
                    init(None)
                _lib, _lib_path = lib, candidate
                break
            else:
                log.info("libheif not found next to pi-heif: HEIC previews are full decodes")
            _lib_tried = True
    return _lib


def available() -> bool:
    """Whether embedded HEIC thumbnails can be read here."""
    return _library() is not None


def library_path() -> str | None:
    """The libheif file in use (None when not found): for the licence check in the tests."""
    _library()
    return _lib_path


def is_heif(head: bytes) -> bool:
    """Whether a file's first bytes are a HEIF `ftyp` box with an HEVC brand (HEIC/HEIF)."""
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def embedded_thumbnail(data: bytes, box: int) -> Image.Image | None:
    """The smallest embedded thumbnail of a HEIF file's primary image that still fills a `box` ×
    `box` preview, upright (libheif applies the item's rotation and mirroring), as RGB. None when the file has no such thumbnail, when its shape disagrees with the
    photo's (a stale or cropped preview), or when libheif is not available; raises nothing for
    a damaged file (the full decode that follows reports it in plain words)."""
    lib = _library()
    if lib is None or not is_heif(data[:12]):
        return None
    ctx = lib.heif_context_alloc()
    if not ctx:
        return None
    primary = ctypes.c_void_p()
    try:
        if lib.heif_context_read_from_memory_without_copy(ctx, data, len(data), None).code:
            return None
        if lib.heif_context_get_primary_image_handle(ctx, ctypes.byref(primary)).code:
            return None
        return _best_thumbnail(lib, primary, box)
    finally:
        if primary:
            lib.heif_image_handle_release(primary)
        lib.heif_context_free(ctx)


def _best_thumbnail(lib: ctypes.CDLL, primary: ctypes.c_void_p, box: int) -> Image.Image | None:
    count = lib.heif_image_handle_get_number_of_thumbnails(primary)
    if count <= 0:
        return None
    ids = (ctypes.c_uint32 * count)()
    count = lib.heif_image_handle_get_list_of_thumbnail_IDs(primary, ids, count)
    # The photo's size after its rotation (libheif reports handles as they will be decoded).
    photo = _handle_size(lib, primary)
    # A photo smaller than the box is shown at its own size: the thumbnail must match that.
    min_side = min(box, max(photo))
    candidates: list[tuple[int, ctypes.c_void_p]] = []
    try:
        for thumb_id in ids[:count]:
            handle = ctypes.c_void_p()
            if lib.heif_image_handle_get_thumbnail(primary, thumb_id, ctypes.byref(handle)).code:
                continue
            candidates.append((max(_handle_size(lib, handle)), handle))
        # The smallest that still covers the box: decoding is what costs.
        usable = sorted((c for c in candidates if c[0] >= min_side), key=lambda c: c[0])
        for _, handle in usable:
            im = _decode_rgb(lib, handle)
            if im is not None and same_shape(im.size, photo):
                return im
        return None
    finally:
        for _, handle in candidates:
            lib.heif_image_handle_release(handle)


def _handle_size(lib: ctypes.CDLL, handle: ctypes.c_void_p) -> tuple[int, int]:
    return lib.heif_image_handle_get_width(handle), lib.heif_image_handle_get_height(handle)


def _decode_rgb(lib: ctypes.CDLL, handle: ctypes.c_void_p) -> Image.Image | None:
    image = ctypes.c_void_p()
    error = lib.heif_decode_image(
        handle, ctypes.byref(image), _COLORSPACE_RGB, _CHROMA_INTERLEAVED_RGB, None
    )
    if error.code:
        log.debug("embedded HEIC thumbnail not decoded: %s", error.message)
        return None
    try:
        width = lib.heif_image_get_width(image, _CHANNEL_INTERLEAVED)
        height = lib.heif_image_get_height(image, _CHANNEL_INTERLEAVED)
        stride = ctypes.c_int()
        plane = lib.heif_image_get_plane_readonly(image, _CHANNEL_INTERLEAVED, ctypes.byref(stride))
        if not plane or width <= 0 or height <= 0 or stride.value < 3 * width:
            return None
        raw = ctypes.string_at(plane, stride.value * height)
        return Image.frombuffer("RGB", (width, height), raw, "raw", "RGB", stride.value, 1).copy()
    finally:
        lib.heif_image_release(image)


def read_heif_file(path: str | os.PathLike[str], limit: int) -> bytes | None:
    """The whole file when it starts like a HEIF file and is at most `limit` bytes, else None
    (one 12-byte read for everything else)."""
    with Path(path).open("rb") as f:
        if not is_heif(f.read(12)):
            return None
        f.seek(0, os.SEEK_END)
        if f.tell() > limit:
            return None
        f.seek(0)
        return f.read()
