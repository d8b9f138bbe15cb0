"""Opening a result file in the computer's own viewer, and what to do when nothing opens it.

`QDesktopServices.openUrl` answers False when no program is set up for the file type (a fresh
Linux install without an image viewer, an AVI without a player): the user is told so and offered
the file's folder instead of a click that does nothing.

    message = open_file(parent, path, opener=QDesktopServices.openUrl, ask=ask_show_in_folder)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtWidgets import QMessageBox, QWidget

# Opens a URL; False means nothing could open it (any other answer counts as opened, so a test
# may pass `list.append`).
Opener = Callable[[QUrl], object]
# Says no program opens the file (its name) and asks whether to show its folder instead.
AskFolder = Callable[[QWidget, str], bool]


def _tr(text: str) -> str:
    return QCoreApplication.translate("Opening", text)


def ask_show_in_folder(parent: QWidget, name: str) -> bool:
    box = QMessageBox(parent)
    box.setObjectName("noViewerBox")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(_tr("No program to open it"))
    box.setText(_tr("No program on this computer opens “{name}”.").format(name=name))
    box.setInformativeText(
        _tr(
            "The file itself is fine. You can show it in its folder and open it from there, "
            "or install a picture viewer or video player."
        )
    )
    show = box.addButton(_tr("Show in folder"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(show)
    box.exec()
    return box.clickedButton() is show


def show_in_folder(path: str, *, opener: Opener) -> str | None:
    """Open the folder holding the file `path`; a sentence for the status bar when nothing can
    show it, else None."""
    if opener(QUrl.fromLocalFile(str(Path(path).parent))) is False:
        return _tr("No program could show the folder. The file is here: {path}").format(path=path)
    return None


def open_file(parent: QWidget, path: str, *, opener: Opener, ask: AskFolder) -> str | None:
    """Open `path` in its default program; when none does, say so and offer its folder.
    Returns a sentence for the status bar when something could not be done, else None."""
    if opener(QUrl.fromLocalFile(path)) is not False:
        return None
    if not ask(parent, Path(path).name):
        return None
    return show_in_folder(path, opener=opener)
