"""Smaller copies for slow links: 2,560 px on the long side, JPEG q90, upright, no GPS."""

from __future__ import annotations

from pathlib import Path

from intake_corpus import GPS_IFD, GPS_TAGS, jpeg_bytes, picture
from PIL import Image, ImageFilter

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
    assert 0 < estimate <= photo.size / 2


def camera_jpeg(path: Path, blur: float, mix: float, quality: int) -> Path:
    """A 12 MP photo with as much fine detail as `blur` (less: more) and `mix` leave."""
    size = (4000, 3000)
    noise = Image.effect_noise(size, 70).convert("RGB")
    if blur:
        noise = noise.filter(ImageFilter.GaussianBlur(blur))
    im = Image.blend(Image.linear_gradient("L").resize(size).convert("RGB"), noise, mix)
    im.save(path, quality=quality)
    return path


def test_the_estimate_follows_how_detailed_the_photo_is(tmp_path: Path) -> None:
    """A textured photo makes a large copy: the estimate comes from the original's own bytes per
    pixel, not a fixed 2 bits (which said half of a 2.45 MB copy)."""
    cases = {
        "textured": camera_jpeg(tmp_path / "textured.jpg", blur=0.8, mix=0.8, quality=92),
        "all detail": camera_jpeg(tmp_path / "noise.jpg", blur=0, mix=1.0, quality=95),
        "soft": camera_jpeg(tmp_path / "soft.jpg", blur=3, mix=0.6, quality=92),
    }
    for name, path in cases.items():
        photo = inspect(path)
        copy = prepare_upload(photo, tmp_path / "cache", smaller=True).stat().st_size
        estimate = smaller_copy_estimate(photo)
        assert 0.75 * copy <= estimate <= 1.3 * copy, (name, photo.size, copy, estimate)
    textured = inspect(cases["textured"])
    assert smaller_copy_estimate(textured) > 1.5 * (2560 * 1920 // 4)  # well over 2 bits/pixel
