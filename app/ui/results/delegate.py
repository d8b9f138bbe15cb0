"""ResultDelegate: paints one before / after tile.

+--------+      +----------------------+
| before |  ->  |        after         |   (a video: its poster with a play symbol,
+--------+      +----------------------+    or a dark tile with the play symbol)
Title · step                  ★★★★☆  ✓ Delivered
Sending your change…  /  Not saved on Vimmerse: reason
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPixmap, QPolygonF
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.engine.model import ItemSnapshot
from app.ui.results.model import ResultRole, Tile
from app.ui.results.rating import paint_stars

MARGIN = 8
BEFORE_W = 110
AFTER_H = 124
MIN_AFTER_W = 150
ARROW_W = 26
STAR = 14
DELIVERED_COLOR = QColor("#2e7d32")
ERROR_COLOR = QColor("#c62828")

_Index = QModelIndex | QPersistentModelIndex


def _fit(painter: QPainter, pixmap: QPixmap, box: QRect) -> None:
    size = (
        pixmap.deviceIndependentSize()
        .toSize()
        .scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    )
    target = QRect(0, 0, size.width(), size.height())
    target.moveCenter(box.center())
    painter.drawPixmap(target, pixmap)


def paint_play(painter: QPainter, center: QPointF, radius: float) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 150))
    painter.drawEllipse(center, radius, radius)
    painter.setBrush(QColor("white"))
    r = radius * 0.5
    painter.drawPolygon(
        QPolygonF(
            [
                QPointF(center.x() - r * 0.6, center.y() - r),
                QPointF(center.x() - r * 0.6, center.y() + r),
                QPointF(center.x() + r, center.y()),
            ]
        )
    )
    painter.restore()


class ResultDelegate(QStyledItemDelegate):
    """Paints tiles of a ResultsModel. No signals."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        line = QFontMetrics(option.font).height()
        # The smallest card that still reads well; the view widens it to its own width, so a
        # narrow Results tab never scrolls sideways.
        return QSize(MARGIN * 2 + BEFORE_W + ARROW_W + MIN_AFTER_W, AFTER_H + 2 * line + 3 * MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        tile = index.data(ResultRole.TILE)
        item = index.data(ResultRole.ITEM)
        if not isinstance(tile, Tile) or not isinstance(item, ItemSnapshot):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_color = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        rect: QRect = opt.rect
        painter.save()
        top = rect.top() + MARGIN
        left = rect.left() + MARGIN

        # Before: the input photo, as small as still recognisable.
        before_box = QRect(left, top, BEFORE_W, AFTER_H)
        before = index.data(ResultRole.BEFORE)
        painter.fillRect(before_box, palette.color(QPalette.ColorRole.AlternateBase))
        if isinstance(before, QPixmap):
            _fit(painter, before, before_box)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(before_box, Qt.AlignmentFlag.AlignCenter, self.tr("Photo"))

        # Arrow from before to after.
        painter.setPen(text_color)
        arrow_box = QRect(before_box.right() + 1, top, ARROW_W, AFTER_H)
        painter.drawText(arrow_box, Qt.AlignmentFlag.AlignCenter, "→")

        # After: the result (or the video's poster), as large as the row allows.
        after_w = max(MIN_AFTER_W, rect.right() - MARGIN - arrow_box.right())
        after_box = QRect(arrow_box.right() + 1, top, after_w, AFTER_H)
        preview = index.data(ResultRole.PREVIEW)
        if tile.media.is_video:
            painter.fillRect(after_box, QColor("#20242b"))
        else:
            painter.fillRect(after_box, palette.color(QPalette.ColorRole.AlternateBase))
        if isinstance(preview, QPixmap):
            _fit(painter, preview, after_box)
        else:
            failed = index.data(ResultRole.PREVIEW_FAILED)
            painter.setPen(
                QColor("#d0d4da")
                if tile.media.is_video
                else palette.color(QPalette.ColorRole.PlaceholderText)
            )
            words = (
                self.tr("Video")
                if tile.media.is_video and (failed or item.workflow_id)
                else self.tr("No preview")
                if failed
                else self.tr("Loading preview…")
            )
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
            label_box = after_box.adjusted(4, 4, -4, -6)
            painter.drawText(
                label_box if tile.media.is_video else after_box,
                flags if tile.media.is_video else Qt.AlignmentFlag.AlignCenter,
                words,
            )
        if tile.media.is_video:
            paint_play(painter, QPointF(after_box.center()), min(26.0, AFTER_H / 4))

        # Text: title (and step), stars, delivered; then a pending change or its failure.
        fm = QFontMetrics(opt.font)
        line_top = after_box.bottom() + MARGIN // 2
        stars_w = 5 * STAR
        delivered_text = self.tr("✓ Delivered") if item.delivered_at else ""
        bold = QFont(opt.font)
        bold.setBold(True)
        bfm = QFontMetrics(bold)
        right = rect.right() - MARGIN
        if delivered_text:
            width = bfm.horizontalAdvance(delivered_text)
            painter.setFont(bold)
            painter.setPen(text_color if selected else DELIVERED_COLOR)
            painter.drawText(
                QRect(right - width, line_top, width, fm.height()),
                Qt.AlignmentFlag.AlignVCenter,
                delivered_text,
            )
            right -= width + MARGIN
        rating = int(item.rating) if item.rating and item.rating.isdigit() else 0
        if not tile.step:
            paint_stars(
                painter,
                QPointF(right - stars_w, line_top + (fm.height() - STAR) / 2),
                STAR,
                rating,
            )
            right -= stars_w + MARGIN
        title = item.title or self.tr("Untitled")
        if tile.step:
            title = self.tr("{title} · step “{step}”").format(title=title, step=tile.step)
        elif len(item.results) > 1:
            title = self.tr("{title} · result {n}").format(title=title, n=tile.n)
        painter.setFont(opt.font)
        painter.setPen(text_color)
        text_box = QRect(left, line_top, right - left, fm.height())
        painter.drawText(
            text_box,
            Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(title, Qt.TextElideMode.ElideMiddle, text_box.width()),
        )
        note = index.data(ResultRole.NOTE)
        if note:
            is_error = bool(index.data(ResultRole.NOTE_IS_ERROR))
            painter.setPen(
                text_color
                if selected
                else ERROR_COLOR
                if is_error
                else palette.color(QPalette.ColorRole.PlaceholderText)
            )
            note_box = QRect(
                left, line_top + fm.height(), rect.right() - MARGIN - left, fm.height()
            )
            painter.drawText(
                note_box,
                Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(str(note), Qt.TextElideMode.ElideRight, note_box.width()),
            )
        painter.restore()
