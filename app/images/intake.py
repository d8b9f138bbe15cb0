"""The one photo intake of a batch, shared by the command line, the window and event mode.

Three rules live here and nowhere else:

- **Order.** A batch's photos go in the natural order of their paths, as a file manager shows
  them: IMG_2 before IMG_10, case ignored (`photo_key`). `{n}` in a title pattern counts in
  this order, whichever way the photos came in (and in whatever order parallel checks finished).
- **Copies.** Of photos with the same content, the first in that order is kept and the others
  are left out, marked as copies of it (`ProblemCode.DUPLICATE`, `duplicate_of`). The choice
  depends only on the paths, never on which check finished first.
- **The list.** `PhotoList` holds a batch's photos in that order, one of each content, and tells
  an optional `RowListener` before and after each change, so a Qt model can sit thinly on top.

`gather(paths)` runs the whole intake for the command line (walk, check in parallel, list).
Plain Python, no Qt. A `PhotoList` belongs to one thread (the CLI's, or the GUI thread).
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.images import problems as msg
from app.images.checks import inspect
from app.images.duplicates import DuplicateSummary
from app.images.photo import Photo
from app.images.problems import ProblemCode
from app.images.walk import WalkProblem, walk

NaturalKey = tuple[tuple[int, int | str], ...]
PhotoKey = tuple[NaturalKey, NaturalKey, str]

# Files checked at once by `gather`: checks read and decode, so a few threads keep the disk busy.
GATHER_WORKERS = 4


def natural_key(text: str) -> NaturalKey:
    """Sort key that orders numbers by value: IMG_2 before IMG_10, case ignored."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", text)
        if part
    )


@functools.lru_cache(maxsize=1 << 16)
def path_key(path: Path) -> PhotoKey:
    """A batch's order of paths: natural, the path without its extension first and then the
    extension (IMG_0005.jpg before “IMG_0005 copy.jpg”, as a file manager shows them: as whole
    text the space would sort before the dot), then the exact text (IMG_01 and IMG_1, a.jpg
    and A.jpg still have one fixed order). Remembered: the window asks for the same paths'
    keys again and again (each sort, insert and row lookup), on the GUI thread."""
    text = str(path)
    suffix = path.suffix
    return natural_key(text[: len(text) - len(suffix)]), natural_key(suffix), text


def photo_key(photo: Photo) -> PhotoKey:
    """Where a photo goes in its batch (see `path_key`)."""
    return path_key(photo.path)


def in_batch_order(photos: Iterable[Photo]) -> list[Photo]:
    """The photos in batch order (a new list)."""
    return sorted(photos, key=photo_key)


