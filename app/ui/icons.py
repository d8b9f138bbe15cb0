"""State icons, drawn with QPainter so they stay sharp at any size and device pixel ratio.

Every state has its own *shape* (clock, arrow, ring, tick, cross, triangle, bars, slash): colour
only helps, the shape and the status text carry the meaning. Each glyph is white on a filled
coloured badge, so it reads the same on light and dark palettes.

    paint_state_glyph(painter, rect, state)   # delegates paint straight into the view
    state_icon(state) -> QIcon                # buttons, menus, tabs (needs a QGuiApplication)
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from app.engine.model import ItemState

# Mid-tone colours that keep a white glyph legible on both light and dark backgrounds.
STATE_COLORS: dict[ItemState, QColor] = {
    ItemState.QUEUED: QColor("#6b7280"),
    ItemState.UPLOADING: QColor("#1d6fd1"),
    ItemState.SUBMITTED: QColor("#1d6fd1"),
    ItemState.RUNNING: QColor("#1d6fd1"),
    ItemState.SUCCEEDED: QColor("#2e7d32"),
    ItemState.FAILED: QColor("#c62828"),
    ItemState.NEEDS_ATTENTION: QColor("#d97706"),
    ItemState.PAUSED: QColor("#6b7280"),
    ItemState.CANCELLED: QColor("#6b7280"),
}

_ICON_SIZES = (16, 20, 24, 32, 40, 48, 64, 96, 128)
_icon_cache: dict[ItemState, QIcon] = {}


def state_color(state: ItemState) -> QColor:
    return QColor(STATE_COLORS[state])


def paint_state_glyph(painter: QPainter, rect: QRectF, state: ItemState) -> None:
    """Paint the badge for `state`, centred in `rect` (a square fits best)."""
    side = min(rect.width(), rect.height())
    box = QRectF(0, 0, side, side)
    box.moveCenter(rect.center())
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    color = STATE_COLORS[state]
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    if state is ItemState.NEEDS_ATTENTION:
        # A warning triangle: the one badge that is not round, to stand out.
        triangle = QPolygonF(
            [
                QPointF(box.center().x(), box.top() + side * 0.04),
                QPointF(box.right() - side * 0.02, box.bottom() - side * 0.08),
                QPointF(box.left() + side * 0.02, box.bottom() - side * 0.08),
            ]
        )
        painter.drawPolygon(triangle)
    else:
        painter.drawEllipse(box.adjusted(side * 0.02, side * 0.02, -side * 0.02, -side * 0.02))

    pen = QPen(QColor("white"))
    pen.setWidthF(max(1.2, side * 0.11))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    _glyph(painter, box, state, side)
    painter.restore()


def _glyph(painter: QPainter, box: QRectF, state: ItemState, side: float) -> None:
    c = box.center()
    x, y = c.x(), c.y()

    def p(dx: float, dy: float) -> QPointF:
        return QPointF(x + dx * side, y + dy * side)

    if state is ItemState.QUEUED:  # a clock
        painter.drawLine(p(0, 0), p(0, -0.26))
        painter.drawLine(p(0, 0), p(0.18, 0.1))
    elif state is ItemState.UPLOADING:  # an arrow going up
        painter.drawLine(p(0, 0.26), p(0, -0.24))
        painter.drawPolyline(QPolygonF([p(-0.18, -0.06), p(0, -0.25), p(0.18, -0.06)]))
    elif state is ItemState.SUBMITTED:  # three dots: sent, waiting for the server
        dot = QPen(painter.pen())
        dot.setWidthF(side * 0.14)
        painter.setPen(dot)
        for dx in (-0.2, 0.0, 0.2):
            painter.drawPoint(p(dx, 0))
    elif state is ItemState.RUNNING:  # an open ring with an arrow head: being made
        ring = QRectF(0, 0, side * 0.5, side * 0.5)
        ring.moveCenter(c)
        painter.drawArc(ring, 90 * 16, 270 * 16)
        tip = p(0, -0.25)
        painter.drawPolyline(QPolygonF([p(-0.1, -0.35), tip, p(-0.1, -0.15)]))
    elif state is ItemState.SUCCEEDED:  # a tick
        painter.drawPolyline(QPolygonF([p(-0.22, 0.02), p(-0.06, 0.18), p(0.23, -0.15)]))
    elif state is ItemState.FAILED:  # a cross
        painter.drawLine(p(-0.17, -0.17), p(0.17, 0.17))
        painter.drawLine(p(-0.17, 0.17), p(0.17, -0.17))
    elif state is ItemState.NEEDS_ATTENTION:  # an exclamation mark
        painter.drawLine(p(0, -0.16), p(0, 0.12))
        painter.drawPoint(p(0, 0.27))
    elif state is ItemState.PAUSED:  # two bars
        painter.drawLine(p(-0.1, -0.2), p(-0.1, 0.2))
        painter.drawLine(p(0.1, -0.2), p(0.1, 0.2))
    elif state is ItemState.CANCELLED:  # a slash, like a "no entry" sign
        r = 0.2
        d = r * math.sqrt(0.5)
        path = QPainterPath(p(-d, d))
        path.lineTo(p(d, -d))
        painter.drawPath(path)


def paint_globe(painter: QPainter, rect: QRectF, color: QColor) -> None:
    """A line-drawn globe centred in `rect` (about half its size): "a photo on the web"."""
    side = min(rect.width(), rect.height()) * 0.5
    box = QRectF(0, 0, side, side)
    box.moveCenter(rect.center())
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen(color)
    pen.setWidthF(max(1.2, side * 0.07))
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(box)
    meridian = QRectF(0, 0, side * 0.45, side)
    meridian.moveCenter(box.center())
    painter.drawEllipse(meridian)
    c = box.center()
    painter.drawLine(QPointF(box.left(), c.y()), QPointF(box.right(), c.y()))
    for dy in (-0.28, 0.28):  # two parallels, shorter where the sphere narrows
        y = c.y() + dy * side
        half = side * 0.5 * math.sqrt(1 - (2 * dy) ** 2)
        painter.drawLine(QPointF(c.x() - half, y), QPointF(c.x() + half, y))
    painter.restore()


def state_icon(state: ItemState) -> QIcon:
    """The badge as a QIcon, with pixmaps from 16 to 128 px so Qt picks a sharp one at any DPI."""
    icon = _icon_cache.get(state)
    if icon is None:
        icon = QIcon()
        for size in _ICON_SIZES:
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            paint_state_glyph(painter, QRectF(0, 0, size, size), state)
            painter.end()
            icon.addPixmap(pixmap)
        _icon_cache[state] = icon
    return icon
