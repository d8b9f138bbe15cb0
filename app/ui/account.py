"""Account ▸ Replace key / Remove API key: the window's key actions.

The key is checked and stored by `KeyDialog`; removing it runs `app.engine.keys.clear_key` on a
worker (a keyring call may wait on an unlock prompt). `app.engine.keys` is imported when used:
keyring costs ~250 ms, which start-up must not pay (docs/ARCHITECTURE.md, "Facts: start-up").
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from app.ui.dialogs.key_dialog import KeyDialog
from app.ui.user_text import user_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.ui.workers import Workers


def leaving_demo_text() -> str:
    """Said once a key typed in demo mode was accepted: what became of the demo's jobs."""
    return QCoreApplication.translate(
        "AccountActions",
        "Vimmerse accepted your API key: you have left the demo. The list now shows only what "
        "you send to Vimmerse, starting empty; the demo's practice jobs stay in the demo and "
        "were not sent.",
    )


class AccountActions(QObject):
    """Asks for, replaces and removes the API key on behalf of a window.

    Signals:
        key_changed(str): a new key was checked and stored.
        key_removed(): the stored key was removed.
        status(str): a sentence for the window's status line.
        notice(str): a sentence that must stay in view until dismissed (leaving the demo).
    """

    key_changed = Signal(str)
    key_removed = Signal()
    status = Signal(str)
    notice = Signal(str)

    def __init__(
        self,
        window: QWidget,
        workers: Workers,
        base_url: Callable[[], str],
        remove_action: QAction,
        in_demo: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.workers = workers
        # The real service's address (or the user's configured one): keys are checked there,
        # never against the demo's simulator.
        self.base_url = base_url
        self.in_demo = in_demo
        self.remove_action = remove_action
        self._dialog: KeyDialog | None = None
        self._leaving_demo = False

    def open_key_dialog(self) -> KeyDialog:
        """Ask for a key (window-modal); a checked, stored key comes back as `key_changed`."""
        self._leaving_demo = self.in_demo()
        dialog = KeyDialog(
            self.workers.io,
            self.base_url(),
            welcome=False,
            leaving_demo=self._leaving_demo,
            parent=self.window,
        )
        self._dialog = dialog
        dialog.accepted.connect(self._key_entered)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _key_entered(self) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is not None and dialog.key:
            self.key_changed.emit(dialog.key)
            if self._leaving_demo:
                self.notice.emit(leaving_demo_text())
            else:
                self.status.emit(self.tr("Your API key was checked and saved."))

    def remove_key(self) -> None:
        answer = QMessageBox.question(
            self.window,
            self.tr("Remove API key"),
            self.tr(
                "Forget the API key stored on this computer? You will be asked for it the next "
                "time you send photos."
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        from app.engine.keys import clear_key

        self.remove_action.setEnabled(False)
        self.workers.io.submit(clear_key, self._key_cleared, self._key_not_cleared)

    def _key_cleared(self, _none: object = None) -> None:
        from app.engine.keys import KEY_ENV

        self.remove_action.setEnabled(True)
        self.key_removed.emit()
        if os.environ.get(KEY_ENV, "").strip():
            self.status.emit(
                self.tr(
                    "The API key was removed from this computer's password store, but the "
                    "{name} environment variable still holds one: vimbatch will use it the "
                    "next time it starts until that variable is removed."
                ).format(name=KEY_ENV)
            )
        else:
            self.status.emit(self.tr("The API key was removed from this computer."))

    def _key_not_cleared(self, error: BaseException) -> None:
        self.remove_action.setEnabled(True)
        self.status.emit(user_text(error))
