"""`vimbatch --self-test`: proves an installation works, from source and from the frozen app alike.

It starts the real window offscreen against the Workflow API simulator running in this process,
adds one bundled sample photo, presses Create, waits for the workflow to succeed, saves its
result into a temporary folder and decodes it. It prints ONE line and returns 0 or 1:

    vimbatch self-test: ok (create → success → download in 2.3 s)
    vimbatch self-test: FAILED: <plain reason>

A windowed build on Windows has no stdout, so the line can also go to a file: `output=...`,
or the VIMBATCH_SELF_TEST_OUTPUT environment variable.

Everything is event-driven (signals and one QEventLoop, never a processEvents() loop) and runs
in a throw-away data folder with a made-up key: the user's jobs, settings and keyring are never
touched, and nothing reaches Vimmerse.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.engine.model import ItemSnapshot

PREFIX = "vimbatch self-test"
OUTPUT_ENV = "VIMBATCH_SELF_TEST_OUTPUT"
DEFAULT_TIMEOUT = 60.0
# Short, so the whole test takes seconds; the demo uses 6 s to let people watch.
PROCESSING_SECONDS = 1.0
SELF_TEST_KEY = "self-test-key"


class SelfTestError(Exception):
    """A step did not work; the message is the plain reason printed after FAILED."""


def run_self_test(output: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> int:
    """Run the self-test, print its one line (and write it to `output`), return 0 or 1."""
    try:
        seconds = _run(timeout)
    except SelfTestError as failure:
        return _report(f"{PREFIX}: FAILED: {failure}", output, 1)
    except Exception as error:  # the line must come out whatever broke
        return _report(f"{PREFIX}: FAILED: unexpected {type(error).__name__}: {error}", output, 1)
    return _report(f"{PREFIX}: ok (create → success → download in {seconds:.1f} s)", output, 0)


def _report(line: str, output: str | None, code: int) -> int:
    stream = sys.stdout
    if stream is not None:
        try:
            print(line, file=stream, flush=True)
        except UnicodeEncodeError:  # a legacy console code page without "→"
            print(line.replace("→", "->"), file=stream, flush=True)
        except (OSError, ValueError):  # closed or broken stdout: the file below still gets it
            pass
    target = output or os.environ.get(OUTPUT_ENV)
    if target:
        try:
            Path(target).write_text(line + "\n", encoding="utf-8")
        except OSError as error:
            print(f"{PREFIX}: could not write {target}: {error.strerror}", file=sys.stderr)
            return 1
    return code


def _run(timeout: float) -> float:
    # Before the first Qt import: no screen is needed, and none is used even if there is one.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.ui.demo import sample_photos

    samples = sample_photos()
    if not samples:
        from app.resources import resource_path

        raise SelfTestError(
            f"the sample photos are missing from this installation ({resource_path('samples')})"
        )
    _check_bundled_parts()
    with tempfile.TemporaryDirectory(prefix="vimbatch-selftest-") as temp:
        root = Path(temp)
        photo = root / "photos" / samples[0].name
        photo.parent.mkdir()
        shutil.copyfile(samples[0], photo)
        return _SelfTest(root, photo, timeout).run()


# What stores the API key on each system: a packaging slip here means "the key is forgotten at
# every start" rather than an error, so the self-test looks for it.
KEYRING_MODULES = {
    "linux": "secretstorage",
    "darwin": "keyring.backends.macOS",
    "win32": "win32ctypes.pywin32.win32cred",
}


def _check_bundled_parts() -> None:
    """Parts the happy path below does not touch, but users' photos and keys need."""
    from app.images.formats import open_formats

    if "HEIF" not in open_formats():
        raise SelfTestError("HEIC photos cannot be read: HEIF support is missing")
    from app.images.heif_thumbnails import available

    if not available():
        # Not fatal for a photo, but every HEIC preview would cost a full decode (~1 s).
        raise SelfTestError("the libheif that reads HEIC previews is missing from this build")
    module = KEYRING_MODULES.get(sys.platform)
    if module is not None:
        import importlib

        try:
            importlib.import_module(module)
        except ImportError as error:
            raise SelfTestError(
                f"the API key could not be kept in this system's keyring ({error})"
            ) from None


