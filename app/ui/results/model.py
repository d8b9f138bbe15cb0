"""ResultsModel: one row per result file (and, on demand, per step output) of the shown items.

Thin, after qutebrowser's DownloadModel: the panel decides what is shown and hands the model its
items; the model only maps rows to tiles, holds the GUI-thread pixmaps and tells the view which
row changed (through key -> rows and item -> rows indexes, rebuilt when the tiles change). Previews
are asked for lazily (docs/ARCHITECTURE.md, "Facts: a grid of thousands"): `data(PREVIEW)` notes a tile whose preview, "before" photo
or needed workflow is missing as wanted, and the `wanted` signal fires once per event-loop turn
with every row the view actually painted. Pixmaps live in an LRU of PIXMAP_CACHE.

The model owns every word of a tile (title line, delivered mark, stars, placeholder, note): the
delegate paints them and the accessible text reads them, so both say the same.
"""

from __future__ import annotations

from collections import OrderedDict
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
    # The words the delegate paints, so that a screen reader hears what is shown:
    TITLE = Qt.ItemDataRole.UserRole + 8  # "Title · result 2" / "Title · step “x”"
    DELIVERED = Qt.ItemDataRole.UserRole + 9  # "✓ Delivered", or ""
    STARS = Qt.ItemDataRole.UserRole + 10  # int 0..5 (a step's tile: None, no stars shown)
    PLACEHOLDER = Qt.ItemDataRole.UserRole + 11  # words shown while there is no preview


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


PIXMAP_CACHE = 400  # LRU of previews and "before" photos (~0.7 MB each at 480 px)


