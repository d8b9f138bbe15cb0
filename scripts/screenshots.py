"""Regenerate docs/screenshots/*.png from the real window, offscreen, in light and dark.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--only NAME] [--scheme S]

Every scene is taken twice: `<name>.png` with the light palette and `<name>-dark.png` with a dark
one (`--scheme light|dark|both`, default both), so every screen is checked in both. Each picture
uses real parts: the simulator in-process, real generated photos, the real engine. Runs in a
private temporary data folder and keyring-free, so it never touches the user's own.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (1280, 800)
SMALLEST = (850, 600)  # the smallest window the first-use review checked
SCHEMES = ("light", "dark")
_scheme = {"suffix": ""}  # "-dark" while the dark scheme's pictures are taken


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the event loop until `condition()` holds (checked every 50 ms)."""
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(50)

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    if not condition():
        raise TimeoutError("screenshot scene did not settle in time")


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}{_scheme['suffix']}.png"
    widget.grab().save(str(path))
    print(f"{path.relative_to(ROOT)}  {widget.width()}×{widget.height()}")


def dark_palette() -> QPalette:
    """A dark scheme like the desktops' own (the colours a dark KDE/GNOME session hands Qt)."""
    dark = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2d31"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1f2023"),
        (QPalette.ColorRole.AlternateBase, "#2b2d31"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#35373c"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.Highlight, "#3b82f6"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, "#35373c"),
        (QPalette.ColorRole.ToolTipText, "#e6e6e6"),
        (QPalette.ColorRole.PlaceholderText, "#9a9ca3"),
        (QPalette.ColorRole.Mid, "#4a4c52"),
        (QPalette.ColorRole.Midlight, "#3a3c41"),
        (QPalette.ColorRole.Dark, "#1a1b1e"),
        (QPalette.ColorRole.Shadow, "#101113"),
        (QPalette.ColorRole.Light, "#4a4c52"),
        (QPalette.ColorRole.Link, "#7ab7ff"),
    ):
        dark.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
    ):
        dark.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6e75"))
    return dark


def use_scheme(app: QApplication, scheme: str) -> None:
    """The light scheme is Fusion's own palette; the dark one `dark_palette()`."""
    app.setPalette(dark_palette() if scheme == "dark" else app.style().standardPalette())
    _scheme["suffix"] = "-dark" if scheme == "dark" else ""


