"""A minimal Motion-JPEG AVI writer (RIFF, 'MJPG'): real video without ffmpeg."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

AVIF_HASINDEX = 0x10
AVIIF_KEYFRAME = 0x10


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    pad = b"\0" if len(payload) % 2 else b""
    return fourcc + struct.pack("<I", len(payload)) + payload + pad


def _list(kind: bytes, payload: bytes) -> bytes:
    return b"LIST" + struct.pack("<I", len(payload) + 4) + kind + payload


def mjpeg_avi(frames: Sequence[bytes], width: int, height: int, fps: int) -> bytes:
    """An AVI file holding `frames` (each a complete JPEG) as one MJPG video stream."""
    if not frames:
        raise ValueError("an AVI needs at least one frame")
    biggest = max(len(f) for f in frames)
    avih = struct.pack(
        "<14I",
        1_000_000 // fps,  # microseconds per frame
        biggest * fps,  # max bytes per second
        0,  # padding granularity
        AVIF_HASINDEX,
        len(frames),
        0,  # initial frames
        1,  # streams
        biggest,  # suggested buffer size
        width,
        height,
        0,
        0,
        0,
        0,
    )
    strh = struct.pack(
        "<4s4sIHHIIIIIIiI4h",
        b"vids",
        b"MJPG",
        0,  # flags
        0,  # priority
        0,  # language
        0,  # initial frames
        1,  # scale
        fps,  # rate: rate / scale = frames per second
        0,  # start
        len(frames),  # length in frames
        biggest,
        -1,  # quality: default
        0,  # sample size: varies
        0,
        0,
        width,
        height,
    )
    strf = struct.pack(
        "<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0
    )
    header = _list(
        b"hdrl",
        _chunk(b"avih", avih) + _list(b"strl", _chunk(b"strh", strh) + _chunk(b"strf", strf)),
    )
    movi_parts: list[bytes] = []
    index: list[bytes] = []
    offset = 4  # idx1 offsets count from the 'movi' fourcc
    for frame in frames:
        chunk = _chunk(b"00dc", frame)
        index.append(struct.pack("<4sIII", b"00dc", AVIIF_KEYFRAME, offset, len(frame)))
        movi_parts.append(chunk)
        offset += len(chunk)
    movi = _list(b"movi", b"".join(movi_parts))
    idx1 = _chunk(b"idx1", b"".join(index))
    body = b"AVI " + header + movi + idx1
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write_mjpeg_avi(path: Path, frames: Sequence[bytes], width: int, height: int, fps: int) -> int:
    """Write the AVI to `path`; returns its size in bytes."""
    data = mjpeg_avi(frames, width, height, fps)
    path.write_bytes(data)
    return len(data)
