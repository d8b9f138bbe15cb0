"""The awkward corpus of the intake tests, generated here: what cameras, phones and shared drives
really hand us."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GPS_IFD = 0x8825
GPS_TAGS = {1: "N", 2: (52.0, 22.0, 30.5), 3: "E", 4: (4.0, 53.0, 12.25)}
XMP_WITH_GPS = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="52,22.5N" exif:GPSLongitude="4,53.2E" exif:ExposureTime="1/200">'
    b"<exif:GPSAltitude>12/1</exif:GPSAltitude>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def picture(size: tuple[int, int] = (320, 240), seed: int = 0) -> Image.Image:
    """A picture with texture (so JPEG has real scan data) and a red marker in the top-left."""
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.effect_noise(size, 30 + seed).convert("RGB")
    im = Image.blend(im, noise, 0.3)
    im.paste(RED, (0, 0, size[0] // 5, size[1] // 5))
    return im


def jpeg_bytes(im: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def heic_bytes(im: Image.Image, **options: object) -> bytes:
    """A HEIC file made with pillow-heif (a test-only dependency: it can encode). Its Pillow
    plugin is never registered, so every read in the tests goes through the app's own HEIF
    reader (pi-heif)."""
    out = io.BytesIO()
    pillow_heif.from_pillow(im).save(out, quality=80, **options)
    return out.getvalue()


def handmade_png(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` × `height`, with almost no pixel data behind it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def scan_data(jpeg: bytes) -> bytes:
    """Bytes from the first SOS marker to the end of the main image (independent of the code
    under test: a plain walk over segment lengths)."""
    pos = 2
    while jpeg[pos + 1] != 0xDA:
        pos += 2 + struct.unpack(">H", jpeg[pos + 2 : pos + 4])[0]
    end = jpeg.index(b"\xff\xd9", pos) + 2
    while True:  # the last EOI of the main image: skip FFD9 inside appended frames
        nxt = jpeg.find(b"\xff\xd8", end)
        if nxt != end:
            return jpeg[pos:end]
        raise AssertionError("unexpected appended frame")


@dataclass
class Corpus:
    root: Path
    files: dict[str, Path]

    def __getitem__(self, name: str) -> Path:
        return self.files[name]


def build_corpus(root: Path) -> Corpus:
    files: dict[str, Path] = {}

    def write(name: str, data: bytes) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[name] = path
        return path

    good = jpeg_bytes(picture(seed=1))
    write("good.jpg", good)
    write("good copy.jpg", good)  # same bytes, another name: a duplicate
    write("sub/Été à la plage 📷.jpg", jpeg_bytes(picture(seed=2)))
    png = io.BytesIO()
    picture(seed=3).save(png, "PNG")
    write("sub/good.png", png.getvalue())
    webp = io.BytesIO()
    picture(seed=4).save(webp, "WEBP", quality=80)
    write("sub/good.webp", webp.getvalue())
    write("truncated.jpg", jpeg_bytes(picture(seed=5))[:3000])
    write("truncated.png", png.getvalue()[: len(png.getvalue()) // 2])
    write("letter.jpg", b"Dear customer,\nthis is a text file with a photo's name.\n" * 20)
    write("empty.jpg", b"")
    tiny = io.BytesIO()
    Image.new("RGB", (1, 1), RED).save(tiny, "PNG")
    write("tiny.png", tiny.getvalue())
    write("bomb.png", handmade_png(30_000, 30_000))

    # Stored landscape with the marker top-left; orientation 6 means "turn 90° clockwise to
    # view", so the upright picture is portrait with the marker in the top-right corner.
    exif = Image.Exif()
    exif[0x0112] = 6
    write("rotated.jpg", jpeg_bytes(picture((400, 200), seed=6), exif=exif.tobytes()))

    gps_exif = Image.Exif()
    gps_exif[0x0110] = "Test Camera"
    gps_exif[0x0112] = 1
    gps_exif[GPS_IFD] = GPS_TAGS
    write(
        "gps.jpg",
        jpeg_bytes(picture(seed=7), exif=gps_exif.tobytes(), xmp=XMP_WITH_GPS),
    )

    heic_exif = Image.Exif()
    heic_exif[0x0112] = 6
    heic_exif[GPS_IFD] = GPS_TAGS
    write("phone.heic", heic_bytes(picture((400, 200), seed=8), exif=heic_exif.tobytes()))

    frames = [Image.new("RGB", (120, 90), RED), Image.new("RGB", (120, 90), BLUE)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100)
    write("sub/anim.gif", gif.getvalue())
    tiff = io.BytesIO()
    picture(seed=9).save(tiff, "TIFF")
    write("sub/scan.tif", tiff.getvalue())

    # Things a folder walk must pass over.
    write(".hidden.jpg", good)
    write("sub/Thumbs.db", b"\x00" * 10)
    write("sub/notes.txt", b"shoot notes")
    write(".git/objects/pack.jpg", good)

    loop = root / "sub" / "back-to-top"
    loop.symlink_to(root, target_is_directory=True)
    return Corpus(root=root, files=files)


def exif_with_preview(preview: bytes, orientation: int = 1, *, big_endian: bool = False) -> bytes:
    """EXIF (for Pillow's `exif=`) carrying an orientation and a JPEG preview in IFD1, as
    cameras write it (Pillow itself cannot write IFD1)."""
    e = ">" if big_endian else "<"
    header = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8)
    ifd0 = struct.pack(e + "H", 1) + struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0)
    ifd1_at = 8 + len(ifd0) + 4
    ifd0 += struct.pack(e + "I", ifd1_at)
    data_at = ifd1_at + 2 + 3 * 12 + 4
    ifd1 = struct.pack(e + "H", 3)
    ifd1 += struct.pack(e + "HHIHH", 0x0103, 3, 1, 6, 0)
    ifd1 += struct.pack(e + "HHII", 0x0201, 4, 1, data_at)
    ifd1 += struct.pack(e + "HHII", 0x0202, 4, 1, len(preview))
    ifd1 += struct.pack(e + "I", 0)
    return b"Exif\x00\x00" + header + ifd0 + ifd1 + preview
