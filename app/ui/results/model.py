"""ResultsModel: one row per result file (and, on demand, per step output) of the shown items.

Thin, after qutebrowser's DownloadModel: the panel decides what is shown and hands the model its
items; the model only maps rows to tiles, holds the GUI-thread pixmaps and tells the view which
row changed. Previews are asked for lazily: `data(PREVIEW)` notes a missing one as wanted and the
`wanted` signal fires once per event-loop turn with every row the view actually painted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QImage, QPixmap

from app.api import MediaFile, Workflow
from app.engine.model import ItemSnapshot

_Index = QModelIndex | QPersistentModelIndex


class ResultRole(IntEnum):
    TILE = Qt.ItemDataRole.UserRole + 1
    ITEM = Qt.ItemDataRole.UserRole + 2
    PREVIEW = Qt.ItemDataRole.UserRole + 3  # QPixmap | None
    BEFORE = Qt.ItemDataRole.UserRole + 4  # QPixmap | None
    NOTE = Qt.ItemDataRole.UserRole + 5  # pending change / failure text, or ""
    NOTE_IS_ERROR = Qt.ItemDataRole.UserRole + 6
    PREVIEW_FAILED = Qt.ItemDataRole.UserRole + 7  # str reason, or ""


@dataclass(frozen=True)
class Tile:
    """Result `n` (1-based) of an item, or one output of processing step `step`."""

    item_id: int
    media: MediaFile
    n: int
    step: str = ""

    @property
    def key(self) -> str:
        return self.media.url


class ResultsModel(QAbstractListModel):
    """Signals:
    wanted(list): tiles (list[Tile]) painted without a preview; the panel loads them.
    """

    wanted = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tiles: list[Tile] = []
        self.items: dict[int, ItemSnapshot] = {}
        self.workflows: dict[int, Workflow] = {}
        self.pixmaps: dict[str, QPixmap] = {}  # key -> pixmap (result URL or "input:<path>")
        self.failures: dict[str, str] = {}
        self.show_steps = False
        self._wanted: dict[str, Tile] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._flush_wanted)

    # --- contents ----------------------------------------------------------------------

    def set_items(self, items: Iterable[ItemSnapshot]) -> None:
        self.beginResetModel()
        self.items = {item.id: item for item in items}
        self.tiles = self._build_tiles()
        self.endResetModel()

    def update_item(self, item: ItemSnapshot) -> None:
        """A shown item changed: rebuild when its results changed, else repaint its rows."""
        old = self.items.get(item.id)
        if old is None:
            return
        self.items[item.id] = item
        if old.results != item.results:
            self.set_items(list(self.items.values()))
        else:
            self._changed_item(item.id)

    def remove_item(self, item_id: int) -> None:
        if self.items.pop(item_id, None) is not None:
            self.set_items(list(self.items.values()))

    def set_workflow(self, item_id: int, workflow: Workflow) -> None:
        self.workflows[item_id] = workflow
        if self.show_steps and item_id in self.items:
            self.set_items(list(self.items.values()))
        else:
            self._changed_item(item_id)

    def set_show_steps(self, shown: bool) -> None:
        self.show_steps = shown
        self.set_items(list(self.items.values()))

    def _build_tiles(self) -> list[Tile]:
        tiles: list[Tile] = []
        for item in sorted(self.items.values(), key=lambda i: i.id):
            tiles.extend(Tile(item.id, media, n) for n, media in enumerate(item.results, 1))
            workflow = self.workflows.get(item.id)
            if self.show_steps and workflow is not None:
                for completion in workflow.completions:
                    tiles.extend(
                        Tile(item.id, media, n, step=completion.flow or "?")
                        for n, media in enumerate(completion.result, 1)
                    )
        return tiles

    def set_image(self, key: str, image: QImage) -> None:
        """A worker's preview arrived: the pixmap is made here, on the GUI thread."""
        self.pixmaps[key] = QPixmap.fromImage(image)
        self.failures.pop(key, None)
        self._changed_key(key)

    def set_failure(self, key: str, reason: str) -> None:
        self.failures[key] = reason
        self._changed_key(key)

    def note(self, item: ItemSnapshot | None) -> tuple[str, bool]:
        """The tile's line about a change to the workflow: being sent, or why it did not land."""
        if item is None:
            return "", False
        if item.update_error:
            return self.tr("Not saved on Vimmerse: {why}").format(why=item.update_error), True
        if item.pending_update:
            return self.tr("Sending your change…"), False
        return "", False

    def _changed_key(self, key: str) -> None:
        for row, tile in enumerate(self.tiles):
            before = self._before_key(tile)
            if tile.key == key or poster_key(tile) == key or before == key:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def _changed_item(self, item_id: int) -> None:
        for row, tile in enumerate(self.tiles):
            if tile.item_id == item_id:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def _before_key(self, tile: Tile) -> str | None:
        item = self.items.get(tile.item_id)
        if item is None or item.kind == "url" or not item.sources:
            return None
        return "input:" + item.sources[0]

    # --- Qt model ----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.tiles)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.tiles):
            return None
        tile = self.tiles[index.row()]
        item = self.items.get(tile.item_id)
        if role == ResultRole.TILE:
            return tile
        if role == ResultRole.ITEM:
            return item
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            title = item.title if item else ""
            return f"{title} · {tile.step}" if tile.step else title
        if role == ResultRole.PREVIEW:
            key = poster_key(tile) if tile.media.is_video else tile.key
            pixmap = self.pixmaps.get(key)
            if pixmap is None and key not in self.failures:
                self._want(tile)
            return pixmap
        if role == ResultRole.BEFORE:
            before = self._before_key(tile)
            return self.pixmaps.get(before) if before else None
        if role == ResultRole.PREVIEW_FAILED:
            key = poster_key(tile) if tile.media.is_video else tile.key
            return self.failures.get(key, "")
        if role == ResultRole.NOTE:
            return self.note(item)[0]
        if role == ResultRole.NOTE_IS_ERROR:
            return self.note(item)[1]
        return None

    def _want(self, tile: Tile) -> None:
        if tile.key not in self._wanted:
            self._wanted[tile.key] = tile
            self._timer.start()

    def _flush_wanted(self) -> None:
        tiles, self._wanted = list(self._wanted.values()), {}
        if tiles:
            self.wanted.emit(tiles)

    def stop(self) -> None:
        self._timer.stop()
        self._wanted.clear()


def poster_key(tile: Tile) -> str:
    """The pixmap key of a video tile's poster frame."""
    return "poster:" + tile.media.url
