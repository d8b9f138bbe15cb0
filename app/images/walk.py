"""Turning what the user dropped or typed (files, folders, web addresses) into a list of inputs."""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from app.images.formats import PHOTO_EXTENSIONS

# Web photos are sent to the API as links, and it only accepts these.
URL_UPLOAD_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})

# Folders that file systems, NAS boxes and OS tools create, never the user's photos.
_SYSTEM_NAMES = frozenset(
    {
        "thumbs.db", "desktop.ini", "ehthumbs.db", "__macosx", "$recycle.bin",
        "system volume information", "@eadir", "lost+found",
    }
)  # fmt: skip
_WIN_HIDDEN = 0x2 | 0x4  # FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM


@dataclass(frozen=True, slots=True)
class WalkProblem:
    """Something given that could not be taken, with a plain-language reason."""

    path: str
    message: str


@dataclass(slots=True)
class WalkResult:
    """Files to inspect (in order, each once), web photo addresses, problems, and files skipped
    inside folders because they are not photos (sidecars, videos, documents)."""

    files: list[Path] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    problems: list[WalkProblem] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def is_url(text: str) -> bool:
    """True for anything with an http(s) or file scheme; such text is never taken for a path."""
    return text.lower().startswith(("http://", "https://", "file://"))


def is_image_url(text: str) -> bool:
    """True for an http(s) address the API can fetch as a photo: a host and a path that ends in
    .jpg, .jpeg, .png or .webp, or has no extension at all (many photo services serve those)."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return False
    suffix = PurePosixPath(unquote(parts.path)).suffix.lower()
    return suffix == "" or suffix in URL_UPLOAD_EXTENSIONS


def walk(
    paths: Iterable[str | os.PathLike[str]], *, cancelled: Callable[[], bool] | None = None
) -> WalkResult:
    """Expand files, folders (recursively) and web addresses into inputs.

    Hidden and system files inside folders are skipped silently; non-photo files inside folders
    go to `skipped`; explicitly named files are always returned (inspect says what is wrong with
    them). Folder links are followed once; a link back into its own ancestry is reported as a
    loop. Runs in the calling thread.

    `cancelled`, when given, is called before each given path, folder and folder entry (so it
    must be cheap); once it returns True the walk stops and returns what it found so far. It
    cannot interrupt a single file-system call that hangs (a network folder that stops
    answering)."""
    result = WalkResult()
    seen_files: set[tuple[int, int] | str] = set()
    seen_dirs: set[tuple[int, int]] = set()
    stop = cancelled or _never
    for item in paths:
        if stop():
            break
        text = os.fspath(item)
        if is_url(text):
            if text.lower().startswith("file://"):
                text = url2pathname(unquote(urlsplit(text).path))
            elif is_image_url(text):
                if text not in result.urls:
                    result.urls.append(text)
                continue
            else:
                result.problems.append(
                    WalkProblem(
                        text,
                        "This web address does not point to a JPEG, PNG or WebP photo. "
                        "Download the photo and add the file instead.",
                    )
                )
                continue
        path = Path(text).absolute()
        try:
            st = path.stat()
        except FileNotFoundError:
            reason = (
                "This shortcut points to something that no longer exists."
                if path.is_symlink()
                else "Nothing was found at this location: it may have been moved or renamed."
            )
            result.problems.append(WalkProblem(str(path), reason))
            continue
        except OSError as e:
            result.problems.append(WalkProblem(str(path), _stat_problem(e)))
            continue
        if stat.S_ISDIR(st.st_mode):
            if not _walk_dir(path, st, result, seen_files, seen_dirs, stop):
                break
        else:
            _add_file(path, st, result, seen_files)
    return result


def _never() -> bool:
    return False


def _stat_problem(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "This could not be opened: you do not have permission to read it."
    if error.errno == errno.ELOOP:
        return "This shortcut loops back on itself, so it was skipped."
    return f"This could not be opened ({error.strerror or 'read error'})."


def _add_file(path: Path, st: os.stat_result, result: WalkResult, seen: set[Any]) -> None:
    # The same file reached twice (given twice, or through a link) is one input, not a duplicate.
    key: tuple[int, int] | str = (st.st_dev, st.st_ino) if st.st_ino else str(path)
    if key not in seen:
        seen.add(key)
        result.files.append(path)


def _is_hidden(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name.lower() in _SYSTEM_NAMES:
        return True
    if sys.platform == "win32":
        try:
            return bool(entry.stat().st_file_attributes & _WIN_HIDDEN)
        except OSError:
            return False
    return False


def _walk_dir(
    root: Path,
    root_st: os.stat_result,
    result: WalkResult,
    seen_files: set[Any],
    seen_dirs: set[tuple[int, int]],
    cancelled: Callable[[], bool],
) -> bool:
    """Walk one folder tree into `result`; False when `cancelled` stopped it early."""
    root_key = (root_st.st_dev, root_st.st_ino)
    if root_key in seen_dirs:
        return True
    seen_dirs.add(root_key)
    # Depth-first with an explicit stack: no recursion limit on deep trees. Each entry carries the
    # identities of its ancestors so that a link into one of them is told apart from a link to a
    # folder that was merely walked already.
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(root, frozenset({root_key}))]
    while stack:
        if cancelled():
            return False
        folder, ancestors = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name.casefold())
        except OSError as e:
            message = (
                "This folder could not be opened: you do not have permission to read it."
                if isinstance(e, PermissionError)
                else f"This folder could not be opened ({e.strerror or 'read error'})."
            )
            result.problems.append(WalkProblem(str(folder), message))
            continue
        subfolders: list[tuple[Path, frozenset[tuple[int, int]]]] = []
        for entry in entries:
            if cancelled():
                return False
            if _is_hidden(entry):
                continue
            path = Path(entry.path)
            try:
                st = entry.stat()  # follows links
            except FileNotFoundError:
                if entry.is_symlink():
                    result.problems.append(
                        WalkProblem(
                            str(path), "This shortcut points to something that no longer exists."
                        )
                    )
                continue
            except OSError as e:
                result.problems.append(WalkProblem(str(path), _stat_problem(e)))
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    result.problems.append(
                        WalkProblem(
                            str(path),
                            "This folder shortcut leads back to a folder that contains it "
                            "(a loop), so it was not followed.",
                        )
                    )
                elif key not in seen_dirs:
                    seen_dirs.add(key)
                    subfolders.append((path, ancestors | {key}))
            elif stat.S_ISREG(st.st_mode):
                if path.suffix.lower() in PHOTO_EXTENSIONS:
                    _add_file(path, st, result, seen_files)
                else:
                    result.skipped.append(path)
        # Reversed so that the stack pops folders in name order, keeping files in a stable order.
        stack.extend(reversed(subfolders))
    return True
