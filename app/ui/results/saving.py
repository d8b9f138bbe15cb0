"""Saving results into a folder the user picked: names from the pattern, the overwrite choice.

Plain functions run on a worker. Names come from `app.engine.downloads` (the same pattern and
policy the engine's automatic download uses); a result already fetched for its preview is copied
instead of being downloaded a second time.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.api import MediaFile, WorkflowClient
from app.engine.downloads import choose_target, result_name
from app.engine.engine import item_stem
from app.engine.model import BatchSettings, ItemSnapshot, OverwritePolicy


@dataclass(frozen=True)
class SaveJob:
    """One result to save: result number `n` (1-based) of an item."""

    item: ItemSnapshot
    n: int
    media: MediaFile


@dataclass
class SaveOutcome:
    saved: dict[int, list[str]] = field(default_factory=dict)  # item id -> files written
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(files) for files in self.saved.values())


def planned_name(job: SaveJob, settings: BatchSettings | None, pattern: str) -> str:
    item = job.item
    return result_name(
        pattern,
        stem=item_stem(item),
        template=settings.template_id if settings else "",
        n=job.n,
        ext=job.media.extension,
        title=item.title,
        folder=Path(item.sources[0]).parent.name if item.sources and item.kind != "url" else "",
    )


def existing_names(
    jobs: Sequence[SaveJob], folder: Path, settings: Mapping[int, BatchSettings], pattern: str
) -> list[str]:
    """Names that are already taken in `folder` (so the user is asked what to do, once)."""
    names = [planned_name(job, settings.get(job.item.batch_id), pattern) for job in jobs]
    return [name for name in names if (folder / name).exists()]


def save_results(
    jobs: Sequence[SaveJob],
    folder: Path,
    settings: Mapping[int, BatchSettings],
    pattern: str,
    policy: OverwritePolicy,
    client: WorkflowClient,
    local_copy: Callable[[MediaFile], Path | None],
    cancelled: Callable[[], bool] = lambda: False,
) -> SaveOutcome:
    """Save every job's file into `folder`; a failure is noted and the rest go on."""
    outcome = SaveOutcome()
    folder.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        if cancelled():
            break
        name = planned_name(job, settings.get(job.item.batch_id), pattern)
        target = choose_target(folder, name, policy)
        if target is None:
            outcome.skipped += 1
            continue
        try:
            source = local_copy(job.media)
            if source is not None and source.is_file():
                part = target.with_name(target.name + ".part")
                shutil.copyfile(source, part)
                part.replace(target)
            else:
                client.download(job.media.url, target)
        except OSError as exc:
            outcome.problems.append(f"{name}: {exc.strerror or exc}")
            continue
        except Exception as exc:  # ApiError and friends carry plain words
            outcome.problems.append(f"{name}: {exc}")
            continue
        outcome.saved.setdefault(job.item.id, []).append(str(target))
    return outcome
