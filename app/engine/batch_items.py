"""The items a new batch is made of (one per photo, per folder or per link, with its title),
and the facts kept of each photo so that it can be re-checked just before its upload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from app.engine.model import BatchSettings, Grouping, ItemState
from app.engine.store import NewItem
from app.engine.titles import render_title
from app.images import Photo, ProblemCode, in_batch_order

_PHOTO_FIELDS = ("path", "size", "mtime_ns", "content_hash", "width", "height", "format", "has_gps")


def photo_record(photo: Photo) -> dict[str, Any]:
    """What the store keeps of a photo so that it can be re-checked just before upload."""
    record: dict[str, Any] = {}
    for name in _PHOTO_FIELDS:
        if hasattr(photo, name):
            value = getattr(photo, name)
            record[name] = str(value) if isinstance(value, Path) else value
    return record


def photo_from_record(record: dict[str, Any]) -> Photo:
    known = {f.name for f in fields(Photo)}
    values = {k: v for k, v in record.items() if k in known}
    values["path"] = Path(record["path"])
    return Photo(**values)


def new_items(
    settings: BatchSettings, photos: Sequence[Photo], urls: Sequence[str], when: datetime
) -> tuple[list[NewItem], int]:
    """The batch's items in order, and how many photos were left out as copies of others.

    Photos go in batch order (app/images/intake.py), whatever order they are given in, and
    `{n}` counts what is sent first (photos, then web photos): the window keeps photos that
    cannot be used in its grid, so the same folder gets the same numbers from both. A photo with
    a problem then becomes a FAILED item with intake's reason; `when` is the batch's date for
    the title pattern."""
    items: list[NewItem] = []
    duplicates = 0

    def add(kind: str, members: list[Photo], stem: str, folder: str, **more: Any) -> None:
        title = render_title(
            settings.title_pattern, stem=stem, folder=folder, n=len(items) + 1, when=when
        )
        more.setdefault("sources", tuple(str(p.path) for p in members))
        photos = tuple(photo_record(p) for p in members)
        items.append(NewItem(kind=kind, title=title, photos=photos, **more))

    usable: list[Photo] = []
    unusable: list[Photo] = []
    for photo in in_batch_order(photos):
        if photo.duplicate_of is not None or photo.problem_code is ProblemCode.DUPLICATE:
            duplicates += 1
        elif photo.problem is not None or photo.problem_code is not None:
            unusable.append(photo)
        else:
            usable.append(photo)
    if settings.grouping is Grouping.PER_FOLDER:
        groups: dict[Path, list[Photo]] = {}
        for photo in usable:
            groups.setdefault(photo.path.parent, []).append(photo)
        for folder, members in groups.items():
            add("folder", members, folder.name, folder.name)
    else:
        for photo in usable:
            add("photo", [photo], photo.path.stem, photo.path.parent.name)
    for url in urls:
        stem = PurePosixPath(unquote(urlsplit(url).path)).stem or "image"
        add("url", [], stem, "", sources=(url,))
    for photo in unusable:
        error = photo.problem or "This photo cannot be used."
        add(
            "photo",
            [photo],
            photo.path.stem,
            photo.path.parent.name,
            state=ItemState.FAILED,
            error=error,
        )
    return items, duplicates
