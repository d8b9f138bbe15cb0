"""Starting the desktop app: QApplication set-up, key or demo, the session, and a clean quit.

`run_gui` is what `vimbatch` (no sub-command) calls. Order matters for start-up time: the window
is shown first; the key lookup (keyring costs ~250 ms), the engine and the simulator follow.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_NAME, __version__
from app.paths import data_dir as resolve_data_dir
from app.resources import resource_path
from app.ui.theme import ContrastStyle
from app.ui.workers import Workers

if TYPE_CHECKING:
    from app.engine.keys import StoredKey
    from app.simulator import Simulator
    from app.ui.main_window import MainWindow
    from app.ui.session import Session
    from app.ui.settings import Setting

log = logging.getLogger(__name__)


ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
SWITCH_INTERVAL = 0.001  # seconds; CPython's default is 0.005
WARM_UP_MS = 400  # then the processes that check photos start (Workers.warm_up)


def app_icon() -> QIcon:
    """The vimbatch icon in every size packaging/make_icons.py writes (Qt picks per DPI)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resource_path("icons", f"vimbatch-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, once: crisp at any scale factor, the system's own light or dark palette."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional scale factors (125 %, 150 %) drawn as they are, not rounded: crisp text and icons.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    # The GUI thread must get the GIL back quickly: hashing, decoding and HTTP threads would
    # otherwise keep it up to 5 ms per hand-over, and painting one view makes dozens of Python
    # calls. 1 ms took the longest stall adding 5,000 photos with 400 jobs polling from 153 ms
    # to under 100 ms (bench/gui_responsiveness.py), and made the intake faster too.
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    # Fusion follows the system colour scheme (light or dark) on every platform and looks the
    # same everywhere, which keeps screenshots and documentation true; ContrastStyle is Fusion
    # with check boxes and radio buttons that stay visible on a dark scheme.
    app.setStyle(ContrastStyle())
    # Every window (and the tray notification) inherits it; the desktop file name lets Wayland
    # compositors match the window to the installed .desktop entry and its icon.
    app.setWindowIcon(app_icon())
    QGuiApplication.setDesktopFileName(APP_NAME)
    return app


SIGNAL_ANSWER_MS = 60_000


def _last_used_demo() -> Setting[bool]:
    from app.ui.settings import LAST_USED_DEMO

    return LAST_USED_DEMO


class AppController(QObject):
    """Owns the pools, the window, the session and (in demo mode) the simulator."""

    def __init__(
        self,
        *,
        demo: bool,
        demo_if_no_key: bool,
        base_url: str | None,
        data_dir: str | None,
        error_reports: bool,
    ) -> None:
        super().__init__()
        from app.engine.session import BASE_URL_ENV, resolve_base_url
        from app.ui.main_window import MainWindow
        from app.ui.settings import SERVER_URL, AppSettings

        self.want_demo = demo
        self.demo_if_no_key = demo_if_no_key
        self.data_dir = resolve_data_dir(data_dir)
        self.settings = AppSettings.open(self.data_dir, self)
        # The command line and the environment win over the stored server address, which is
        # read once here: a change in Settings takes effect the next time the app starts.
        if not base_url and not os.environ.get(BASE_URL_ENV):
            base_url = self.settings.value(SERVER_URL)
        self.real_base_url = resolve_base_url(base_url)
        self.error_reports = error_reports
        self.workers = Workers()
        self.simulator: Simulator | None = None
        self.session: Session | None = None
        self._closing: list[Session] = []  # sessions stopping in the background
        self.window: MainWindow = MainWindow(
            self.workers,
            data_dir=self.data_dir,
            base_url=self.real_base_url,
            demo=demo,
            settings=self.settings,
        )
        # How long a quit signal's question waits for an answer before quitting anyway.
        self.signal_answer_ms = SIGNAL_ANSWER_MS
        self.window.key_changed.connect(self._key_changed)
        self.window.key_removed.connect(self._key_removed)

    def start(self) -> None:
        """After the window is up: find the key, or start the demo, or welcome the user."""
        if self.want_demo:
            self.start_demo()
            return
        from app.engine.keys import load_key

        # On a worker: the keyring may wait on an unlock prompt (and costs ~250 ms at first).
        self.workers.io.submit(load_key, self._key_loaded, self._key_not_loaded)

    def _key_loaded(self, stored: StoredKey | None) -> None:
        if stored is not None:
            self.start_real(stored.value)
        elif self.demo_if_no_key or self.settings.value(_last_used_demo()):
            # Reopen in the mode last used: a demo user finds the demo work where they left it.
            self.start_demo()
        else:
            self.welcome()

    def _key_not_loaded(self, error: BaseException) -> None:
        log.warning("could not read the stored key", exc_info=(type(error), error, None))
        self._key_loaded(None)

    def welcome(self) -> None:
        from app.ui.dialogs.key_dialog import KeyDialog

        dialog = KeyDialog(self.workers.io, self.real_base_url, welcome=True, parent=self.window)
        dialog.setObjectName("welcomeDialog")

        def done(result: int) -> None:
            dialog.deleteLater()
            if not result:
                self.window.close()
            elif dialog.chose_demo:
                self.start_demo()
            elif dialog.key:
                self.start_real(dialog.key)

        dialog.finished.connect(done)
        dialog.open()

    def start_demo(self) -> None:
        """Start the simulator and make the demo folder on a worker, then the demo session."""
        from app.ui.demo import demo_data_dir, demo_server_dir, start_simulator

        self.window.set_demo(True)
        data_dir = self.data_dir

        def prepare() -> Path:
            demo_dir = demo_data_dir(data_dir)
            if self.simulator is None:
                # Set from the worker so that `shutdown` stops it even if the app quits
                # before the result is delivered (the pools are waited for first).
                self.simulator = start_simulator(demo_server_dir(demo_dir))
            return demo_dir

        self.workers.io.submit(prepare, self._demo_prepared, self._demo_failed)

    def _demo_prepared(self, demo_dir: Path) -> None:
        from app.ui.demo import DEMO_KEY

        simulator = self.simulator
        if simulator is None:
            return
        # The window's base_url stays the real service's: a key typed in the demo is checked
        # with Vimmerse, never with the simulator (which takes any key).
        self._start_session(DEMO_KEY, simulator.base_url, demo_dir, True)

    def _demo_failed(self, error: BaseException) -> None:
        from app.ui.user_text import user_text

        self.window.show_status(
            QCoreApplication.translate("app", "The demo could not start: {reason}").format(
                reason=user_text(error)
            )
        )

    def start_real(self, key: str) -> None:
        self.window.set_demo(False)
        self.window.base_url = self.real_base_url
        self._start_session(key, self.real_base_url, self.data_dir, False)

    def _start_session(self, key: str, base_url: str, data: Path, demo: bool) -> None:
        from app.ui.session import Session

        self._stop_session()
        # Written to disk with the other settings at quit (`shutdown`).
        self.settings.set_value(_last_used_demo(), demo)
        session = Session(
            self.workers,
            key=key,
            base_url=base_url,
            data_dir=data,
            error_reports=self.error_reports,
            demo=demo,
            parent=self,
        )
        self.session = session
        self.window.set_session(session)
        session.start()
        if self.error_reports:  # not turned off on the command line: ask once, first start
            self.window.ask_error_reports_once()

    def _stop_session(self) -> None:
        """Switching sessions: the old engine stops on a worker (creates on the wire finish
        first, which can take a while) while the window stays responsive."""
        if self.session is None:
            return
        old = self.session
        self.session = None
        self.window.set_session(None)
        self._closing.append(old)
        finishing = QCoreApplication.translate(
            "app", "Finishing the photos already on their way to Vimmerse…"
        )
        self.window.show_status(finishing)

        def stopped() -> None:
            self._closing.remove(old)
            old.deleteLater()
            if not self._closing and self.window.status_text.text() == finishing:
                self.window.show_status("")

        old.shutdown_in_background(stopped)

    def _key_changed(self, key: str) -> None:
        if self.session is not None and not self.session.demo:
            self.session.set_key(key)
        else:
            # Leaving the demo: the real store and the real server from now on.
            self.window.base_url = self.real_base_url
            self.start_real(key)

    def _key_removed(self) -> None:
        if self.session is not None and not self.session.demo:
            self.session.set_key("")

    def quit_by_signal(self, force: bool) -> None:
        """SIGINT/SIGTERM (app.ui.quit_signals): close the window as File ▸ Quit does; a
        second signal closes an open question and quits without asking."""
        window = self.window
        if not force:
            # Asks only when photos are not on Vimmerse yet. Nobody may be there to answer (a
            # logout, a shutdown): after a while the question counts as a second signal.
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda: self.quit_by_signal(True))
            timer.start(self.signal_answer_ms)
            window.closing_by_signal = True
            try:
                window.close()
            finally:
                window.closing_by_signal = False
                timer.stop()
                timer.deleteLater()
            return
        window.quit_without_asking = True
        modal = QApplication.activeModalWidget()
        if modal is not None and modal is not window:
            # Ends the question's own event loop; the close below runs once it has returned.
            modal.close()
            QTimer.singleShot(0, window.close)
        else:
            window.close()

    def shutdown(self) -> None:
        """Stop everything in order: engines (creates on the wire finish), pools, simulator."""
        self.settings.sync()
        if self.session is not None:
            self.window.set_session(None)
            self.session.shutdown()
            self.session = None
        for old in list(self._closing):
            if not old.wait_stopped(30):
                log.warning("an engine did not stop within 30 s")
        if not self.workers.shutdown(10_000):
            log.warning("some background work did not stop within 10 s")
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None


def run_gui(
    demo: bool = False,
    demo_if_no_key: bool = False,
    base_url: str | None = None,
    data_dir: str | None = None,
    error_reports: bool = True,
) -> int:
    """Start the desktop app and return its exit code."""
    app = make_application()
    controller = AppController(
        demo=demo,
        demo_if_no_key=demo_if_no_key,
        base_url=base_url,
        data_dir=data_dir,
        error_reports=error_reports,
    )
    try:
        controller.window.show()
    except Exception:  # pragma: no cover - shown to the user rather than lost in a console
        QMessageBox.critical(
            None, APP_NAME, QCoreApplication.translate("app", "vimbatch could not start.")
        )
        raise
    from app.ui.quit_signals import QuitOnSignal

    signals = QuitOnSignal(controller.quit_by_signal)
    QTimer.singleShot(0, controller.start)
    # Once the first paint is done: the processes' start-up must not compete with it.
    QTimer.singleShot(WARM_UP_MS, controller.workers.warm_up)
    try:
        return int(app.exec())
    finally:
        # Still installed while stopping: a second Ctrl-C must not raise KeyboardInterrupt
        # in the middle of the engine's shutdown.
        controller.shutdown()
        signals.uninstall()
