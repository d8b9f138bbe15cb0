"""JobListPanel: the job list with its filters, search, toolbar, banner and summary.

    [ connection banner: can't reach Vimmerse / asked to slow down, time until next try  ]
    [ banner: out of credit / key refused ........................ [Enter key…] [Resume] ]
    [ All | Running | Done | Needs attention | Failed | Delivered ]  [search .............. ]
    [ jobList (QListView + JobDelegate over JobFilterProxy over JobListModel)              ]
    [ 12 done · 3 being made · 40 waiting — about 4 min left   [Pause sending] [Retry all…] ]

The panel holds no job logic: it feeds the model from an EngineBridge, builds the context menu
from the selection's states (`menu.build_menu`) and sends the chosen command back through the
bridge, which runs it off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QLocale,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from app.engine.model import (
    BatchSnapshot,
    ConnectionState,
    ConnectionStatus,
    ItemSnapshot,
    ItemState,
)
from app.ui.engine_bridge import EngineBridge
from app.ui.jobs.banner import HoldKind, JobBanner
from app.ui.jobs.connection import ConnectionBanner
from app.ui.jobs.delegate import JobDelegate
from app.ui.jobs.filters import JobFilter, JobFilterProxy
from app.ui.jobs.menu import JobAction, build_menu, items_for
from app.ui.jobs.model import JobListModel, JobRole
from app.ui.jobs.summary import PaceTracker, SummaryBar, summarize
from app.ui.jobs.thumbnails import JobThumbnails
from app.ui.opening import AskFolder, Opener, ask_show_in_folder, open_file, show_in_folder
from app.ui.plural import ntr

# Elapsed times on screen move once a second; only visible rows repaint.
CLOCK_MS = 1000
# How often to ask which batches another vimbatch window works on (a cheap, in-memory read).
BUSY_MS = 2000
NOTICE_MS = 15_000  # how long a notice stays next to the summary

Confirm = Callable[[str, str], bool]


def _ask(parent: QWidget) -> Confirm:
    def confirm(title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    return confirm


class JobView(QListView):
    """The job list's view; while it has no row it says what will appear there."""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.viewport().rect().adjusted(20, 20, -20, -20),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.tr(
                    "Every photo you send gets a row here, with its progress. "
                    "Finished ones show their results on the right."
                ),
            )
            painter.end()


