"""Thumbnails: upright, small, and from the disk cache the second time."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from intake_corpus import Corpus, picture
from PIL import Image

from app.images import (
    PhotoChangedError,
    PhotoUnusableError,
    ProblemCode,
    ThumbnailCache,
    inspect,
    thumbnail_bytes,
)


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG"
    im.load()
    return im


def is_reddish(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    r, g, b = pixel[:3]
    return bool(r > 180 and g < 90 and b < 90)


def test_exif_rotated_jpeg_thumbnail_comes_out_upright(corpus: Corpus) -> None:
    im = decode(thumbnail_bytes(corpus["rotated.jpg"], 128))
    assert im.width < im.height and max(im.size) == 128  # stored landscape, shown portrait
    assert is_reddish(im.getpixel((im.width - 4, 4)))  # the marker turned to the top-right
    assert not is_reddish(im.getpixel((4, 4)))


def test_heic_thumbnail_is_upright(corpus: Corpus) -> None:
    im = decode(thumbnail_bytes(corpus["phone.heic"], 64))
    assert im.size == (32, 64)
    assert is_reddish(im.getpixel((im.width - 2, 2)))


@pytest.mark.parametrize("name", ["sub/good.png", "sub/good.webp", "sub/anim.gif", "sub/scan.tif"])
def test_thumbnails_of_every_format_fit_the_box(corpus: Corpus, name: str) -> None:
    im = decode(thumbnail_bytes(corpus[name], 100))
    assert max(im.size) == 100 and im.mode == "RGB"


def test_large_jpeg_uses_reduced_decoding_and_keeps_the_aspect(tmp_path: Path) -> None:
    source = tmp_path / "big.jpg"
    picture((2400, 1600), seed=3).save(source, quality=85)
    im = decode(thumbnail_bytes(source))
    assert im.size == (256, 171)
    assert is_reddish(im.getpixel((4, 4)))


def test_damaged_files_raise_a_plain_reason(corpus: Corpus, tmp_path: Path) -> None:
    with pytest.raises(PhotoUnusableError) as caught:
        thumbnail_bytes(corpus["letter.jpg"])
    assert caught.value.code is ProblemCode.NOT_IMAGE
    with pytest.raises(PhotoUnusableError) as caught:
        thumbnail_bytes(corpus["truncated.jpg"])
    assert caught.value.code is ProblemCode.CORRUPT
    with pytest.raises(PhotoChangedError):
        ThumbnailCache(tmp_path).get_or_make(tmp_path / "gone.jpg")


def test_cache_hit_serves_stored_bytes_without_decoding(corpus: Corpus, tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    made = cache.get_or_make(corpus["good.jpg"])
    assert cache.size_bytes() == len(made)
    stored = [p for p in (tmp_path / "thumbs").rglob("*.jpg")]
    assert len(stored) == 1
    # Prove the next answer comes from disk: replace the stored file by a recognisable one.
    marker = thumbnail_bytes(corpus["rotated.jpg"], 32)
    stored[0].write_bytes(marker)
    assert cache.get_or_make(corpus["good.jpg"]) == marker
    # A new cache on the same folder (next start of the app) knows the file without hashing.
    reopened = ThumbnailCache(tmp_path / "thumbs")
    assert reopened.cached(corpus["good.jpg"]) == marker
    assert reopened.cached(corpus["rotated.jpg"]) is None
    # Content-keyed: a copy under another name is a hit too.
    photo = inspect(corpus["good copy.jpg"])
    assert reopened.get_or_make(photo.path, content_hash=photo.content_hash) == marker


def test_changed_file_gets_a_new_thumbnail(tmp_path: Path) -> None:
    source = tmp_path / "photo.jpg"
    picture((300, 200), seed=1).save(source)
    cache = ThumbnailCache(tmp_path / "thumbs")
    first = cache.get_or_make(source, 64)
    picture((200, 300), seed=1).save(source)  # edited in place: now portrait
    second = decode(cache.get_or_make(source, 64))
    assert decode(first).size == (64, 43)
    assert second.size == (43, 64)


def test_cache_stays_within_its_bound_and_clears(tmp_path: Path) -> None:
    sources = []
    for i in range(12):
        path = tmp_path / f"p{i}.jpg"
        picture((200, 150), seed=i).save(path, quality=90)
        sources.append(path)
    one = len(thumbnail_bytes(sources[0], 128))
    cache = ThumbnailCache(tmp_path / "thumbs", max_bytes=one * 5)
    for path in sources:
        cache.get_or_make(path, 128)
    on_disk = sum(p.stat().st_size for p in (tmp_path / "thumbs").rglob("*.jpg"))
    assert on_disk <= one * 5 * 1.1
    assert cache.size_bytes() == on_disk
    assert 0 < len(list((tmp_path / "thumbs").rglob("*.jpg"))) < 12
    # The most recent ones survive eviction.
    assert cache.cached(sources[-1], 128) is not None
    cache.clear()
    assert cache.size_bytes() == 0
    assert list((tmp_path / "thumbs").rglob("*.jpg")) == []
    assert cache.cached(sources[-1], 128) is None


def test_building_a_cache_touches_no_disk(tmp_path: Path, corpus: Corpus) -> None:
    # The GUI may build it on its own thread: the folder scan waits for the first real call.
    folder = tmp_path / "not-yet"
    cache = ThumbnailCache(folder)
    assert not folder.exists()
    cache.get_or_make(corpus["good.jpg"], 64)
    assert folder.is_dir() and cache.size_bytes() > 0
