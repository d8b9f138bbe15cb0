"""The banner across the job list while Vimmerse cannot be reached or asked us to slow down.

The engine tells the connection state (`ConnectionState`, EventKind.CONNECTION): OFFLINE when
requests cannot reach Vimmerse (sending waits; a light health check backs off until it
answers), SLOWED after a 429 (`until` says when sending goes on). The banner says so in plain
words, that nothing is lost, and how long until the next try, counting down once a second
while shown. It needs no action from the user: sending resumes by itself, and the banner
hides when the state is ONLINE again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer
from PySide6.QtGui import QHideEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QStyle, QVBoxLayout, QWidget

from app.engine.model import ConnectionState, ConnectionStatus
from app.ui.jobs.model import format_duration

TICK_MS = 1000


class ConnectionBanner(QFrame):
    """Shown while the connection state is not ONLINE. No signals."""

    def __init__(
        self, parent: QWidget | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectionBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        # The palette's tooltip colours: readable in light and dark themes alike.
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.clock = clock
        self.state = ConnectionState()

        self.icon = QLabel(self)
        self.icon.setObjectName("connectionBannerIcon")
        self.message = QLabel(self)
        self.message.setObjectName("connectionBannerMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        font = self.message.font()
        font.setBold(True)
        self.message.setFont(font)
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.countdown = QLabel(self)
        self.countdown.setObjectName("connectionBannerCountdown")
        self.countdown.setWordWrap(True)
        self.countdown.setTextFormat(Qt.TextFormat.PlainText)
        for label in (self.message, self.countdown):
            label.setForegroundRole(QPalette.ColorRole.ToolTipText)

        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.message)
        texts.addWidget(self.countdown)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(texts, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.hide()

    def set_state(self, state: ConnectionState) -> None:
        """Show `state` (hide for ONLINE)."""
        self.state = state
        if state.status is ConnectionStatus.ONLINE:
            self._timer.stop()
            self.hide()
            return
        offline = state.status is ConnectionStatus.OFFLINE
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) * 2
        icon = self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if offline
            else QStyle.StandardPixmap.SP_MessageBoxInformation
        )
        self.icon.setPixmap(icon.pixmap(QSize(size, size), self.devicePixelRatioF()))
        self.message.setText(state.message or default_message(state.status))
        self._tick()
        self.show()
        if state.until is not None:
            self._timer.start()
        else:
            self._timer.stop()

    def _tick(self) -> None:
        text = countdown_text(self.state, self.clock())
        self.countdown.setText(text)
        self.countdown.setVisible(bool(text))
        self.setAccessibleName(self.message.text())
        self.setAccessibleDescription(text)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)


def _tr(text: str) -> str:
    return QCoreApplication.translate("ConnectionBanner", text)


def default_message(status: ConnectionStatus) -> str:
    """The banner's words when the engine gives none."""
    if status is ConnectionStatus.OFFLINE:
        return _tr(
            "Can't reach Vimmerse. Your photos are safe and will be sent when the connection "
            "is back."
        )
    return _tr("Vimmerse asked us to slow down. Your photos are safe; sending goes on by itself.")


def countdown_text(state: ConnectionState, now: float) -> str:
    """How long until the next try (offline) or until sending goes on (slowed)."""
    if state.status is ConnectionStatus.ONLINE:
        return ""
    offline = state.status is ConnectionStatus.OFFLINE
    if state.until is None:
        return (
            _tr("Checking the connection now and then.")
            if offline
            else _tr("Sending goes on shortly.")
        )
    left = state.until - now
    if left < 1:
        return _tr("Checking the connection…") if offline else _tr("Sending goes on now…")
    duration = format_duration(left)
    return (
        _tr("Checking again in {time}.").format(time=duration)
        if offline
        else _tr("Sending goes on in {time}.").format(time=duration)
    )
