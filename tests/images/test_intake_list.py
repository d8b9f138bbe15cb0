"""The shared intake (app/images/intake.py): batch order, the copy kept, the row changes."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from PIL import Image

from app.images import (
    PhotoList,
    ProblemCode,
    gather,
    in_batch_order,
    inspect,
    natural_key,
    path_key,
)


def _jpeg(path: Path, shade: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (320, 240), (shade, 255 - shade, 90)).save(path, "JPEG")
    return path


class Rows:
    """A RowListener that replays the changes on a plain list, as a Qt view would see them."""

    def __init__(self) -> None:
        self.listing = PhotoList(listener=self)
        self.mirror: list[Path] = []
        self.pending: tuple[str, int, int] | None = None
        self.calls: list[tuple[str, int, int]] = []

    def rows_inserting(self, first: int, last: int) -> None:
        assert self.pending is None and 0 <= first <= len(self.mirror) and last >= first
        self.pending = ("insert", first, last)

    def rows_inserted(self) -> None:
        assert self.pending is not None and self.pending[0] == "insert"
        _, first, last = self.pending
        self.mirror[first:first] = [self.listing[r].path for r in range(first, last + 1)]
        self.calls.append(self.pending)
        self.pending = None
        assert len(self.mirror) == len(self.listing)

    def rows_removing(self, first: int, last: int) -> None:
        assert self.pending is None and 0 <= first <= last < len(self.mirror)
        self.pending = ("remove", first, last)

    def rows_removed(self) -> None:
        assert self.pending is not None and self.pending[0] == "remove"
        _, first, last = self.pending
        del self.mirror[first : last + 1]
        self.calls.append(self.pending)
        self.pending = None
        assert len(self.mirror) == len(self.listing)


def test_natural_order_numbers_by_value_and_ignores_case() -> None:
    names = ["IMG_10.jpg", "img_3.jpg", "IMG_2.jpg", "IMG_1.jpg"]
    assert sorted(names, key=natural_key) == ["IMG_1.jpg", "IMG_2.jpg", "img_3.jpg", "IMG_10.jpg"]


def test_copies_keep_the_first_in_batch_order_whatever_arrives_first(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    paths = [_jpeg(folder / f"IMG_{i}.jpg", i * 20) for i in (1, 2, 10)]
    # IMG_9 and IMG_10 are the same picture: IMG_9 comes first in batch order (the walk's
    # case-insensitive text order would put IMG_10 first).
    shutil.copy(paths[2], folder / "IMG_9.jpg")
    photos = [inspect(p) for p in sorted(folder.iterdir())]
    for seed in range(6):
        for photo in photos:
            photo.problem = photo.problem_code = photo.duplicate_of = None
        shuffled = photos[:]
        random.Random(seed).shuffle(shuffled)
        rows = Rows()
        listing = rows.listing
        left_out: list[str] = []
        # One by one, in a random order, as chunks of checks finish in the window.
        for photo in shuffled:
            left_out += [p.path.name for p in listing.add([photo]).left_out]
        assert [p.path.name for p in listing] == ["IMG_1.jpg", "IMG_2.jpg", "IMG_9.jpg"]
        assert rows.mirror == [p.path for p in listing]
        assert left_out == ["IMG_10.jpg"]
        copy = next(p for p in photos if p.path.name == "IMG_10.jpg")
        assert (
            copy.problem_code is ProblemCode.DUPLICATE and copy.duplicate_of == folder / "IMG_9.jpg"
        )
        assert listing.total_bytes == sum(p.size for p in listing)


def test_many_in_order_go_in_as_one_run_and_removal_frees_the_content(tmp_path: Path) -> None:
    photos = [inspect(_jpeg(tmp_path / f"p{i}.jpg", i * 9)) for i in range(12)]
    rows = Rows()
    listing = rows.listing
    listing.add(photos[:4])
    listing.add(photos[8:])
    listing.add(photos[4:8])  # all land between the two: one run
    assert rows.calls == [("insert", 0, 3), ("insert", 4, 7), ("insert", 4, 7)]
    assert listing.photos() == in_batch_order(photos)
    removed = listing.remove_rows([0, 1, 5, 11, 99])
    assert [p.path.name for p in removed] == ["p0.jpg", "p1.jpg", "p5.jpg", "p11.jpg"]
    assert rows.mirror == [p.path for p in listing] and len(listing) == 8
    # The removed photo's content may come back, under another name too.
    again = shutil.copy(photos[0].path, tmp_path / "z_again.jpg")
    assert listing.add([inspect(Path(again))]).left_out == []
    assert listing.row_of(Path(again)) == 8


def test_gather_lists_problems_in_order_and_copies_apart(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _jpeg(folder / "b_2.jpg", 10)
    _jpeg(folder / "b_10.jpg", 60)
    shutil.copy(folder / "b_2.jpg", folder / "c_copy.jpg")
    (folder / "a_broken.jpg").write_bytes(b"not a photo")
    intake = gather([str(folder)])
    assert [p.path.name for p in intake.photos] == ["a_broken.jpg", "b_2.jpg", "b_10.jpg"]
    assert [p.path.name for p in intake.copies] == ["c_copy.jpg"]
    assert intake.duplicates.count == 1
    assert intake.for_engine()[-1].problem_code is ProblemCode.DUPLICATE


def test_a_copy_named_after_its_original_leaves_the_original_listed(tmp_path: Path) -> None:
    """“IMG_0005 copy.jpg” next to IMG_0005.jpg: a file manager shows IMG_0005.jpg first (name
    first, then extension), so it is the one kept, though “ ” sorts before “.” as text."""
    folder = tmp_path / "in"
    original = _jpeg(folder / "IMG_0005.jpg", 40)
    shutil.copy(original, folder / "IMG_0005 copy.jpg")
    _jpeg(folder / "IMG_0005 b.jpg", 120)
    _jpeg(folder / "IMG_0005.png", 200)
    intake = gather([folder])
    assert [p.path.name for p in intake.photos] == [
        "IMG_0005.jpg",
        "IMG_0005.png",
        "IMG_0005 b.jpg",
    ]
    (copy,) = intake.copies
    assert copy.path.name == "IMG_0005 copy.jpg" and copy.duplicate_of == original
    # One fixed order whatever the case or the way the paths came in.
    names = [folder / "img_0005.jpg", folder / "IMG_0005 copy.jpg", folder / "IMG_0005.jpg"]
    assert [p.name for p in sorted(names, key=path_key)] == [
        "IMG_0005.jpg",
        "img_0005.jpg",
        "IMG_0005 copy.jpg",
    ]
