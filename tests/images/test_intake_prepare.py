"""The last step before upload: re-checks, location removal, conversion."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from intake_corpus import (
    BLUE,
    GPS_IFD,
    GPS_TAGS,
    RED,
    Corpus,
    jpeg_bytes,
    picture,
    scan_data,
)
from PIL import Image

from app.images import (
    PhotoChangedError,
    PhotoUnusableError,
    ProblemCode,
    inspect,
    prepare_upload,
    recheck,
    strip_gps_jpeg,
)


def is_reddish(pixel: tuple[int, ...]) -> bool:
    r, g, b = pixel[:3]
    return r > 180 and g < 90 and b < 90


def test_gps_stripped_jpeg_keeps_compressed_pixels_byte_identical(corpus: Corpus) -> None:
    original = corpus["gps.jpg"].read_bytes()
    stripped = strip_gps_jpeg(original)
    assert scan_data(stripped) == scan_data(original)
    assert len(stripped) < len(original) or stripped != original
    with Image.open(io.BytesIO(stripped)) as im:
        exif = im.getexif()
        assert exif.get_ifd(GPS_IFD) == {}
        assert exif[0x0110] == "Test Camera"  # other metadata stays
        xmp = im.info.get("xmp", b"")
        assert b"GPS" not in xmp
        assert b'exif:ExposureTime="1/200"' in xmp
        im.load()  # still a valid JPEG
    with Image.open(corpus["gps.jpg"]) as before:
        assert before.getexif().get_ifd(GPS_IFD)  # the corpus really had GPS
        assert b"GPSLatitude" in before.info["xmp"]


def test_gps_strip_keeps_orientation_and_drops_appended_frames() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[GPS_IFD] = GPS_TAGS
    main = jpeg_bytes(picture(seed=11), exif=exif.tobytes())
    appended = main + jpeg_bytes(picture((160, 120), seed=12), exif=exif.tobytes())
    stripped = strip_gps_jpeg(appended)
    assert stripped.endswith(b"\xff\xd9") and len(stripped) == len(main)
    assert scan_data(stripped) == scan_data(main)
    with Image.open(io.BytesIO(stripped)) as im:
        assert im.getexif()[0x0112] == 6
        assert im.getexif().get_ifd(GPS_IFD) == {}


def test_strip_refuses_what_is_not_a_jpeg() -> None:
    with pytest.raises(ValueError):
        strip_gps_jpeg(b"GIF89a" + b"\x00" * 50)


def test_prepare_jpeg_with_gps_gives_a_cached_copy_once(corpus: Corpus, tmp_path: Path) -> None:
    photo = inspect(corpus["gps.jpg"])
    first = prepare_upload(photo, tmp_path)
    assert first != photo.path and first.is_relative_to(tmp_path)
    assert scan_data(first.read_bytes()) == scan_data(photo.path.read_bytes())
    written = first.stat().st_ino
    again = prepare_upload(photo, tmp_path)
    assert again == first and again.stat().st_ino == written  # not written again
    assert prepare_upload(photo, tmp_path, strip_gps=False) == photo.path


def test_concurrent_prepares_of_the_same_photo_agree(corpus: Corpus, tmp_path: Path) -> None:
    photo = inspect(corpus["phone.heic"])
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: prepare_upload(photo, tmp_path), range(4)))
    assert len(set(results)) == 1
    leftovers = [p.name for p in results[0].parent.iterdir() if p.name.startswith(".part-")]
    assert leftovers == []


@pytest.mark.parametrize("name", ["good.jpg", "sub/good.png", "sub/good.webp", "rotated.jpg"])
def test_clean_upload_formats_go_up_as_they_are(corpus: Corpus, tmp_path: Path, name: str) -> None:
    photo = inspect(corpus[name])
    assert prepare_upload(photo, tmp_path) == corpus[name]
    assert not (tmp_path / "uploads").exists()


def test_heic_becomes_upright_jpeg_without_location(corpus: Corpus, tmp_path: Path) -> None:
    photo = inspect(corpus["phone.heic"])
    out = prepare_upload(photo, tmp_path)
    assert out.suffix == ".jpg"
    with Image.open(out) as im:
        assert im.format == "JPEG"
        assert im.size == (200, 400)  # stored 400 × 200, orientation 6: portrait
        assert is_reddish(im.getpixel((im.width - 8, 8)))  # marker turned to the top-right
        assert not is_reddish(im.getpixel((8, 8)))
        assert im.getexif().get(0x0112, 1) == 1
        assert im.getexif().get_ifd(GPS_IFD) == {}
    kept = prepare_upload(photo, tmp_path, strip_gps=False)
    assert kept != out
    with Image.open(kept) as im:
        assert im.getexif().get_ifd(GPS_IFD)


def test_gif_uploads_its_first_frame(corpus: Corpus, tmp_path: Path) -> None:
    out = prepare_upload(inspect(corpus["sub/anim.gif"]), tmp_path)
    with Image.open(out) as im:
        assert im.format == "JPEG"
        pixel = im.convert("RGB").getpixel((60, 45))
        assert isinstance(pixel, tuple) and is_reddish(pixel)
        assert pixel[2] < 90 and pixel[:3] != BLUE


def test_png_with_transparency_and_gps_stays_png_without_location(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[GPS_IFD] = GPS_TAGS
    im = Image.new("RGBA", (100, 80), (*RED, 128))
    source = tmp_path / "logo.png"
    im.save(source, exif=exif.tobytes())
    photo = inspect(source)
    assert photo.ok and photo.has_gps
    out = prepare_upload(photo, tmp_path / "cache")
    with Image.open(out) as result:
        assert result.format == "PNG" and result.mode == "RGBA"
        assert result.getpixel((5, 5)) == (*RED, 128)
        assert result.getexif().get_ifd(GPS_IFD) == {}


def test_changed_file_is_caught_before_upload(
    copy_of: Callable[[str], Path], tmp_path: Path
) -> None:
    path = copy_of("good.jpg")
    photo = inspect(path)
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(PhotoChangedError) as caught:
        prepare_upload(photo, tmp_path / "cache")
    assert caught.value.code is ProblemCode.CHANGED
    assert "changed after it was added" in str(caught.value)


def test_same_size_same_time_new_content_is_caught_by_the_hash(
    copy_of: Callable[[str], Path],
) -> None:
    path = copy_of("good.jpg")
    photo = inspect(path)
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(photo.mtime_ns, photo.mtime_ns))
    with pytest.raises(PhotoChangedError) as caught:
        recheck(photo)
    assert "contents are different" in caught.value.user_message


def test_vanished_file_is_caught_before_upload(
    copy_of: Callable[[str], Path], tmp_path: Path
) -> None:
    path = copy_of("good.jpg")
    photo = inspect(path)
    recheck(photo)  # unchanged: no error
    path.unlink()
    with pytest.raises(PhotoChangedError) as caught:
        prepare_upload(photo, tmp_path)
    assert caught.value.code is ProblemCode.VANISHED
    assert "no longer there" in caught.value.user_message


def test_photo_with_a_problem_is_never_prepared(corpus: Corpus, tmp_path: Path) -> None:
    with pytest.raises(PhotoUnusableError) as caught:
        prepare_upload(inspect(corpus["truncated.jpg"]), tmp_path)
    assert caught.value.code is ProblemCode.CORRUPT
