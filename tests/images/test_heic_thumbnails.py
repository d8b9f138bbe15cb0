"""HEIC previews: the embedded thumbnail when the file has one, a full decode when it has not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from intake_corpus import heic_bytes
from PIL import Image, ImageDraw

from app.images import thumbnail_bytes
from app.images import thumbnails as thumbnails_module
from app.images.heif_thumbnails import available, embedded_thumbnail, is_heif, library_path

RED = (230, 10, 10)


def marked(size: tuple[int, int]) -> Image.Image:
    """Blue, with a marker in the top-left corner (where an upright photo shows it)."""
    im = Image.new("RGB", size, (20, 20, 200))
    ImageDraw.Draw(im).rectangle((0, 0, size[0] // 5, size[1] // 5), fill=RED)
    return im


def heic_file(
    tmp_path: Path, name: str, im: Image.Image, thumbnails: list[int], orientation: int = 1
) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / name
    path.write_bytes(heic_bytes(im, exif=exif.tobytes(), thumbnails=thumbnails))
    return path


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_libheif_is_found_next_to_pi_heif() -> None:
    # The wheels ship it; without it every HEIC preview would be a full decode again.
    assert available()


def test_the_embedded_thumbnail_is_used_and_comes_out_upright(tmp_path: Path) -> None:
    # Stored landscape with orientation 6: shown portrait, the marker turned to the top-right.
    path = heic_file(tmp_path, "phone.heic", marked((640, 320)), [200], orientation=6)
    thumb = embedded_thumbnail(path.read_bytes(), 128)
    assert thumb is not None and thumb.size == (100, 200)
    im = decode(thumbnail_bytes(path, 128))
    assert im.size == (64, 128)
    r, g, b = im.getpixel((im.width - 4, 4))  # type: ignore[misc]
    assert r > 180 and g < 90 and b < 90
    r, g, b = im.getpixel((4, 4))  # type: ignore[misc]
    assert b > 150 and r < 90


def test_without_a_thumbnail_the_photo_is_decoded_in_full(tmp_path: Path) -> None:
    path = heic_file(tmp_path, "plain.heic", marked((640, 320)), [], orientation=6)
    assert embedded_thumbnail(path.read_bytes(), 128) is None
    im = decode(thumbnail_bytes(path, 128))
    assert im.size == (64, 128)
    r, g, b = im.getpixel((im.width - 4, 4))  # type: ignore[misc]
    assert r > 180 and g < 90 and b < 90


def test_a_thumbnail_smaller_than_the_box_is_not_blown_up(tmp_path: Path) -> None:
    path = heic_file(tmp_path, "small-thumb.heic", marked((800, 600)), [96])
    assert embedded_thumbnail(path.read_bytes(), 256) is None
    assert decode(thumbnail_bytes(path, 256)).size == (256, 192)
    # A box the thumbnail does fill uses it.
    assert embedded_thumbnail(path.read_bytes(), 64) is not None


def test_embedded_path_is_what_makes_the_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = heic_file(tmp_path, "phone.heic", marked((640, 480)), [320])
    calls: list[Path] = []
    real = thumbnails_module._heif_embedded

    def spy(p: Path, size: int) -> Image.Image | None:
        calls.append(Path(p))
        found = real(p, size)
        assert found is not None
        return found

    monkeypatch.setattr(thumbnails_module, "_heif_embedded", spy)
    assert decode(thumbnail_bytes(path, 256)).size == (256, 192)
    assert calls == [path]


def test_damaged_and_other_files_fall_back_quietly(tmp_path: Path) -> None:
    good = heic_file(tmp_path, "phone.heic", marked((640, 480)), [320]).read_bytes()
    assert embedded_thumbnail(good[: len(good) // 3], 256) is None
    assert embedded_thumbnail(b"\x00" * 64, 256) is None
    assert not is_heif(b"\xff\xd8\xff\xe0" + b"\x00" * 8)
    assert is_heif(good[:12])


def test_the_library_read_is_pi_heifs_and_brings_no_gpl_code() -> None:
    # packaging/build.py refuses a bundle with pillow-heif or x265 in it; the file this module
    # loads is pi-heif's LGPL libheif, which the bundle carries anyway for pi-heif itself.
    path = library_path()
    assert path is not None
    lowered = path.lower()
    assert "pi_heif" in lowered and "pillow_heif" not in lowered and "x265" not in lowered
    folder = Path(path).parent
    assert not [p for p in folder.iterdir() if "x265" in p.name.lower()]
