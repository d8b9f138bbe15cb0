"""The API key dialog: first-run welcome ("paste your key" or "try the demo") and Replace key.

The key is checked against the server and then stored with `app.engine.keys.store_key`, both on
a worker (a keyring call may wait on an unlock prompt); Cancel while it is checked stores nothing.
The server is always the real one (or the address the user configured), never the demo's
simulator: a key typed in demo mode must be one Vimmerse accepts.

One note under the key says where the key is kept; where the system has no keyring, that same
note says the key lives for this session only (never two messages that contradict each other).
The dialog keeps itself tall enough for its wrapped text (`app.ui.fit`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.fit import HeightForWidthFit
from app.ui.user_text import user_text
from app.ui.workers import Task, TaskRunner

if TYPE_CHECKING:  # keyring (~250 ms) is imported when the key is stored, not at start-up
    from app.engine.keys import KeyOrigin


def _check_and_store(key: str, base_url: str, cancelled: threading.Event) -> KeyOrigin | None:
    """Check the key with the server, then store it (worker thread: network and keyring).

    Returns None, storing nothing, when the user cancelled while the key was being checked.
    """
    from app.engine.keys import store_key
    from app.engine.session import make_client

    client = make_client(key, base_url, max_connections=2)
    try:
        client.check_key()
    finally:
        client.close()
    if cancelled.is_set():
        return None
    return store_key(key)


class KeyDialog(QDialog):
    """Asks for the API key, checks it, stores it.

    After `accept()`: `key` holds the key and `origin` where it was stored. After "Try the
    demo": `chose_demo` is True (and the dialog is accepted).

    Signals:
        checked(bool): a check finished (accepted or not); handy for tests.
    """

    checked = Signal(bool)

    def __init__(
        self,
        runner: TaskRunner,
        base_url: str,
        *,
        welcome: bool,
        leaving_demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.runner = runner
        self.base_url = base_url
        self.key: str | None = None
        self.origin: KeyOrigin | None = None
        self.chose_demo = False
        self._task: Task | None = None
        self._cancelled = threading.Event()
        self._pending_key = ""
        self.setWindowTitle(self.tr("Welcome to vimbatch") if welcome else self.tr("API key"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        if welcome:
            title = QLabel(self.tr("Welcome to vimbatch"), self)
            font = title.font()
            font.setPointSizeF(font.pointSizeF() * 1.5)
            font.setBold(True)
            title.setFont(font)
            layout.addWidget(title)
            intro = QLabel(
                self.tr(
                    "vimbatch turns a pile of photos into Vimmerse pictures and videos in one go. "
                    "To send photos to Vimmerse, paste the API key Vimmerse gave you."
                ),
                self,
            )
        elif leaving_demo:
            intro = QLabel(
                self.tr(
                    "Paste the API key Vimmerse gave you. It is checked with Vimmerse itself, "
                    "not with the demo.\n\nOnce Vimmerse accepts it, vimbatch leaves the demo: "
                    "your job list starts empty and what you send from then on goes to "
                    "Vimmerse. The demo's practice jobs are not sent anywhere; they stay in the "
                    "demo."
                ),
                self,
            )
        else:
            intro = QLabel(self.tr("Paste the API key Vimmerse gave you."), self)
        intro.setObjectName("keyIntro")
        intro.setWordWrap(True)
        self.intro = intro
        layout.addWidget(intro)

        row = QHBoxLayout()
        label = QLabel(self.tr("API key:"), self)
        self.key_edit = QLineEdit(self)
        self.key_edit.setObjectName("keyEdit")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName(self.tr("API key"))
        self.key_edit.setPlaceholderText(self.tr("Paste your key here"))
        label.setBuddy(self.key_edit)
        row.addWidget(label)
        row.addWidget(self.key_edit, 1)
        self.show_key = QPushButton(self.tr("Show"), self)
        self.show_key.setCheckable(True)
        # Never a default button: Enter in the key field checks the key, it must not also
        # show it in clear text when focus lands on this button.
        self.show_key.setAutoDefault(False)
        self.show_key.setAccessibleName(self.tr("Show the key"))
        self.show_key.toggled.connect(self._toggle_shown)
        row.addWidget(self.show_key)
        layout.addLayout(row)

        self.status = QLabel(self)
        self.status.setObjectName("keyStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.hide()
        layout.addWidget(self.status)
        self.note = _hint(
            self.tr(
                "Your key is kept in this computer's password store, never in a file. "
                "No key yet? Ask Vimmerse for one."
            ),
            self,
        )
        self.note.setObjectName("keyNote")
        layout.addWidget(self.note)

        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(
            self.tr("Check and save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("saveKey")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.demo_button: QPushButton | None = None
        if welcome:
            self.demo_button = buttons.addButton(
                self.tr("Try the demo"), QDialogButtonBox.ButtonRole.ActionRole
            )
            self.demo_button.setObjectName("tryDemo")
            self.demo_button.setAutoDefault(False)
            self.demo_button.setToolTip(
                self.tr("Look around with sample photos; nothing is sent to Vimmerse")
            )
            self.demo_button.clicked.connect(self._demo)
        cancel = buttons.addButton(
            self.tr("Quit") if welcome else self.tr("Cancel"),
            QDialogButtonBox.ButtonRole.RejectRole,
        )
        cancel.setObjectName("cancelKey")
        cancel.setAutoDefault(False)
        self.cancel_button = cancel
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self._check)
        self.key_edit.textChanged.connect(self._text_changed)
        self.key_edit.returnPressed.connect(self._check)
        layout.addWidget(buttons)
        self.fit = HeightForWidthFit(self)

    def _text_changed(self, text: str) -> None:
        self.save_button.setEnabled(bool(text.strip()))

    def _toggle_shown(self, shown: bool) -> None:
        self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.show_key.setText(self.tr("Hide") if shown else self.tr("Show"))

    def _demo(self) -> None:
        self.chose_demo = True
        self.accept()

    def _check(self) -> None:
        key = self.key_edit.text().strip()
        if not key or not self.save_button.isEnabled():
            return
        self.save_button.setEnabled(False)
        # Read-only, not disabled: a disabled field would hand focus (and Enter) to the next
        # button while the key is checked.
        self.key_edit.setReadOnly(True)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Checking the key with Vimmerse…"))
        self.status.show()
        base_url = self.base_url
        cancelled = self._cancelled = threading.Event()
        self._pending_key = key
        self._task = self.runner.submit(
            lambda: _check_and_store(key, base_url, cancelled), self._accepted, self._refused
        )

    def reject(self) -> None:
        """Cancel: a key still being checked is dropped (never stored), its answer ignored.

        Once a key is accepted (kept for this session), Escape goes on with it instead."""
        if self.key is not None:
            self.accept()
            return
        self._cancelled.set()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        super().reject()

    def _accepted(self, origin: KeyOrigin | None) -> None:
        self._task = None
        if origin is None or self._cancelled.is_set():
            return
        from app.engine.keys import KeyOrigin

        self.key = self._pending_key
        self.origin = origin
        self.checked.emit(True)
        if self.origin is KeyOrigin.SESSION:
            # Said in the dialog itself, so the user reads it before going on: it replaces the
            # note about the password store, which would now be untrue.
            self.status.hide()
            self.note.setText(session_only_text())
            self.save_button.setText(self.tr("Continue"))
            self.save_button.setEnabled(True)
            self.save_button.clicked.disconnect()
            self.save_button.clicked.connect(self.accept)
            self.key_edit.returnPressed.disconnect(self._check)
            # The key is kept: nothing here may throw it away any more (no demo, no Quit), and
            # the next Enter goes on.
            if self.demo_button is not None:
                self.demo_button.hide()
            self.cancel_button.hide()
            self.show_key.setChecked(False)
            self.show_key.setEnabled(False)
            self.save_button.setDefault(True)
            self.save_button.setFocus()
            return
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self._task = None
        if self._cancelled.is_set():
            return
        self.status.setStyleSheet("color: #c62828;")
        self.status.setText(user_text(error))
        self.status.show()
        self.key_edit.setReadOnly(False)
        self.save_button.setEnabled(True)
        self.key_edit.setFocus()
        self.checked.emit(False)


def session_only_text() -> str:
    """What the dialog says when the key can be kept only until quitting (no keyring).

    No environment variables here: that advice is for technical users and is in the README."""
    return QCoreApplication.translate(
        "KeyDialog",
        "Your key was accepted. This computer has no password store that vimbatch can use, so "
        "the key is kept only until you quit vimbatch: you will be asked for it again next "
        "time.",
    )


def _hint(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    label.setForegroundRole(label.foregroundRole())
    return label
