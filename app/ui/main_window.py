"""The main window: photos on the left (grid above, job list below), batch settings on the right.

    [ demo banner (demo mode only) ......................................................... ]
    [ Photos  12 photos · 34 MB      [Add photos…] [Add folder…] | [ New batch | Results ]   ]
    [ info bar (duplicates, things that could not be added)       |  template, options,       ]
    [ imageGrid / empty state                                     |  visibility, titles,      ]
    [---------------------------- splitter ---------------------- |  advanced                 ]
    [ jobList panel (banner, filters, rows, summary)              |  [ Create 12 workflows ]  ]

The window holds no batch logic: photos come from `PhotoGridModel`, settings from
`SettingsPanel`, and "Create" hands both to the `Session`'s engine on a worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QScrollBar,
    QSizePolicy,
    QSplitter,
    QStyleOptionViewItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.engine.model import Grouping, ItemState
from app.images.formats import PHOTO_EXTENSIONS
from app.images.thumbnails import ThumbnailCache
from app.ui import theme
from app.ui.account import AccountActions
from app.ui.create_flow import BatchRequest, CreateFlow
from app.ui.demo import DemoBanner, sample_photos
from app.ui.dialogs.error_reports_question import ErrorReportsQuestion
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.engine_bridge import EngineBridge
from app.ui.events.panel import EventPanel
from app.ui.image_grid import PhotoArea, PhotoGridModel, device_pixel_ratio, human_size
from app.ui.jobs.panel import JobListPanel
from app.ui.jobs.thumbnails import JobThumbnails
from app.ui.notify import BatchNotifier, window_title
from app.ui.plural import ntr
from app.ui.results.panel import ResultsPanel
from app.ui.sending_estimate import estimate_sending
from app.ui.settings import (
    ERROR_REPORTS,
    ERROR_REPORTS_ASKED,
    THUMBNAIL_CACHE_MB,
    UPLOAD_CONCURRENCY,
    UPLOAD_LIMIT_MBPS,
    AppSettings,
)
from app.ui.settings_panel import SettingsPanel
from app.ui.workers import Workers

if TYPE_CHECKING:
    from app.ui.dialogs.key_dialog import KeyDialog
    from app.ui.session import Session

DEFAULT_SIZE = QSize(1280, 800)
# Room kept for the window manager's frame (title bar, borders): the first size is set before
# the window has a frame to measure.
FRAME_ALLOWANCE = QSize(16, 48)


def first_size(available: QSize) -> QSize:
    """The size of a window opened for the first time: DEFAULT_SIZE, but never more than the
    screen's free area (a 1280×800 screen put the status bar below its edge)."""
    return DEFAULT_SIZE.boundedTo(available - FRAME_ALLOWANCE)


STATUS_MS = 12_000  # how long a status-bar message stays
MIN_JOB_ROWS = 3  # job rows always visible, even in the smallest window
SUMMARY_MS = 150
SMALLER_COPIES_KEY = "sending/smaller_copies"  # + "/<template id>": the last choice for it

AskDialog = Callable[[QWidget], bool]


def _exec_dialog(dialog: QWidget) -> bool:
    return bool(dialog.exec())  # type: ignore[attr-defined]


