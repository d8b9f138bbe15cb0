"""Result files on disk: fetched into the batch's download folder as each workflow succeeds
(resumable: a file's name is stored before it is written), and saved wherever the user asks
(`Engine.save_results`). Names and the overwrite choice come from downloads.py."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace
from functools import partial
from pathlib import Path

from app.api import ApiError, CancelledError, MediaFile, NetworkError
from app.engine.crew import Crew, CrewMember
from app.engine.downloads import choose_target, copy_result, item_result_name
from app.engine.model import ItemSnapshot, ItemState, OverwritePolicy, SaveOutcome
from app.engine.store import Download, StoredItem

SAVE_STOPPED = "vimbatch was stopping, so nothing more was saved."


def downloads_missing(stored: StoredItem) -> bool:
    """Results exist that are neither saved nor skipped (or were never planned)."""
    if not stored.snapshot.results:
        return False
    if not stored.downloads:
        return True
    return any(not (d.done or d.skipped) for d in stored.downloads)


def _reason(exc: ApiError | OSError) -> str:
    """Why a file could not be written or fetched, in plain words."""
    return str(exc) if isinstance(exc, ApiError) else (exc.strerror or str(exc))


class Saving(CrewMember):
    """Downloads into batch folders, and the user's "save" of chosen items."""

    def __init__(self, crew: Crew) -> None:
        super().__init__(crew)

    # -- the batch's download folder -------------------------------------------------------

    def download(self, item_id: int) -> None:
        """Fetch the item's missing result files into its batch's folder, on a worker."""
        self._tasks.submit(partial(self._download, item_id))

    def download_again(self, stored: StoredItem) -> None:
        """The user's retry of a succeeded item whose files are not all saved."""
        if self._store.settings(stored.snapshot.batch_id).download_dir and downloads_missing(
            stored
        ):
            self._failures.clear(stored.snapshot.id)
            self.download(stored.snapshot.id)

    def forget(self, item_id: int) -> None:
        self._failures.clear(item_id)

    def _download(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or stored.snapshot.state not in (ItemState.RUNNING, ItemState.SUCCEEDED):
            return
        snap = stored.snapshot
        settings = self._store.settings(snap.batch_id)
        if not settings.download_dir:
            return
        folder = Path(settings.download_dir)
        downloads = list(stored.downloads)
        if not downloads and snap.results:
            downloads = [Download(url=m.url) for m in snap.results]
        results = {m.url: m for m in snap.results}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for index, entry in enumerate(downloads):
                if entry.done or entry.skipped:
                    continue
                if self._tasks.stopping:
                    return
                if entry.path is None:
                    name = item_result_name(
                        settings.name_pattern,
                        snap,
                        template=settings.template_id,
                        n=index + 1,
                        media=results.get(entry.url) or MediaFile("", entry.url),
                    )
                    target = choose_target(folder, name, settings.overwrite)
                    entry = (
                        replace(entry, skipped=True)
                        if target is None
                        else replace(entry, path=str(target))
                    )
                    downloads[index] = entry
                    # The chosen name is stored before the file is written: a resumed download
                    # reuses it instead of saving a renamed second copy.
                    self._store.update(item_id, downloads=tuple(downloads))
                    if entry.skipped:
                        continue
                assert entry.path is not None
                self._client().download(entry.url, Path(entry.path))
                downloads[index] = replace(entry, done=True)
                self._events.set(item_id, downloads=tuple(downloads))
        except CancelledError:
            return
        except (ApiError, OSError) as exc:
            if isinstance(exc, NetworkError) and not exc.sent:
                self._connection.failed_to_connect(exc.detail)
            if self._connection.offline and not self._tasks.stopping:
                # Waiting for the connection does not use up the download's tries.
                self._connection.when_online(
                    ("download", item_id), partial(self._download, item_id)
                )
                return
            failures = self._failures.add(item_id)
            retryable = isinstance(exc, ApiError) and exc.retryable
            if (
                retryable
                and failures < self._backoff.download_attempts
                and not self._tasks.stopping
            ):
                self._scheduler.call_later(
                    self._backoff.delay(failures), partial(self._download, item_id)
                )
                return
            self._events.set(
                item_id,
                state=ItemState.SUCCEEDED,
                error=f"The result could not be saved: {_reason(exc)}",
            )
            return
        self._failures.clear(item_id)
        self._events.set(item_id, state=ItemState.SUCCEEDED, error=None)

    # -- the user's "save" -------------------------------------------------------------------

    def save(
        self,
        item_ids: list[int],
        folder: Path,
        pattern: str,
        policy: OverwritePolicy,
        local_files: dict[str, str],
        future: Future[SaveOutcome],
    ) -> None:
        """Save into `folder` (see Engine.save_results), then one NOTICE and the future's
        result."""
        try:
            outcome = self._save_into(item_ids, folder, pattern, policy, local_files)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        message = f"Saved {outcome.count} file{'s' if outcome.count != 1 else ''} to "
        message += f"{folder.name or folder}."
        if outcome.problems:
            message += f" {len(outcome.problems)} could not be saved ({outcome.problems[0]})."
        self._events.notice(message, None)
        future.set_result(outcome)

    def taken_names(self, item_ids: list[int], folder: Path, pattern: str) -> list[str]:
        """The result names `save` would use that are already in `folder`. Reads the disk."""
        taken: list[str] = []
        for item_id in item_ids:
            stored = self._store.get(item_id)
            if stored is None:
                continue
            for name, _ in self._names(stored.snapshot, pattern):
                if (folder / name).exists():
                    taken.append(name)
        return taken

    def _names(self, snap: ItemSnapshot, pattern: str) -> list[tuple[str, MediaFile]]:
        """The file name of each of the item's results under `pattern`, with the result."""
        try:
            template = self._store.settings(snap.batch_id).template_id
        except KeyError:  # its batch went meanwhile
            template = ""
        return [
            (item_result_name(pattern, snap, template=template, n=n, media=media), media)
            for n, media in enumerate(snap.results, start=1)
        ]

    def _save_into(
        self,
        item_ids: list[int],
        folder: Path,
        pattern: str,
        policy: OverwritePolicy,
        local_files: dict[str, str],
    ) -> SaveOutcome:
        # One file after the other: with "keep both", each name is chosen once the files
        # before it are on disk, so two results never take the same name.
        saved: dict[int, tuple[str, ...]] = {}
        skipped = 0
        problems: list[str] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = f"The folder could not be made: {exc.strerror or exc}"
            return SaveOutcome(folder=str(folder), problems=(problem,))
        for item_id in item_ids:
            if self._tasks.stopping:
                problems.append(SAVE_STOPPED)
                break
            stored = self._store.get(item_id)
            if stored is None:
                continue
            written: list[str] = []
            for name, media in self._names(stored.snapshot, pattern):
                target = choose_target(folder, name, policy)
                if target is None:
                    skipped += 1
                    continue
                source = local_files.get(media.url)
                try:
                    if source and Path(source).is_file():
                        copy_result(Path(source), target)
                    else:
                        self._client().download(media.url, target)
                except CancelledError:
                    problems.append(f"{name}: {SAVE_STOPPED}")
                    break
                except (ApiError, OSError) as exc:
                    problems.append(f"{name}: {_reason(exc)}")
                    continue
                written.append(str(target))
            if written:
                saved[item_id] = tuple(written)
                recorded = self._store.add_saved_files(item_id, written)
                if recorded is not None:
                    self._events.item(recorded.snapshot)
        return SaveOutcome(
            folder=str(folder), saved=saved, skipped=skipped, problems=tuple(problems)
        )
