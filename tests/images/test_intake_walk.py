"""Walking what users drop: folders, hidden files, loops, web addresses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from intake_corpus import Corpus

from app.images import is_image_url, walk


def test_folder_walk_finds_photos_and_skips_hidden_system_and_other_files(corpus: Corpus) -> None:
    result = walk([corpus.root])
    found = {p.relative_to(corpus.root).as_posix() for p in result.files}
    assert "sub/Été à la plage 📷.jpg" in found
    assert {"good.jpg", "good copy.jpg", "phone.heic", "sub/anim.gif", "letter.jpg"} <= found
    assert ".hidden.jpg" not in found
    assert not any(name.startswith(".git/") for name in found)
    assert not any(name.endswith("Thumbs.db") for name in found)
    assert [p.name for p in result.skipped] == ["notes.txt"]


def test_symlink_loop_is_reported_once_and_never_followed(corpus: Corpus) -> None:
    result = walk([corpus.root])
    loops = [p for p in result.problems if "loop" in p.message]
    assert [Path(p.path).name for p in loops] == ["back-to-top"]
    # Nothing reached through the loop: each photo appears once.
    assert len(result.files) == len(set(result.files))
    assert not any("back-to-top" in str(p) for p in result.files)


def test_same_file_twice_and_folder_twice_give_one_input(corpus: Corpus) -> None:
    result = walk([corpus["good.jpg"], corpus["good.jpg"], corpus.root / "sub", corpus.root])
    assert result.files.count(corpus["good.jpg"]) == 1
    names = [p.name for p in result.files]
    assert names.count("good.png") == 1


def test_explicit_file_is_taken_even_without_photo_extension(corpus: Corpus) -> None:
    notes = corpus.root / "sub" / "notes.txt"
    assert walk([notes]).files == [notes]


def test_missing_path_and_broken_link_are_problems(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.symlink_to(tmp_path / "gone.jpg")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "dangling.jpg").symlink_to(tmp_path / "also-gone.jpg")
    result = walk([tmp_path / "nothing-here.jpg", broken, folder])
    assert result.files == []
    messages = {Path(p.path).name: p.message for p in result.problems}
    assert "moved or renamed" in messages["nothing-here.jpg"]
    assert "no longer exists" in messages["broken.jpg"]
    assert "no longer exists" in messages["dangling.jpg"]


def test_file_symlink_loop_is_reported(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.symlink_to(b)
    b.symlink_to(a)
    result = walk([a])
    assert result.files == []
    assert "loops back" in result.problems[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_reported_and_walk_goes_on(tmp_path: Path, corpus: Corpus) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.jpg").write_bytes(corpus["good.jpg"].read_bytes())
    locked.chmod(0)
    try:
        result = walk([tmp_path, corpus["good.jpg"]])
    finally:
        locked.chmod(0o755)
    assert result.files == [corpus["good.jpg"]]
    assert "permission" in result.problems[0].message


def test_urls_become_url_items_and_paths_stay_paths(corpus: Corpus) -> None:
    result = walk(
        [
            "https://cdn.example.com/shoot/IMG 1.jpg",
            "http://example.com/photo?id=7",
            "https://example.com/clip.mp4",
            corpus["good.jpg"].as_uri(),
            str(corpus["good.jpg"]),
        ]
    )
    assert result.urls == [
        "https://cdn.example.com/shoot/IMG 1.jpg",
        "http://example.com/photo?id=7",
    ]
    assert result.files == [corpus["good.jpg"]]  # file:// URL and path are the same file
    assert [p.path for p in result.problems] == ["https://example.com/clip.mp4"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://x.org/a.JPG", True),
        ("https://x.org/a.webp?w=200", True),
        ("https://x.org/a", True),
        ("https://x.org/a.heic", False),
        ("ftp://x.org/a.jpg", False),
        ("https:///a.jpg", False),
        ("/home/me/a.jpg", False),
        ("C:\\photos\\a.jpg", False),
    ],
)
def test_is_image_url(text: str, expected: bool) -> None:
    assert is_image_url(text) is expected


def test_walk_stops_early_when_cancelled_and_returns_what_it_found(tmp_path: Path) -> None:
    folder = tmp_path
    for depth in range(40):
        folder = folder / f"level{depth:02d}"
        folder.mkdir()
        (folder / "photo.jpg").write_bytes(b"")
    assert len(walk([tmp_path]).files) == 40

    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 30

    result = walk([tmp_path], cancelled=cancelled)
    assert 0 < len(result.files) < 40
    # What was found is the top of the tree, in order: a prefix of the full walk.
    assert result.files == walk([tmp_path]).files[: len(result.files)]
    assert calls == 31  # the walk ended at the first True, asking nothing more