def make_photos(folder: Path, count: int) -> list[Path]:
    """Varied little landscapes: a sky gradient, a hill and a sun, each a different hue."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        hue = (i * 47) % 360
        im = Image.new("HSV", (240, 160), (hue * 255 // 360, 120, 230))
        draw = ImageDraw.Draw(im)
        draw.rectangle((0, 100 + i % 20, 240, 160), fill=((hue + 90) % 360 * 255 // 360, 150, 120))
        draw.ellipse((150, 20 + i % 30, 190, 60 + i % 30), fill=(40, 90, 255))
        draw.ellipse((60, 70, 90, 100), fill=(0, 0, 30))
        draw.rectangle((65, 95, 85, 135), fill=(0, 0, 30))
        draw.text((8, 6), f"{i + 1}", fill=(0, 0, 255))  # every photo different: no duplicates
        path = folder / f"IMG_{i:04d}.jpg"
        im.convert("RGB").save(path, quality=80)
        paths.append(path)
    return paths


class Scene:
    """A window on a private data folder, optionally with a simulator and an engine session."""

    def __init__(self, tmp: Path, *, demo: bool = False, **simulator_knobs: object) -> None:
        from app.simulator import Simulator, SimulatorConfig
        from app.ui.main_window import MainWindow
        from app.ui.workers import Workers

        self.data = tmp / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.workers = Workers()
        self.simulator: Simulator | None = None
        self.session = None
        base_url = "http://127.0.0.1:9"
        if simulator_knobs:
            self.simulator = Simulator(SimulatorConfig(**simulator_knobs))  # type: ignore[arg-type]
            base_url = self.simulator.start()
        self.window = MainWindow(self.workers, data_dir=self.data, base_url=base_url, demo=demo)
        self.window.set_demo(demo)
        self.window.resize(*SIZE)
        self.window.show()

    def connect(self) -> None:
        from app.ui.session import Session

        assert self.simulator is not None
        self.session = Session(
            self.workers,
            key="screenshot-key",
            base_url=self.simulator.base_url,
            data_dir=self.data,
            demo=self.window.demo,
        )
        self.window.set_session(self.session)
        self.session.start()
        wait_until(lambda: self.session is not None and self.session.bridge is not None)

    def add(self, paths: list[str]) -> None:
        self.window.add_paths(paths)
        wait_until(lambda: not self.window.photos.is_busy(), timeout=300)
        wait_until(lambda: self.window.photos.thumbnails_pending() == 0, timeout=60)
        settle()

    def create(self) -> None:
        self.window.confirm = lambda _dialog: True
        self.window.create_workflows()
        wait_until(lambda: self.window.photos.usable_photos() == [], timeout=30)

    def close(self) -> None:
        self.window.ask_quit = lambda _w, _n: True
        self.window.close()
        if self.session is not None:
            self.session.shutdown()
        self.workers.shutdown(10_000)
        if self.simulator is not None:
            self.simulator.stop()
        self.window.deleteLater()
        settle(50)


def shot_empty(tmp: Path) -> None:
    scene = Scene(tmp)
    settle()
    save(scene.window, "empty-window")
    scene.close()


def shot_many(tmp: Path) -> None:
    photos = make_photos(tmp / "event", 2000)
    scene = Scene(tmp, processing_time=5.0)
    scene.connect()
    scene.add([str(photos[0].parent)])
    save(scene.window, "2000-photos")
    scene.close()


def _running_scene(tmp: Path) -> Scene:
    """A batch part done: finished rows, rows being made (progress bars), rows waiting."""
    from app.ui.settings import UPLOAD_CONCURRENCY

    photos = make_photos(tmp / "party", 40)
    # Slow answers and two uploads at a time: photos finish one after another, so the list
    # shows finished rows, rows being made and rows waiting at once.
    scene = Scene(tmp, processing_time=5.0, latency=0.6, seed=7)
    scene.window.settings.set_value(UPLOAD_CONCURRENCY, 2)
    scene.connect()
    scene.add([str(photos[0].parent)])
    scene.create()
    engine = scene.session.engine  # type: ignore[union-attr]
    wait_until(
        lambda: sum(1 for i in engine.items() if i.state.name == "SUCCEEDED") >= 5, timeout=90
    )
    wait_until(lambda: any(i.state.is_remote and i.progress >= 30 for i in engine.items()))
    settle(1200)
    # Show where the action is: the last finished rows, then the ones being made.
    view = scene.window.job_list.view
    model = view.model()
    rows = [
        r
        for r in range(model.rowCount())
        if model.index(r, 0).data(Qt.ItemDataRole.UserRole + 3)
        in ("running", "uploading", "submitted")
    ]
    if rows:
        view.scrollTo(model.index(max(0, rows[0] - 2), 0), view.ScrollHint.PositionAtTop)
    settle(300)
    return scene


def shot_running(tmp: Path) -> None:
    scene = _running_scene(tmp)
    save(scene.window, "batch-running")
    scene.close()


def shot_results(tmp: Path) -> None:
    from app.ui.results.model import ResultRole

    photos = make_photos(tmp / "shop", 12)
    scene = Scene(tmp, processing_time=0.5)
    scene.connect()
    scene.add([str(photos[0].parent)])
    scene.create()
    engine = scene.session.engine  # type: ignore[union-attr]
    wait_until(lambda: all(i.state.name == "SUCCEEDED" for i in engine.items()), timeout=60)
    panel = scene.window.results_panel
    wait_until(lambda: panel.model.rowCount() == 12)
    scene.window.show_results()

    def previews() -> bool:
        model = panel.model
        rows = range(min(6, model.rowCount()))
        return all(model.index(r).data(ResultRole.PREVIEW) is not None for r in rows) and all(
            model.index(r).data(ResultRole.BEFORE) is not None for r in rows
        )

    wait_until(previews, timeout=60)
    panel.select_tile(1)
    settle(600)
    save(scene.window, "results")
    scene.close()


def shot_results_video(tmp: Path) -> None:
    """A template whose result is a short video: poster frames with a play mark."""
    from PySide6.QtWidgets import QComboBox

    from app.ui.results.model import ResultRole

    photos = make_photos(tmp / "xmas", 6)
    scene = Scene(tmp, processing_time=0.5)
    scene.connect()
    panel_settings = scene.window.settings_panel
    panel_settings.template_picker.set_template_id("vim_dancing_santa")
    mode = panel_settings.options.field("pipeline_mode")
    assert isinstance(mode, QComboBox), "the template offers no video result"
    mode.setCurrentIndex(mode.findData("video"))
    scene.add([str(photos[0].parent)])
    scene.create()
    engine = scene.session.engine  # type: ignore[union-attr]
    wait_until(lambda: all(i.state.name == "SUCCEEDED" for i in engine.items()), timeout=60)
    panel = scene.window.results_panel
    wait_until(lambda: panel.model.rowCount() == 6)
    assert all(t.media.is_video for t in panel.model.tiles), "the results are not videos"
    scene.window.show_results()
    model = panel.model
    wait_until(
        lambda: all(model.index(r).data(ResultRole.PREVIEW) is not None for r in range(6)),
        timeout=60,
    )
    panel.select_tile(0)
    settle(600)
    save(scene.window, "results-video")
    scene.close()


def _dialog_over(scene: Scene, dialog: QWidget, name: str) -> None:
    """The dialog over its (dimmed) window, as the user sees it."""
    from PySide6.QtGui import QColor, QPainter

    canvas = scene.window.grab()
    painter = QPainter(canvas)
    painter.fillRect(canvas.rect(), QColor(0, 0, 0, 90))
    picture = dialog.grab()
    x = (canvas.width() - picture.width()) // 2
    y = max(0, (canvas.height() - picture.height()) // 3)
    painter.drawPixmap(x, y, picture)
    painter.end()
    OUT.mkdir(parents=True, exist_ok=True)
    file_name = f"{name}{_scheme['suffix']}.png"
    canvas.save(str(OUT / file_name))
    print(f"docs/screenshots/{file_name}")


def shot_settings(tmp: Path) -> None:
    scene = Scene(tmp)
    dialog = scene.window.open_settings()
    wait_until(lambda: dialog.cache_label.text() != dialog.tr("Measuring…"), timeout=10)
    settle()
    _dialog_over(scene, dialog, "settings")
    dialog.reject()
    scene.close()


def shot_credit(tmp: Path) -> None:
    from app.ui.demo import sample_photos

    scene = Scene(tmp, processing_time=2.0, credit=3)
    scene.connect()
    scene.add([str(p) for p in sample_photos()])
    scene.create()
    panel = scene.window.job_list
    wait_until(lambda: getattr(panel, "held", lambda: None)() is not None, timeout=60)
    settle(1500)
    save(scene.window, "out-of-credit")
    scene.close()


def shot_first_run(tmp: Path) -> None:
    from app.ui.dialogs.key_dialog import KeyDialog

    scene = Scene(tmp)
    dialog = KeyDialog(scene.workers.io, "http://127.0.0.1:9", welcome=True, parent=scene.window)
    dialog.show()
    settle()
    _dialog_over(scene, dialog, "first-run")
    dialog.close()
    scene.close()


def _demo_with_jobs(tmp: Path, waiting: int = 6) -> Scene:
    """Demo mode: one batch finished (jobs below), new photos waiting to be sent."""
    done = make_photos(tmp / "yesterday", 8)
    scene = Scene(tmp, demo=True, processing_time=0.5)
    scene.connect()
    scene.add([str(done[0].parent)])
    scene.create()
    engine = scene.session.engine  # type: ignore[union-attr]
    wait_until(lambda: all(i.state.name == "SUCCEEDED" for i in engine.items()), timeout=60)
    fresh = make_photos(tmp / "today", waiting)
    scene.add([str(p) for p in fresh])
    return scene


def shot_smallest(tmp: Path) -> None:
    """The smallest window (850×600): fields clear of the scroll bar, three job rows."""
    scene = _demo_with_jobs(tmp)
    scene.window.resize(*SMALLEST)
    settle(600)
    save(scene.window, "window-850x600")
    window = scene.window
    window.show_results()
    window.results_panel.select_tile(0)
    wait_until(lambda: window.results_panel.model.rowCount() > 0, timeout=30)
    settle(1200)
    save(window, "window-850x600-results")
    scene.close()


def shot_focus(tmp: Path) -> None:
    """Keyboard focus on the Create button: its ring in the window's text colour."""
    scene = _demo_with_jobs(tmp)
    window = scene.window
    window.activateWindow()
    window.create_button.setFocus(Qt.FocusReason.TabFocusReason)
    settle(400)
    save(window, "keyboard-focus-create")
    scene.close()


