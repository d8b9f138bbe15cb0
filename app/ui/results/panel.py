"""ResultsPanel: what came back for the selected jobs (or the whole batch), and what to do with it.

Shows before / after tiles (ResultsModel + ResultDelegate), and acts on the chosen tiles: open,
save, save all, show in folder, rate, mark delivered, edit title / description / visibility,
delete from Vimmerse, export the batch report. Every change to a workflow goes through
`Engine.update_item`, which records it in the job store before sending and retries it; the panel
shows it on the tile ("Sending your change…") until it lands, and a failure stays on the tile with
"Try again" until the user drops it. Saving and the report live in `actions.py`, the title /
description / visibility form in `details.py`; the panel lays them out and keeps their hooks.

Wiring (by the main window):
    panel = ResultsPanel(workers, settings, thumbnails, cache_dir)   # then added as a tab
    panel.set_engine(bridge)              # once the session is ready (None when it ends)
    panel.set_selection(item_ids)         # the job list's selection; empty: the latest batch
    panel.close_panel()                   # before the session shuts down

Fast with thousands of results: the shown set is worked out once per refresh (refreshes caused by
finishing jobs are coalesced), the model inserts and removes only the rows that differ, and
previews, "before" photos and workflows are fetched only for tiles the view paints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from PySide6.QtCore import (
    QDateTime,
    QItemSelectionModel,
    QLocale,
    QSignalBlocker,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.api import Workflow, WorkflowChanges, WorkflowClient
from app.engine.model import (
    BatchSnapshot,
    ItemSnapshot,
    ItemState,
    SaveOutcome,
)
from app.images.thumbnails import ThumbnailCache
from app.ui.engine_bridge import EngineBridge
from app.ui.folder_choice import StartFolder, ask_folder
from app.ui.opening import AskFolder, Opener, ask_show_in_folder, open_file
from app.ui.plural import ntr
from app.ui.results.actions import OverwriteQuestion, ResultActions, ask_overwrite
from app.ui.results.delegate import ResultDelegate
from app.ui.results.details import DetailsForm
from app.ui.results.model import ResultRole, ResultsModel, Tile, poster_key
from app.ui.results.previews import PreviewLoader, ResultFileCache, poster_of
from app.ui.results.rating import StarRating
from app.ui.settings import AUTO_MARK_DELIVERED, AppSettings
from app.ui.user_text import user_text
from app.ui.workers import Workers

if TYPE_CHECKING:
    # The engine module (httpx, keyring) loads with the session, after the window shows.
    from app.engine.engine import Engine


REFRESH_MS = 100  # jobs finishing within this are shown together
REPORT_MENU_BATCHES = 15  # the newest batches offered one by one; "All batches" covers the rest


def _delivered(item: ItemSnapshot) -> bool:
    """Marked delivered, or the mark is on its way."""
    return bool(item.delivered_at) or "delivered_at" in (item.pending_update or {})


def _confirm(parent: QWidget, title: str, text: str, yes: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    delete = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is delete


class ResultsPanel(QWidget):
    """The Results tab.

    Signals:
        message(str): plain words for the window's status bar (saved, deleted, a failure).
    """

    message = Signal(str)

    def __init__(
        self,
        workers: Workers,
        settings: AppSettings,
        thumbnails: ThumbnailCache,
        cache_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPanel")
        self.workers = workers
        self.settings = settings
        self.files = ResultFileCache(Path(cache_dir) / "results")
        self.bridge: EngineBridge | None = None
        self.engine: Engine | None = None
        self.all_items: dict[int, ItemSnapshot] = {}
        self.batches: dict[int, BatchSnapshot] = {}
        self.selection: list[int] = []
        self._selected: set[int] = set()
        self._auto_delivered: set[int] = set()
        # Replaceable so tests answer without modal dialogs or the system's player.
        self.opener: Opener = QDesktopServices.openUrl
        self.ask_show_in_folder: AskFolder = ask_show_in_folder
        self.ask_overwrite: OverwriteQuestion = ask_overwrite
        self.confirm: Callable[[str, str, str], bool] = lambda t, x, y: _confirm(self, t, x, y)
        # Given where to start (`app.ui.folder_choice.start_folder`, found on a worker).
        self.choose_folder: Callable[[StartFolder], str] = lambda start: ask_folder(
            self, self.tr("Save results in"), start
        )
        self.choose_report_file: Callable[[str], str] = lambda start: QFileDialog.getSaveFileName(
            self, self.tr("Export report"), start, self.tr("Spreadsheet (CSV) (*.csv)")
        )[0]

        self.model = ResultsModel(self)
        self.loader = PreviewLoader(workers.io, workers.cpu, self.files, thumbnails, self)
        self.loader.client_source = self._current_client
        self.loader.image_ready.connect(self.model.set_image)
        self.loader.image_failed.connect(self.model.set_failure)
        self.loader.workflow_ready.connect(self._workflow_ready)
        self.model.wanted.connect(self._load_previews)
        self.saving = ResultActions(workers, settings, self)
        self.saving.message.connect(self.message)
        self.saving.saved.connect(self._results_saved)
        # Jobs finishing in a burst refresh the shown set once, not once each.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh)
        self._build()
        self._update_actions()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)

        header = QHBoxLayout()
        self.scope_label = QLabel(self)
        self.scope_label.setObjectName("resultsScope")
        self.scope_label.setWordWrap(True)
        header.addWidget(self.scope_label, 1)
        self.steps_box = QCheckBox(self.tr("Show each step"), self)
        self.steps_box.setObjectName("showStepsBox")
        self.steps_box.setToolTip(self.tr("Also show what each processing step made"))
        self.steps_box.toggled.connect(self._toggle_steps)
        header.addWidget(self.steps_box)
        layout.addLayout(header)

        self.view = QListView(self)
        self.view.setObjectName("resultsView")
        self.view.setModel(self.model)
        self.view.setItemDelegate(ResultDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setAccessibleName(self.tr("Results"))
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._current_changed())
        self.view.doubleClicked.connect(lambda _index: self.open_current())
        layout.addWidget(self.view, 1)

        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("resultsEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label)

        # The chosen result: rate, deliver, and the pending change, if any.
        line = QHBoxLayout()
        self.rating = StarRating(self)
        self.rating.rated.connect(self.rate_selected)
        line.addWidget(self.rating)
        self.deliver_button = QPushButton(self.tr("Mark delivered"), self)
        self.deliver_button.setObjectName("markDeliveredButton")
        self.deliver_button.setToolTip(
            self.tr("Record on Vimmerse that you handed these results on (today's date)")
        )
        self.deliver_button.clicked.connect(self.mark_delivered)
        line.addWidget(self.deliver_button)
        line.addStretch(1)
        self.open_button = QPushButton(self.tr("Open"), self)
        self.open_button.setObjectName("openResultButton")
        self.open_button.setToolTip(self.tr("Open in your picture viewer or video player"))
        self.open_button.clicked.connect(self.open_current)
        line.addWidget(self.open_button)
        layout.addLayout(line)

        self.note_frame = QFrame(self)
        self.note_frame.setObjectName("updateNote")
        note_line = QHBoxLayout(self.note_frame)
        note_line.setContentsMargins(0, 0, 0, 0)
        self.note_label = QLabel(self.note_frame)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #c62828;")
        note_line.addWidget(self.note_label, 1)
        self.retry_button = QPushButton(self.tr("Try again"), self.note_frame)
        self.retry_button.setObjectName("retryUpdateButton")
        self.retry_button.clicked.connect(self.retry_changes)
        note_line.addWidget(self.retry_button)
        self.drop_button = QPushButton(self.tr("Drop the change"), self.note_frame)
        self.drop_button.setObjectName("dropUpdateButton")
        self.drop_button.setToolTip(self.tr("Forget this change and keep what Vimmerse has"))
        self.drop_button.clicked.connect(self.drop_changes)
        note_line.addWidget(self.drop_button)
        self.note_frame.hide()
        layout.addWidget(self.note_frame)

        saving = QHBoxLayout()
        self.save_button = QPushButton(self.tr("Save…"), self)
        self.save_button.setObjectName("saveSelectedButton")
        self.save_button.setToolTip(self.tr("Save the chosen results in a folder"))
        self.save_button.clicked.connect(self.save_selected)
        saving.addWidget(self.save_button)
        self.save_all_button = QPushButton(self.tr("Save all results…"), self)
        self.save_all_button.setObjectName("saveAllButton")
        self.save_all_button.clicked.connect(self.save_all)
        saving.addWidget(self.save_all_button)
        self.show_folder_button = QPushButton(self.tr("Show in folder"), self)
        self.show_folder_button.setObjectName("showInFolderButton")
        self.show_folder_button.clicked.connect(self.show_in_folder)
        saving.addWidget(self.show_folder_button)
        saving.addStretch(1)
        layout.addLayout(saving)

        self.details_toggle = QToolButton(self)
        self.details_toggle.setObjectName("detailsToggle")
        self.details_toggle.setText(self.tr("Title, description and who can see it"))
        self.details_toggle.setCheckable(True)
        self.details_toggle.setAutoRaise(True)
        self.details_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.details_toggle.toggled.connect(self._toggle_details)
        layout.addWidget(self.details_toggle)
        self.details = DetailsForm(self)
        # The form's fields, under the names the panel has always had.
        self.title_edit = self.details.title_edit
        self.description_edit = self.details.description_edit
        self.visibility_combo = self.details.visibility_combo
        self.apply_button = self.details.apply_button
        self.apply_button.clicked.connect(self.apply_details)
        self.details.hide()
        layout.addWidget(self.details)

        bottom = QHBoxLayout()
        self.report_button = QPushButton(self.tr("Export report…"), self)
        self.report_button.setObjectName("exportReportButton")
        self.report_button.setToolTip(
            self.tr(
                "A spreadsheet (CSV) of a batch or of all of them: files, titles, status, "
                "results, delivery, rating"
            )
        )
        # Which batch: asked from a menu filled when it opens (the batches change meanwhile).
        self.report_menu = QMenu(self.report_button)
        self.report_menu.setObjectName("reportMenu")
        self.report_menu.aboutToShow.connect(self._fill_report_menu)
        self.report_button.setMenu(self.report_menu)
        bottom.addWidget(self.report_button)
        bottom.addStretch(1)
        self.delete_button = QPushButton(self.tr("Delete from Vimmerse…"), self)
        self.delete_button.setObjectName("deleteResultsButton")
        self.delete_button.clicked.connect(self.delete_selected)
        bottom.addWidget(self.delete_button)
        layout.addLayout(bottom)

    # --- engine --------------------------------------------------------------------------

    def set_engine(self, bridge: EngineBridge | None) -> None:
        """Follow this engine's items (None: the session ended)."""
        if self.bridge is not None:
            for signal, slot in self._connections():
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(slot)
        self.bridge = bridge
        self.engine = bridge.engine if bridge is not None else None
        self.saving.engine = self.engine
        self.all_items.clear()
        self.batches.clear()
        if bridge is not None:
            for signal, slot in self._connections():
                signal.connect(slot)
            bridge.load()
        self._refresh()

    def _current_client(self) -> WorkflowClient | None:
        """Called on workers: the engine's client now (a replaced key is used at once)."""
        engine = self.engine
        return engine.client if engine is not None else None

    def _connections(self) -> list[tuple[Any, Callable[..., None]]]:
        bridge = self.bridge
        assert bridge is not None
        return [
            (bridge.loaded, self._loaded),
            (bridge.item_changed, self._item_changed),
            (bridge.item_removed, self._item_removed),
            (bridge.batch_changed, self._batch_changed),
            (bridge.notice, self._notice),
        ]

    def _loaded(self, items: list[ItemSnapshot], batches: list[BatchSnapshot]) -> None:
        # The read ran on a worker while events kept coming: an event seen since is newer.
        merged = {item.id: item for item in items}
        for item_id, seen in self.all_items.items():
            read = merged.get(item_id)
            if read is None or seen.updated_at >= read.updated_at:
                merged[item_id] = seen
        self.all_items = merged
        self.batches = {batch.id: batch for batch in batches} | self.batches
        self._refresh()

    def _batch_changed(self, batch: BatchSnapshot) -> None:
        self.batches[batch.id] = batch

    def _item_changed(self, item: ItemSnapshot) -> None:
        old = self.all_items.get(item.id)
        self.all_items[item.id] = item
        self._auto_deliver(item)
        finished_now = item.state is ItemState.SUCCEEDED and (
            old is None or old.state is not ItemState.SUCCEEDED
        )
        if item.id in self.model.items:
            self.model.update_item(item)
            self._current_changed()
        elif finished_now and self._may_show(item):
            self._refresh_timer.start()  # restarted by each: one refresh after a burst

    def _item_removed(self, item_id: int) -> None:
        self.all_items.pop(item_id, None)
        self.selection = [i for i in self.selection if i != item_id]
        self._selected.discard(item_id)
        self.model.remove_item(item_id)
        self._refresh_labels()

    def _notice(self, text: str) -> None:
        """Engine notices (a change that failed, files saved, ...): for the status bar; a
        failed change also shows on its tile through the item's `update_error`."""
        self.message.emit(text)

    # --- what is shown -------------------------------------------------------------------

    def set_selection(self, item_ids: Sequence[int]) -> None:
        """Show the results of these items (the job list's selection); empty: the whole batch."""
        self.selection = list(item_ids)
        self._selected = set(self.selection)
        self._refresh()

    def _scope_batch(self) -> int | None:
        """The batch shown: the chosen jobs' one, else the latest (one pass over the items)."""
        for item_id in self.selection:
            item = self.all_items.get(item_id)
            if item is not None:
                return item.batch_id
        return max((item.batch_id for item in self.all_items.values()), default=None)

    def _may_show(self, item: ItemSnapshot) -> bool:
        """Cheap test for an event: could this item belong to the shown set?"""
        if self._selected:
            return item.id in self._selected
        shown = next(iter(self.model.items.values()), None)
        return shown is None or item.batch_id >= shown.batch_id

    def _shown_items(self) -> list[ItemSnapshot]:
        if self._selected:
            chosen = self._selected
            candidates = (self.all_items[i] for i in chosen if i in self.all_items)
        else:
            batch_id = self._scope_batch()
            candidates = (i for i in self.all_items.values() if i.batch_id == batch_id)
        return [item for item in candidates if item.state is ItemState.SUCCEEDED and item.results]

    def _refresh(self) -> None:
        self._refresh_timer.stop()
        self.model.set_items(self._shown_items())
        self._refresh_labels()
        self._current_changed()

    def _refresh_labels(self) -> None:
        count = len(self.model.items)
        if self.selection:
            scope = self.tr("Results of the {n} chosen jobs").format(n=len(self.selection))
            if len(self.selection) == 1:
                scope = self.tr("Results of the chosen job")
        else:
            scope = self.tr("All finished results of the latest batch")
        self.scope_label.setText(f"<b>{scope}</b>")
        if count:
            self.empty_label.hide()
        else:
            self.empty_label.setText(
                self.tr(
                    "Nothing finished here yet. Finished pictures and videos appear as they arrive."
                )
                if self.engine is not None
                else self.tr("Finished pictures and videos will appear here.")
            )
            self.empty_label.show()
        self._update_actions()

    def _toggle_steps(self, shown: bool) -> None:
        self.model.set_show_steps(shown)
        # Painted rows are asked again, so their workflows (the steps) become wanted.
        self.view.viewport().update()

    def _load_previews(self, tiles: list[Tile]) -> None:
        """Painted tiles lack something: their "before" photo, workflow or preview."""
        model = self.model
        for tile in tiles:
            item = model.items.get(tile.item_id)
            if item is None:
                continue
            if item.kind != "url" and item.sources:
                key = "input:" + item.sources[0]
                if key not in model.pixmaps and key not in model.failures:
                    self.loader.request_input(item.sources[0])
            if model.needs_workflow(item.id) and item.workflow_id:
                self.loader.request_workflow(item.id, item.workflow_id)
            key = poster_key(tile) if tile.media.is_video else tile.key
            if key in model.pixmaps or key in model.failures:
                continue
            if not tile.media.is_video:
                self.loader.request_image(tile.media)
                continue
            workflow = self.model.workflows.get(tile.item_id)
            poster = poster_of(workflow) if workflow is not None else None
            if poster is not None:
                self.loader.request_image(poster, key=poster_key(tile))
            elif workflow is not None:
                self.model.set_failure(poster_key(tile), self.tr("No still picture"))

    def _workflow_ready(self, item_id: int, workflow: Workflow) -> None:
        self.model.set_workflow(item_id, workflow)

    # --- the chosen tiles ----------------------------------------------------------------

    def chosen_tiles(self) -> list[Tile]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedRows())
        if not rows and self._selected:
            # Jobs picked in the job list (a click or a right-click on a row): the results
            # shown are the ones chosen; Save, Open and Mark delivered act on them without a
            # further click on a tile.
            return list(self.model.tiles)
        return [self.model.tiles[r] for r in rows if r < len(self.model.tiles)]

    def chosen_items(self) -> list[ItemSnapshot]:
        ids = list(dict.fromkeys(tile.item_id for tile in self.chosen_tiles()))
        return [self.model.items[i] for i in ids if i in self.model.items]

    def select_tile(self, row: int) -> None:
        index = self.model.index(row)
        self.view.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        # Not view.setCurrentIndex: that reads the keyboard modifiers and, with Ctrl held (or
        # left "held" by a synthetic key event), toggles the selection it was asked to make.
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.NoUpdate
        )

    def _current_changed(self) -> None:
        items = self.chosen_items()
        self._update_actions()
        blocker = QSignalBlocker(self.rating)
        ratings = {item.rating for item in items}
        only = next(iter(ratings)) if len(ratings) == 1 else None
        self.rating.set_value(int(only) if only and only.isdigit() else 0)
        del blocker
        errors = [item.update_error for item in items if item.update_error]
        self.note_frame.setVisible(bool(errors))
        if errors:
            self.note_label.setText(
                self.tr("Your change was not saved on Vimmerse: {why}").format(why=errors[0])
            )
        if len(items) == 1:
            self.details.fill(items[0])

    def _update_actions(self) -> None:
        items = self.chosen_items()
        connected = self.engine is not None
        for widget in (self.rating, self.delete_button):
            widget.setEnabled(connected and bool(items))
        self.deliver_button.setEnabled(connected and any(not _delivered(i) for i in items))
        self.open_button.setEnabled(len(self.chosen_tiles()) == 1)
        self.save_button.setEnabled(connected and bool(items))
        self.save_all_button.setEnabled(connected and bool(self.model.tiles))
        self.show_folder_button.setEnabled(bool(items) and self._folder_of(items[0]) is not None)
        self.details_toggle.setEnabled(connected and len(items) == 1)
        self.apply_button.setEnabled(connected and len(items) == 1)
        self.report_button.setEnabled(connected and bool(self.all_items))
        if self.details_toggle.isChecked() and len(items) != 1:
            self.details_toggle.setChecked(False)

    def _toggle_details(self, shown: bool) -> None:
        self.details_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.details.setVisible(shown)
        if shown:
            self._current_changed()

    # --- changes on Vimmerse -------------------------------------------------------------

    def _send(self, items: Sequence[ItemSnapshot], **change: Unpack[WorkflowChanges]) -> None:
        """Hand the change to the engine, which records it before sending and retries it;
        the item's ITEM events show it on the tile until it lands (or why it did not)."""
        engine = self.engine
        if engine is None:
            return
        for item in items:
            self.workers.io.submit(
                partial(engine.update_item, item.id, **change), on_error=self._command_failed
            )

    def _command_failed(self, error: BaseException) -> None:
        self.message.emit(user_text(error))

    def rate_selected(self, stars: int) -> None:
        self._send(self.chosen_items(), rating=str(stars))

    def mark_delivered(self) -> None:
        """Asks once for the chosen results (a PUT stamps the date on Vimmerse for good), then
        marks those not marked yet."""
        items = [item for item in self.chosen_items() if not _delivered(item)]
        if not items:
            return
        n = len(items)
        text = (
            self.tr("Mark “{title}” as delivered?").format(title=items[0].title)
            if n == 1
            else ntr(
                "ResultsPanel",
                "Mark this result as delivered?",
                "Mark these %n results as delivered?",
                n,
            )
        )
        text += "\n\n" + self.tr(
            "Vimmerse records today's date as the day you handed them on. This cannot be "
            "undone on Vimmerse."
        )
        if self.confirm(self.tr("Mark delivered"), text, self.tr("Mark delivered")):
            self._send(items, delivered=True)

    def apply_details(self) -> None:
        items = self.chosen_items()
        if len(items) != 1:
            return
        change = self.details.take_changes(items[0])
        if change:
            self._send(items, **change)

    def retry_changes(self) -> None:
        """Send the chosen items' failed changes again."""
        self._each_failed_change(lambda engine: engine.retry_update)

    def drop_changes(self) -> None:
        """Forget the chosen items' failed changes: they show what Vimmerse has again."""
        self._each_failed_change(lambda engine: engine.drop_update)

    def _each_failed_change(self, command: Callable[[Engine], Callable[[int], None]]) -> None:
        engine = self.engine
        if engine is None:
            return
        for item in self.chosen_items():
            if item.pending_update:
                self.workers.io.submit(
                    partial(command(engine), item.id), on_error=self._command_failed
                )

    def _auto_deliver(self, item: ItemSnapshot) -> None:
        """Automatic saving finished every file of this item: mark it delivered if asked to."""
        if (
            item.files
            and len(item.files) >= len(item.results)
            and self.settings.value(AUTO_MARK_DELIVERED)
        ):
            self._deliver_once([item])

    def _deliver_once(self, items: Sequence[ItemSnapshot]) -> None:
        """Mark delivered the items not marked yet (nor already asked for by this panel)."""
        fresh = [
            item for item in items if not _delivered(item) and item.id not in self._auto_delivered
        ]
        self._auto_delivered.update(item.id for item in fresh)
        self._send(fresh, delivered=True)

    def delete_selected(self) -> None:
        items = self.chosen_items()
        if not items or self.bridge is None:
            return
        n = len(items)
        text = (
            self.tr("Delete “{title}” from Vimmerse?").format(title=items[0].title)
            if n == 1
            else self.tr("Delete these {n} jobs from Vimmerse?").format(n=n)
        )
        text += "\n\n" + self.tr(
            "Their pictures and videos stored on Vimmerse are deleted too, and links you shared "
            "stop working. This cannot be undone. Files you saved on this computer stay."
        )
        if self.confirm(self.tr("Delete from Vimmerse"), text, self.tr("Delete")):
            self.bridge.delete_items([item.id for item in items])

    # --- files ---------------------------------------------------------------------------

    def _local_file(self, item: ItemSnapshot, tile: Tile) -> str | None:
        if not tile.step and tile.n <= len(item.files):
            return item.files[tile.n - 1]
        return self.loader.local.get(tile.media.url)

    def open_current(self) -> None:
        tiles = self.chosen_tiles()
        if len(tiles) != 1:
            return
        tile = tiles[0]
        item = self.model.items.get(tile.item_id)
        if item is None:
            return
        local = self._local_file(item, tile)
        if local is not None:
            self._open_file(local)
            return
        self.message.emit(self.tr("Fetching the result to open it…"))
        self.loader.request_file(tile.media, self._open_file, self._open_failed)

    def _open_file(self, path: str) -> None:
        problem = open_file(self, path, opener=self.opener, ask=self.ask_show_in_folder)
        if problem:
            self.message.emit(problem)

    def _open_failed(self, error: BaseException) -> None:
        self.message.emit(
            self.tr("The result could not be opened: {why}").format(why=user_text(error))
        )

    def _folder_of(self, item: ItemSnapshot) -> str | None:
        return str(Path(item.files[-1]).parent) if item.files else None

    def show_in_folder(self) -> None:
        items = self.chosen_items()
        folder = self._folder_of(items[0]) if items else None
        if folder is not None and self.opener(QUrl.fromLocalFile(folder)) is False:
            self.message.emit(
                self.tr("No program could show the folder. The files are in {folder}").format(
                    folder=folder
                )
            )

    def save_selected(self) -> None:
        self._save(self.chosen_tiles())

    def save_all(self) -> None:
        self._save(list(self.model.tiles))

    def _save(self, tiles: Sequence[Tile]) -> None:
        """Every result of the tiles' jobs, in their numbering, into a folder the user picks."""
        items = self.model.items
        ids = dict.fromkeys(t.item_id for t in tiles if t.item_id in items)
        self.saving.save(
            {i: len(items[i].results) for i in ids},
            choose_folder=self.choose_folder,
            ask_overwrite=self.ask_overwrite,
            local_files=self.loader.local,
        )

    def _results_saved(self, outcome: SaveOutcome) -> None:
        if self.settings.value(AUTO_MARK_DELIVERED):
            self._deliver_once([self.all_items[i] for i in outcome.saved if i in self.all_items])
        self._update_actions()

    def export_report(
        self, path: str | None = None, batch_id: int | None = None, *, every_batch: bool = False
    ) -> None:
        """Write the CSV of `batch_id` (default: the shown batch), or of every batch; asks
        where when `path` is None."""
        choose = self.choose_report_file if path is None else (lambda _start: path)
        if every_batch:
            self.saving.export_report(None, choose)
            return
        chosen = batch_id if batch_id is not None else self._scope_batch()
        if chosen is not None:
            self.saving.export_report([chosen], choose)

    def report_batches(self) -> list[tuple[int, float | None, int]]:
        """(batch id, created at, item count) of the batches a report can cover, newest first."""
        counts: dict[int, int] = {}
        for item in self.all_items.values():
            counts[item.batch_id] = counts.get(item.batch_id, 0) + 1
        return [
            (batch_id, batch.created_at if (batch := self.batches.get(batch_id)) else None, n)
            for batch_id, n in sorted(counts.items(), reverse=True)
        ]

    def _fill_report_menu(self) -> None:
        menu = self.report_menu
        menu.clear()
        shown = self._scope_batch()
        locale = QLocale()
        batches = self.report_batches()
        for batch_id, created, count in batches[:REPORT_MENU_BATCHES]:
            if created:
                when = report_date_text(locale, created)
                text = ntr(
                    "ResultsPanel",
                    "Batch {batch} — {when} — %n photo",
                    "Batch {batch} — {when} — %n photos",
                    count,
                ).format(batch=batch_id, when=when)
            else:
                text = ntr(
                    "ResultsPanel", "Batch {batch} — %n photo", "Batch {batch} — %n photos", count
                ).format(batch=batch_id)
            if batch_id == shown:
                text += " " + self.tr("(shown)")
            action = menu.addAction(text)
            action.setObjectName(f"reportBatch_{batch_id}")
            action.triggered.connect(partial(self.export_report, None, batch_id))
        menu.addSeparator()
        every = menu.addAction(
            ntr(
                "ResultsPanel",
                "All batches (%n photo)",
                "All batches (%n photos)",
                sum(n for _, _, n in batches),
            )
        )
        every.setObjectName("reportAllBatches")
        every.triggered.connect(lambda: self.export_report(every_batch=True))

    # --- teardown ------------------------------------------------------------------------

    def close_panel(self) -> None:
        """Stop timers and forget the engine (before the session shuts down)."""
        self._refresh_timer.stop()
        self.model.stop()
        self.set_engine(None)


__all__ = ["ResultRole", "ResultsPanel"]


def report_date_text(locale: QLocale, created: float) -> str:
    """When a batch was made, readable in any locale: the month by name ("6 Dec 2026 15:43"),
    where a short date format can be all numbers ("6 12 2026 15:43")."""
    moment = QDateTime.fromSecsSinceEpoch(int(created))
    date = locale.toString(moment.date(), "d MMM yyyy")
    return f"{date} {locale.toString(moment.time(), QLocale.FormatType.ShortFormat)}"
