"""The batch report: one CSV row per item, for the user's records and their customers.

Plain Python (no Qt): the GUI's "Export report…" (one batch or all of them) and, later, the
command line write the same file.
The file opens in spreadsheet programs as they are: UTF-8 with a byte-order mark (Excel needs it
to read accents), one value per cell, several URLs or files joined by "; ".
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from app.engine.model import BatchSnapshot, ItemSnapshot, ItemState

REPORT_COLUMNS: tuple[str, ...] = (
    "Batch",
    "Input file",
    "Title",
    "Workflow id",
    "Template",
    "Visibility",
    "Status",
    "Error",
    "Result URLs",
    "Saved files",
    "Delivered at",
    "Rating",
)

STATUS_WORDS: dict[ItemState, str] = {
    ItemState.QUEUED: "Waiting",
    ItemState.UPLOADING: "Sending",
    ItemState.SUBMITTED: "Sent",
    ItemState.RUNNING: "Being made",
    ItemState.SUCCEEDED: "Done",
    ItemState.FAILED: "Failed",
    ItemState.NEEDS_ATTENTION: "Needs attention",
    ItemState.PAUSED: "Paused",
    ItemState.CANCELLED: "Cancelled",
}

_JOIN = "; "
# A cell starting with one of these is run as a formula by spreadsheet programs; a file name
# such as "=1+1.jpg" must stay text (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def report_rows(
    items: Iterable[ItemSnapshot],
    batches: Iterable[BatchSnapshot],
    saved: Mapping[int, Sequence[str]] | None = None,
) -> list[dict[str, str]]:
    """One row per item, keyed by REPORT_COLUMNS (a report may cover several batches: "Batch"
    is the item's batch number, as the window's batch choice names it).

    Saved files are the item's (`ItemSnapshot.files`: downloaded and saved through
    `Engine.save_results`); `saved` (item id -> paths) may add files saved some other way.
    Template is the batch's; visibility, rating and delivered are the item's own (its latest
    wish, a change not yet on Vimmerse included; "Delivered at" is the user's mark only).
    """
    settings = {batch.id: batch.settings for batch in batches}
    saved = saved or {}
    rows: list[dict[str, str]] = []
    for item in items:
        batch = settings.get(item.batch_id)
        visibility = item.visibility or (batch.visibility if batch else None)
        files = list(item.files)
        files.extend(path for path in saved.get(item.id, ()) if path not in files)
        row = {
            "Batch": str(item.batch_id),
            "Input file": _JOIN.join(item.sources),
            "Title": item.title,
            "Workflow id": item.workflow_id or "",
            "Template": batch.template_id if batch else "",
            "Visibility": visibility.label if visibility else "",
            "Status": STATUS_WORDS.get(item.state, item.state.value),
            "Error": item.error or "",
            "Result URLs": _JOIN.join(media.url for media in item.results),
            "Saved files": _JOIN.join(files),
            "Delivered at": item.delivered_at or "",
            "Rating": item.rating or "",
        }
        rows.append({key: _cell(value) for key, value in row.items()})
    return rows


def report_text(
    items: Iterable[ItemSnapshot],
    batches: Iterable[BatchSnapshot],
    saved: Mapping[int, Sequence[str]] | None = None,
) -> str:
    """The CSV as text (header and one line per item), without the byte-order mark."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(report_rows(items, batches, saved))
    return out.getvalue()


def write_report(
    path: str | os.PathLike[str],
    items: Iterable[ItemSnapshot],
    batches: Iterable[BatchSnapshot],
    saved: Mapping[int, Sequence[str]] | None = None,
) -> int:
    """Write the CSV to `path` atomically; returns the number of item rows.

    Raises OSError (the caller shows `strerror`): a half-written report never replaces a good one.
    """
    items = list(items)
    text = report_text(items, batches, saved)
    target = Path(path)
    part = target.with_name(target.name + ".part")
    try:
        with part.open("w", encoding="utf-8-sig", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        part.replace(target)
    except OSError:
        part.unlink(missing_ok=True)
        raise
    return len(items)
