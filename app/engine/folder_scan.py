"""The truth of a watched folder: a scan that finds complete new photos.

A file is ready only once its size and modification time stayed the same over the settle window
(two looks at least `settle` seconds apart). Temporary and partial names, hidden and system
files, excluded folders (results folders) and any folder named `vimbatch-results` are never
looked at. The scan never opens,
moves or changes a file; intake (decoding) happens later, on the files it returns.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.images.formats import PHOTO_EXTENSIONS, RAW_EXTENSIONS

_TEMP_SUFFIXES = (
    ".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock", "~",
)  # fmt: skip
_SYSTEM_NAMES = frozenset(
    {
        "thumbs.db", "desktop.ini", "ehthumbs.db", "__macosx", "$recycle.bin",
        "system volume information", "@eadir", "lost+found", ".ds_store",
    }
)  # fmt: skip
_WIN_HIDDEN = 0x2 | 0x4  # FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM
WATCHED_EXTENSIONS = PHOTO_EXTENSIONS | RAW_EXTENSIONS
# The default name of an event's results folder: a folder with this name anywhere in a watched
# tree holds results (of this event, an earlier one or another app run), never new photos.
RESULTS_FOLDER = "vimbatch-results"


def ignored_name(name: str) -> bool:
    """Hidden, system, temporary or partial names: never a finished photo."""
    lower = name.lower()
    return (
        lower.startswith((".", "~$", "~"))
        or lower.endswith(_TEMP_SUFFIXES)
        or lower in _SYSTEM_NAMES
        or ".part." in lower
    )


def _split_suffix(name: str) -> tuple[str, str]:
    """("IMG_1", ".JPG") from "IMG_1.JPG"; plain string work: a scan does it 10,000 times."""
    stem, dot, ext = name.rpartition(".")
    return (stem, dot + ext) if dot and stem else (name, "")


def is_raw(path: Path) -> bool:
    return path.suffix.lower() in RAW_EXTENSIONS


@dataclass(frozen=True, slots=True)
class FileFacts:
    """A file found complete: where, and the size and time that stayed unchanged."""

    path: Path
    size: int
    mtime_ns: int


@dataclass(slots=True)
class _Watch:
    size: int
    mtime_ns: int
    since: float  # when these size and time were first seen (clock)
    not_before: float = 0.0  # held back (e.g. it did not decode yet) until then


@dataclass(slots=True)
class _Listed:
    """A folder as last listed: its modification time, its candidate files, its sub-folders."""

    mtime_ns: int
    files: list[tuple[str, os.stat_result]]
    subdirs: list[str]
    settled: bool = False  # every file in it was dealt with at the last look
    stems: frozenset[tuple[str, str]] = frozenset()  # (folder, lower stem) of non-RAW photos


# A folder changed this recently is listed again even if its time looks the same: FAT and exFAT
# (camera cards) keep times to 2 s, so two changes within that tick show one time.
_HOT_NS = 5_000_000_000


@dataclass(slots=True)
class ScanResult:
    reachable: bool
    ready: list[FileFacts] = field(default_factory=list)
    waiting: int = 0  # files seen but not settled yet
    next_due: float | None = None  # clock time the next file could settle
    stems: frozenset[tuple[str, str]] = frozenset()  # (folder, lower stem) of non-RAW photos


class FolderScan:
    """Scans one folder tree; remembers files in progress between scans.

    `handled(path) -> (size, mtime_ns) | None` tells which files were already dealt with (and
    as what size and time: a file changed since counts as new again)."""

    def __init__(
        self,
        folder: Path,
        *,
        settle: float,
        exclude: Iterable[Path] = (),
        handled: Callable[[str], tuple[int, int] | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = folder
        self.settle = settle
        self._exclude = {os.path.normcase(str(Path(p).resolve())) for p in exclude}
        self._handled = handled
        self._clock = clock
        self._watching: dict[str, _Watch] = {}
        self._dirs: dict[str, _Listed] = {}

    def hold(self, path: Path, seconds: float) -> None:
        """Look at this file again only after `seconds` (it did not decode: maybe still
        being written by a writer that paused)."""
        watch = self._watching.get(str(path))
        if watch is not None:
            watch.not_before = self._clock() + seconds

    def forget(self, path: Path) -> None:
        self._watching.pop(str(path), None)

    def listing(self, *, full: bool = True) -> list[tuple[str, os.stat_result]] | None:
        """Every candidate file with its stat, or None when the folder cannot be reached."""
        folders = self._folders(full=full)
        if folders is None:
            return None
        return [entry for _, listed, _ in folders for entry in listed.files]

    def _folders(self, *, full: bool) -> list[tuple[str, _Listed, bool]] | None:
        """Each folder of the tree as listed now: (path, listing, quiet), None if unreachable.

        Not `full`: a folder whose modification time is unchanged since it was last listed (and
        not recent, and without files still arriving) is `quiet`: its last listing is reused,
        one stat instead of one per file. Adding, removing or renaming a file changes its
        folder's time; a file rewritten in place under the same name does not, and is seen by
        the next full listing (after a notification, and every FULL_SCAN_INTERVAL)."""
        folders: list[tuple[str, _Listed, bool]] = []
        if full:
            self._dirs.clear()
        busy = {path.rpartition(os.sep)[0] for path in self._watching}
        try:
            if not self.folder.is_dir():
                return None
            self._walk(str(self.folder), folders, 0, busy)
        except OSError:
            return None
        return folders

    def scan(self, *, full: bool = True) -> ScanResult:
        folders = self._folders(full=full)
        if folders is None:
            return ScanResult(reachable=False)
        now = self._clock()
        result = ScanResult(reachable=True)
        present: set[str] = set()
        stems: set[tuple[str, str]] = set()
        for folder, listed, quiet in folders:
            if quiet and listed.settled:
                # Unchanged, and every file in it was dealt with: nothing to look at.
                stems |= listed.stems
                continue
            settled = True
            own_stems: set[tuple[str, str]] = set()
            for path, info in listed.files:
                present.add(path)
                stem, ext = _split_suffix(path.rpartition(os.sep)[2])
                if ext.lower() not in RAW_EXTENSIONS:
                    own_stems.add((folder, stem.lower()))
                facts = (info.st_size, info.st_mtime_ns)
                if self._handled(path) == facts:
                    self._watching.pop(path, None)
                    continue
                settled = False
                watch = self._watching.get(path)
                if watch is None or (watch.size, watch.mtime_ns) != facts:
                    self._watching[path] = _Watch(facts[0], facts[1], now)
                    due = now + self.settle
                elif now - watch.since >= self.settle and now >= watch.not_before:
                    result.ready.append(FileFacts(Path(path), facts[0], facts[1]))
                    continue
                else:
                    due = max(watch.since + self.settle, watch.not_before)
                result.waiting += 1
                result.next_due = due if result.next_due is None else min(result.next_due, due)
            listed.stems = frozenset(own_stems)
            listed.settled = settled
            stems |= own_stems
        for gone in [p for p in self._watching if p not in present]:
            del self._watching[gone]
        result.stems = frozenset(stems)
        return result

    def _walk(
        self, folder: str, found: list[tuple[str, _Listed, bool]], depth: int, busy: set[str]
    ) -> None:
        if depth > 32:  # deeper than any camera card: a loop of links
            return
        try:
            mtime_ns = os.stat(folder).st_mtime_ns  # noqa: PTH116 - str paths: 10,000 per scan
            cached = self._dirs.get(folder)
            if (
                cached is not None
                and cached.mtime_ns == mtime_ns
                and time.time_ns() - mtime_ns > _HOT_NS
                and folder not in busy
            ):
                found.append((folder, cached, True))
                for sub in cached.subdirs:
                    self._walk(sub, found, depth + 1, busy)
                return
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            if depth == 0:
                raise
            return  # a sub-folder removed during the scan
        except PermissionError:
            if depth == 0:
                raise
            return
        files: list[tuple[str, os.stat_result]] = []
        subdirs: list[str] = []
        for entry in entries:
            name = entry.name
            if ignored_name(name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    excluded = os.path.normcase(entry.path) in self._exclude
                    if not excluded and name.lower() != RESULTS_FOLDER:
                        subdirs.append(entry.path)
                    continue
                if _split_suffix(name)[1].lower() not in WATCHED_EXTENSIONS:
                    continue
                info = entry.stat()
            except OSError:
                continue  # vanished between listing and stat
            if not stat.S_ISREG(info.st_mode):
                continue
            if getattr(info, "st_file_attributes", 0) & _WIN_HIDDEN:
                continue
            files.append((entry.path, info))
        listed = _Listed(mtime_ns, files, subdirs)
        self._dirs[folder] = listed
        found.append((folder, listed, False))
        for sub in subdirs:
            self._walk(sub, found, depth + 1, busy)
