"""Finding photos that are byte-for-byte copies of another one in the same batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.images import problems as msg
from app.images.photo import Photo
from app.images.problems import ProblemCode


@dataclass(frozen=True, slots=True)
class DuplicateSummary:
    """All duplicates of one batch, for a single notice instead of one per file.

    `groups` maps each kept photo's path to the copies skipped in its favour."""

    count: int = 0
    groups: dict[Path, list[Path]] = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        """One plain-language sentence for the whole batch, or None when there are no copies."""
        if self.count == 0:
            return None
        if self.count == 1:
            return "1 photo was skipped because it is a copy of another photo in this batch."
        return f"{self.count} photos were skipped because they are copies of other photos in this batch."


def mark_duplicates(photos: Sequence[Photo]) -> DuplicateSummary:
    """Mark every photo whose content equals an earlier one's as a duplicate (in place).

    The first of each set is kept. Marks from an earlier call are reset first, so calling it again
    after photos were added or removed gives the right answer. Photos with another problem, or
    without a hash, are left alone."""
    kept: dict[str, Photo] = {}
    groups: dict[Path, list[Path]] = {}
    count = 0
    for photo in photos:
        if photo.problem_code is ProblemCode.DUPLICATE:
            photo.problem_code = photo.problem = photo.duplicate_of = None
        if photo.problem_code is not None or photo.content_hash is None:
            continue
        first = kept.setdefault(photo.content_hash, photo)
        if first is photo:
            continue
        photo.fail(ProblemCode.DUPLICATE, msg.duplicate_message(first.path.name))
        photo.duplicate_of = first.path
        groups.setdefault(first.path, []).append(photo.path)
        count += 1
    return DuplicateSummary(count=count, groups=groups)
