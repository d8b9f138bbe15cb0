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
    """Paints tiles of a ResultsModel: pictures here, every word from the model's roles (TITLE,
    DELIVERED, STARS, PLACEHOLDER, NOTE), so that what is painted is what a screen reader reads
    (the model's accessible text). No signals."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        line = QFontMetrics(option.font).height()
        # The smallest card that still reads well; the view widens it to its own width, so a
        # narrow Results tab never scrolls sideways.
        return QSize(MARGIN * 2 + BEFORE_W + ARROW_W + MIN_AFTER_W, AFTER_H + 2 * line + 3 * MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        tile = index.data(ResultRole.TILE)
        if not isinstance(tile, Tile):
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
        top = rect.top() + MARGIN
        left = rect.left() + MARGIN
        painter.save()
        before_box = QRect(left, top, BEFORE_W, AFTER_H)
        self._paint_before(painter, index, before_box, palette)
        # Arrow from before to after.
        painter.setPen(text_color)
        arrow_box = QRect(before_box.right() + 1, top, ARROW_W, AFTER_H)
        painter.drawText(arrow_box, Qt.AlignmentFlag.AlignCenter, "→")
        after_w = max(MIN_AFTER_W, rect.right() - MARGIN - arrow_box.right())
        after_box = QRect(arrow_box.right() + 1, top, after_w, AFTER_H)
        self._paint_after(painter, index, tile, after_box, palette)
        line = QRect(left, after_box.bottom() + MARGIN // 2, rect.right() - MARGIN - left, 0)
        self._paint_caption(painter, opt, index, line, text_color, selected)
        self._paint_note(painter, opt, index, line, text_color, selected)
        painter.restore()

    def _paint_before(
        self, painter: QPainter, index: _Index, box: QRect, palette: QPalette
    ) -> None:
        """The input photo, as small as still recognisable."""
        before = index.data(ResultRole.BEFORE)
        painter.fillRect(box, palette.color(QPalette.ColorRole.AlternateBase))
        if isinstance(before, QPixmap):
            _fit(painter, before, box)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.tr("Photo"))

    def _paint_after(
        self, painter: QPainter, index: _Index, tile: Tile, box: QRect, palette: QPalette
    ) -> None:
        """The result (or the video's poster), as large as the row allows; the model's words
        while there is no picture."""
        video = tile.media.is_video
        base = QColor("#20242b") if video else palette.color(QPalette.ColorRole.AlternateBase)
        painter.fillRect(box, base)
        preview = index.data(ResultRole.PREVIEW)
        if isinstance(preview, QPixmap):
            _fit(painter, preview, box)
        else:
            painter.setPen(
                QColor("#d0d4da") if video else palette.color(QPalette.ColorRole.PlaceholderText)
            )
            words = str(index.data(ResultRole.PLACEHOLDER) or "")
            if video:
                bottom = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
                painter.drawText(box.adjusted(4, 4, -4, -6), bottom, words)
            else:
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, words)
        if video:
            paint_play(painter, QPointF(box.center()), min(26.0, AFTER_H / 4))

    def _paint_caption(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        index: _Index,
        line: QRect,
        text_color: QColor,
        selected: bool,
    ) -> None:
        """The line under the pictures: title (and step), then stars and the delivered mark
        on the right."""
        fm = QFontMetrics(opt.font)
        right = line.left() + line.width()
        delivered_text = str(index.data(ResultRole.DELIVERED) or "")
        if delivered_text:
            bold = QFont(opt.font)
            bold.setBold(True)
            width = QFontMetrics(bold).horizontalAdvance(delivered_text)
            painter.setFont(bold)
            painter.setPen(text_color if selected else DELIVERED_COLOR)
            painter.drawText(
                QRect(right - width, line.top(), width, fm.height()),
                Qt.AlignmentFlag.AlignVCenter,
                delivered_text,
            )
            right -= width + MARGIN
        stars = index.data(ResultRole.STARS)
        if isinstance(stars, int):
            stars_w = 5 * STAR
            top = line.top() + (fm.height() - STAR) / 2
            paint_stars(painter, QPointF(right - stars_w, top), STAR, stars)
            right -= stars_w + MARGIN
        painter.setFont(opt.font)
        painter.setPen(text_color)
        text_box = QRect(line.left(), line.top(), right - line.left(), fm.height())
        title = str(index.data(ResultRole.TITLE) or "")
        painter.drawText(
            text_box,
            Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(title, Qt.TextElideMode.ElideMiddle, text_box.width()),
        )

    def _paint_note(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        index: _Index,
        line: QRect,
        text_color: QColor,
        selected: bool,
    ) -> None:
        """The second line: a change being sent, or why it did not land."""
        note = index.data(ResultRole.NOTE)
        if not note:
            return
        fm = QFontMetrics(opt.font)
        is_error = bool(index.data(ResultRole.NOTE_IS_ERROR))
        painter.setPen(
            text_color
            if selected
            else ERROR_COLOR
            if is_error
            else opt.palette.color(QPalette.ColorRole.PlaceholderText)
        )
        note_box = QRect(line.left(), line.top() + fm.height(), line.width(), fm.height())
        painter.drawText(
            note_box,
            Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(str(note), Qt.TextElideMode.ElideRight, note_box.width()),
        )