class ResultsModel(QAbstractListModel):
    """Signals:
    wanted(list): tiles (list[Tile]) painted without their preview, "before" photo or (when
        it is needed: a video's poster, steps shown) their workflow; the panel loads them.
    """

    wanted = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tiles: list[Tile] = []
        self.items: dict[int, ItemSnapshot] = {}
        self.workflows: dict[int, Workflow] = {}
        # key -> pixmap (result URL, "poster:<URL>" or "input:<path>"); least recently painted
        # first. An evicted one is simply wanted again when painted (the files stay on disk).
        self.pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self.failures: dict[str, str] = {}  # also "workflow:<item id>" when it could not be read
        self.show_steps = False
        self._rows_of_key: dict[str, list[int]] = {}
        self._rows_of_item: dict[int, list[int]] = {}
        self._wanted: dict[str, Tile] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._flush_wanted)

    # --- contents ----------------------------------------------------------------------

    def set_items(self, items: Iterable[ItemSnapshot]) -> None:
        """Show these items: only the rows that differ are inserted or removed, so the view
        keeps its selection and scroll position and repaints only what changed."""
        self.items = {item.id: item for item in items}
        self._set_tiles(self._build_tiles())

    def _set_tiles(self, new: list[Tile]) -> None:
        old = self.tiles
        # Tiles are in item order, so a change is one run of rows: keep the common head and tail.
        head = 0
        limit = min(len(old), len(new))
        while head < limit and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        removed = len(old) - head - tail
        added = len(new) - head - tail
        if removed:
            self.beginRemoveRows(QModelIndex(), head, head + removed - 1)
            self.tiles = old[:head] + old[len(old) - tail :]
            self.endRemoveRows()
        if added:
            self.beginInsertRows(QModelIndex(), head, head + added - 1)
            self.tiles = new
            self.endInsertRows()
        self.tiles = new
        self._index_rows()
        if self.tiles:  # an item's other fields (title, rating, ...) may have changed too
            self.dataChanged.emit(self.index(0), self.index(len(self.tiles) - 1))

    def _index_rows(self) -> None:
        self._rows_of_key = {}
        self._rows_of_item = {}
        for row, tile in enumerate(self.tiles):
            self._rows_of_item.setdefault(tile.item_id, []).append(row)
            keys = {tile.key, poster_key(tile), self._before_key(tile)}
            for key in keys:
                if key is not None:
                    self._rows_of_key.setdefault(key, []).append(row)

    def update_item(self, item: ItemSnapshot) -> None:
        """A shown item changed: rebuild when its results changed, else repaint its rows."""
        old = self.items.get(item.id)
        if old is None:
            return
        self.items[item.id] = item
        if old.results != item.results or old.sources != item.sources:
            self._set_tiles(self._build_tiles())
        else:
            self._changed_item(item.id)

    def remove_item(self, item_id: int) -> None:
        if self.items.pop(item_id, None) is not None:
            self._set_tiles(self._build_tiles())

    def set_workflow(self, item_id: int, workflow: Workflow) -> None:
        self.workflows[item_id] = workflow
        if self.show_steps and item_id in self.items:
            self._set_tiles(self._build_tiles())
        else:
            self._changed_item(item_id)

    def set_show_steps(self, shown: bool) -> None:
        self.show_steps = shown
        self._set_tiles(self._build_tiles())

    def needs_workflow(self, item_id: int) -> bool:
        """The item's workflow is wanted (steps shown, or a video's poster) and not known yet."""
        item = self.items.get(item_id)
        if item is None or not item.workflow_id or item_id in self.workflows:
            return False
        if f"workflow:{item_id}" in self.failures:
            return False
        return self.show_steps or any(media.is_video for media in item.results)

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
        self.pixmaps.move_to_end(key)
        while len(self.pixmaps) > PIXMAP_CACHE:
            self.pixmaps.popitem(last=False)
        self.failures.pop(key, None)
        self._changed_key(key)

    def set_failure(self, key: str, reason: str) -> None:
        self.failures[key] = reason
        self._changed_key(key)

    # --- the texts of a tile (painted by the delegate, read by screen readers) ----------

    def title_text(self, tile: Tile, item: ItemSnapshot | None) -> str:
        title = (item.title if item else "") or self.tr("Untitled")
        if tile.step:
            return self.tr("{title} · step “{step}”").format(title=title, step=tile.step)
        if item is not None and len(item.results) > 1:
            return self.tr("{title} · result {n}").format(title=title, n=tile.n)
        return title

    def delivered_text(self, item: ItemSnapshot | None) -> str:
        return self.tr("✓ Delivered") if item is not None and item.delivered_at else ""

    def stars(self, tile: Tile, item: ItemSnapshot | None) -> int | None:
        """The rating shown (0: none yet); None on a step's tile, which shows no stars."""
        if tile.step:
            return None
        rating = item.rating if item is not None else None
        return int(rating) if rating and rating.isdigit() else 0

    def placeholder_text(self, tile: Tile, item: ItemSnapshot | None) -> str:
        """What the "after" box says while it has no picture."""
        failed = self.failures.get(self._preview_key(tile), "")
        if tile.media.is_video and (failed or (item is not None and item.workflow_id)):
            return self.tr("Video")
        return self.tr("No preview") if failed else self.tr("Loading preview…")

    def accessible_text(self, tile: Tile, item: ItemSnapshot | None) -> str:
        """Everything painted on the tile, in reading order, stars in words."""
        parts = [self.title_text(tile, item)]
        if tile.media.is_video:
            parts.append(self.tr("Video"))
        stars = self.stars(tile, item)
        if stars:
            parts.append(self.tr("Rated {n} of 5 stars").format(n=stars))
        elif stars == 0:
            parts.append(self.tr("Not rated"))
        parts += [t for t in (self.delivered_text(item), self.note(item)[0]) if t]
        return ". ".join(parts)

    def _preview_key(self, tile: Tile) -> str:
        return poster_key(tile) if tile.media.is_video else tile.key

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
        for row in self._rows_of_key.get(key, ()):
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def _changed_item(self, item_id: int) -> None:
        rows = self._rows_of_item.get(item_id)
        if rows:  # an item's rows are adjacent
            self.dataChanged.emit(self.index(rows[0]), self.index(rows[-1]))

    def _before_key(self, tile: Tile) -> str | None:
        item = self.items.get(tile.item_id)
        if item is None or item.kind == "url" or not item.sources:
            return None
        return "input:" + item.sources[0]

    def _pixmap(self, key: str | None) -> QPixmap | None:
        pixmap = self.pixmaps.get(key) if key is not None else None
        if pixmap is not None:
            self.pixmaps.move_to_end(key)  # type: ignore[arg-type]
        return pixmap

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
        if role in (Qt.ItemDataRole.DisplayRole, ResultRole.TITLE):
            return self.title_text(tile, item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.accessible_text(tile, item)
        if role == ResultRole.DELIVERED:
            return self.delivered_text(item)
        if role == ResultRole.STARS:
            return self.stars(tile, item)
        if role == ResultRole.PLACEHOLDER:
            return self.placeholder_text(tile, item)
        if role == ResultRole.PREVIEW:
            # Asked by the delegate for painted rows only: the one place previews, "before"
            # photos and workflows become wanted.
            key = self._preview_key(tile)
            pixmap = self._pixmap(key)
            before = self._before_key(tile)
            if (
                (pixmap is None and key not in self.failures)
                or (
                    before is not None
                    and before not in self.pixmaps
                    and before not in self.failures
                )
                or self.needs_workflow(tile.item_id)
            ):
                self._want(tile)
            return pixmap
        if role == ResultRole.BEFORE:
            return self._pixmap(self._before_key(tile))
        if role == ResultRole.PREVIEW_FAILED:
            return self.failures.get(self._preview_key(tile), "")
        if role == ResultRole.NOTE:
            return self.note(item)[0]
        if role == ResultRole.NOTE_IS_ERROR:
            return self.note(item)[1]
        return None

    def _want(self, tile: Tile) -> None:
        if tile.key not in self._wanted:
            self._wanted[tile.key] = tile
            if not self._timer.isActive():
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
