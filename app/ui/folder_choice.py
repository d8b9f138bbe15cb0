"""Choosing the folder results are saved in: a dialog that starts somewhere real.

The default, ~/Pictures/Vimmerse, does not exist on a new computer; a folder dialog asked to
start in a missing folder opens in the current directory (the app's install folder) with
*Choose* disabled, and Qt's own dialog keeps it disabled while the user types the name of a
folder that does not exist yet. So:

- `start_folder` (call it on a worker: it reads and may write the disk) creates the default
  folder when it is the one to start in, and otherwise falls back to the nearest folder that
  exists, suggesting the missing part as the new folder's name;
- `FolderDialog` accepts a typed name of a folder that does not exist yet (the engine creates
  it when it saves), and offers Qt's "New folder" button as always.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLineEdit, QWidget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartFolder:
    """Where a folder dialog opens, and the name to suggest in it ("" for none)."""

    folder: str
    suggested_name: str = ""


def start_folder(wanted: str, default: str) -> StartFolder:
    """Where to open a folder dialog for `wanted` (worker thread: disk access).

    The default folder is created when missing (it is the app's own choice, and the user is
    about to save into it); any other missing folder falls back to its nearest existing
    parent, with the first missing name suggested."""
    path = Path(wanted or default).expanduser()
    if path.is_dir():
        return StartFolder(str(path))
    if str(path) == str(Path(default).expanduser()):
        try:
            path.mkdir(parents=True, exist_ok=True)
            return StartFolder(str(path))
        except OSError as exc:
            log.info("could not create the default folder %s: %s", path, exc)
    missing = path
    parent = path.parent
    while not parent.is_dir() and parent != parent.parent:
        missing, parent = parent, parent.parent
    if not parent.is_dir():
        return StartFolder(str(Path.home()))
    return StartFolder(str(parent), missing.name)


class FolderDialog(QFileDialog):
    """A folder picker whose *Choose* also takes the name of a folder still to be made.

    Only Qt's own dialog needs the help (the native ones allow new names already). After
    `exec()`, `chosen()` is the folder picked or typed ("" when cancelled). No signals."""

    def __init__(self, parent: QWidget | None, title: str, start: StartFolder) -> None:
        super().__init__(parent, title, start.folder)
        self.setObjectName("folderDialog")
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setOption(QFileDialog.Option.ShowDirsOnly, True)
        self._typed_new: str | None = None
        self._chosen: str | None = None
        self._wired = False
        if start.suggested_name:
            self.selectFile(start.suggested_name)

    def _name_edit(self) -> QLineEdit | None:
        edit = self.findChild(QLineEdit, "fileNameEdit")
        return edit if isinstance(edit, QLineEdit) else None

    def _choose_button(self) -> QWidget | None:
        box = self.findChild(QDialogButtonBox, "buttonBox")
        if not isinstance(box, QDialogButtonBox):
            return None
        return box.button(QDialogButtonBox.StandardButton.Open)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        edit = self._name_edit()
        if edit is not None and not self._wired:
            self._wired = True
            # Connected after the dialog's own handler, so this runs after it disabled *Choose*.
            edit.textChanged.connect(self._name_typed)
            self._name_typed(edit.text())

    def _name_typed(self, text: str) -> None:
        button = self._choose_button()
        name = text.strip()
        self._typed_new = None
        if button is None or button.isEnabled() or not _plausible_folder_name(name):
            return
        # Qt refused the name because no such folder exists: it will be made when saving.
        self._typed_new = str(Path(self.directory().absolutePath()) / name)
        button.setEnabled(True)

    def accept(self) -> None:
        edit = self._name_edit()
        if self._typed_new is not None and edit is not None and edit.text().strip():
            # QFileDialog.accept would refuse a folder that does not exist yet. Kept now:
            # closing the dialog may change the name field (and so `_typed_new`).
            self._chosen = self._typed_new
            QDialog.accept(self)
            return
        self._chosen = None
        super().accept()

    def chosen(self) -> str:
        if self.result() != QDialog.DialogCode.Accepted:
            return ""
        if self._chosen is not None:
            return self._chosen
        files = self.selectedFiles()
        return files[0] if files else ""


def _plausible_folder_name(name: str) -> bool:
    if not name or name in (".", ".."):
        return False
    with contextlib.suppress(ValueError):
        return Path(name).name != "" and "\0" not in name
    return False


def ask_folder(parent: QWidget | None, title: str, start: StartFolder) -> str:
    """Show a `FolderDialog` (modal) and return the folder chosen, or "" when cancelled."""
    dialog = FolderDialog(parent, title, start)
    try:
        dialog.exec()
        return dialog.chosen()
    finally:
        dialog.deleteLater()
