"""Every awkward input gets its own plain reason; good photos pass; one bad file fails alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from intake_corpus import Corpus

from app.images import ProblemCode, inspect, mark_duplicates, walk

EXPECTED = {
    "truncated.jpg": (ProblemCode.CORRUPT, "ends early"),
    "truncated.png": (ProblemCode.CORRUPT, "damaged"),
    "letter.jpg": (ProblemCode.NOT_IMAGE, "not a photo"),
    "empty.jpg": (ProblemCode.EMPTY, "empty"),
    "tiny.png": (ProblemCode.TOO_SMALL, "1 × 1 pixels"),
    "bomb.png": (ProblemCode.TOO_LARGE, "900 megapixels"),
}
GOOD = ["good.jpg", "sub/Été à la plage 📷.jpg", "sub/good.png", "sub/good.webp", "rotated.jpg"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gets_its_reason(corpus: Corpus, name: str) -> None:
    code, words = EXPECTED[name]
    photo = inspect(corpus[name])
    assert photo.problem_code is code
    assert photo.problem is not None and words in photo.problem
    assert not photo.ok


@pytest.mark.parametrize("name", GOOD)
def test_good_photo_passes_with_what_recheck_needs(corpus: Corpus, name: str) -> None:
    photo = inspect(corpus[name])
    assert photo.ok, photo.problem
    st = corpus[name].stat()
    assert (photo.size, photo.mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert photo.content_hash is not None and len(photo.content_hash) == 64
    assert photo.width and photo.height and photo.width >= 64
    assert photo.note is None and not photo.needs_conversion


@pytest.mark.parametrize(
    ("name", "label"), [("phone.heic", "HEIC"), ("sub/anim.gif", "GIF"), ("sub/scan.tif", "TIFF")]
)
def test_other_formats_pass_with_a_conversion_note(corpus: Corpus, name: str, label: str) -> None:
    photo = inspect(corpus[name])
    assert photo.ok, photo.problem
    assert photo.needs_conversion
    assert photo.note == f"Will be converted from {label} to JPEG."


def test_gps_is_noticed(corpus: Corpus) -> None:
    assert inspect(corpus["gps.jpg"]).has_gps
    assert inspect(corpus["phone.heic"]).has_gps
    assert not inspect(corpus["good.jpg"]).has_gps


def test_raw_file_gets_an_export_hint(tmp_path: Path, corpus: Corpus) -> None:
    # DNG is TIFF-shaped: Pillow would open it, so the refusal must not depend on that failing.
    raw = tmp_path / "IMG_0001.DNG"
    raw.write_bytes(corpus["sub/scan.tif"].read_bytes())
    photo = inspect(raw)
    assert photo.problem_code is ProblemCode.NOT_IMAGE
    assert photo.problem is not None and "Export it as JPEG" in photo.problem


def test_over_50_mb_is_refused_before_opening(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    with big.open("wb") as f:  # sparse: no 50 MB written
        f.truncate(50 * 1024 * 1024 + 1)
    photo = inspect(big)
    assert photo.problem_code is ProblemCode.TOO_LARGE
    assert photo.problem is not None and "the limit is 52 MB" in photo.problem


def test_folder_given_as_file_and_vanished_file(corpus: Corpus, tmp_path: Path) -> None:
    folder = inspect(corpus.root / "sub")
    assert folder.problem_code is ProblemCode.UNREADABLE
    assert folder.problem == "This is a folder, not a photo file."
    gone = tmp_path / "gone.jpg"
    gone.write_bytes(corpus["good.jpg"].read_bytes())
    found = walk([tmp_path]).files
    gone.unlink()  # removed between walking and inspecting
    assert inspect(found[0]).problem_code is ProblemCode.VANISHED


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_file_without_read_permission(tmp_path: Path, corpus: Corpus) -> None:
    locked = tmp_path / "locked.jpg"
    locked.write_bytes(corpus["good.jpg"].read_bytes())
    locked.chmod(0)
    try:
        assert not os.access(locked, os.R_OK)
        photo = inspect(locked)
    finally:
        locked.chmod(0o644)
    assert photo.problem_code is ProblemCode.UNREADABLE
    assert photo.problem is not None and "permission" in photo.problem


def test_whole_corpus_bad_ones_fail_alone_and_duplicates_get_one_summary(corpus: Corpus) -> None:
    photos = [inspect(p) for p in walk([corpus.root]).files]
    summary = mark_duplicates(photos)
    by_name = {p.path.name: p for p in photos}
    for name, (code, _) in EXPECTED.items():
        assert by_name[Path(name).name].problem_code is code
    copies = [by_name["good.jpg"], by_name["good copy.jpg"]]
    kept = [p for p in copies if p.ok]
    skipped = [p for p in copies if p.problem_code is ProblemCode.DUPLICATE]
    assert len(kept) == 1 and len(skipped) == 1
    assert skipped[0].duplicate_of == kept[0].path
    assert skipped[0].problem is not None and kept[0].path.name in skipped[0].problem
    assert summary.count == 1
    assert summary.groups == {kept[0].path: [skipped[0].path]}
    assert (
        summary.message
        == "1 photo was skipped because it is a copy of another photo in this batch."
    )
    ok = {p.path.name for p in photos if p.ok}
    assert ok == {
        "good copy.jpg", "Été à la plage 📷.jpg", "good.png", "good.webp", "rotated.jpg",
        "gps.jpg", "phone.heic", "anim.gif", "scan.tif",
    }  # fmt: skip


def test_mark_duplicates_again_after_the_original_is_removed(corpus: Corpus) -> None:
    photos = [inspect(corpus["good.jpg"]), inspect(corpus["good copy.jpg"])]
    assert mark_duplicates(photos).count == 1
    assert not photos[1].ok
    remaining = photos[1:]
    summary = mark_duplicates(remaining)
    assert summary.count == 0 and summary.message is None
    assert remaining[0].ok and remaining[0].duplicate_of is None