class RowListener(Protocol):
    """Told about every change of a `PhotoList`, in Qt's begin/end style (rows 0-based, `last`
    included): the list changes after `rows_inserting`/`rows_removing` returns and before
    `rows_inserted`/`rows_removed` is called, as QAbstractItemModel's begin/end calls expect."""

    def rows_inserting(self, first: int, last: int) -> None: ...
    def rows_inserted(self) -> None: ...
    def rows_removing(self, first: int, last: int) -> None: ...
    def rows_removed(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Added:
    """What `PhotoList.add` did: photos listed now (in batch order) and photos left out.

    `left_out` holds copies of listed photos, marked as such (also a photo listed before that
    an earlier copy in batch order replaced) and files given again (not marked: they are the
    same file, not a copy)."""

    listed: list[Photo] = field(default_factory=list)
    left_out: list[Photo] = field(default_factory=list)


class PhotoList:
    """A batch's photos, in batch order, each content once (see the module notes).

    Photos with a problem stay listed (the window shows why; the engine records them as failed
    items) but never count as the kept copy of anything. Not thread-safe: one owner."""

    def __init__(self, listener: RowListener | None = None) -> None:
        self._listener = listener
        self._photos: list[Photo] = []
        self._keys: list[PhotoKey] = []
        self._paths: set[Path] = set()
        self._kept: dict[str, Photo] = {}  # content hash -> the listed photo with it
        self._total_bytes = 0
        self._problem_count = 0

    # --- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._photos)

    def __getitem__(self, row: int) -> Photo:
        return self._photos[row]

    def __iter__(self) -> Iterator[Photo]:
        return iter(list(self._photos))

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def row_of(self, path: Path) -> int | None:
        """The row of the photo with this path, or None when it is not listed."""
        if path not in self._paths:
            return None
        return bisect.bisect_left(self._keys, path_key(path))

    def photos(self) -> list[Photo]:
        """Every listed photo, in batch order."""
        return list(self._photos)

    def usable(self) -> list[Photo]:
        """The photos that can be sent, in batch order."""
        return [p for p in self._photos if p.problem is None]

    def problems(self) -> list[Photo]:
        """The photos that cannot be sent (each with its reason), in batch order."""
        return [p for p in self._photos if p.problem is not None]

    @property
    def total_bytes(self) -> int:
        return self._total_bytes

    @property
    def problem_count(self) -> int:
        return self._problem_count

    # --- changing -----------------------------------------------------------------------

    def add(self, photos: Iterable[Photo]) -> Added:
        """List these checked photos in batch order, leaving out copies (see the module notes)."""
        listed: list[tuple[PhotoKey, Photo]] = []
        left_out: list[Photo] = []
        displaced: list[tuple[Photo, Photo]] = []  # (listed before, the earlier copy now kept)
        pending: set[Path] = set()
        # Keys once per photo: a natural key is a regex split, and the GUI thread calls this.
        keyed = sorted(((photo_key(p), p) for p in photos), key=lambda pair: pair[0])
        for key, photo in keyed:
            if photo.path in self._paths or photo.path in pending:
                left_out.append(photo)  # the same file again
                continue
            content = _content_of(photo)
            kept = self._kept.get(content) if content is not None else None
            if content is not None and kept is not None:
                if photo_key(kept) < key:
                    _mark_copy(photo, kept)
                    left_out.append(photo)
                    continue
                # `kept` was listed by an earlier call (this call's own photos come in order).
                displaced.append((kept, photo))
            if content is not None:
                self._kept[content] = photo
            pending.add(photo.path)
            listed.append((key, photo))
        if displaced:
            rows = [self.row_of(old.path) for old, _new in displaced]
            self._remove_rows([r for r in rows if r is not None])
            for old, new in displaced:
                _mark_copy(old, new)
                left_out.append(old)
        self._insert(listed)
        return Added(listed=[photo for _key, photo in listed], left_out=left_out)

    def remove_rows(self, rows: Iterable[int]) -> list[Photo]:
        """Take these rows out (any order, out-of-range ones ignored); returns the photos."""
        removed = self._remove_rows(rows)
        for photo in removed:
            content = _content_of(photo)
            if content is not None and self._kept.get(content) is photo:
                del self._kept[content]
        return removed

    def clear(self) -> list[Photo]:
        """Take every photo out; returns them."""
        return self.remove_rows(range(len(self._photos)))

    def _insert(self, keyed: Sequence[tuple[PhotoKey, Photo]]) -> None:
        """Insert (key, photo) pairs given in batch order, as few contiguous runs as their
        places allow."""
        runs: list[tuple[int, list[tuple[PhotoKey, Photo]]]] = []
        for pair in keyed:
            place = bisect.bisect_left(self._keys, pair[0])  # in the list before
            if runs and runs[-1][0] == place:
                runs[-1][1].append(pair)
            else:
                runs.append((place, [pair]))
        inserted = 0
        for place, pairs in runs:
            first = place + inserted
            run = [photo for _key, photo in pairs]
            if self._listener is not None:
                self._listener.rows_inserting(first, first + len(run) - 1)
            self._photos[first:first] = run
            self._keys[first:first] = [key for key, _photo in pairs]
            for photo in run:
                self._paths.add(photo.path)
                self._total_bytes += photo.size
                self._problem_count += photo.problem is not None
            inserted += len(run)
            if self._listener is not None:
                self._listener.rows_inserted()

    def _remove_rows(self, rows: Iterable[int]) -> list[Photo]:
        wanted = sorted({r for r in rows if 0 <= r < len(self._photos)}, reverse=True)
        # Contiguous runs, last first, so that earlier row numbers stay valid.
        runs: list[tuple[int, int]] = []
        for row in wanted:
            if runs and runs[-1][0] == row + 1:
                runs[-1] = (row, runs[-1][1])
            else:
                runs.append((row, row))
        removed: list[Photo] = []
        for first, last in runs:
            if self._listener is not None:
                self._listener.rows_removing(first, last)
            gone = self._photos[first : last + 1]
            del self._photos[first : last + 1]
            del self._keys[first : last + 1]
            for photo in gone:
                self._paths.discard(photo.path)
                self._total_bytes -= photo.size
                self._problem_count -= photo.problem is not None
            removed[:0] = gone
            if self._listener is not None:
                self._listener.rows_removed()
        return removed


def _content_of(photo: Photo) -> str | None:
    """The content a photo is compared by: only usable photos with a hash take part."""
    return photo.content_hash if photo.problem is None else None


def _mark_copy(photo: Photo, kept: Photo) -> None:
    photo.fail(ProblemCode.DUPLICATE, msg.duplicate_message(kept.path.name))
    photo.duplicate_of = kept.path


@dataclass(slots=True)
class BatchIntake:
    """What `gather` found: the batch's photos in batch order (problem photos included), the
    copies left out, web photo addresses, and what the walk could not take."""

    photos: list[Photo] = field(default_factory=list)
    copies: list[Photo] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    problems: list[WalkProblem] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    def for_engine(self) -> list[Photo]:
        """What `Engine.create_batch` is given: the listed photos (in order), then the copies
        (marked, so that the engine says how many were left out)."""
        return [*self.photos, *self.copies]

    @property
    def duplicates(self) -> DuplicateSummary:
        groups: dict[Path, list[Path]] = {}
        for copy in self.copies:
            if copy.duplicate_of is not None:
                groups.setdefault(copy.duplicate_of, []).append(copy.path)
        return DuplicateSummary(count=sum(map(len, groups.values())), groups=groups)


def gather(
    paths: Iterable[str | os.PathLike[str]],
    *,
    workers: int = GATHER_WORKERS,
    cancelled: Callable[[], bool] | None = None,
) -> BatchIntake:
    """The whole intake in the calling thread: walk what was given, check the files on
    `workers` threads, list them in batch order without copies."""
    found = walk(paths, cancelled=cancelled)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="intake") as pool:
        checked = list(pool.map(inspect, found.files))
    listing = PhotoList()
    added = listing.add(checked)
    return BatchIntake(
        photos=listing.photos(),
        copies=[p for p in added.left_out if p.duplicate_of is not None],
        urls=list(found.urls),
        problems=list(found.problems),
        skipped=list(found.skipped),
    )