def _ask_quit(parent: QWidget, count: int) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    # A short title: a message box is narrow, and a long one was cut off in its title bar
    # ("Photos are still b… made"); the question itself says the rest.
    box.setWindowTitle(parent.tr("Quit vimbatch?"))
    box.setText(
        parent.tr("{n} photos are not finished yet. Stop now?").format(n=QLocale().toString(count))
        if count != 1
        else parent.tr("1 photo is not finished yet. Stop now?")
    )
    box.setInformativeText(
        parent.tr(
            "Nothing is lost: vimbatch picks up where it left off the next time you open it. "
            "Photos already sent keep being made by Vimmerse meanwhile."
        )
    )
    stop = box.addButton(parent.tr("Stop and quit"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(parent.tr("Keep working"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is stop


def _ask_unsent(parent: QWidget, count: int) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(parent.tr("Quit vimbatch?"))
    box.setText(
        ntr(
            "MainWindow",
            "You added %n photo but have not sent it yet. Quit anyway?",
            "You added %n photos but have not sent them yet. Quit anyway?",
            count,
        )
    )
    box.setInformativeText(
        parent.tr("They are not remembered: next time you would have to add them again.")
    )
    quit_button = box.addButton(parent.tr("Quit anyway"), QMessageBox.ButtonRole.AcceptRole)
    stay = box.addButton(parent.tr("Keep them"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay)
    box.exec()
    return box.clickedButton() is quit_button


class InfoBar(QFrame):
    """A quiet, dismissible line above the grid for summary notices (never a dialog per file)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("infoBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel(self)
        self.label.setObjectName("infoBarText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QToolButton(self)
        close.setText("×")
        close.setAutoRaise(True)
        close.setAccessibleName(self.tr("Dismiss"))
        close.setToolTip(self.tr("Dismiss"))
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str, details: Sequence[str] = ()) -> None:
        self.label.setText(text)
        self.label.setToolTip("\n".join(details[:30]))
        self.show()


class FormScrollArea(QScrollArea):
    """A vertical-only scroll area that is never narrower than its form plus the scroll bar,
    so that no field hides behind the bar in a small window (sideways scrolling is off)."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        bar = self.verticalScrollBar().sizeHint().width()
        frame = 2 * self.frameWidth()
        return QSize(
            max(hint.width(), widget.minimumSizeHint().width() + bar + frame), hint.height()
        )


class MainWindow(QMainWindow):
    """Signals:
    key_changed(str): the user entered a new, checked key (already stored).
    key_removed(): the user removed the stored key.
    settings_requested(): Settings… was chosen (the window opens its settings dialog).
    batch_created(int): a batch was created (its id).

    The app's settings (`app.ui.settings.AppSettings`, data_dir/settings.ini) are applied here:
    sending and error reports to the running engine, saving and privacy choices to each new
    batch, the preview space to the thumbnail cache. The server address is read at start-up.
    """

    key_changed = Signal(str)
    key_removed = Signal()
    settings_requested = Signal()
    batch_created = Signal(int)

    def __init__(
        self,
        workers: Workers,
        *,
        data_dir: Path,
        base_url: str,
        demo: bool = False,
        settings: AppSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.workers = workers
        self.data_dir = data_dir
        self.base_url = base_url
        self.demo = demo
        self.session: Session | None = None
        self.urls: list[str] = []
        # Replaceable so tests can read the real dialogs and answer them without a modal loop.
        self.confirm: AskDialog = _exec_dialog
        self._ask_quit: Callable[[QWidget, int], bool] = _ask_quit
        self.ask_unsent: Callable[[QWidget, int], bool] = _ask_unsent
        # Set by a second quit signal (SIGINT/SIGTERM, app.ui.quit_signals): close without
        # asking; the state is still saved and unfinished photos are picked up next time.
        self.quit_without_asking = False
        # Set while a first quit signal closes the window: nothing is asked about photos that
        # are already on Vimmerse (issue 12: "no dialog when nothing is at risk").
        self.closing_by_signal = False
        self.settings_store = QSettings(
            str(data_dir / "window.ini"), QSettings.Format.IniFormat, self
        )
        self.settings = settings if settings is not None else AppSettings.open(data_dir, self)

        thumbs = ThumbnailCache(data_dir / "cache" / "thumbnails", self.settings.cache_bytes())
        self.photos = PhotoGridModel(
            workers.cpu,
            thumbs,
            self,
            device_pixel_ratio=device_pixel_ratio(),
            processes=workers.processes,
            waiting=workers.waiting,
        )
        self.thumbnail_cache = thumbs
        self.results_panel = ResultsPanel(workers, self.settings, thumbs, data_dir / "cache")
        self._build_ui()
        self._build_actions()
        self.create_flow = CreateFlow(self)
        self.create_flow.created.connect(self._batch_sent)
        self.create_flow.smaller_copies_chosen.connect(self._remember_smaller_copies)
        self.create_flow.failed.connect(self._batch_failed)
        self.create_flow.declined.connect(self._batch_declined)
        self.batch_created.connect(self._follow_latest_batch)
        self.account = AccountActions(
            self, workers, self._base_url, self.remove_key_action, in_demo=lambda: self.demo
        )
        self.account.key_changed.connect(self.key_changed)
        self.account.key_removed.connect(self.key_removed)
        self.account.status.connect(self.show_status)
        self.account.notice.connect(self._lasting_notice)
        self.notifier = BatchNotifier(self, show_in_window=self.show_status)
        # While thousands of photos stream in, counts, labels and the progress bar are redrawn
        # at most this often: each new text re-lays the window out (bench/gui_responsiveness).
        self._summary_timer = QTimer(self, singleShot=True, interval=SUMMARY_MS)
        self._summary_timer.timeout.connect(self._update_summary)
        self._progress_timer = QTimer(self, singleShot=True, interval=SUMMARY_MS)
        self._progress_timer.timeout.connect(self._show_intake_progress)
        self._progress_values = (0, 0)
        self._resume_notice: str | None = None
        self._connect()
        self.setAcceptDrops(True)
        self._restore()
        self.set_demo(demo)
        self._update_summary()

    # --- layout --------------------------------------------------------------------------

    def _build_ui(self) -> None:
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.demo_banner = DemoBanner(central)
        self.demo_banner.setVisible(self.demo)
        outer.addWidget(self.demo_banner)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.setChildrenCollapsible(False)
        outer.addWidget(self.main_splitter, 1)

        # Left: photos above, jobs below.
        self.left_splitter = QSplitter(Qt.Orientation.Vertical, self.main_splitter)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.setChildrenCollapsible(False)
        photos_pane = QWidget(self.left_splitter)
        photos_layout = QVBoxLayout(photos_pane)
        photos_layout.setContentsMargins(10, 8, 6, 4)
        photos_layout.setSpacing(6)
        self.photos_pane = photos_pane
        header = QHBoxLayout()
        title = QLabel(self.tr("Photos"), photos_pane)
        self.photos_title = title
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        header.addWidget(title)
        self.count_label = QLabel(photos_pane)
        self.count_label.setObjectName("photoCount")
        # Long with problems and web photos: it wraps rather than widen the window past 800 px.
        self.count_label.setWordWrap(True)
        self.count_label.setSizePolicy(
            QSizePolicy.Policy.MinimumExpanding, QSizePolicy.Policy.Preferred
        )
        header.addWidget(self.count_label, 1)
        self.progress = QProgressBar(photos_pane)
        self.progress.setObjectName("intakeProgress")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(self.tr("Checking photos"))
        self.progress.hide()
        header.addWidget(self.progress)
        self.add_photos_button = QPushButton(self.tr("Add photos…"), photos_pane)
        self.add_photos_button.setObjectName("addPhotosButton")
        self.add_photos_button.setToolTip(self.tr("Choose photos to add (Ctrl+O)"))
        header.addWidget(self.add_photos_button)
        self.add_folder_button = QPushButton(self.tr("Add folder…"), photos_pane)
        self.add_folder_button.setObjectName("addFolderButton")
        self.add_folder_button.setToolTip(
            self.tr("Add every photo in a folder and its sub-folders (Ctrl+Shift+O)")
        )
        header.addWidget(self.add_folder_button)
        photos_layout.addLayout(header)
        self.info_bar = InfoBar(photos_pane)
        photos_layout.addWidget(self.info_bar)
        self.photo_area = PhotoArea(self.photos, photos_pane)
        self.grid = self.photo_area.grid
        photos_layout.addWidget(self.photo_area, 1)
        self.left_splitter.addWidget(photos_pane)

        self.jobs_pane = QWidget(self.left_splitter)
        jobs_layout = QVBoxLayout(self.jobs_pane)
        jobs_layout.setContentsMargins(10, 4, 6, 6)
        self.job_list = self._make_job_list()
        jobs_layout.addWidget(self.job_list)
        self.left_splitter.addWidget(self.jobs_pane)
        self.left_splitter.setStretchFactor(0, 3)
        self.left_splitter.setStretchFactor(1, 2)

        # Right: the batch settings and the one primary button; results in a second tab.
        self.right_tabs = QTabWidget(self.main_splitter)
        self.right_tabs.setObjectName("rightTabs")
        self.right_tabs.setDocumentMode(True)
        self.right_tabs.setMinimumWidth(360)
        batch_page = QWidget()
        batch_layout = QVBoxLayout(batch_page)
        batch_layout.setContentsMargins(10, 10, 10, 10)
        scroll = FormScrollArea(batch_page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.settings_panel = SettingsPanel(parent=scroll)
        scroll.setWidget(self.settings_panel)
        # No keyboard stop of its own: the fields inside are the stops (a focused scroll area
        # draws no focus, so Tab seemed to vanish there).
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.settings_scroll = scroll
        batch_layout.addWidget(scroll, 1)
        self.create_button = QPushButton(batch_page)
        self.create_button.setObjectName("createButton")
        self.create_button.setDefault(True)
        self.create_button.setMinimumHeight(44)
        font = self.create_button.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.create_button.setFont(font)
        self.create_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        batch_layout.addWidget(self.create_button)
        self.create_hint = QLabel(batch_page)
        self.create_hint.setObjectName("createHint")
        self.create_hint.setWordWrap(True)
        self.create_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        batch_layout.addWidget(self.create_hint)
        self.batch_page = batch_page
        self.right_tabs.addTab(batch_page, self.tr("New batch"))
        # Event mode (a watched folder) beside New batch; its batches join the job list below.
        self.event_panel = EventPanel(self.workers)
        self.event_page = self.event_panel
        self.right_tabs.addTab(self.event_page, self.tr("Event"))
        self.right_tabs.addTab(self.results_panel, self.tr("Results"))

        self.main_splitter.addWidget(self.left_splitter)
        self.main_splitter.addWidget(self.right_tabs)
        self.main_splitter.setStretchFactor(0, 1)
        self.main_splitter.setStretchFactor(1, 0)
        self.main_splitter.setSizes([860, 420])
        self.left_splitter.setSizes([460, 300])
        self.setCentralWidget(central)

        self.status_text = QLabel(self)
        self.statusBar().addWidget(self.status_text, 1)
        self.status_timer = QTimer(self, singleShot=True, interval=STATUS_MS)
        self.status_timer.timeout.connect(self.status_text.clear)
        self.right_tabs.tabBarClicked.connect(lambda _index: self.show_status(""))

        self._apply_theme()
        for view in (self.grid, self.job_list.view, self.results_panel.view):
            self._focus_only_with_rows(view)

    # --- keyboard order and colours --------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Every keyboard stop in screen order: top band, the photo column from top to bottom,
        then the right side's tabs and the page shown (hidden ones are skipped by Qt)."""
        area = self.photo_area
        chain: list[QWidget] = [self.demo_banner.key_button]
        chain += [self.add_photos_button, self.add_folder_button]
        chain += self.info_bar.findChildren(QToolButton)
        chain += area.empty.findChildren(QPushButton)
        chain.append(self.grid)
        chain += area.strip.findChildren(QPushButton)
        jobs = self.job_list
        chain += [jobs.banner.key_button, jobs.banner.resume_button]
        chain += [jobs.tabs, jobs.search, jobs.view, jobs.pause_button, jobs.retry_button]
        chain.append(self.right_tabs.tabBar())
        # Each page of the right side in tab order (only the one shown has visible stops).
        for index in range(self.right_tabs.count()):
            page = self.right_tabs.widget(index)
            if page is None:
                continue
            if page is self.batch_page:
                chain += self.settings_panel.focus_chain()
                chain.append(self.create_button)
            else:
                chain += [
                    w
                    for w in page.findChildren(QWidget)
                    if w.focusPolicy() & Qt.FocusPolicy.TabFocus and not isinstance(w, QScrollBar)
                ]
        return chain

    def tab_stops(self) -> list[QWidget]:
        """The stops Tab visits now, in screen order: `focus_chain` (then any other keyboard
        stop of the window, so that focus is never lost), shown, enabled and taking Tab;
        one stop per group of radio buttons (the checked one)."""
        chain = self.focus_chain()
        known = set(chain)
        central = self.centralWidget()
        chain += [
            w
            for w in (central.findChildren(QWidget) if central is not None else [])
            if w not in known and not isinstance(w, QScrollBar)
        ]
        stops: list[QWidget] = []
        for widget in chain:
            if (
                widget.window() is not self  # menus are windows of their own
                or not widget.isVisible()
                or not widget.isEnabled()
                or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                or widget.focusProxy() is not None
            ):
                continue
            parent = widget.parentWidget()
            if isinstance(widget, QRadioButton) and widget.autoExclusive() and parent:
                group = [
                    r
                    for r in parent.findChildren(
                        QRadioButton, options=Qt.FindChildOption.FindDirectChildrenOnly
                    )
                    if r.autoExclusive() and r.isVisible() and r.isEnabled()
                ]
                checked = [r for r in group if r.isChecked()]
                if widget is not (checked or group)[0]:
                    continue
            if widget not in stops:
                stops.append(widget)
        return stops

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab go round the whole window in screen order.

        Worked out when the key is pressed, from what is shown then: Qt's own chain (set with
        `setTabOrder`) had to be re-linked whenever a list became focusable, on the GUI thread
        during updates, and still trapped Tab in the right-hand side."""
        focused = QApplication.focusWidget()
        stops = self.tab_stops()
        current = focused
        while current is not None and current not in stops:
            current = current.parentWidget()
        if current is None or not stops:
            return super().focusNextPrevChild(next)
        step = 1 if next else -1
        target = stops[(stops.index(current) + step) % len(stops)]
        target.setFocus(
            Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
        )
        return True

    def _focus_only_with_rows(self, view: QAbstractItemView) -> None:
        """A list is a keyboard stop only with rows in it, and then its current row shows the
        focus: an empty or row-less focused list looked as if Tab had gone nowhere."""
        model = view.model()
        policy = view.focusPolicy()

        def sync(*_: object) -> None:
            rows = model.rowCount()
            wanted = policy if rows else Qt.FocusPolicy.NoFocus
            if view.focusPolicy() != wanted:
                view.setFocusPolicy(wanted)
            if rows and not view.currentIndex().isValid():
                view.selectionModel().setCurrentIndex(
                    model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate
                )

        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(sync)
        sync()

    def _apply_theme(self) -> None:
        palette = self.palette()
        self.create_button.setStyleSheet(theme.primary_button_css("createButton", palette))
        self.demo_banner.setStyleSheet(theme.banner_css("demoBanner", palette))
        red = theme.error_color(palette).name()
        self.settings_panel.problem_label.setStyleSheet(f"color: {red};")
        self.results_panel.note_label.setStyleSheet(f"color: {red};")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_theme()

    def _make_job_list(self) -> JobListPanel:
        panel = JobListPanel()
        panel.set_thumbnails(JobThumbnails(self.workers.cpu, self.thumbnail_cache, panel))
        panel.key_requested.connect(self.open_key_dialog)
        panel.message.connect(self.show_status)
        return panel

    def show_results(self) -> None:
        """Bring the Results tab forward."""
        self.right_tabs.setCurrentWidget(self.results_panel)

    def show_new_batch(self) -> None:
        """Bring the New batch tab (settings and the Create button) forward."""
        self.right_tabs.setCurrentWidget(self.batch_page)

    # --- actions -------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.add_photos_action = self._action(
            self.tr("Add &photos…"), self.choose_photos, QKeySequence.StandardKey.Open
        )
        self.add_folder_action = self._action(
            self.tr("Add &folder…"), self.choose_folder, "Ctrl+Shift+O"
        )
        self.samples_action = self._action(self.tr("&Try with sample photos"), self.add_samples)
        self.create_action = self._action(self.tr("&Create results…"), self.create_workflows)
        self.create_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.quit_action = self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        # Select all and Remove act on the photo grid only: the job list has its own keys.
        self.select_all_action = self._action(
            self.tr("Select &all photos"), self.grid.selectAll, QKeySequence.StandardKey.SelectAll
        )
        self.remove_action = self._action(
            self.tr("&Remove selected photos"),
            self.remove_selected,
            QKeySequence.StandardKey.Delete,
        )
        for action in (self.select_all_action, self.remove_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.photo_area.addAction(action)
        self.clear_action = self._action(self.tr("Remove all &photos"), self.photos.clear)
        self.settings_action = self._action(
            self.tr("&Settings…"),
            self.settings_requested.emit,
            QKeySequence.StandardKey.Preferences,
        )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.key_action = self._action(self.tr("&Replace API key…"), self.open_key_dialog)
        self.remove_key_action = self._action(self.tr("Re&move API key"), self.remove_key)
        self.about_action = self._action(self.tr("&About vimbatch"), self._about)

        menu = self.menuBar()
        file_menu = menu.addMenu(self.tr("&File"))
        file_menu.addActions([self.add_photos_action, self.add_folder_action, self.samples_action])
        file_menu.addSeparator()
        file_menu.addAction(self.create_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu(self.tr("&Edit"))
        edit_menu.addActions([self.select_all_action, self.remove_action, self.clear_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.settings_action)
        account_menu = menu.addMenu(self.tr("&Account"))
        account_menu.addActions([self.key_action, self.remove_key_action])
        help_menu = menu.addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)

    def open_settings(self) -> SettingsDialog:
        """The settings dialog, window-modal; values are stored (and applied) on OK."""
        dialog = SettingsDialog(
            self.settings,
            caches=[self.thumbnail_cache, self.results_panel.files],
            runner=self.workers.io,
            parent=self,
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _setting_changed(self, key: str) -> None:
        if key == THUMBNAIL_CACHE_MB.key:
            self.thumbnail_cache.max_bytes = self.settings.cache_bytes()
        elif key in (UPLOAD_CONCURRENCY.key, ERROR_REPORTS.key, UPLOAD_LIMIT_MBPS.key):
            self._apply_engine_settings()

    def _apply_engine_settings(self) -> None:
        if self.session is not None:
            # Here, not at import: the engine's modules load with the session (start-up time).
            from app.engine.session import set_upload_limit

            set_upload_limit(self.settings.value(UPLOAD_LIMIT_MBPS) or None)
            self.session.configure(
                concurrency=self.settings.value(UPLOAD_CONCURRENCY),
                error_reports=self.settings.value(ERROR_REPORTS),
            )

    def _connect(self) -> None:
        self.event_panel.message.connect(self.show_status)
        self.event_panel.running_changed.connect(self.notifier.set_event_running)
        self.add_photos_button.clicked.connect(self.choose_photos)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.photo_area.add_photos_requested.connect(self.choose_photos)
        self.photo_area.add_folder_requested.connect(self.choose_folder)
        self.photo_area.samples_requested.connect(self.add_samples)
        self.photo_area.compact_changed.connect(self._photos_compact)
        job_model = self.job_list.model
        for signal in (job_model.rowsInserted, job_model.rowsRemoved, job_model.modelReset):
            signal.connect(self._jobs_count_changed)
        self.photos.summary_changed.connect(self._schedule_summary)
        self.photos.intake_progress.connect(self._intake_progress)
        self.photos.intake_finished.connect(self._intake_finished)
        self.photos.urls_found.connect(self._urls_found)
        self.settings_panel.changed.connect(self._update_summary)
        # A template's option fields are made anew when it changes: put them back in order.
        self.create_button.clicked.connect(self.create_workflows)
        self.demo_banner.key_requested.connect(self.open_key_dialog)
        self.settings_requested.connect(self.open_settings)
        self.settings.changed.connect(self._setting_changed)
        self.results_panel.message.connect(self.show_status)
        self.notifier.batch_finished.connect(self._batch_finished)
        self.job_list.selection_changed_items.connect(self._jobs_selected)
        self.job_list.model.flushed.connect(self._drop_resume_notice)

    # --- layout of the left column -------------------------------------------------------

    def _jobs_count_changed(self, *_: object) -> None:
        has_jobs = self.job_list.model.rowCount() > 0
        # With jobs, several rows stay in sight in the smallest window (one row alone hid the
        # batch); without, the first start's big invitation to drop photos needs the room.
        view = self.job_list.view
        minimum = 0
        if has_jobs:
            option = QStyleOptionViewItem()
            option.font = view.font()
            row = view.itemDelegate().sizeHint(option, QModelIndex()).height()
            minimum = MIN_JOB_ROWS * row + 2 * view.frameWidth()
        if view.minimumHeight() != minimum:
            view.setMinimumHeight(minimum)
        self.photo_area.set_compact(has_jobs)

    def _photos_compact(self, compact: bool) -> None:
        """No photos waiting but jobs to watch: the photos take one line (the drop strip,
        which has its own Add buttons) and the job list gets the rest of the column."""
        for widget in (self.photos_title, self.add_photos_button, self.add_folder_button):
            widget.setVisible(not compact)
        # A splitter never makes a pane taller than its size hint when the pane cannot grow.
        vertical = QSizePolicy.Policy.Maximum if compact else QSizePolicy.Policy.Preferred
        self.photos_pane.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        total = sum(self.left_splitter.sizes())
        if compact:
            self.left_splitter.setSizes([self.photos_pane.sizeHint().height(), total])
        elif total:
            self.left_splitter.setSizes([total * 3 // 5, total - total * 3 // 5])

    # --- adding photos -------------------------------------------------------------------

    def add_paths(self, paths: list[str]) -> None:
        """Files, folders or image web addresses: exactly what dropping them does."""
        if paths:
            # New photos mean a new batch: its settings and Create button come forward.
            self.show_new_batch()
            self.photos.add_paths(paths)

    def add_samples(self) -> None:
        # Listing the bundled folder is file I/O: on a worker, like every other intake step.
        self.workers.io.submit(sample_photos, self._add_sample_paths)

    def _add_sample_paths(self, photos: list[Path]) -> None:
        self.add_paths([str(p) for p in photos])

    def choose_photos(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(PHOTO_EXTENSIONS))
        files, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Add photos"),
            self._last_folder(),
            self.tr("Photos ({patterns});;All files (*)").format(patterns=patterns),
        )
        if files:
            self._remember_folder(str(Path(files[0]).parent))
            self.add_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add folder"), self._last_folder())
        if folder:
            self._remember_folder(folder)
            self.add_paths([folder])

    def _last_folder(self) -> str:
        value = self.settings_store.value("paths/last_folder", "")
        return str(value) if value else str(Path.home())

    def _remember_folder(self, folder: str) -> None:
        self.settings_store.setValue("paths/last_folder", folder)

    def remove_selected(self) -> None:
        removed = self.photos.remove_rows(self.grid.selected_rows())
        if removed:
            self.show_status(
                ntr(
                    "MainWindow",
                    "Removed %n photo from the list.",
                    "Removed %n photos from the list.",
                    removed,
                )
            )

    def _urls_found(self, urls: list[str]) -> None:
        fresh = [u for u in urls if u not in self.urls]
        self.urls.extend(fresh)
        self._update_summary()

    def _intake_progress(self, done: int, total: int) -> None:
        self._progress_values = (done, total)
        if not self._progress_timer.isActive():
            self._progress_timer.start()

    def _show_intake_progress(self) -> None:
        done, total = self._progress_values
        if not self.photos.is_busy():
            return  # finished meanwhile: _intake_finished has said so
        self.progress.setVisible(total > 0 and done < total)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        if done < total:
            locale = QLocale()
            self.status_text.setText(
                self.tr("Checking photos… {done} of {total}").format(
                    done=locale.toString(done), total=locale.toString(total)
                )
            )

    def _intake_finished(self, added: int, duplicates: int, notices: list[str]) -> None:
        self._progress_timer.stop()
        self.progress.hide()
        self._update_summary()
        locale = QLocale()
        parts = []
        details = list(notices)
        # A copy (same content, another file) is named with the photo kept; a file given
        # again is simply already in the list.
        copies = self.photos.run_copies()
        again = duplicates - len(copies)
        copy_lines = [
            self.tr("{copy} is a copy of {kept}: left out.").format(copy=copy, kept=kept)
            for copy, kept in copies
        ]
        if len(copies) == 1:
            parts.append(copy_lines[0])
        elif copies:
            parts.append(
                self.tr("{n} photos are copies of others in the list: left out.").format(
                    n=locale.toString(len(copies))
                )
            )
            details = copy_lines + details
        if again > 0:
            parts.append(
                self.tr("1 photo was already in the list and was skipped.")
                if again == 1
                else self.tr("{n} photos were already in the list and were skipped.").format(
                    n=locale.toString(again)
                )
            )
        if notices:
            parts.append(
                self.tr("1 item could not be added: {reason}").format(reason=notices[0])
                if len(notices) == 1
                else self.tr("{n} items could not be added (hover for details).").format(
                    n=locale.toString(len(notices))
                )
            )
        if parts:
            self.info_bar.show_message(" ".join(parts), details)
        self.show_status(ntr("MainWindow", "Added %n photo.", "Added %n photos.", added))

    # --- drag and drop -------------------------------------------------------------------

    @staticmethod
    def dropped_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[str]:
        mime = event.mimeData()
        paths: list[str] = []
        for url in mime.urls():
            if url.isLocalFile():
                paths.append(url.toLocalFile())
            elif url.scheme() in ("http", "https"):
                paths.append(url.toString())
        if not paths and mime.hasText():
            text = mime.text().strip()
            if text.lower().startswith(("http://", "https://")) and "\n" not in text:
                paths.append(text)
        return paths

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if self.dropped_paths(event) or mime.hasFormat(
            'application/x-qt-windows-mime;value="FileGroupDescriptorW"'
        ):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self.dropped_paths(event)
        if not paths:
            # Outlook attachments and files inside zip folders arrive without a location.
            self.info_bar.show_message(
                self.tr(
                    "These files have no location on disk (e.g. e-mail attachments or files "
                    "inside a zip). Save them to a folder first, then add them."
                )
            )
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_paths(paths)

    # --- counts and the create button ---------------------------------------------------

    def workflow_count(self) -> int:
        usable = self.photos.usable_photos()
        if self.settings_panel.grouping.currentData() == Grouping.PER_FOLDER.value:
            count = len({p.path.parent for p in usable})
        else:
            count = len(usable)
        return count + len(self.urls)

    def _schedule_summary(self) -> None:
        if not self._summary_timer.isActive():
            self._summary_timer.start()

    def _update_summary(self) -> None:
        self._summary_timer.stop()
        locale = QLocale()
        rows = self.photos.rowCount()
        parts = []
        if rows:
            parts.append(
                self.tr("1 photo")
                if rows == 1
                else self.tr("{n} photos").format(n=locale.toString(rows))
            )
            parts.append(human_size(self.photos.total_bytes()))
        problems = self.photos.problem_count()
        if problems:
            parts.append(
                self.tr("1 cannot be used")
                if problems == 1
                else self.tr("{n} cannot be used").format(n=locale.toString(problems))
            )
        if self.urls:
            parts.append(
                self.tr("1 web photo")
                if len(self.urls) == 1
                else self.tr("{n} web photos").format(n=locale.toString(len(self.urls)))
            )
        self.count_label.setText(" · ".join(parts))
        n = self.workflow_count()
        self.create_button.setText(
            self.tr("Create 1 result")
            if n == 1
            else self.tr("Create {n} results").format(n=locale.toString(n))
        )
        problem = self.settings_panel.problem()
        if n == 0:
            hint = self.tr("Add photos to begin.")
        elif problem:
            hint = problem
        elif self.session is None or self.session.bridge is None:
            hint = self.tr("Connecting…")
        else:
            hint = self.tr("Ctrl+Enter also creates them.")
        ready = n > 0 and problem is None and not self.create_flow.busy
        ready = ready and self.session is not None and self.session.bridge is not None
        self.create_button.setEnabled(ready)
        self.create_action.setEnabled(ready)
        self.create_button.setAccessibleName(self.create_button.text())
        self.create_button.setToolTip(hint)
        self.create_hint.setText(hint)
        self.job_list.set_empty_hint(
            self.tr("Nothing sent yet: press “{button}” to start.").format(
                button=self.create_button.text()
            )
            if n
            else self.tr("No jobs yet. Add photos above, then press Create.")
        )

    def create_workflows(self) -> None:
        """The primary action: confirm, then hand the batch to the engine on a worker."""
        self._update_summary()
        session = self.session
        if not self.create_button.isEnabled() or session is None:
            return
        settings = self.settings.apply_to_batch(self.settings_panel.settings())
        photos = self.photos.usable_photos()
        engine = session.engine
        request = BatchRequest(
            settings=settings,
            photos=photos,
            urls=list(self.urls),
            skipped=self.photos.problem_photos(),
            workflows=self.workflow_count(),
            template_label=self.settings_panel.template_label(),
            demo=self.demo,
            sending=estimate_sending(
                photos,
                engine.upload_pace() if engine is not None else None,
                self.settings.value(UPLOAD_LIMIT_MBPS) or None,
            ),
            smaller_copies=self._smaller_copies_for(settings.template_id),
        )
        if not self.create_flow.start(session, request, self.confirm):
            return
        self.settings_panel.save(self.settings_store)
        self._update_summary()
        self.show_status(self.tr("Starting the batch…"))

    def _smaller_copies_for(self, template_id: str) -> bool:
        value = self.settings_store.value(f"{SMALLER_COPIES_KEY}/{template_id}", False)
        return value is True or str(value).lower() == "true"

    def _remember_smaller_copies(self, template_id: str, smaller: bool) -> None:
        self.settings_store.setValue(f"{SMALLER_COPIES_KEY}/{template_id}", smaller)

    def _batch_declined(self) -> None:
        self.show_status("")
        self._update_summary()

    def _batch_sent(self, batch_id: int, sent: list[str]) -> None:
        """The batch exists: what went into it leaves the grid; the jobs are shown."""
        gone = set(sent)
        photos = self.photos
        photos.remove_rows(
            [r for r in range(photos.rowCount()) if str(photos.photo(r).path) in gone]
        )
        self.urls = [u for u in self.urls if u not in gone]
        left = photos.rowCount()
        message = self.tr("Batch started: follow it in the list below.")
        if left:
            message += " " + self.tr("Photos that cannot be used stay here.")
        self.show_status(message)
        self._update_summary()
        if not left:
            # Nothing left to add: the jobs are what the user watches now.
            total = sum(self.left_splitter.sizes())
            self.left_splitter.setSizes([total * 2 // 5, total - total * 2 // 5])
        self.batch_created.emit(batch_id)

    def _batch_failed(self, reason: str) -> None:
        self._update_summary()
        self.info_bar.show_message(
            self.tr("The batch could not be started: {reason}").format(reason=reason)
        )

    # --- engine and key ------------------------------------------------------------------

    def set_session(self, session: Session | None) -> None:
        """Show this session's engine (None while it starts or after it stopped)."""
        self.session = session
        if session is not None:
            self._apply_engine_settings()  # before start: the engine is built with them
            session.ready.connect(self._engine_ready)
            session.resumed.connect(self._resumed)
            session.failed.connect(lambda reason: self.info_bar.show_message(reason))
            if session.bridge is not None:
                self._engine_ready(session.bridge)
        else:
            # Before the engine stops: the panels let go of it and stop their timers.
            self._set_bridge(None)
            self.results_panel.close_panel()
        self._update_summary()

    def _engine_ready(self, bridge: EngineBridge) -> None:
        self._set_bridge(bridge)
        self._update_summary()

    def _set_bridge(self, bridge: EngineBridge | None) -> None:
        self.job_list.set_engine(bridge)
        self.results_panel.set_engine(bridge)
        self.notifier.set_engine(bridge)
        self.event_panel.set_engine(bridge)

    def _jobs_selected(self, item_ids: list[int]) -> None:
        """The job list's selection: the results panel shows those jobs' results, and comes
        forward when one of them is finished (that is what the user clicked it for)."""
        self.results_panel.set_selection(item_ids)
        if self.unsent_count():
            return  # photos wait to be sent: their settings and Create button stay in front
        items = self.results_panel.all_items
        if any(
            (item := items.get(i)) is not None and item.state is ItemState.SUCCEEDED
            for i in item_ids
        ):
            self.show_results()

    def _follow_latest_batch(self, _batch_id: int) -> None:
        """A new batch: the Results tab shows it (not a job picked from an older one); picking
        a job afterwards shows that job again."""
        self.job_list.view.clearSelection()
        self.results_panel.set_selection([])

    def _batch_finished(self, _batch_id: int, _summary: str) -> None:
        # With no new photos waiting (nor being added), what the user wants next is the
        # results; while an event runs, its tab (counters, the latest result) stays in front.
        if (
            self.photos.rowCount() == 0
            and not self.urls
            and not self.photos.is_busy()
            and not self.event_panel.running
        ):
            self.show_results()

    def _resumed(self, count: int) -> None:
        text = ntr(
            "MainWindow",
            "Picking up %n photo left unfinished last time.",
            "Picking up %n photos left unfinished last time.",
            count,
        )
        self._resume_notice = text
        self.info_bar.show_message(text)

    def _drop_resume_notice(self, *_: object) -> None:
        """ "Picking up…" is said while the photos are picked up: gone once none is left."""
        model = self.job_list.model
        if self._resume_notice is None or not model.rowCount() or model.unfinished_count():
            return  # (no rows: the list has not been read yet)
        if self.info_bar.label.text() == self._resume_notice:
            self.info_bar.hide()
        self._resume_notice = None

    def set_demo(self, demo: bool) -> None:
        self.demo = demo
        self.demo_banner.setVisible(demo)
        title = window_title(APP_NAME, demo=demo)
        self.setWindowTitle(title)
        self.notifier.set_title(title)
        # In the demo there is no key to replace or remove: the one thing to do is leave it.
        self.key_action.setText(
            self.tr("&Use my API key…") if demo else self.tr("&Replace API key…")
        )
        self.remove_key_action.setVisible(not demo)
        self.remove_key_action.setEnabled(not demo)

    def ask_error_reports_once(self) -> ErrorReportsQuestion | None:
        """At the first start: may error reports go to Vimmerse? (off until the user says
        yes). Not asked again once answered; returns the open question, or None."""
        if self.settings.value(ERROR_REPORTS_ASKED):
            return None
        question = ErrorReportsQuestion(self)

        def answered(_result: int) -> None:
            self.settings.set_value(ERROR_REPORTS, question.wants_reports())
            self.settings.set_value(ERROR_REPORTS_ASKED, True)
            self.settings.sync()
            question.deleteLater()

        question.finished.connect(answered)
        question.open()
        return question

    def open_key_dialog(self) -> KeyDialog:
        """Ask for a key (the job list's "Enter key…" and Account ▸ Replace key come here)."""
        return self.account.open_key_dialog()

    def remove_key(self) -> None:
        """Account ▸ Remove API key: asks, then forgets the stored key (on a worker)."""
        if self.demo:  # no key of the user's in the demo: nothing to remove
            return
        self.account.remove_key()

    def _base_url(self) -> str:
        return self.base_url

    def show_status(self, text: str) -> None:
        """A passing message: it goes after STATUS_MS, or when the user picks another tab, so
        it never stays to describe something long over."""
        self.status_text.setText(text)
        if text:
            self.status_timer.start()
        else:
            self.status_timer.stop()

    def _lasting_notice(self, text: str) -> None:
        """Something the user must not miss: in the info bar (stays until dismissed) and in
        the status line."""
        self.info_bar.show_message(text)
        self.show_status(text)

    def _about(self) -> None:
        from app import __version__

        QMessageBox.about(
            self,
            self.tr("About vimbatch"),
            self.tr(
                "vimbatch {version}\nTurn a pile of photos into Vimmerse pictures and videos in one go."
            ).format(version=__version__),
        )

    # --- geometry and quitting -----------------------------------------------------------

    def _restore(self) -> None:
        store = self.settings_store
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            screen = self.screen() or QGuiApplication.primaryScreen()
            available = screen.availableGeometry() if screen is not None else None
            if available is None:
                self.resize(DEFAULT_SIZE)
            else:
                self.resize(first_size(available.size()))
                frame = self.frameGeometry()
                frame.moveCenter(available.center())
                self.move(max(frame.x(), available.x()), max(frame.y(), available.y()))
        for key, splitter in (
            ("window/main", self.main_splitter),
            ("window/left", self.left_splitter),
        ):
            state = store.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
        self.settings_panel.restore(store)

    def save_state(self) -> None:
        store = self.settings_store
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/main", self.main_splitter.saveState())
        store.setValue("window/left", self.left_splitter.saveState())
        self.settings_panel.save(store)
        store.sync()

    @property
    def ask_quit(self) -> Callable[[QWidget, int], bool]:
        """Asks whether to quit with `count` photos still being made.

        Replacing it (tests, the self-test, benchmarks) answers every quit question, the one
        about photos not sent yet (`ask_unsent`) included; set `ask_unsent` afterwards to
        answer that one differently.
        """
        return self._ask_quit

    @ask_quit.setter
    def ask_quit(self, ask: Callable[[QWidget, int], bool]) -> None:
        self._ask_quit = ask
        self.ask_unsent = ask

    def _may_close(self) -> bool:
        """Ask about what quitting would leave behind, if anything; True: go ahead."""
        unsent = self.unsent_count()
        if unsent and not self.ask_unsent(self, unsent):
            return False
        # From the job list's memory (kept up to date by the engine's events), not the store:
        # reading thousands of items from SQLite here would freeze the window.
        if self.session is None:
            in_flight = 0
        elif self.closing_by_signal:
            in_flight = self.job_list.model.not_sent_count()
        else:
            in_flight = self.job_list.model.unfinished_count()
        return not in_flight or self.ask_quit(self, in_flight)

    def unsent_count(self) -> int:
        """Photos (and web photos) added but not turned into workflows yet."""
        if self.create_flow.busy:  # being sent right now: the engine has them
            return 0
        return len(self.photos.usable_photos()) + len(self.urls)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.quit_without_asking and not self._may_close():
            event.ignore()
            return
        self.save_state()
        event.accept()
