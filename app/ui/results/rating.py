"""StarRating: 1–5 stars, clickable and keyboard-driven; paints the same stars the tiles show."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

STAR_COLOR = QColor("#f5a623")
EMPTY_COLOR = QColor("#b8b8b8")


def star_polygon(box: QRectF) -> QPolygonF:
    cx, cy = box.center().x(), box.center().y()
    outer = min(box.width(), box.height()) / 2
    inner = outer * 0.45
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return QPolygonF(points)


def paint_stars(painter: QPainter, origin: QPointF, size: float, value: int) -> None:
    """Five stars from `origin` (top-left), `value` of them filled."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    for i in range(5):
        box = QRectF(origin.x() + i * size, origin.y(), size, size).adjusted(1, 1, -1, -1)
        painter.setBrush(STAR_COLOR if i < value else EMPTY_COLOR)
        painter.drawPolygon(star_polygon(box))
    painter.restore()


class StarRating(QWidget):
    """Signals:
    rated(int): the user chose 1–5 stars (not emitted by `set_value`).
    """

    rated = Signal(int)

    def __init__(self, parent: QWidget | None = None, star_size: int = 22) -> None:
        super().__init__(parent)
        self.setObjectName("starRating")
        self._value = 0
        self._hover = 0
        self.star_size = star_size
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Rating"))
        self._describe()

    def value(self) -> int:
        return self._value

    def set_value(self, value: int) -> None:
        self._value = max(0, min(5, value))
        self._describe()
        self.update()

    def _describe(self) -> None:
        text = (
            self.tr("Not rated yet: click a star")
            if self._value == 0
            else self.tr("Rated {n} of 5").format(n=self._value)
        )
        self.setToolTip(text)
        self.setAccessibleDescription(text)

    def sizeHint(self) -> QSize:
        return QSize(self.star_size * 5 + 4, self.star_size + 4)

    def _star_at(self, x: float) -> int:
        return max(1, min(5, int((x - 2) // self.star_size) + 1))

    def choose(self, value: int) -> None:
        """What a click on star `value` does."""
        self.set_value(value)
        self.rated.emit(self._value)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = self._star_at(event.position().x()) if self.isEnabled() else 0
        self.update()

    def leaveEvent(self, event: object) -> None:
        self._hover = 0
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.choose(self._star_at(event.position().x()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_5:
            self.choose(key - Qt.Key.Key_0)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Up):
            self.choose(min(5, self._value + 1))
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Down):
            self.choose(max(1, self._value - 1))
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if not self.isEnabled():
            painter.setOpacity(0.4)
        paint_stars(painter, QPointF(2, 2), self.star_size, self._hover or self._value)
        if self.hasFocus():
            painter.setPen(self.palette().highlight().color())
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