class _SelfTest:
    """One run of the GUI code path, from adding a photo to a decoded download."""

    def __init__(self, root: Path, photo: Path, timeout: float) -> None:
        self.root = root
        self.photo = photo
        self.timeout = timeout
        self.data = root / "data"
        self.downloads = root / "downloads"
        self.stage = "starting the app"
        self.failure: str | None = None
        self.seconds = 0.0
        self.create_started: float | None = None
        self.intake_done = False
        self.created = False
        self.saving = False

    def run(self) -> float:
        from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler

        from app.simulator import Simulator, SimulatorConfig
        from app.ui.app import make_application
        from app.ui.main_window import MainWindow
        from app.ui.session import Session
        from app.ui.workers import Workers

        app = make_application()
        previous_handler = qInstallMessageHandler(_quiet_offscreen_notes)
        self.loop = QEventLoop()
        simulator = Simulator(SimulatorConfig(processing_time=PROCESSING_SECONDS))
        base_url = simulator.start()
        workers = Workers()
        self.window = MainWindow(workers, data_dir=self.data, base_url=base_url, demo=True)
        self.session = Session(
            workers,
            key=SELF_TEST_KEY,
            base_url=base_url,
            data_dir=self.data,
            error_reports=False,
            demo=True,
        )
        self.workers = workers
        try:
            # The confirmation dialog is the one modal step; a person would press Create in it.
            self.window.confirm = lambda _dialog: True
            self.window.ask_quit = lambda _window, _count: True
            self.window.set_demo(True)
            self.window.show()
            self.window.photos.intake_finished.connect(self._intake_finished)
            self.window.batch_created.connect(self._batch_created)
            # After set_session: the window must have enabled Create before we look at it.
            self.window.set_session(self.session)
            self.session.failed.connect(lambda reason: self._fail(f"the engine failed: {reason}"))
            self.session.ready.connect(self._engine_ready)
            self.session.start()
            self.stage = "adding the photo"
            self.window.add_paths([str(self.photo)])

            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(self._timed_out)
            timer.start(int(self.timeout * 1000))
            self.loop.exec()
            timer.stop()
        finally:
            self.window.close()
            self.window.set_session(None)
            self.session.shutdown()
            workers.shutdown(10_000)
            simulator.stop()
            self.window.deleteLater()
            self.session.deleteLater()
            # Deferred deletes run once control is back in an event loop: give them one.
            from PySide6.QtCore import QCoreApplication, QEvent

            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            qInstallMessageHandler(previous_handler)
        del app
        if self.failure is not None:
            raise SelfTestError(self.failure)
        return self.seconds

    # --- steps, each started by a signal ---------------------------------------------------

    def _intake_finished(self, added: int, _duplicates: int, notices: list[str]) -> None:
        if added < 1 or not self.window.photos.usable_photos():
            problems = [p.problem for p in self.window.photos.problem_photos() if p.problem]
            reason = (problems or notices or ["no reason given"])[0]
            self._fail(f"the sample photo was not accepted: {reason}")
            return
        self.intake_done = True
        self._create_when_ready()

    def _engine_ready(self, bridge: Any) -> None:
        bridge.item_changed.connect(self._item_changed)
        bridge.notice.connect(self._notice)
        self._create_when_ready()

    def _create_when_ready(self) -> None:
        if self.created or not self.intake_done or self.session.bridge is None:
            return
        from PySide6.QtWidgets import QPushButton

        button = self.window.findChild(QPushButton, "createButton")
        if button is None:
            self._fail("the window has no Create button")
            return
        if not button.isEnabled():
            self._fail(f"the Create button stays disabled: {button.toolTip()}")
            return
        self.created = True
        self.stage = "creating the workflow"
        self.create_started = time.monotonic()
        button.click()

    def _batch_created(self, _batch_id: int) -> None:
        self.stage = "waiting for the workflow to finish"

    def _item_changed(self, item: ItemSnapshot) -> None:
        from app.engine.model import ItemState

        if item.state is ItemState.SUCCEEDED and not self.saving:
            if not item.results:
                self._fail("the workflow succeeded without a result file")
                return
            engine = self.session.engine
            if engine is None:
                self._fail("the engine stopped before the result could be saved")
                return
            self.saving = True
            self.stage = "downloading the result"
            engine.save_results([item.id], self.downloads)
        elif item.state in (ItemState.FAILED, ItemState.NEEDS_ATTENTION, ItemState.CANCELLED):
            self._fail(f"the workflow ended as {item.state.value}: {item.error or 'no reason'}")

    def _notice(self, message: str) -> None:
        if not self.saving or self.failure is not None:
            return
        if not message.startswith("Saved 1 file"):
            self._fail(f"the result could not be saved: {message}")
            return
        self.stage = "checking the downloaded file"
        self._off_gui_thread(_check_download, self.downloads, self._download_checked)

    def _download_checked(self, description: str) -> None:
        assert self.create_started is not None
        self.seconds = time.monotonic() - self.create_started
        self.loop.exit(0)

    # --- plumbing ----------------------------------------------------------------------------

    def _off_gui_thread(
        self, fn: Callable[[Path], str], folder: Path, on_result: Callable[[str], None]
    ) -> None:
        self.workers.io.submit(lambda: fn(folder), on_result, lambda error: self._fail(str(error)))

    def _fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
        self.loop.exit(1)

    def _timed_out(self) -> None:
        shown = ""
        bar = self.window.info_bar
        if bar.isVisible() and bar.label.text():
            shown = f"; the window says: {bar.label.text()}"
        self._fail(f"nothing happened for {self.timeout:g} s while {self.stage}{shown}")


def _quiet_offscreen_notes(_kind: Any, _context: Any, message: str) -> None:
    """Qt's offscreen platform says "does not support propagateSizeHints()" for every window
    shown: not a problem, and noise around the one line. Every other Qt message still shows."""
    if "propagateSizeHints" in message or sys.stderr is None:
        return
    print(message, file=sys.stderr)


def _check_download(folder: Path) -> str:
    """Decode what was saved: a result that is not a real picture or video is a failure."""
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    if not files:
        raise SelfTestError("no file arrived in the download folder")
    result = files[0]
    if result.suffix.lower() in {".mp4", ".mov", ".webm"}:
        header = result.read_bytes()[:12]
        if b"ftyp" not in header and not header.startswith(b"\x1a\x45\xdf\xa3"):
            raise SelfTestError(f"the downloaded video {result.name} is not a video file")
        return f"{result.name} ({result.stat().st_size} bytes)"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(result) as image:
            image.load()
            return f"{result.name} ({image.width}×{image.height})"
    except (UnidentifiedImageError, OSError) as error:
        raise SelfTestError(f"the downloaded file {result.name} does not decode: {error}") from None


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m app.selftest", description=__doc__)
    parser.add_argument("--output", help="also write the result line to this file")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    args = parser.parse_args(argv)
    return run_self_test(args.output, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
