"""The banner across the job list when sending is held: out of credit (402) or key refused.

It says what happened in plain words and that nothing was lost (the rest stays queued), and
offers the one thing to do next: "Resume" once credit was added, "Enter key…" when the key was
refused. It uses the palette's tooltip colours plus a warning icon and a bold heading, so it
stands out in light and dark themes without relying on colour.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)


class HoldKind(StrEnum):
    CREDIT = "credit"
    KEY = "key"


class JobBanner(QFrame):
    """Shown while a batch is held for a reason the user must fix.

    Signals:
        resume_requested(): the user pressed "Resume" (credit was added, or the key fixed).
        key_requested(): the user pressed "Enter key…"; the window opens its key dialog.
    """

    resume_requested = Signal()
    key_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.setAccessibleName(self.tr("Sending is on hold"))
        self.kind: HoldKind | None = None

        self.icon = QLabel(self)
        self.icon.setObjectName("jobBannerIcon")
        self.heading = QLabel(self)
        self.heading.setObjectName("jobBannerHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel(self)
        self.message.setObjectName("jobBannerMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        for label in (self.heading, self.message):
            label.setForegroundRole(QPalette.ColorRole.ToolTipText)

        self.key_button = QPushButton(self.tr("Enter key…"), self)
        self.key_button.setObjectName("jobBannerKey")
        self.key_button.setToolTip(self.tr("Enter or change your Vimmerse API key"))
        self.key_button.clicked.connect(self.key_requested)
        self.resume_button = QPushButton(self.tr("Resume"), self)
        self.resume_button.setObjectName("jobBannerResume")
        self.resume_button.clicked.connect(self.resume_requested)

        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.heading)
        texts.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(texts, 1)
        layout.addWidget(self.key_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.resume_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_hold(self, kind: HoldKind, reason: str | None = None) -> None:
        """Show the banner for `kind`; `reason` is the engine's plain-words explanation."""
        self.kind = kind
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_LargeIconSize)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon.setPixmap(icon.pixmap(QSize(size, size), self.devicePixelRatioF()))
        if kind is HoldKind.CREDIT:
            self.heading.setText(self.tr("Out of credit: sending is paused"))
            default = self.tr(
                "Your Vimmerse account has no credit left. The remaining photos stay queued and "
                "nothing is lost. Add credit with Vimmerse, then press Resume."
            )
            self.resume_button.setToolTip(self.tr("Carry on sending once credit was added"))
            self.key_button.hide()
        else:
            self.heading.setText(self.tr("Your API key was not accepted: sending is paused"))
            default = self.tr(
                "Vimmerse refused the API key. The remaining photos stay queued and nothing is "
                "lost. Enter a valid key to carry on."
            )
            self.resume_button.setToolTip(self.tr("Carry on sending with the current key"))
            self.key_button.show()
        self.message.setText(reason or default)
        self.setAccessibleDescription(self.heading.text() + ". " + self.message.text())
        self.show()

    def clear(self) -> None:
        self.kind = None
        self.hide()
