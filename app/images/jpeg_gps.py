"""Removing location data from a JPEG without touching its compressed picture data.

Only metadata segments before the first SOS marker are rewritten; everything from SOS to the
primary image's EOI is copied byte for byte, so there is no re-encoding and no quality loss.
"""

from __future__ import annotations

import re
import struct

SOI = b"\xff\xd8"
_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
_MPF_HEADER = b"MPF\x00"
_GPS_IFD_TAG = 0x8825
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_XMP_GPS_ATTR = re.compile(rb'\s+exif:GPS\w+\s*=\s*"[^"]*"')
_XMP_GPS_ELEM = re.compile(rb"<exif:(GPS\w+)\b[^>]*?(?:/>|>.*?</exif:\1\s*>)", re.DOTALL)


class JpegStructureError(ValueError):
    """The file is not laid out as a JPEG should be."""


def strip_gps_jpeg(data: bytes) -> bytes:
    """Return the JPEG `data` without GPS: the EXIF GPS directory is emptied in place (same segment
    length, so maker-note offsets stay valid and orientation is kept), GPS fields are cut from XMP,
    and extra frames appended after the main image (MPO/"multi-picture" data, which carry their
    own copy of the location) are dropped with the index that points to them."""
    if not data.startswith(SOI):
        raise JpegStructureError("no start-of-image marker")
    out = [SOI]
    pos = 2
    while True:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise JpegStructureError(f"expected a marker at byte {pos}")
        while data[pos + 1] == 0xFF:  # fill bytes before a marker are legal
            pos += 1
        marker = data[pos + 1]
        if marker in _STANDALONE:
            out.append(data[pos : pos + 2])
            pos += 2
            continue
        if marker in (_SOS, _EOI):
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise JpegStructureError(f"segment at byte {pos} runs past the end")
        payload = data[pos + 4 : end]
        if marker == 0xE1 and payload.startswith(_EXIF_HEADER):
            tiff = bytearray(payload[len(_EXIF_HEADER) :])
            _empty_gps_ifd(tiff)
            out.append(data[pos : pos + 4] + _EXIF_HEADER + bytes(tiff))
        elif marker == 0xE1 and payload.startswith(_XMP_HEADER):
            packet = _strip_xmp_gps(payload[len(_XMP_HEADER) :])
            if packet is not None:
                body = _XMP_HEADER + packet
                out.append(b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body)
        elif marker == 0xE1 and payload.startswith(_XMP_EXT_HEADER):
            if b"GPS" not in payload:
                out.append(data[pos:end])
        elif marker == 0xE2 and payload.startswith(_MPF_HEADER):
            pass  # its frames are cut below
        else:
            out.append(data[pos:end])
        pos = end
    out.append(data[pos : primary_image_end(data, pos)])
    return b"".join(out)


def primary_image_end(data: bytes, pos: int) -> int:
    """Offset just past the EOI of the image whose first SOS or EOI marker is at `pos`."""
    n = len(data)
    while pos + 1 < n:
        marker = data[pos + 1]
        if marker == _EOI:
            return pos + 2
        if marker == 0xFF:
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
        else:
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            pos += 2 + length
        # Entropy-coded data follows SOS (and, in progressive files, later segments); inside it
        # 0xFF is always followed by 0x00 (stuffing) or a restart marker.
        while True:
            pos = data.find(b"\xff", pos)
            if pos < 0 or pos + 1 >= n:
                return n
            following = data[pos + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                pos += 2
            elif following == 0xFF:
                pos += 1
            else:
                break
    return n


def _empty_gps_ifd(tiff: bytearray) -> None:
    """Zero every GPS entry and its values, then mark the GPS directory as having no entries."""
    if len(tiff) < 8 or bytes(tiff[:2]) not in (b"II", b"MM"):
        raise JpegStructureError("EXIF block without a TIFF header")
    e = "<" if tiff[:2] == b"II" else ">"
    (ifd0,) = struct.unpack_from(e + "I", tiff, 4)
    gps = _find_tag(tiff, e, ifd0, _GPS_IFD_TAG)
    if gps is None or gps + 2 > len(tiff):
        return
    (count,) = struct.unpack_from(e + "H", tiff, gps)
    for i in range(count):
        entry = gps + 2 + 12 * i
        if entry + 12 > len(tiff):
            break
        _tag, typ, n = struct.unpack_from(e + "HHI", tiff, entry)
        nbytes = _TYPE_SIZES.get(typ, 1) * n
        if nbytes > 4:
            (offset,) = struct.unpack_from(e + "I", tiff, entry + 8)
            if offset + nbytes <= len(tiff):
                tiff[offset : offset + nbytes] = bytes(nbytes)
        tiff[entry : entry + 12] = bytes(12)
    struct.pack_into(e + "H", tiff, gps, 0)


def _find_tag(tiff: bytearray, e: str, ifd: int, wanted: int) -> int | None:
    if ifd + 2 > len(tiff):
        raise JpegStructureError("EXIF directory outside the block")
    (count,) = struct.unpack_from(e + "H", tiff, ifd)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        if entry + 12 > len(tiff):
            break
        tag, _typ, _n, value = struct.unpack_from(e + "HHII", tiff, entry)
        if tag == wanted:
            return int(value)
    return None


def _strip_xmp_gps(packet: bytes) -> bytes | None:
    """The XMP packet without GPS fields, or None when they cannot be cut out cleanly (the whole
    packet then goes: it only holds editing metadata the service does not need)."""
    if b"GPS" not in packet:
        return packet
    cleaned = _XMP_GPS_ELEM.sub(b"", _XMP_GPS_ATTR.sub(b"", packet))
    return None if b"exif:GPS" in cleaned else cleaned
