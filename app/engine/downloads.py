"""Naming downloaded results and honouring the overwrite / skip / rename choice.

Used by the engine for a batch's download folder and by the GUI's "save all".
"""

from __future__ import annotations

import os
import re
import shutil
import string
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from app.api import MediaFile
from app.engine.model import ItemSnapshot, OverwritePolicy
from app.engine.templates import load_catalog

# {template} is the template's id (e.g. vim_new_year_2026: the command line's default names
# use it), {template_name} its name as the catalog shows it (e.g. "New Year 2026": the window's).
NAME_FIELDS = ("stem", "template", "template_name", "n", "ext", "title", "folder")

# Characters no common file system accepts in a name (Windows is the strictest).
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')
_MAX_NAME = 180


def name_pattern_problem(pattern: str) -> str | None:
    """A plain-language reason the file-name pattern cannot be used, or None."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError:
        return "The file-name pattern has an unmatched { or }."
    allowed = ", ".join("{" + f + "}" for f in NAME_FIELDS)
    for name in fields:
        if name not in NAME_FIELDS:
            return (
                f"The file-name pattern uses {{{name}}}, which is not known. You can use {allowed}."
            )
    if "n" not in fields:
        return "The file-name pattern needs {n}, so that several results of one photo get different names."
    return None


def safe_name(text: str) -> str:
    """`text` made usable as one file name on every system."""
    cleaned = _UNSAFE.sub("_", text).strip().rstrip(". ")
    if len(cleaned) > _MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (
            (stem[: _MAX_NAME - len(ext) - 1] + dot + ext)
            if dot and len(ext) < 10
            else cleaned[:_MAX_NAME]
        )
    return cleaned or "result"


def result_name(
    pattern: str,
    *,
    stem: str,
    template: str,
    n: int,
    ext: str,
    title: str = "",
    folder: str = "",
    template_name: str = "",
) -> str:
    """The file name of result number `n` (1-based); `ext` with or without its dot, added at
    the end when the pattern does not end with it; `template_name` defaults to the catalog's
    name for `template`."""
    name = pattern.format(
        stem=stem,
        template=template,
        template_name=template_name or load_catalog().label_for(template),
        n=n,
        ext=ext.lstrip("."),
        title=title,
        folder=folder,
    )
    if name.endswith("."):  # a result whose type is unknown has no extension
        name = name.rstrip(".")
    suffix = "." + ext.lstrip(".") if ext.lstrip(".") else ""
    if suffix and not name.lower().endswith(suffix.lower()):
        # A pattern without {ext}: the file still gets its type, or it would not open.
        name += suffix
    return safe_name(name)


def item_stem(snapshot: ItemSnapshot) -> str:
    """The name results are called after: the photo's, the folder's, or the link's file name."""
    if not snapshot.sources:
        return "item"
    first = snapshot.sources[0]
    if snapshot.kind == "folder":
        return Path(first).parent.name or "folder"
    if snapshot.kind == "url":
        return PurePosixPath(unquote(urlsplit(first).path)).stem or "image"
    return Path(first).stem


def item_result_name(
    pattern: str, item: ItemSnapshot, *, template: str, n: int, media: MediaFile
) -> str:
    """The file name of the item's result number `n` (1-based) under `pattern`: the one naming
    used by the automatic download and by "save" alike."""
    return result_name(
        pattern,
        stem=item_stem(item),
        template=template,
        n=n,
        ext=media.extension,
        title=item.title,
        folder=Path(item.sources[0]).parent.name if item.sources and item.kind != "url" else "",
    )


def copy_result(source: Path, target: Path) -> None:
    """Copy a complete local file to `target` as a download would: through `<target>.part`,
    flushed, then renamed, so that a half-written copy never takes the name."""
    part = target.with_name(target.name + ".part")
    try:
        with source.open("rb") as src, part.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        part.replace(target)
    except OSError:
        part.unlink(missing_ok=True)
        raise


def choose_target(folder: Path, name: str, policy: OverwritePolicy) -> Path | None:
    """Where to save `name` in `folder` under `policy`; None means skip (a file is there)."""
    target = folder / name
    if not target.exists() or policy is OverwritePolicy.OVERWRITE:
        return target
    if policy is OverwritePolicy.SKIP:
        return None
    stem, suffix = target.stem, target.suffix
    number = 2
    while True:
        candidate = folder / f"{stem} ({number}){suffix}"
        if not candidate.exists():
            return candidate
        number += 1
