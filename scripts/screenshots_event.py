"""Regenerate the event mode's screenshots (docs/screenshots/event-*.png, already-made.png) at
1280×800 from the real window, offscreen, with the scenes of scripts/screenshots.py.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_event.py [--only NAME]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import (
    Scene,
    _dialog_over,
    make_photos,
    save,
    settle,
    wait_until,
)


def _event_scene(tmp: Path, booth: Path, processing_time: float = 1.5) -> Scene:
    """A window with a running event "New Year 2026" on `booth`."""
    from app.engine.event_profiles import EventBook, EventProfile

    scene = Scene(tmp, processing_time=processing_time)
    scene.connect()
    panel = scene.window.event_panel
    scene.window.right_tabs.setCurrentIndex(1)
    engine = scene.session.engine  # type: ignore[union-attr]
    EventBook(engine.store).save(
        EventProfile(name="New Year 2026", folder=str(booth), settle=1.0, existing="skip")
    )
    panel._reload()
    wait_until(lambda: panel.picker.count() == 1)
    panel.ask_existing = lambda _w, _n, _f: False
    panel.start()
    wait_until(lambda: panel.running)
    return scene


def shot_event_running(tmp: Path) -> None:
    booth = tmp / "Booth"
    source = make_photos(tmp / "camera", 9)
    make_photos(booth, 0)
    scene = _event_scene(tmp, booth, processing_time=4.0)
    panel = scene.window.event_panel
    for path in source[:6]:
        shutil.copy(path, booth / path.name)
    (booth / "IMG_0002.CR2").write_bytes(b"raw" * 1000)
    wait_until(lambda: panel.counters["done"].text() == "6", timeout=60)
    for path in source[6:]:
        shutil.copy(path, booth / path.name)
    wait_until(lambda: panel.counters["being_made"].text() != "0", timeout=30)
    wait_until(lambda: panel.latest.pixmap() is not None and not panel.latest.pixmap().isNull())
    settle(600)
    save(scene.window, "event-mode")
    scene.close()


def shot_event_folder_gone(tmp: Path) -> None:
    booth = tmp / "Booth"
    source = make_photos(tmp / "camera", 3)
    make_photos(booth, 0)
    scene = _event_scene(tmp, booth)
    panel = scene.window.event_panel
    for path in source:
        shutil.copy(path, booth / path.name)
    wait_until(lambda: panel.counters["done"].text() == "3", timeout=60)
    booth.rename(tmp / "unplugged")
    wait_until(lambda: "can't be reached" in panel.health.text(), timeout=30)
    settle(400)
    save(scene.window, "event-folder-unreachable")
    scene.close()


def shot_already_made(tmp: Path) -> None:
    from app.ui.dialogs.confirm_create import ConfirmCreateDialog

    scene = Scene(tmp, processing_time=0.2)
    scene.connect()
    photos = make_photos(tmp / "party", 12)
    scene.add([str(p) for p in photos])
    scene.create()
    engine = scene.session.engine  # type: ignore[union-attr]
    wait_until(lambda: engine.wait_idle(0), timeout=60)
    more = make_photos(tmp / "party-late", 15)[12:]  # three taken later
    scene.add([str(p) for p in [*photos, *more]])
    shown: list[ConfirmCreateDialog] = []

    def confirm(dialog: ConfirmCreateDialog) -> bool:
        dialog.show()
        settle()
        _dialog_over(scene, dialog, "already-made")
        shown.append(dialog)
        return False

    scene.window.confirm = confirm
    scene.window.create_workflows()
    wait_until(lambda: bool(shown), timeout=30)
    scene.close()


SHOTS = {
    "event-mode": shot_event_running,
    "event-folder-unreachable": shot_event_folder_gone,
    "already-made": shot_already_made,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SHOTS), action="append")
    args = parser.parse_args()
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    from app.ui.app import make_application

    app = make_application(["screenshots"])
    for name in args.only or list(SHOTS):
        with tempfile.TemporaryDirectory(prefix=f"vimbatch-shot-{name}-") as tmp:
            os.environ["VIMBATCH_DATA_DIR"] = str(Path(tmp) / "data")
            SHOTS[name](Path(tmp))
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
