"""Regenerate the first-use screenshots (issue 12) in docs/screenshots/, offscreen, 1280×800.

    .venv/bin/python scripts/screenshots_first_use.py [--only NAME] [--dark]

The key dialog leaving the demo (a refused key, then the note when no password store exists),
the window after leaving the demo, the offline and slow-down banners, the settings dialog
refusing a file-name pattern (also at its minimum size) and the save-folder dialog. Real parts
as in scripts/screenshots.py (whose scene helpers this uses): simulator, engine, window.
`--dark` also makes a dark-palette copy of each (name-dark.png).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "QT_QPA_PLATFORM" not in os.environ:
    # A 1280×800 offscreen screen: dialogs size themselves to the screen they are on.
    _screens = Path(tempfile.mkdtemp(prefix="vimbatch-screen-")) / "screens.json"
    _screen = {"name": "shot", "x": 0, "y": 0, "width": 1280, "height": 800, "dpr": 1}
    _screens.write_text(json.dumps({"screens": [_screen]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screens}"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshots import OUT, Scene, _dialog_over, make_photos, save, settle, wait_until  # noqa: E402

SUFFIX = {"value": ""}


def _name(name: str) -> str:
    return name + SUFFIX["value"]


def shot_key_leaving_demo(tmp: Path) -> None:
    from app.simulator import Simulator, SimulatorConfig
    from app.ui.dialogs.key_dialog import KeyDialog

    service = Simulator(SimulatorConfig(valid_keys=frozenset({"good-key"})))
    service.start()
    scene = Scene(tmp, demo=True)
    try:
        dialog = KeyDialog(
            scene.workers.io, service.base_url, welcome=False, leaving_demo=True,
            parent=scene.window,
        )  # fmt: skip
        dialog.show()
        dialog.key_edit.setText("abc")
        results: list[bool] = []
        dialog.checked.connect(results.append)
        dialog.save_button.click()
        wait_until(lambda: bool(results), timeout=20)
        settle()
        _dialog_over(scene, dialog, _name("key-refused-in-demo"))
        dialog.reject()
    finally:
        scene.close()
        service.stop()


def shot_key_session_only(tmp: Path) -> None:
    from app.simulator import Simulator, SimulatorConfig
    from app.ui.dialogs.key_dialog import KeyDialog

    service = Simulator(SimulatorConfig())
    service.start()
    scene = Scene(tmp)
    try:
        dialog = KeyDialog(scene.workers.io, service.base_url, welcome=True, parent=scene.window)
        dialog.show()
        dialog.key_edit.setText("good-key")
        results: list[bool] = []
        dialog.checked.connect(results.append)
        dialog.save_button.click()  # no keyring here: kept until quitting, and it says so
        wait_until(lambda: bool(results), timeout=20)
        settle()
        _dialog_over(scene, dialog, _name("key-without-password-store"))
        dialog.reject()
    finally:
        scene.close()
        service.stop()
        from app.engine.keys import clear_key

        clear_key()


def shot_left_demo(tmp: Path) -> None:
    from app.ui.account import leaving_demo_text

    scene = Scene(tmp, processing_time=1.0)
    scene.connect()
    scene.window._lasting_notice(leaving_demo_text())
    settle()
    save(scene.window, _name("left-the-demo"))
    scene.close()


def _connection_scene(tmp: Path, status: str, seconds: float) -> None:
    from app.engine.model import ConnectionState, ConnectionStatus, EngineEvent, EventKind

    photos = make_photos(tmp / "event", 24)
    # Every answer is held back: the first photos stay "sending", the rest wait, as offline.
    scene = Scene(tmp, processing_time=600.0, latency=600.0)
    scene.connect()
    assert scene.session is not None
    scene.add([str(photos[0].parent)])
    scene.create()
    bridge = scene.session.bridge
    assert bridge is not None
    wait_until(lambda: scene.window.job_list.model.rowCount() == 24, timeout=30)
    state = ConnectionState(ConnectionStatus(status), until=time.time() + seconds)
    event = EngineEvent(kind=EventKind.CONNECTION, connection=state)
    thread = threading.Thread(target=bridge._on_event, args=(event,))  # as the engine calls it
    thread.start()
    thread.join()
    wait_until(scene.window.job_list.connection_banner.isVisible, timeout=10)
    settle(600)
    save(scene.window, _name(f"connection-{status}"))
    # Stopped first: it drops the held requests, so the engine's shutdown does not wait.
    assert scene.simulator is not None
    scene.simulator.stop()
    scene.close()


def shot_offline(tmp: Path) -> None:
    """The real thing: the service stops answering before the batch is sent."""
    photos = make_photos(tmp / "event", 24)
    scene = Scene(tmp, processing_time=2.0)
    scene.connect()
    assert scene.simulator is not None
    scene.simulator.stop()
    scene.add([str(photos[0].parent)])
    scene.create()
    wait_until(scene.window.job_list.connection_banner.isVisible, timeout=30)
    wait_until(lambda: scene.window.job_list.model.rowCount() == 24, timeout=30)
    settle(1500)
    save(scene.window, _name("connection-offline"))
    scene.close()


def shot_slowed(tmp: Path) -> None:
    _connection_scene(tmp, "slowed", 95)


def _settings_refusing(scene: Scene) -> object:
    from PySide6.QtWidgets import QDialogButtonBox

    from app.ui.settings import NAME_PATTERN

    dialog = scene.window.open_settings()
    dialog.editors[NAME_PATTERN.key].setText("{foo}/{n}")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    settle()
    return dialog


def shot_settings_refused(tmp: Path) -> None:
    scene = Scene(tmp)
    dialog = _settings_refusing(scene)
    _dialog_over(scene, dialog, _name("settings-pattern-refused"))  # type: ignore[arg-type]
    dialog.reject()  # type: ignore[attr-defined]
    scene.close()


def shot_settings_minimum(tmp: Path) -> None:
    scene = Scene(tmp)
    dialog = _settings_refusing(scene)
    dialog.resize(dialog.minimumSize())  # type: ignore[attr-defined]
    settle()
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()  # type: ignore[attr-defined]
    settle()
    _dialog_over(scene, dialog, _name("settings-minimum-size"))  # type: ignore[arg-type]
    dialog.reject()  # type: ignore[attr-defined]
    scene.close()


def shot_save_folder(tmp: Path) -> None:
    from app.ui.folder_choice import FolderDialog, start_folder

    default = tmp / "Pictures" / "Vimmerse"
    (tmp / "Pictures" / "Holidays").mkdir(parents=True)
    scene = Scene(tmp)
    dialog = FolderDialog(scene.window, "Save results in", start_folder("", str(default)))
    dialog.resize(760, 460)
    dialog.show()
    settle(800)
    _dialog_over(scene, dialog, _name("save-folder"))
    dialog.reject()
    scene.close()


SHOTS: dict[str, Callable[[Path], None]] = {
    "key-refused-in-demo": shot_key_leaving_demo,
    "key-without-password-store": shot_key_session_only,
    "left-the-demo": shot_left_demo,
    "offline": shot_offline,
    "slowed": shot_slowed,
    "settings-refused": shot_settings_refused,
    "settings-minimum": shot_settings_minimum,
    "save-folder": shot_save_folder,
}


def dark_palette() -> QPalette:
    palette = QPalette()
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
    ):
        palette.setColor(role, QColor(color))
    return palette


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SHOTS), action="append")
    parser.add_argument("--dark", action="store_true", help="also in a dark palette")
    args = parser.parse_args()
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    from app.ui.app import make_application

    app = make_application(["screenshots"])
    assert isinstance(app, QApplication)
    light = app.palette()
    palettes = [("", light)] + ([("-dark", dark_palette())] if args.dark else [])
    for suffix, palette in palettes:
        app.setPalette(palette)
        SUFFIX["value"] = suffix
        for name in args.only or list(SHOTS):
            with tempfile.TemporaryDirectory(prefix=f"vimbatch-shot-{name}-") as tmp:
                os.environ["VIMBATCH_DATA_DIR"] = str(Path(tmp) / "data")
                SHOTS[name](Path(tmp))
    app.setPalette(light)
    print(f"in {OUT}")
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
