"""Keeping a dialog tall enough for its wrapped text, at any width.

Qt gives a top-level window the minimum size of its layout, but that minimum ignores
height-for-width: a word-wrapped label that appears (an error, a notice) or gets longer is
squeezed into the height the window already had, and the lines are drawn over each other or
cut off. `HeightForWidthFit` watches a window and, whenever its layout or width changes, makes
the window's minimum height what the layout needs at the current width (growing the window
when it is shorter than that).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


def needed_height(window: QWidget) -> int:
    """The height `window`'s layout needs at the window's current width (0 without layout)."""
    layout = window.layout()
    if layout is None:
        return 0
    layout.activate()
    minimum = layout.totalMinimumSize().height()
    if layout.hasHeightForWidth():
        return max(minimum, layout.totalHeightForWidth(window.width()))
    return minimum


def fit_height(window: QWidget) -> None:
    """Make `window` at least as tall as its content needs at its current width, now."""
    needed = needed_height(window)
    if needed <= 0:
        return
    if window.minimumHeight() != needed:
        window.setMinimumHeight(needed)
    if window.height() < needed:
        window.resize(window.width(), needed)


class HeightForWidthFit(QObject):
    """Keeps `window` tall enough for its wrapped labels (see the module docstring). No signals.

    The fit runs on the next event-loop turn after a resize or a layout change, so that a
    burst of changes costs one pass and resizing from inside the resize event never recurses.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        window.installEventFilter(self)

    def fit(self) -> None:
        fit_height(self.window)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() in (
            QEvent.Type.LayoutRequest,
            QEvent.Type.Resize,
            QEvent.Type.Show,
        ):
            self._timer.start()
        elif watched is self.window and event.type() == QEvent.Type.Hide:
            self._timer.stop()
        return False
