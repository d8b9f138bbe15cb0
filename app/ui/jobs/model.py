"""JobListModel: a thin list model over ItemSnapshots, with one refresh timer for every repaint.

The idea of qutebrowser's DownloadModel: the model keeps no logic of its own. The bridge hands it
snapshots (`upsert`); new items wait in `_pending` and changed rows are only marked dirty. A
single-shot refresh timer then inserts all pending rows with one `beginInsertRows` per run of
neighbouring rows and emits one `dataChanged` over the dirty range, so a thousand polling jobs
cost a handful of signals per second instead of a thousand.

Rows are ordered newest batch first, then by item id (the order the photos were added), so a
batch started from the command line shows up at the top like any other.
"""

from __future__ import annotations

import bisect
import dataclasses
import time
from collections.abc import Iterable, Iterator
from enum import IntEnum
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPixmap

from app.engine.model import ItemSnapshot, ItemState

REFRESH_MS = 200

_Index = QModelIndex | QPersistentModelIndex


class JobRole(IntEnum):
    ITEM = int(Qt.ItemDataRole.UserRole) + 1  # the ItemSnapshot itself
    ITEM_ID = ITEM + 1
    STATE = ITEM + 2  # the ItemState value (a str: Qt hands enums back as their value)
    PROGRESS = ITEM + 3  # int 0-100
    STATUS_TEXT = ITEM + 4  # plain words: "Being made", "Failed: …"
    TIME_TEXT = ITEM + 5  # "2 min 5 s" while working, "Finished 14:32" after
    WORKFLOW_ID = ITEM + 6


class ThumbnailSource(Protocol):
    """What the model needs from a thumbnail loader (see `jobs.thumbnails.JobThumbnails`)."""

    thumbnail_ready: Any  # Signal(str): the path whose pixmap is now available

    def pixmap(self, path: str) -> QPixmap | None: ...


def _tr(text: str) -> str:
    return QCoreApplication.translate("JobList", text)


def state_label(state: ItemState) -> str:
    """The state in a word or two, for the status column, filters and screen readers."""
    labels = {
        ItemState.QUEUED: _tr("Waiting"),
        ItemState.UPLOADING: _tr("Sending"),
        ItemState.SUBMITTED: _tr("Sent"),
        ItemState.RUNNING: _tr("Being made"),
        ItemState.SUCCEEDED: _tr("Done"),
        ItemState.FAILED: _tr("Failed"),
        ItemState.NEEDS_ATTENTION: _tr("Needs attention"),
        ItemState.PAUSED: _tr("Paused"),
        ItemState.CANCELLED: _tr("Cancelled"),
    }
    return labels[state]


def offline_text() -> str:
    return _tr("Waiting for a connection")


def status_text(item: ItemSnapshot, offline: bool = False) -> str:
    """The status line of a row: the state in words, with the reason or the progress
    (while sending, the share of the photo's bytes sent). `offline`: Vimmerse cannot be
    reached now; photos waiting to be sent say so (the engine leaves their stored text alone)."""
    if offline and item.state is ItemState.QUEUED:
        return offline_text()
    label = state_label(item.state)
    if item.state in (ItemState.UPLOADING, ItemState.RUNNING) and item.progress > 0:
        return _tr("{state} · {percent}%").format(state=label, percent=item.progress)
    if item.state is ItemState.SUBMITTED:
        return _tr("Sent, waiting for Vimmerse")
    # A paused row says only "Paused": the banner above the list gives the reason once
    # (the row's tooltip has it too), instead of the same long sentence on every row.
    if item.error and item.state in (ItemState.FAILED, ItemState.NEEDS_ATTENTION):
        return _tr("{state}: {reason}").format(state=label, reason=item.error)
    return label


