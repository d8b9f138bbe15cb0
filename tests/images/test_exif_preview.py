"""EXIF previews: the camera's embedded picture, upright, and only when it is the photo's shape."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from intake_corpus import exif_with_preview, jpeg_bytes, picture
from PIL import Image

from app.images.exif_preview import exif_preview, same_shape

GREEN = (0, 200, 0)


def preview_jpeg(size: tuple[int, int]) -> bytes:
    """A preview unlike its photo (green, red marker top-left): what is shown proves its source."""
    im = Image.new("RGB", size, GREEN)
    im.paste((255, 0, 0), (0, 0, size[0] // 4, size[1] // 4))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def camera_jpeg(
    tmp_path: Path,
    photo: tuple[int, int],
    preview: tuple[int, int],
    orientation: int = 1,
    *,
    big_endian: bool = False,
) -> Path:
    path = tmp_path / f"camera-{photo[0]}x{photo[1]}-{orientation}.jpg"
    exif = exif_with_preview(preview_jpeg(preview), orientation, big_endian=big_endian)
    path.write_bytes(jpeg_bytes(picture(photo), exif=exif))
    return path


def shown(data: bytes | None) -> Image.Image:
    assert data is not None
    im = Image.open(io.BytesIO(data))
    im.load()
    return im.convert("RGB")


def is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    return bool(pixel[0] > 180 and pixel[1] < 90 and pixel[2] < 90)


@pytest.mark.parametrize("big_endian", [False, True])
def test_a_matching_preview_is_read_as_the_camera_wrote_it(
    tmp_path: Path, big_endian: bool
) -> None:
    path = camera_jpeg(tmp_path, (800, 600), (160, 120), big_endian=big_endian)
    im = shown(exif_preview(path))
    assert im.size == (160, 120)
    r, g, _b = im.getpixel((100, 100))  # type: ignore[misc]
    assert g > 150 and r < 60  # the green preview, not the photo
    assert is_red(im.getpixel((3, 3)))


def test_the_preview_is_turned_upright_like_the_photo(tmp_path: Path) -> None:
    path = camera_jpeg(tmp_path, (800, 600), (160, 120), orientation=6)
    im = shown(exif_preview(path))
    assert im.size == (120, 160)  # stored landscape, shown portrait
    assert is_red(im.getpixel((im.width - 3, 3)))  # the top-left marker turned to the top-right
    assert not is_red(im.getpixel((3, 3)))


def test_a_preview_of_another_shape_is_not_used(tmp_path: Path) -> None:
    # A 3:2 photo with a 4:3 preview (a letterboxed camera preview or a photo cropped since).
    assert exif_preview(camera_jpeg(tmp_path, (900, 600), (160, 120))) is None
    # Portrait photo, landscape preview (rotated in an editor that kept the old preview).
    assert exif_preview(camera_jpeg(tmp_path, (600, 800), (160, 120))) is None


def test_files_without_a_preview_give_none(tmp_path: Path) -> None:
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(jpeg_bytes(picture((800, 600))))
    assert exif_preview(plain) is None
    png = tmp_path / "plain.png"
    picture((80, 60)).save(png)
    assert exif_preview(png) is None
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(camera_jpeg(tmp_path, (800, 600), (160, 120)).read_bytes()[:300])
    assert exif_preview(cut) is None
    assert exif_preview(tmp_path / "gone.jpg") is None


def test_same_shape_allows_rounding_only() -> None:
    assert same_shape((160, 120), (4000, 3000))
    assert same_shape((320, 213), (6000, 4000))
    assert not same_shape((160, 120), (6000, 4000))
    assert not same_shape((120, 160), (4000, 3000))
    assert not same_shape((0, 120), (4000, 3000))
