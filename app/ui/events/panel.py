"""The Event tab: pick or create a saved event, Start/Stop watching its folder, live counters,
the latest result large (a photo booth operator glances at it) and the folder's health. The
job list below the photos shows the event's batches like any other.

Everything that touches the store, the disk or the runner's thread runs on the I/O workers; the
runner's callbacks arrive on its own threads and are turned into a queued signal here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.engine.event_files import SKIPPED
from app.engine.event_profiles import EventBook, EventProfile
from app.engine.event_runner import (
    EventRunner,
    EventStatus,
    EventSummary,
    PhotoNote,
    skip_reason,
)
from app.engine.folder_scan import FolderScan
from app.engine.keep_awake import AwakeWhileBusy
from app.engine.model import ConnectionState, ConnectionStatus, ItemSnapshot
from app.ui.events.editor import EventEditor
from app.ui.plural import ntr
from app.ui.user_text import user_text
from app.ui.workers import Workers

if TYPE_CHECKING:
    from app.engine.engine import Engine
    from app.ui.engine_bridge import EngineBridge

log = logging.getLogger(__name__)
SKIPPED_TOOLTIP = 40  # skipped files named in a tooltip (the summary's text shows fewer)

REFRESH_MS = 250  # counters are redrawn at most this often
LATEST_SIZE = 480  # the latest result is decoded to fit this box (px)
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
COUNTERS = (
    ("seen", "Seen"),
    ("sending", "Sending"),
    ("being_made", "Being made"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
)

# (parent, photos already in the folder, folder) -> True send them, False skip, None cancel
AskExisting = Callable[[QWidget, int, str], bool | None]
AskEditor = Callable[[EventEditor], bool]


def existing_question(
    parent: QWidget, count: int, folder: str
) -> tuple[QMessageBox, QPushButton, QPushButton]:
    """The question before an event's first start: (the box, its "make" and "skip" buttons)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(parent.tr("Photos already in the folder"))
    box.setText(
        ntr(
            "EventPanel",
            "The folder already holds %n photo. Make it too?",
            "The folder already holds %n photos. Make them too?",
            count,
        )
    )
    box.setInformativeText(
        parent.tr("Photos that arrive from now on are always made.\nFolder: “{folder}”").format(
            folder=folder
        )
    )
    send = box.addButton(
        parent.tr("Make it too") if count == 1 else parent.tr("Make them too"),
        QMessageBox.ButtonRole.AcceptRole,
    )
    skip = box.addButton(parent.tr("Only new photos"), QMessageBox.ButtonRole.RejectRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(skip)
    return box, send, skip


def _ask_existing(parent: QWidget, count: int, folder: str) -> bool | None:
    box, send, skip = existing_question(parent, count, folder)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is send:
        return True
    if clicked is skip:
        return False
    return None


def _exec_editor(dialog: EventEditor) -> bool:
    return bool(dialog.exec())


def _existing_count(profile: EventProfile) -> int:
    """Photos in the folder now (a worker): asked about before the event's first start."""
    folder = profile.watched_folder().resolve()
    scan = FolderScan(
        folder,
        settle=profile.settle,
        exclude=[profile.results_folder().resolve()],
        handled=lambda _p: None,
    )
    return len(scan.listing() or [])


def _load_image(path: str) -> QImage | None:
    """The latest result fitted to LATEST_SIZE (a worker; the GUI makes the pixmap)."""
    image = QImage(path)
    if image.isNull():
        return None
    return image.scaled(
        QSize(LATEST_SIZE, LATEST_SIZE),
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


class LatestImage(QWidget):
    """The latest result, as large as the space allows (aspect kept), never wider than it, with
    its caption right under the picture (not at the bottom of the space, far below it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._text = ""
        self._caption = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def setPixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.update()

    def setText(self, text: str) -> None:
        self._text = text
        self._pixmap = None
        self.update()

    def caption(self) -> str:
        return self._caption

    def setCaption(self, caption: str) -> None:
        self._caption = caption
        self.setAccessibleDescription(caption)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(400, 300)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 60)  # it shrinks with a small window rather than making it taller

    def placement(self) -> tuple[QRect, QRect]:
        """Where the picture and its caption go: the two as one block, centred."""
        line = self.fontMetrics().height() + 4 if self._caption else 0
        if self._pixmap is None or self._pixmap.isNull():
            return QRect(), QRect(0, self.height() - line, self.width(), line)
        room = QSize(self.width(), max(1, self.height() - line))
        scaled = self._pixmap.size().scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - scaled.width()) // 2
        y = (self.height() - scaled.height() - line) // 2
        image = QRect(x, y, scaled.width(), scaled.height())
        return image, QRect(0, image.bottom() + 1, self.width(), line)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        image, caption = self.placement()
        if self._pixmap is None or self._pixmap.isNull():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._text)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(image, self._pixmap)
        if self._caption:
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            text = self.fontMetrics().elidedText(
                self._caption, Qt.TextElideMode.ElideMiddle, caption.width()
            )
            painter.drawText(caption, Qt.AlignmentFlag.AlignCenter, text)


class EventPanel(QWidget):
    """Signals:
    message(str): something for the status bar.
    running_changed(bool): an event started watching or stopped.
    """

    message = Signal(str)
    running_changed = Signal(bool)
    _runner_changed = Signal()  # from the runner's threads: queued to the GUI thread
    _file_noted = Signal(object)  # a PhotoNote, from the runner's threads

    def __init__(self, workers: Workers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventPanel")
        self.workers = workers
        self.ask_existing: AskExisting = _ask_existing
        self.ask_editor: AskEditor = _exec_editor
        self._bridge: EngineBridge | None = None
        self._profiles: list[EventProfile] = []
        self._runner: EventRunner | None = None
        self._awake: AwakeWhileBusy | None = None
        self._busy = False  # starting or stopping
        self._latest_id: int | None = None
        self._connection = ConnectionState()  # the engine's: offline means nothing is sent
        self._status: EventStatus | None = None  # the last one shown
        self.last_summary: EventSummary | None = None
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh)
        self._runner_changed.connect(self._refresh_timer.start)
        self._file_noted.connect(self._note_file)
        self._skipped_notes: list[str] = []  # "name: why", newest last, for the counter's tooltip
        self._build()
        self._update_controls()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(10)
        picker_row = QHBoxLayout()
        self.picker = QComboBox(self)
        self.picker.setObjectName("eventPicker")
        self.picker.setAccessibleName(self.tr("Event"))
        self.picker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        picker_row.addWidget(self.picker, 1)
        self.new_button = QPushButton(self.tr("New…"), self)
        self.new_button.setObjectName("newEventButton")
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.setObjectName("editEventButton")
        self.duplicate_button = QPushButton(self.tr("Duplicate"), self)
        self.duplicate_button.setObjectName("duplicateEventButton")
        self.duplicate_button.setToolTip(self.tr("A copy with the same choices for the next event"))
        for button in (self.new_button, self.edit_button, self.duplicate_button):
            picker_row.addWidget(button)
        layout.addLayout(picker_row)

        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("eventFolderLabel")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.folder_label)
        self.health = QLabel(self)
        self.health.setObjectName("folderHealth")
        self.health.setWordWrap(True)
        layout.addWidget(self.health)

        self.start_button = QPushButton(self.tr("Start"), self)
        self.start_button.setObjectName("eventStartButton")
        self.start_button.setMinimumHeight(44)
        font = self.start_button.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.start_button.setFont(font)
        self.start_button.setStyleSheet(
            "#eventStartButton { background: #1d6fd1; color: white; border-radius: 6px;"
            " padding: 8px 16px; }"
            '#eventStartButton[running="true"] { background: #c62828; }'
            "#eventStartButton:disabled { background: palette(mid); color: palette(window); }"
        )
        layout.addWidget(self.start_button)

        counters = QFrame(self)
        counters.setObjectName("eventCounters")
        counters.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(counters)
        grid.setContentsMargins(8, 6, 8, 6)
        self.counters: dict[str, QLabel] = {}
        for index, (key, caption) in enumerate(COUNTERS):
            value = QLabel("0", counters)
            value.setObjectName(f"counter_{key}")
            value_font = value.font()
            value_font.setPointSizeF(value_font.pointSizeF() * 1.5)
            value_font.setBold(True)
            value.setFont(value_font)
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label = QLabel(self.tr(caption), counters)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row, column = divmod(index, 3)
            grid.addWidget(value, row * 2, column)
            grid.addWidget(label, row * 2 + 1, column)
            self.counters[key] = value
        layout.addWidget(counters)

        self.latest = LatestImage(self)
        self.latest.setObjectName("latestResult")
        self.latest.setAccessibleName(self.tr("The latest result"))
        self.latest.setText(self.tr("The latest result shows here."))
        layout.addWidget(self.latest, 1)
        # The caption is painted right under the picture (LatestImage); this label keeps the
        # text for whoever reads it, out of the layout's way.
        self.latest_caption = QLabel(self)
        self.latest_caption.setObjectName("latestCaption")
        self.latest_caption.hide()

        self.summary = QLabel(self)
        self.summary.setObjectName("eventSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()
        layout.addWidget(self.summary)
        self.retry_button = QPushButton(self.tr("Try the failed photos again"), self)
        self.retry_button.setObjectName("retryFailedButton")
        self.retry_button.hide()
        layout.addWidget(self.retry_button)

        self.picker.currentIndexChanged.connect(self._picked)
        self.new_button.clicked.connect(self.new_event)
        self.edit_button.clicked.connect(self.edit_event)
        self.duplicate_button.clicked.connect(self.duplicate_event)
        self.start_button.clicked.connect(self.toggle)
        self.retry_button.clicked.connect(self._retry_failed)

    # --- engine ----------------------------------------------------------------------------

    @property
    def engine(self) -> Engine | None:
        return self._bridge.engine if self._bridge is not None else None

    @property
    def running(self) -> bool:
        return self._runner is not None

    def current(self) -> EventProfile | None:
        index = self.picker.currentIndex()
        return self._profiles[index] if 0 <= index < len(self._profiles) else None

    def set_engine(self, bridge: EngineBridge | None) -> None:
        """Use this engine (None: it is going away: the event stops first)."""
        if bridge is self._bridge:
            return
        self._stop_watching()
        if self._bridge is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._bridge.connection_changed.disconnect(self._connection_changed)
        self._bridge = bridge
        engine = self.engine
        self._connection = engine.connection if engine is not None else ConnectionState()
        if bridge is not None:
            bridge.connection_changed.connect(self._connection_changed)
        if engine is not None:
            # Kept awake while an event runs or any batch has work; it ends with the engine.
            awake = AwakeWhileBusy(
                lambda: self._runner is not None or not engine.wait_idle(0),
                over=lambda: engine.stopped,
            )
            self._awake = awake
            awake.start()
            self._reload()
        else:
            self._profiles = []
            self.picker.clear()
        self._update_controls()

    def shutdown(self) -> None:
        """The window closes: stop watching and keeping awake (both on workers)."""
        self.set_engine(None)

    def _stop_watching(self) -> None:
        runner, self._runner = self._runner, None
        awake, self._awake = self._awake, None
        if runner is not None:
            self.workers.io.submit(runner.stop)
            self.running_changed.emit(False)
        if awake is not None:
            self.workers.io.submit(awake.stop)

    # --- saved events ----------------------------------------------------------------------

    def _reload(self, select: int | None = None) -> None:
        engine = self.engine
        if engine is None:
            return
        book = EventBook(engine.store)
        self.workers.io.submit(
            book.all, lambda profiles: self._show_profiles(profiles, select), self._failed
        )

    def _show_profiles(self, profiles: object, select: int | None) -> None:
        assert isinstance(profiles, list)
        keep = select if select is not None else (p.id if (p := self.current()) else None)
        self._profiles = profiles
        self.picker.blockSignals(True)
        self.picker.clear()
        for profile in profiles:
            self.picker.addItem(profile.name, profile.id)
        index = self.picker.findData(keep) if keep is not None else -1
        self.picker.setCurrentIndex(index if index >= 0 else len(profiles) - 1)
        self.picker.blockSignals(False)
        self._picked()

    def _picked(self, _index: int = -1) -> None:
        profile = self.current()
        if profile is None:
            self.folder_label.setText(
                self.tr("No event yet: press New… to choose a folder to watch.")
            )
        else:
            self.folder_label.setText(
                self.tr("Watches “{folder}”; results go to “{results}”.").format(
                    folder=profile.folder, results=profile.results_folder()
                )
            )
        self._update_controls()

    def new_event(self) -> None:
        self._edit(EventEditor(parent=self))

    def edit_event(self) -> None:
        profile = self.current()
        if profile is not None and not self.running:
            self._edit(EventEditor(profile, parent=self))

    def _edit(self, dialog: EventEditor) -> None:
        engine = self.engine
        try:
            if engine is None or not self.ask_editor(dialog):
                return
            profile = dialog.profile()
        finally:
            dialog.deleteLater()
        book = EventBook(engine.store)
        self.workers.io.submit(
            lambda: book.save(profile), lambda saved: self._saved(saved), self._failed
        )

    def duplicate_event(self) -> None:
        engine, profile = self.engine, self.current()
        if engine is None or profile is None or profile.id is None:
            return
        book = EventBook(engine.store)
        event_id = profile.id
        self.workers.io.submit(
            lambda: book.duplicate(event_id), lambda saved: self._saved(saved), self._failed
        )

    def _saved(self, profile: object) -> None:
        assert isinstance(profile, EventProfile)
        self.message.emit(self.tr("Event “{name}” saved.").format(name=profile.name))
        self._reload(select=profile.id)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self._update_controls()
        self.message.emit(user_text(error))
        self.health.setText(user_text(error))

    # --- start / stop ----------------------------------------------------------------------

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        profile, engine = self.current(), self.engine
        if profile is None or engine is None or self.running or self._busy:
            return
        self._busy = True
        self._update_controls()
        if profile.started_at is None:
            # The first start: what is in the folder already is the user's choice.
            self.workers.io.submit(
                lambda: _existing_count(profile),
                lambda count: self._ask_then_start(profile, count),
                self._failed,
            )
        else:
            self._launch(profile)

    def _ask_then_start(self, profile: EventProfile, count: object) -> None:
        assert isinstance(count, int)
        if count == 0:
            self._launch(profile)
            return
        answer = self.ask_existing(self, count, str(profile.watched_folder()))
        if answer is None:
            self._busy = False
            self._update_controls()
            return
        self._launch(replace(profile, existing="send" if answer else "skip"), save=True)

    def _launch(self, profile: EventProfile, *, save: bool = False) -> None:
        engine = self.engine
        if engine is None:
            self._busy = False
            return
        changed, noted = self._runner_changed, self._file_noted

        def begin() -> EventRunner:
            chosen = EventBook(engine.store).save(profile) if save else profile
            runner = EventRunner(engine, chosen, on_change=changed.emit, on_file=noted.emit)
            runner.start()
            return runner

        self.workers.io.submit(begin, self._started, self._failed)

    def _started(self, runner: object) -> None:
        assert isinstance(runner, EventRunner)
        self._busy = False
        if self.engine is None:  # the engine went away meanwhile
            self.workers.io.submit(runner.stop)
            return
        self._runner = runner
        self._latest_id = None
        self._skipped_notes = []
        self.counters["skipped"].setToolTip("")
        self.summary.hide()
        self.retry_button.hide()
        self.message.emit(self.tr("Watching “{folder}”.").format(folder=str(runner.folder)))
        self.running_changed.emit(True)
        self._update_controls()
        self._refresh()

    def stop(self) -> None:
        runner = self._runner
        if runner is None or self._busy:
            return
        self._busy = True
        self._update_controls()
        self.workers.io.submit(runner.stop, self._stopped, self._failed)

    def _stopped(self, summary: object) -> None:
        assert isinstance(summary, EventSummary)
        self._busy = False
        self._runner = None
        self._status = None
        self.running_changed.emit(False)
        self.last_summary = summary
        lines = summary.lines()
        self.summary.setText("\n".join([self.tr("Event stopped."), *lines]))
        # Every skipped file with its reason (the text lists the first few).
        shown = summary.skipped_lines(limit=SKIPPED_TOOLTIP)
        self.summary.setToolTip("\n".join([self.tr("Skipped:"), *shown]) if shown else "")
        self.summary.show()
        self.retry_button.setVisible(bool(summary.failed_item_ids))
        self.health.setText("")
        self._reload()
        self._update_controls()

    def _retry_failed(self) -> None:
        summary, bridge = self.last_summary, self._bridge
        if summary is None or bridge is None:
            return
        bridge.retry_items(summary.failed_item_ids)
        self.retry_button.hide()
        self.message.emit(self.tr("Trying the failed photos again."))

    # --- live state ------------------------------------------------------------------------

    def _refresh(self) -> None:
        runner = self._runner
        if runner is None:
            return
        self.workers.io.submit(runner.status, self._show_status)

    def _note_file(self, note: object) -> None:
        """A file did not become a workflow: its reason goes in the Skipped counter's tooltip."""
        if not isinstance(note, PhotoNote) or note.outcome not in SKIPPED:
            return
        reason = skip_reason(note.outcome, note.note)
        self._skipped_notes = [*self._skipped_notes, f"{Path(note.path).name}: {reason}"][
            -SKIPPED_TOOLTIP:
        ]
        self.counters["skipped"].setToolTip(
            "\n".join([self.tr("Skipped (latest last):"), *self._skipped_notes])
        )

    def _connection_changed(self, state: object) -> None:
        if isinstance(state, ConnectionState):
            self._connection = state
            if self._status is not None and self._runner is not None:
                self._show_status(self._status)

    def _show_status(self, status: object) -> None:
        assert isinstance(status, EventStatus)
        if self._runner is None:
            return
        self._status = status
        counts = status.counts
        locale = QLocale()
        for key, label in self.counters.items():
            label.setText(locale.toString(int(getattr(counts, key))))
        offline = self._connection.status is ConnectionStatus.OFFLINE
        if status.reachable and offline:
            # Nothing is sent meanwhile: say so, not "Watching" beside a "Sending" count.
            text = self.tr(
                "Waiting for a connection: Vimmerse can't be reached. New photos are kept and "
                "sent as soon as it is back."
            )
            self.health.setText(text)
            self.health.setStyleSheet("color: #b26a00; font-weight: bold;")
        elif status.reachable:
            text = self.tr("Watching the folder.")
            if status.arriving:
                text += " " + self.tr("{n} arriving…").format(n=locale.toString(status.arriving))
            self.health.setText(text)
            self.health.setStyleSheet("color: #2e7d32;")
        else:
            self.health.setText(status.folder_message or "")
            self.health.setStyleSheet("color: #c62828; font-weight: bold;")
        latest = status.latest
        if latest is not None and latest.id != self._latest_id:
            self._latest_id = latest.id
            self._show_latest(latest)

    def _show_latest(self, item: ItemSnapshot) -> None:
        self.latest_caption.setText(item.title)
        self.latest.setCaption(item.title)
        image_file = next((f for f in item.files if f.lower().endswith(_IMAGE_SUFFIXES)), None)
        if image_file is None:
            self.latest.setText(
                self.tr("Saved: {name}").format(name=Path(item.files[0]).name) if item.files else ""
            )
            return
        self.workers.io.submit(lambda: _load_image(image_file), self._show_image)

    def _show_image(self, image: object) -> None:
        if isinstance(image, QImage) and not image.isNull():
            self.latest.setPixmap(QPixmap.fromImage(image))

    def _update_controls(self) -> None:
        has_engine = self.engine is not None
        has_event = self.current() is not None
        running = self.running
        self.picker.setEnabled(has_engine and not running and not self._busy)
        self.new_button.setEnabled(has_engine and not running)
        self.edit_button.setEnabled(has_engine and has_event and not running)
        self.duplicate_button.setEnabled(has_engine and has_event and not running)
        self.start_button.setEnabled(has_engine and has_event and not self._busy)
        self.start_button.setText(self.tr("Stop") if running else self.tr("Start"))
        self.start_button.setProperty("running", "true" if running else "false")
        self.start_button.style().unpolish(self.start_button)
        self.start_button.style().polish(self.start_button)
