"""Smaller copies for slow links: 2,560 px on the long side, JPEG q90, upright, no GPS."""

from __future__ import annotations

from pathlib import Path

from intake_corpus import GPS_IFD, GPS_TAGS, jpeg_bytes, picture
from PIL import Image

from app.images import SMALLER_COPY_SIDE, inspect, prepare_upload, smaller_copy_estimate


def big_photo(tmp_path: Path, orientation: int = 6, size: tuple[int, int] = (4000, 3000)) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[GPS_IFD] = GPS_TAGS
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes(picture(size, seed=4), exif=exif.tobytes()))
    return path


def test_a_large_photo_goes_as_an_upright_smaller_copy_without_gps(tmp_path: Path) -> None:
    source = big_photo(tmp_path)
    original = source.read_bytes()
    photo = inspect(source)
    sent = prepare_upload(photo, tmp_path / "cache", strip_gps=False, smaller=True)
    assert sent != source and source.read_bytes() == original  # the original untouched
    with Image.open(sent) as im:
        assert im.format == "JPEG"
        assert im.size == (1920, SMALLER_COPY_SIDE)  # stored landscape, turned upright
        exif = im.getexif()
        assert exif.get(0x0112, 1) == 1
        assert GPS_IFD not in exif  # even with strip_gps off: a smaller copy never carries it
        r, g, b = im.convert("RGB").getpixel((im.width - 10, 10))  # type: ignore[misc]
        assert r > 180 and g < 90 and b < 90  # the top-left marker, turned to the top-right
    assert sent.stat().st_size < len(original)
    # Named by content: asked again, the same copy, not a second encode.
    stamp = sent.stat().st_mtime_ns
    assert prepare_upload(photo, tmp_path / "cache", smaller=True) == sent
    assert sent.read_bytes() and sent.stat().st_mtime_ns >= stamp


def test_a_photo_already_small_goes_as_usual(tmp_path: Path) -> None:
    path = tmp_path / "small.jpg"
    path.write_bytes(jpeg_bytes(picture((2000, 1500))))
    photo = inspect(path)
    assert prepare_upload(photo, tmp_path / "cache", smaller=True) == path
    assert smaller_copy_estimate(photo) == photo.size


def test_the_estimate_is_a_fraction_of_a_large_photo(tmp_path: Path) -> None:
    photo = inspect(big_photo(tmp_path, orientation=1, size=(4000, 3000)))
    estimate = smaller_copy_estimate(photo)
    assert 0 < estimate <= photo.size
    assert estimate <= 2560 * 1920 // 4 + 1
