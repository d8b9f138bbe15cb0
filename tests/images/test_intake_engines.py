"""What intake runs on: HEIF through pi-heif (never pillow-heif), BLAKE3 content hashes with
their fallbacks and upgrade path, DCT-scaled JPEG decoding for thumbnails, upload cache pruning,
and every accepted format inspected and prepared."""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import blake3
import pytest
from intake_corpus import BLUE, GPS_IFD, GPS_TAGS, RED, Corpus, heic_bytes, picture
from PIL import Image

from app.images import (
    PhotoChangedError,
    ProblemCode,
    hash_file,
    inspect,
    mark_duplicates,
    prepare_upload,
    prune_upload_cache,
    recheck,
)
from app.images.formats import open_formats, open_image
from app.images.hashing import _hash_streamed, hash_bytes
from app.images.thumbnails import reduce_decoding

ROOT = Path(__file__).resolve().parents[2]


def is_reddish(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    r, g, b = pixel[:3]
    return bool(r > 180 and g < 90 and b < 90)


# -- HEIF --------------------------------------------------------------------------------------


def test_heic_is_read_by_pi_heif(corpus: Corpus) -> None:
    with open_image(corpus["phone.heic"]) as im:
        assert type(im).__module__.startswith("pi_heif.")
        assert im.format == "HEIF" and im.size == (200, 400)  # irot applied on decode


def test_app_never_imports_pillow_heif(corpus: Corpus, tmp_path: Path) -> None:
    # A fresh interpreter: this test process imported pillow_heif to make the corpus.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app.images import inspect, prepare_upload, thumbnail_bytes\n"
        "import app.engine, app.cli\n"
        f"photo = inspect({str(corpus['phone.heic'])!r})\n"
        "assert photo.ok and photo.format == 'HEIF', photo.problem\n"
        f"out = prepare_upload(photo, Path({str(tmp_path)!r}))\n"
        "assert out.suffix == '.jpg' and len(thumbnail_bytes(photo.path)) > 100\n"
        "assert 'pi_heif' in sys.modules\n"
        "print(sorted(m for m in sys.modules if 'pillow_heif' in m))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_no_app_module_imports_pillow_heif() -> None:
    # Also the imports a run does not reach (a fallback, a rarely used path).
    found = []
    for source in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{source.name}: {n}" for n in names if n.split(".")[0] == "pillow_heif"]
    assert found == []


def test_heif_registration_is_idempotent_and_thread_safe() -> None:
    results: list[tuple[str, ...]] = []
    threads = [threading.Thread(target=lambda: results.append(open_formats())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert results[0] is open_formats()  # computed once
    assert "HEIF" in results[0]
    assert Image.OPEN["HEIF"][0].__module__.startswith("pi_heif.")


def test_damaged_heic_fails_with_a_plain_reason(tmp_path: Path) -> None:
    good = heic_bytes(picture((400, 300), seed=21))
    cut = tmp_path / "cut.heic"
    cut.write_bytes(good[: len(good) * 2 // 3])
    photo = inspect(cut)
    if photo.ok:  # the header survived: the damage shows when it is converted
        with pytest.raises(Exception) as caught:
            prepare_upload(photo, tmp_path / "cache")
        assert getattr(caught.value, "code", None) is ProblemCode.CORRUPT
    else:
        assert photo.problem_code is ProblemCode.CORRUPT


# -- hashing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 64 * 1024 - 1, 64 * 1024, 3 * 1024 * 1024 + 7])
def test_hash_is_blake3_of_the_bytes_on_every_path(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    expected = blake3.blake3(data).hexdigest()
    assert hash_file(path) == expected == hash_bytes(data) == _hash_streamed(path)
    assert len(expected) == 64 and expected == expected.lower()


def test_hash_of_a_special_file_is_streamed(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    payload = b"\xff\xd8" + b"x" * 200_000

    def feed() -> None:
        with fifo.open("wb") as f:
            f.write(payload)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert hash_file(fifo) == blake3.blake3(payload).hexdigest()
    finally:
        writer.join(timeout=10)


def test_hash_errors_are_the_usual_os_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        hash_file(tmp_path / "missing.jpg")
    with pytest.raises(IsADirectoryError):
        hash_file(tmp_path)


def test_duplicates_and_recheck_use_the_new_hash(corpus: Corpus) -> None:
    photos = [inspect(corpus["good.jpg"]), inspect(corpus["good copy.jpg"])]
    data = corpus["good.jpg"].read_bytes()
    assert photos[0].content_hash == blake3.blake3(data).hexdigest()
    assert mark_duplicates(photos).count == 1
    recheck(photos[0])


def test_batch_stored_by_an_earlier_version_still_goes_up(corpus: Corpus, tmp_path: Path) -> None:
    # Earlier versions stored SHA-256 hashes in the job store: an upgrade mid-batch must not
    # call every waiting photo "changed". Different bytes are still caught.
    photo = inspect(corpus["gps.jpg"])
    photo.content_hash = hashlib.sha256(corpus["gps.jpg"].read_bytes()).hexdigest()
    recheck(photo)
    out = prepare_upload(photo, tmp_path)
    assert out.name == f"{photo.content_hash}-nogps.jpg" and out.is_file()
    photo.content_hash = hashlib.sha256(b"other bytes").hexdigest()
    with pytest.raises(PhotoChangedError) as caught:
        recheck(photo)
    assert caught.value.code is ProblemCode.CHANGED


# -- thumbnails: reduced decoding ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "decoded"),
    [
        ((4000, 3000), (500, 375)),  # 1/8, the 12 MP camera case
        ((2048, 1536), (256, 192)),  # 1/8 only because the fitted size is asked for
        ((8000, 2000), (1000, 250)),  # panorama: 1/8, not the 1/4 a square request gives
        ((1000, 750), (500, 375)),  # 1/2 is as far as it can go for a 256 box
    ],
)
def test_jpeg_draft_picks_the_strongest_dct_scale(
    tmp_path: Path, stored: tuple[int, int], decoded: tuple[int, int]
) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", stored, BLUE).save(path, quality=90)
    with open_image(path) as im:
        reduce_decoding(im, 256)
        assert im.size == decoded
        im.load()
        assert im.size == decoded


# -- every accepted format ---------------------------------------------------------------------


def _save(tmp_path: Path, name: str, im: Image.Image, fmt: str, **options: object) -> Path:
    path = tmp_path / name
    im.save(path, fmt, **options)
    return path


def test_every_format_is_inspected_and_prepared(tmp_path: Path) -> None:
    rgb = picture((200, 150), seed=31)  # red marker top-left
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size).point(lambda v: 30 + v * 200 // 255))
    cases = {  # name: (file, format, goes up as it is, output format, mode after)
        "plain.png": (_save(tmp_path, "plain.png", rgb, "PNG"), "PNG", True, "PNG"),
        "alpha.png": (_save(tmp_path, "alpha.png", rgba, "PNG"), "PNG", True, "PNG"),
        "photo.webp": (_save(tmp_path, "photo.webp", rgb, "WEBP", quality=90), "WEBP", True, "WEBP"),
        "alpha.webp": (_save(tmp_path, "alpha.webp", rgba, "WEBP", lossless=True), "WEBP", True, "WEBP"),
        "still.gif": (_save(tmp_path, "still.gif", rgb, "GIF"), "GIF", False, "JPEG"),
        "scan.tif": (_save(tmp_path, "scan.tif", rgb, "TIFF"), "TIFF", False, "JPEG"),
        "alpha.tif": (_save(tmp_path, "alpha.tif", rgba, "TIFF"), "TIFF", False, "PNG"),
        "paint.bmp": (_save(tmp_path, "paint.bmp", rgb, "BMP"), "BMP", False, "JPEG"),
    }  # fmt: skip
    for name, (path, fmt, as_is, out_fmt) in cases.items():
        photo = inspect(path)  # used to raise RuntimeError("verify must be called ...") on PNG
        assert photo.ok, (name, photo.problem)
        assert (photo.format, photo.width, photo.height) == (fmt, 200, 150), name
        assert photo.needs_conversion is not as_is, name
        out = prepare_upload(photo, tmp_path / "cache")
        assert (out == path) is as_is, name
        with Image.open(out) as result:
            assert result.format == out_fmt and result.size == (200, 150), name
            pixels = result.convert("RGBA")
            assert is_reddish(pixels.getpixel((10, 10))), name  # the marker, not moved
            assert not is_reddish(pixels.getpixel((190, 140))), name
            if name.startswith("alpha"):
                alphas = pixels.getchannel("A")
                assert alphas.getpixel((100, 2)) < 40 < 200 < alphas.getpixel((100, 147)), name


def test_png_with_gps_and_alpha_keeps_transparency(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[GPS_IFD] = GPS_TAGS
    im = Image.new("RGBA", (90, 90), (*RED, 100))
    path = _save(tmp_path, "gps.png", im, "PNG", exif=exif.tobytes())
    photo = inspect(path)
    assert photo.ok and photo.has_gps
    with Image.open(prepare_upload(photo, tmp_path / "cache")) as out:
        assert out.format == "PNG" and out.getpixel((3, 3)) == (*RED, 100)


# -- upload cache ------------------------------------------------------------------------------


def _aged(folder: Path, name: str, size: int, age_days: float, now: float) -> Path:
    path = folder / name
    path.write_bytes(b"\x00" * size)
    when = now - age_days * 86400
    os.utime(path, (when, when))
    return path


def test_prune_removes_old_copies_and_keeps_recent_ones(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    now = time.time()
    old = _aged(uploads, "a-nogps.jpg", 1000, 10, now)
    part = _aged(uploads, ".part-xyz.jpg", 500, 3, now)
    week = _aged(uploads, "b-nogps.jpg", 1000, 6, now)
    fresh = _aged(uploads, "c-keepgps.png", 1000, 0.01, now)
    result = prune_upload_cache(tmp_path, max_age=7 * 86400, max_bytes=10**9, now=now)
    assert (result.files, result.bytes) == (1, 1000)
    assert not old.exists() and part.exists() and week.exists() and fresh.exists()
    # Over the size budget: oldest first, never one younger than min_age.
    result = prune_upload_cache(tmp_path, max_bytes=1200, min_age=3600, now=now)
    assert (result.files, result.bytes) == (2, 1500)
    assert [p.name for p in uploads.iterdir()] == ["c-keepgps.png"]
    assert prune_upload_cache(tmp_path / "no-cache-yet").files == 0


def test_prepared_copy_handed_out_again_is_not_pruned(corpus: Corpus, tmp_path: Path) -> None:
    photo = inspect(corpus["gps.jpg"])
    first = prepare_upload(photo, tmp_path)
    long_ago = time.time() - 30 * 86400
    os.utime(first, (long_ago, long_ago))
    assert prepare_upload(photo, tmp_path) == first  # reused, and marked as used now
    assert prune_upload_cache(tmp_path).files == 0
    assert first.is_file()
    os.utime(first, (long_ago, long_ago))
    assert prune_upload_cache(tmp_path).files == 1 and not first.exists()