class JobListPanel(QWidget):
    """The job list and its controls.

    Signals:
        selection_changed_items(list): ids (int) of the selected items, in row order.
        key_requested(): the banner's "Enter key…" was pressed; the window shows its key dialog.
        message(str): a plain-words notice for the window's status bar (a command failed, ...).
    """

    selection_changed_items = Signal(list)
    key_requested = Signal()
    message = Signal(str)

    def __init__(
        self,
        bridge: EngineBridge | None = None,
        thumbnails: JobThumbnails | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("jobListPanel")
        self.bridge: EngineBridge | None = None
        self.batches: dict[int, BatchSnapshot] = {}
        # Asks the user a yes/no question; replaceable so tests need no modal dialog.
        self.confirm: Confirm = _ask(self)
        # Open a file or folder (False: nothing could), and the "no viewer" question.
        self.opener: Opener = QDesktopServices.openUrl
        self.ask_show_in_folder: AskFolder = ask_show_in_folder
        # What the summary says while there is no job at all (the window makes it fit).
        self.empty_hint = self.tr("No jobs yet. Add photos, then press Create.")
        # Items waiting for or in an upload (from the last summary): what "Pause sending" holds.
        self._sendable = 0
        # Learns how long Vimmerse takes per photo, for the time-left estimate.
        self._pace = PaceTracker()

        self.model = JobListModel(self)
        self.proxy = JobFilterProxy(self.model, self)
        if thumbnails is not None:
            self.model.set_thumbnails(thumbnails)

        self.connection_banner = ConnectionBanner(self)
        self.banner = JobBanner(self)
        self.banner.key_requested.connect(self.key_requested)
        self.banner.resume_requested.connect(self._resume_from_banner)

        self.tabs = QTabBar(self)
        self.tabs.setObjectName("jobFilters")
        self.tabs.setAccessibleName(self.tr("Show"))
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        # In a narrow window (800 px) the tabs scroll rather than widen the window; at the
        # usual width they all show.
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)
        for job_filter in JobFilter:
            index = self.tabs.addTab(job_filter.label)
            self.tabs.setTabData(index, job_filter.value)
            self.tabs.setTabToolTip(index, job_filter.tooltip)
        self.tabs.currentChanged.connect(self._filter_chosen)

        self.search = QLineEdit(self)
        self.search.setObjectName("jobSearch")
        self.search.setPlaceholderText(self.tr("Search by name"))
        self.search.setAccessibleName(self.tr("Search jobs"))
        self.search.setToolTip(self.tr("Show only jobs whose name, file or Vimmerse id match"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("M") * 10)
        self.search.textChanged.connect(self.proxy.set_search)

        self.pause_button = QPushButton(self)
        self.pause_button.setObjectName("jobPause")
        self.pause_button.clicked.connect(self._toggle_pause)
        self.retry_button = QPushButton(self.tr("Retry all failed"), self)
        self.retry_button.setObjectName("jobRetryFailed")
        self.retry_button.setToolTip(self.tr("Send every failed photo again"))
        self.retry_button.clicked.connect(self.retry_all_failed)

        self.view = JobView(self)
        self.view.setObjectName("jobList")
        self.view.setAccessibleName(self.tr("Jobs"))
        self.view.setAccessibleDescription(
            self.tr("One row per photo: its status, progress and time")
        )
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(JobDelegate(self.view))
        # Every row has the same height: layout stays instant with thousands of rows, and only
        # visible rows are asked for their thumbnail.
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_menu)
        self.view.activated.connect(self._activated)
        selection = self.view.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        self.view.installEventFilter(self)

        self.summary = SummaryBar(self)

        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.addWidget(self.tabs)
        toolbar.addWidget(self.search, 1)
        # The batch-wide commands sit with the summary they act on, leaving the top row to
        # "what do I see" (filters, search).
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 4, 2)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.pause_button)
        bottom.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.connection_banner)
        layout.addWidget(self.banner)
        layout.addLayout(toolbar)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self.setTabOrder(self.tabs, self.search)
        self.setTabOrder(self.search, self.pause_button)
        self.setTabOrder(self.pause_button, self.retry_button)
        self.setTabOrder(self.retry_button, self.view)

        # Which batches another vimbatch window works on: asked now and then (no event says).
        self._busy_timer = QTimer(self)
        self._busy_timer.setInterval(BUSY_MS)
        self._busy_timer.timeout.connect(self._check_busy)

        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(lambda: self.summary.set_notice(""))

        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self.view.viewport().update)
        self.model.flushed.connect(self._refresh_summary)
        self._refresh_summary()
        self._update_pause_button()
        if bridge is not None:
            self.set_engine(bridge)

    # --- engine ------------------------------------------------------------------------

    def set_engine(self, bridge: EngineBridge | None) -> None:
        """Show this bridge's engine (all its batches); None detaches."""
        if self.bridge is not None:
            old = self.bridge
            old.item_changed.disconnect(self.model.upsert)
            old.item_removed.disconnect(self.model.remove)
            old.batch_changed.disconnect(self._batch_changed)
            old.loaded.disconnect(self._loaded)
            old.command_failed.disconnect(self._command_failed)
            old.notice.disconnect(self._notice)
            old.connection_changed.disconnect(self.set_connection)
        self.bridge = bridge
        self.batches.clear()
        self.model.reset_items([])
        self.set_connection(ConnectionState())
        self._update_banner()
        if bridge is not None:
            bridge.item_changed.connect(self.model.upsert)
            bridge.item_removed.connect(self.model.remove)
            bridge.batch_changed.connect(self._batch_changed)
            bridge.loaded.connect(self._loaded)
            bridge.command_failed.connect(self._command_failed)
            bridge.notice.connect(self._notice)
            bridge.connection_changed.connect(self.set_connection)
            bridge.load()
            self._check_busy()
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.model.set_busy_batches(())
        self._update_pause_button()

    def set_thumbnails(self, thumbnails: JobThumbnails | None) -> None:
        self.model.set_thumbnails(thumbnails)

    def _loaded(self, items: list[ItemSnapshot], batches: list[BatchSnapshot]) -> None:
        # Events that arrived while loading are newer than the load: re-apply them on top.
        newer = self.model.known_items()
        self.model.reset_items(items)
        self.model.upsert_many(newer)
        for batch in batches:
            self.batches[batch.id] = batch
        self._batches_changed()

    def _batch_changed(self, batch: BatchSnapshot) -> None:
        self.batches[batch.id] = batch
        self._batches_changed()
        self._check_busy()

    def _check_busy(self) -> None:
        bridge = self.bridge
        if bridge is not None:
            bridge.busy_batches(self._busy_known)

    def _busy_known(self, batch_ids: set[int]) -> None:
        if self.bridge is not None:
            self.model.set_busy_batches(batch_ids)

    def _batches_changed(self) -> None:
        self.model.set_paused_batches({b.id for b in self.batches.values() if b.paused_kind})
        self.model.set_batch_events(
            {b.id: b.settings.event_name for b in self.batches.values() if b.settings.event_name}
        )
        self._update_banner()
        self._update_pause_button()
        self._refresh_summary()

    def _command_failed(self, command: str, reason: str) -> None:
        self._notice(reason)

    def _notice(self, text: str) -> None:
        self.message.emit(text)
        self.summary.set_notice(text)
        # A notice tells of one moment ("Saved 8 files to …"): it goes, or it would still be
        # there long after, describing something over.
        self._notice_timer.start()

    # --- connection, banner and pause --------------------------------------------------

    def set_connection(self, state: ConnectionState) -> None:
        """Show the engine's connection state: the banner, and rows waiting to be sent say
        "Waiting for a connection" while Vimmerse cannot be reached."""
        self.connection_banner.set_state(state)
        self.model.set_offline(state.status is ConnectionStatus.OFFLINE)
        self._refresh_summary()

    def held(self) -> tuple[HoldKind, str | None] | None:
        """Why sending is held for the user (key refused wins over credit), or None."""
        found: tuple[HoldKind, str | None] | None = None
        for batch in self.batches.values():
            if batch.paused_kind == HoldKind.KEY.value:
                return HoldKind.KEY, batch.paused_reason
            if batch.paused_kind == HoldKind.CREDIT.value and found is None:
                found = HoldKind.CREDIT, batch.paused_reason
        return found

    def _update_banner(self) -> None:
        hold = self.held()
        if hold is None:
            self.banner.clear()
        else:
            self.banner.show_hold(*hold)

    def is_paused(self) -> bool:
        """Sending is held for some batch (by the user, for credit or for the key)."""
        return any(b.paused_kind for b in self.batches.values())

    def _update_pause_button(self, *_: object) -> None:
        paused = self.is_paused()
        # Pausing with nothing waiting to be sent would do nothing the user could see.
        self.pause_button.setEnabled(self.bridge is not None and (paused or self._sendable > 0))
        if paused:
            self.pause_button.setText(self.tr("Resume sending"))
            self.pause_button.setToolTip(self.tr("Carry on sending the queued photos"))
        else:
            self.pause_button.setText(self.tr("Pause sending"))
            self.pause_button.setToolTip(
                self.tr("Stop sending new photos; the ones already sent are still followed")
            )
        self.summary.paused = paused

    def _toggle_pause(self) -> None:
        if self.bridge is None:
            return
        if self.is_paused():
            self.resume()
        else:
            self.bridge.pause()

    def resume(self) -> None:
        """Carry on sending: clears the holds shown here; the engine re-holds if still needed."""
        if self.bridge is None:
            return
        for batch_id, batch in list(self.batches.items()):
            if batch.paused_kind:
                self.batches[batch_id] = BatchSnapshot(
                    id=batch.id,
                    created_at=batch.created_at,
                    settings=batch.settings,
                    paused_reason=None,
                    counts=batch.counts,
                    paused_kind=None,
                )
        self.bridge.resume()
        self._batches_changed()

    def _resume_from_banner(self) -> None:
        self.resume()

    def retry_all_failed(self) -> None:
        if self.bridge is not None:
            self.bridge.retry_all_failed()

    # --- filters and summary -----------------------------------------------------------

    def set_filter(self, job_filter: JobFilter) -> None:
        for index in range(self.tabs.count()):
            if self.tabs.tabData(index) == job_filter.value:
                self.tabs.setCurrentIndex(index)

    def _filter_chosen(self, index: int) -> None:
        self.proxy.set_filter(JobFilter(self.tabs.tabData(index)))

    def set_empty_hint(self, text: str) -> None:
        """What the summary says while the list is empty (e.g. how to send the photos loaded)."""
        if text != self.empty_hint:
            self.empty_hint = text
            if self.model.rowCount() == 0:
                self._refresh_summary()

    def _refresh_summary(self) -> None:
        pace = None
        # The engine's measured upload rate: in memory, no I/O on this thread. (Tests may
        # connect a stand-in bridge without an engine.)
        engine = getattr(self.bridge, "engine", None)
        if engine is not None and self.model.rowCount():
            pace = engine.upload_pace()
        summary = summarize(self.model.shown_items(), pace, self._pace)
        hint = self.empty_hint if self.bridge is not None else self.tr("Connecting…")
        note = ""
        busy = self.model.busy_batches
        if busy:
            count = sum(1 for item in self.model.items() if item.batch_id in busy)
            if count:
                note = ntr(
                    "JobListPanel",
                    "%n job is being handled by another vimbatch window",
                    "%n jobs are being handled by another vimbatch window",
                    count,
                )
        self.summary.set_summary(summary, self.is_paused(), hint, note, self.model.offline)
        # One pass (in summarize) serves every tab: this runs on each refresh tick.
        per_filter = {
            JobFilter.ALL: summary.total,
            JobFilter.RUNNING: summary.remaining,
            JobFilter.DONE: summary.count(ItemState.SUCCEEDED),
            JobFilter.NEEDS_ATTENTION: summary.count(ItemState.NEEDS_ATTENTION),
            JobFilter.FAILED: summary.count(ItemState.FAILED),
            JobFilter.DELIVERED: summary.delivered,
        }
        for index in range(self.tabs.count()):
            job_filter = JobFilter(self.tabs.tabData(index))
            count = per_filter[job_filter]
            text = (
                self.tr("{filter} ({n})").format(
                    filter=job_filter.label, n=QLocale().toString(count)
                )
                if count
                else job_filter.label
            )
            if self.tabs.tabText(index) != text:  # a new text re-lays the tab bar out
                self.tabs.setTabText(index, text)
        self.retry_button.setEnabled(
            self.bridge is not None and summary.count(ItemState.FAILED) > 0
        )
        sendable = summary.count(ItemState.QUEUED, ItemState.UPLOADING)
        if sendable != self._sendable:
            self._sendable = sendable
            self._update_pause_button()
        if summary.remaining and self.isVisible():
            if not self._clock.isActive():
                self._clock.start()
        else:
            self._clock.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_summary()

    def hideEvent(self, event: QHideEvent) -> None:
        self._clock.stop()
        super().hideEvent(event)

    # --- selection, menu, actions ------------------------------------------------------

    def selected_items(self) -> list[ItemSnapshot]:
        rows = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        items = [index.data(JobRole.ITEM) for index in rows]
        return [item for item in items if isinstance(item, ItemSnapshot)]

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.selection_changed_items.emit([item.id for item in self.selected_items()])

    def context_menu(self) -> QMenu:
        """The menu for the current selection; its actions already run their commands."""
        items = self.selected_items()
        menu = build_menu(items, self, self.model.busy_batches)
        for qaction in menu.actions():
            value = qaction.data()
            if value:
                action = JobAction(value)
                qaction.triggered.connect(lambda _=False, a=action, s=items: self.run_action(a, s))
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid() and not self.view.selectionModel().isSelected(index):
            self.view.setCurrentIndex(index)
        menu = self.context_menu()
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _activated(self, index: QModelIndex) -> None:
        item = index.data(JobRole.ITEM)
        if isinstance(item, ItemSnapshot) and item.state is ItemState.SUCCEEDED:
            self.run_action(JobAction.OPEN_RESULT, [item])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The view itself copies the row's text on Ctrl+C; the workflow id is what users need
        # (for support), so the panel takes the key first. Delete asks before deleting.
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            for sequence, action in (
                (QKeySequence.StandardKey.Copy, JobAction.COPY_WORKFLOW_ID),
                (QKeySequence.StandardKey.Delete, JobAction.DELETE_FROM_SERVER),
            ):
                if event.matches(sequence):
                    self.run_action(action, self.selected_items())
                    return True
        return super().eventFilter(watched, event)

    def run_action(self, action: JobAction, items: Sequence[ItemSnapshot]) -> None:
        """Do `action` on those of `items` it applies to."""
        targets = items_for(action, items, self.model.busy_batches)
        if not targets:
            return
        ids = [item.id for item in targets]
        bridge = self.bridge
        if action is JobAction.OPEN_RESULT:
            item = targets[0]
            if item.files:
                problem = open_file(
                    self, item.files[0], opener=self.opener, ask=self.ask_show_in_folder
                )
            elif self.opener(QUrl(item.results[0].url)) is False:
                problem = self.tr("No web browser could open the result: {url}").format(
                    url=item.results[0].url
                )
            else:
                problem = None
            if problem:
                self._notice(problem)
        elif action is JobAction.SHOW_IN_FOLDER:
            problem = show_in_folder(targets[0].files[0], opener=self.opener)
            if problem:
                self._notice(problem)
        elif action is JobAction.COPY_WORKFLOW_ID:
            QGuiApplication.clipboard().setText(
                "\n".join(item.workflow_id for item in targets if item.workflow_id)
            )
        elif bridge is None:
            return
        elif action is JobAction.RETRY:
            bridge.retry_items(ids)
        elif action is JobAction.CANCEL:
            bridge.cancel_items(ids)
        elif action is JobAction.REMOVE_FROM_LIST:
            bridge.remove_items(ids)
        elif action is JobAction.RESUBMIT:
            if self.confirm(
                self.tr("Send again?"),
                ntr(
                    "JobListPanel",
                    "Vimmerse may already have made this photo, and sending it again may use "
                    "credit twice. Send again?",
                    "Vimmerse may already have made these %n photos, and sending them again "
                    "may use credit twice. Send again?",
                    len(ids),
                ),
            ):
                bridge.resubmit_items(ids)
        elif action is JobAction.DELETE_FROM_SERVER and self.confirm(
            self.tr("Delete from Vimmerse?"),
            ntr(
                "JobListPanel",
                "Delete this result and its finished files from Vimmerse? Files already saved "
                "on this computer are kept. This cannot be undone.",
                "Delete these %n results and their finished files from Vimmerse? Files already "
                "saved on this computer are kept. This cannot be undone.",
                len(ids),
            ),
        ):
            bridge.delete_items(ids)