def busy_text() -> str:
    return _tr("Being handled by another vimbatch window")


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return _tr("{s} s").format(s=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _tr("{m} min {s} s").format(m=minutes, s=seconds)
    hours, minutes = divmod(minutes, 60)
    return _tr("{h} h {m} min").format(h=hours, m=minutes)


def _clock(when: float, now: float) -> str:
    moment = QDateTime.fromMSecsSinceEpoch(int(when * 1000))
    locale = QLocale()
    text = locale.toString(moment.time(), QLocale.FormatType.ShortFormat)
    if moment.date() != QDateTime.fromMSecsSinceEpoch(int(now * 1000)).date():
        text = locale.toString(moment.date(), QLocale.FormatType.ShortFormat) + " " + text
    return text


def time_text(item: ItemSnapshot, now: float | None = None, retried: float | None = None) -> str:
    """How long it has been going, or when it finished. `retried`: when a finished item was
    started again (Retry): its time counts from then, not from the first send."""
    now = time.time() if now is None else now
    if item.finished_at is not None and item.state.is_final:
        return _tr("Finished {time}").format(time=_clock(item.finished_at, now))
    if retried is not None and not item.state.is_final:
        if item.state in (ItemState.QUEUED, ItemState.PAUSED):
            return _tr("Retried {time}").format(time=_clock(retried, now))
        return format_duration(now - retried)
    if item.state in (ItemState.QUEUED, ItemState.PAUSED) or item.state.is_final:
        return _tr("Added {time}").format(time=_clock(item.created_at, now))
    return format_duration(now - item.created_at)


def _sort_key(item: ItemSnapshot) -> tuple[int, int]:
    return (-item.batch_id, item.id)


class JobListModel(QAbstractListModel):
    """One row per item, newest batch first.

    Signals:
        flushed(): rows were inserted, changed or removed by a refresh tick (or `flush()`);
            the summary bar and the filter counts recompute on it.
    """

    flushed = Signal()

    def __init__(self, parent: QObject | None = None, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.busy_batches: frozenset[int] = frozenset()
        self._items: list[ItemSnapshot] = []
        self._keys: list[tuple[int, int]] = []
        self._rows: dict[int, int] = {}
        self._pending: dict[int, ItemSnapshot] = {}
        # Item id -> when a finished item was started again in this session (Retry): its row's
        # time counts from then.
        self._retried: dict[int, float] = {}
        self._dirty: set[int] = set()  # item ids, turned into rows at flush time
        self._by_path: dict[str, set[int]] = {}
        self._thumbnails: ThumbnailSource | None = None
        self._paused_batches: frozenset[int] = frozenset()
        self._batch_events: dict[int, str] = {}  # batch id -> the event that made it
        self.offline = False  # Vimmerse cannot be reached now (the engine's connection state)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.flush)

    # --- feeding -------------------------------------------------------------------------

    def upsert(self, item: ItemSnapshot) -> None:
        """Take a new or changed snapshot; the view hears of it at the next refresh tick."""
        row = self._rows.get(item.id)
        if row is None:
            old = self._pending.get(item.id)
            if old is None or item.updated_at >= old.updated_at:
                self._pending[item.id] = item
        else:
            # Events from several worker threads can overtake each other: keep the newest.
            old_item = self._items[row]
            if item.updated_at < old_item.updated_at:
                return
            if old_item.state.is_final and not item.state.is_final:
                self._retried[item.id] = item.updated_at  # started again (Retry)
            elif item.state.is_final:
                self._retried.pop(item.id, None)
            self._items[row] = item
            self._dirty.add(item.id)
        self._schedule()

    def upsert_many(self, items: Iterable[ItemSnapshot]) -> None:
        for item in items:
            self.upsert(item)

    def remove(self, item_id: int) -> None:
        """Forget an item (deleted from the store)."""
        self._pending.pop(item_id, None)
        row = self._rows.get(item_id)
        if row is None:
            return
        self.flush()  # keep rows consistent before they shift
        row = self._rows[item_id]
        self.beginRemoveRows(QModelIndex(), row, row)
        item = self._items.pop(row)
        self._keys.pop(row)
        self._forget_path(item)
        self._reindex()
        self.endRemoveRows()
        self.flushed.emit()

    def reset_items(self, items: Iterable[ItemSnapshot]) -> None:
        """Replace everything (first load, or after reconnecting to another store)."""
        self.beginResetModel()
        ordered = sorted(items, key=_sort_key)
        self._items = ordered
        self._keys = [_sort_key(i) for i in ordered]
        self._pending.clear()
        self._dirty.clear()
        self._retried.clear()
        self._by_path.clear()
        for item in ordered:
            self._remember_path(item)
        self._reindex()
        self.endResetModel()
        self.flushed.emit()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Apply pending inserts and announce dirty rows now (the timer calls this)."""
        self._timer.stop()
        changed = bool(self._pending) or bool(self._dirty)
        if self._pending:
            self._insert_pending()
        if self._dirty:
            rows = sorted(self._rows[i] for i in self._dirty if i in self._rows)
            self._dirty.clear()
            # One signal per run of neighbouring rows, not one over min..max: the filter proxy
            # re-checks (in Python) every row a signal spans, and polled jobs are scattered.
            start = 0
            for k in range(1, len(rows) + 1):
                if k == len(rows) or rows[k] != rows[k - 1] + 1:
                    self.dataChanged.emit(self.index(rows[start]), self.index(rows[k - 1]), [])
                    start = k
        if changed:
            self.flushed.emit()

    def _insert_pending(self) -> None:
        new = sorted(self._pending.values(), key=_sort_key)
        self._pending.clear()
        # Group the new items by where they land, so that each run of neighbours is one insert.
        start = 0
        while start < len(new):
            pos = bisect.bisect_left(self._keys, _sort_key(new[start]))
            end = start + 1
            while end < len(new) and bisect.bisect_left(self._keys, _sort_key(new[end])) == pos:
                end += 1
            run = new[start:end]
            self.beginInsertRows(QModelIndex(), pos, pos + len(run) - 1)
            self._items[pos:pos] = run
            self._keys[pos:pos] = [_sort_key(i) for i in run]
            for item in run:
                self._remember_path(item)
            self._reindex()
            self.endInsertRows()
            start = end

    def _reindex(self) -> None:
        self._rows = {item.id: row for row, item in enumerate(self._items)}

    def _remember_path(self, item: ItemSnapshot) -> None:
        path = self._thumbnail_path(item)
        if path:
            self._by_path.setdefault(path, set()).add(item.id)

    def _forget_path(self, item: ItemSnapshot) -> None:
        path = self._thumbnail_path(item)
        if path and path in self._by_path:
            self._by_path[path].discard(item.id)
            if not self._by_path[path]:
                del self._by_path[path]

    # --- paused batches ------------------------------------------------------------------

    def set_paused_batches(self, batch_ids: Iterable[int]) -> None:
        """Batches whose sending is held: their waiting items are shown as paused.

        The engine marks such items PAUSED itself; this keeps them looking paused while it
        catches up (a QUEUED event racing the pause) or with a store written by an older one."""
        paused = frozenset(batch_ids)
        if paused == self._paused_batches:
            return
        self._paused_batches = paused
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1), [])
            self.flushed.emit()

    def set_offline(self, offline: bool) -> None:
        """While Vimmerse cannot be reached, photos waiting to be sent say "Waiting for a
        connection" (the engine leaves their stored status alone)."""
        if offline == self.offline:
            return
        self.offline = offline
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1), [])
            self.flushed.emit()

    def set_busy_batches(self, batch_ids: Iterable[int]) -> None:
        """Batches another vimbatch window or process works on: shown, but not ours to act on."""
        busy = frozenset(batch_ids)
        if busy == self.busy_batches:
            return
        self.busy_batches = busy
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1), [])
            self.flushed.emit()

    def is_busy(self, item: ItemSnapshot) -> bool:
        return item.batch_id in self.busy_batches

    def shown(self, item: ItemSnapshot) -> ItemSnapshot:
        """The item as the user should see it."""
        if item.state is ItemState.QUEUED and item.batch_id in self._paused_batches:
            return dataclasses.replace(item, state=ItemState.PAUSED)
        return item

    def shown_items(self) -> Iterator[ItemSnapshot]:
        """Every row's item as shown (see `shown`)."""
        if not self._paused_batches:
            return iter(self._items)
        return (self.shown(item) for item in self._items)

    # --- thumbnails ----------------------------------------------------------------------

    def set_thumbnails(self, source: ThumbnailSource | None) -> None:
        if self._thumbnails is not None:
            self._thumbnails.thumbnail_ready.disconnect(self._on_thumbnail)
        self._thumbnails = source
        if source is not None:
            source.thumbnail_ready.connect(self._on_thumbnail)

    @staticmethod
    def _thumbnail_path(item: ItemSnapshot) -> str | None:
        if item.kind == "url" or not item.sources:
            return None
        return item.sources[0]

    def _on_thumbnail(self, path: str) -> None:
        ids = self._by_path.get(path)
        if ids:
            self._dirty.update(ids)
            self._schedule()

    # --- reading -------------------------------------------------------------------------

    def item(self, row: int) -> ItemSnapshot:
        return self._items[row]

    def paint_data(self, row: int) -> tuple[ItemSnapshot, str, QPixmap | None, str]:
        """What the delegate paints for a row, in one call: the item as shown, its title, its
        thumbnail (None while it loads) and its status words. Each `data()` call is a round
        trip from C++ that waits for the GIL again while workers run; a job list paints dozens
        of rows."""
        item = self.shown(self._items[row])
        title = item.title or self._fallback_title(item)
        path = self._thumbnail_path(item)
        pixmap = (
            self._thumbnails.pixmap(path)
            if path is not None and self._thumbnails is not None
            else None
        )
        return item, title, pixmap, self._status_words(item)

    def _status_words(self, item: ItemSnapshot) -> str:
        """The row's status words as painted and read out: an event's batches name it."""
        words = status_text(item, self.offline)
        event = self._batch_events.get(item.batch_id)
        return f"{words} · {event}" if event else words

    def row_of(self, item_id: int) -> int | None:
        return self._rows.get(item_id)

    def items(self) -> Iterator[ItemSnapshot]:
        """Every item shown (pending ones once flushed)."""
        return iter(self._items)

    def known_items(self) -> list[ItemSnapshot]:
        """Every item held, shown or still waiting for the next refresh tick."""
        return [*self._items, *self._pending.values()]

    def unfinished_count(self) -> int:
        """Items not finished yet (queued, sending or being made), from memory: what quitting
        would leave for next time. Another vimbatch window's batches are not counted."""
        busy = self.busy_batches
        return sum(
            1
            for item in (*self._items, *self._pending.values())
            if not item.state.is_final and item.batch_id not in busy
        )

    def not_sent_count(self) -> int:
        """Items the engine has not put on Vimmerse yet (waiting for or in their upload), from
        memory: what quitting would stop. Items already on Vimmerse are at no risk: they keep
        being made, and the engine follows them again at the next start."""
        busy = self.busy_batches
        return sum(
            1
            for item in (*self._items, *self._pending.values())
            if item.state in (ItemState.QUEUED, ItemState.UPLOADING) and item.batch_id not in busy
        )

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def set_batch_events(self, events: dict[int, str]) -> None:
        """Batches made by an event (batch id -> event name): their rows say so."""
        if events != self._batch_events:
            self._batch_events = dict(events)
            if self._items:
                self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self.shown(self._items[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title or self._fallback_title(item)
        if role == JobRole.ITEM:
            return item
        if role == JobRole.ITEM_ID:
            return item.id
        if role == JobRole.STATE:
            return item.state.value
        if role == JobRole.PROGRESS:
            return item.progress
        if role == JobRole.STATUS_TEXT:
            return self._status_words(item)
        if role == JobRole.TIME_TEXT:
            return time_text(item, retried=self._retried.get(item.id))
        if role == JobRole.WORKFLOW_ID:
            return item.workflow_id
        if role == Qt.ItemDataRole.DecorationRole:
            path = self._thumbnail_path(item)
            if path is None or self._thumbnails is None:
                return None
            return self._thumbnails.pixmap(path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _tr("{title}: {status}, {time}").format(
                title=item.title or self._fallback_title(item),
                status=self._status_words(item),
                time=time_text(item, retried=self._retried.get(item.id)),
            )
        return None

    @staticmethod
    def _fallback_title(item: ItemSnapshot) -> str:
        if item.sources:
            return Path(item.sources[0]).name if item.kind != "url" else item.sources[0]
        return _tr("Item {n}").format(n=item.id)

    def _tooltip(self, item: ItemSnapshot) -> str:
        lines = [item.title or self._fallback_title(item), status_text(item, self.offline)]
        if item.sources:
            shown = [Path(s).name if item.kind != "url" else s for s in item.sources[:5]]
            if len(item.sources) > 5:
                shown.append(_tr("and {n} more").format(n=len(item.sources) - 5))
            lines.append(_tr("From: {files}").format(files=", ".join(shown)))
        if item.state is ItemState.PAUSED and item.error:
            lines.append(item.error)
        if self.is_busy(item):
            lines.append(busy_text())
        if event := self._batch_events.get(item.batch_id):
            lines.append(_tr("Event: {name}").format(name=event))
        if item.workflow_id:
            lines.append(_tr("Vimmerse id: {id}").format(id=item.workflow_id))
        if item.files:
            lines.append(_tr("Saved as: {file}").format(file=Path(item.files[0]).name))
        return "\n".join(lines)