def shot_confirm(tmp: Path) -> None:
    """The create confirmation with photos that will be skipped, their reasons wrapped."""
    from app.ui.dialogs.confirm_create import ConfirmCreateDialog

    good = make_photos(tmp / "event", 6)
    broken = tmp / "event" / "broken_truncated.jpg"
    broken.write_bytes(good[0].read_bytes()[:900])
    (tmp / "event" / "empty.jpg").write_bytes(b"")
    Image.new("RGB", (20, 20), "red").save(tmp / "event" / "tiny_20x20.jpg")
    (tmp / "event" / "not_really.jpg").write_bytes(b"this is not a photo")
    scene = Scene(tmp)
    scene.add([str(tmp / "event")])
    window = scene.window
    dialog = ConfirmCreateDialog(
        count=window.workflow_count(),
        template_label=window.settings_panel.template_label(),
        visibility_label=window.settings_panel.visibility_picker.visibility().label,
        skipped=window.photos.problem_photos(),
        demo=True,
        parent=window,
    )
    dialog.show()
    settle(400)
    _dialog_over(scene, dialog, "confirm-skipped")
    dialog.reject()
    scene.close()


def shot_error_reports(tmp: Path) -> None:
    """The one question at the first start, with its example report."""
    scene = Scene(tmp, demo=True)
    question = scene.window.ask_error_reports_once()
    assert question is not None
    settle(400)
    _dialog_over(scene, question, "error-reports-question")
    question.done(0)
    scene.close()


SHOTS = {
    "empty": shot_empty,
    "many": shot_many,
    "running": shot_running,
    "smallest": shot_smallest,
    "focus": shot_focus,
    "confirm": shot_confirm,
    "error-reports": shot_error_reports,
    "credit": shot_credit,
    "first-run": shot_first_run,
    "results": shot_results,
    "results-video": shot_results_video,
    "settings": shot_settings,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SHOTS), action="append")
    parser.add_argument("--scheme", choices=(*SCHEMES, "both"), default="both")
    args = parser.parse_args()
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    from app.ui.app import make_application

    app = make_application(["screenshots"])
    schemes = SCHEMES if args.scheme == "both" else (args.scheme,)
    for scheme in schemes:
        use_scheme(app, scheme)
        for name in args.only or list(SHOTS):
            with tempfile.TemporaryDirectory(prefix=f"vimbatch-shot-{name}-") as tmp:
                os.environ["VIMBATCH_DATA_DIR"] = str(Path(tmp) / "data")
                SHOTS[name](Path(tmp))
    use_scheme(app, "light")
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
