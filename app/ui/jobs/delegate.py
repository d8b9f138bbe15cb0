"""JobDelegate: paints one job row.

Paint flow (after napari's layer delegate): the style draws the item panel (selection, hover,
focus) so the row follows the palette; then the thumbnail (or a placeholder while it loads), the
state badge from `app.ui.icons` (a shape per state, never colour alone), the title and the time
on the first line, the status in words on the second, and, while the item is being worked on, a
progress bar drawn by the style through QStyleOptionProgressBar. Everything is painted in logical
pixels straight into the view, so it is sharp at any device pixel ratio.

    +-------+ (badge) Title ........................................ 2 min 5 s
    | thumb |         Being made · 40%                 [=======-------------]
    +-------+
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from app.engine.model import ItemSnapshot, ItemState
from app.ui.icons import paint_globe, paint_state_glyph
from app.ui.jobs.filters import JobFilterProxy
from app.ui.jobs.model import JobListModel, JobRole, status_text, time_text

THUMB = 48
BADGE = 18
MARGIN = 6
SPACING = 8
PROGRESS_WIDTH = 160

_SHOW_PROGRESS = frozenset({ItemState.UPLOADING, ItemState.SUBMITTED, ItemState.RUNNING})

_Index = QModelIndex | QPersistentModelIndex


def _paint_data(index: _Index) -> tuple[ItemSnapshot, str, QPixmap | None, str] | None:
    """The row's item, title, thumbnail and status words straight from the JobListModel
    (through the filter proxy when there is one), or through `data()` for any other model."""
    model = index.model()
    if isinstance(model, JobFilterProxy):
        source = model.mapToSource(index)
        if source.isValid():
            return model.job_model().paint_data(source.row())
    elif isinstance(model, JobListModel) and 0 <= index.row() < model.rowCount():
        return model.paint_data(index.row())
    item = index.data(JobRole.ITEM)
    if not isinstance(item, ItemSnapshot):
        return None
    pixmap = index.data(Qt.ItemDataRole.DecorationRole)
    title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
    words = str(index.data(JobRole.STATUS_TEXT) or status_text(item))
    return item, title, pixmap if isinstance(pixmap, QPixmap) else None, words


class JobDelegate(QStyledItemDelegate):
    """Paints job rows of a JobListModel (or a proxy over it). No signals."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        line = QFontMetrics(option.font).height()
        height = max(THUMB, 2 * line + 4) + 2 * MARGIN
        # Narrow: a list view stretches rows to its width anyway, and a wider hint only made
        # the list scroll sideways in a small window (the title is elided instead).
        return QSize(THUMB + 2 * MARGIN + 200, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        found = _paint_data(index)
        if found is None:
            super().paint(painter, option, index)
            return
        item, title, pixmap, words = found
        # No initStyleOption: it asks the model for a dozen roles (each a round trip into
        # Python) to fill in text and icon that the panel blanks anyway. The view has set the
        # state, rect, palette, font and widget already.
        opt = QStyleOptionViewItem(option)
        widget: QWidget | None = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect: QRect = opt.rect
        palette: QPalette = opt.palette
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)

        painter.save()
        self._paint_panel(painter, opt, style, widget)
        group = (
            QPalette.ColorGroup.Normal
            if opt.state & QStyle.StateFlag.State_Enabled
            else QPalette.ColorGroup.Disabled
        )
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_color = palette.color(group, text_role)

        inner = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        thumb_rect = QRect(inner.left(), inner.top() + (inner.height() - THUMB) // 2, THUMB, THUMB)
        self._paint_thumbnail(painter, thumb_rect, pixmap, palette, web=item.kind == "url")

        x = thumb_rect.right() + 1 + SPACING
        font: QFont = QFont(opt.font)
        line_h = QFontMetrics(font).height()
        top = inner.top() + (inner.height() - 2 * line_h - 4) // 2
        first = QRect(x, top, inner.right() - x + 1, line_h)
        second = QRect(x, top + line_h + 4, inner.right() - x + 1, line_h)
        badge_rect = QRectF(first.left(), first.top() + (line_h - BADGE) / 2, BADGE, BADGE)
        paint_state_glyph(painter, badge_rect, item.state)
        text_left = first.left() + BADGE + SPACING
        painter.setPen(text_color)
        when = index.data(JobRole.TIME_TEXT)  # the model's: it knows when a retry began
        when = when if isinstance(when, str) else time_text(item)
        self._paint_first_line(painter, first, text_left, font, title, when)
        soft = None if selected else palette.color(group, QPalette.ColorRole.PlaceholderText)
        # The model's words for the status (e.g. "Waiting for a connection" while offline).
        self._paint_second_line(painter, second, text_left, font, item, words, opt, style, soft)
        painter.restore()

    @staticmethod
    def _paint_panel(
        painter: QPainter, opt: QStyleOptionViewItem, style: QStyle, widget: QWidget | None
    ) -> None:
        """Selection, hover and focus as the style draws them (no text, no icon)."""
        panel = QStyleOptionViewItem(opt)
        panel.text = ""
        panel.icon = type(panel.icon)()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, panel, painter, widget)

    @staticmethod
    def _paint_first_line(
        painter: QPainter, line: QRect, left: int, font: QFont, title: str, when: str
    ) -> None:
        """The title (bold, elided in the middle) on the left, the time on the right."""
        metrics = QFontMetrics(font)
        line_h = line.height()
        when_w = metrics.horizontalAdvance(when)
        painter.setFont(font)
        time_rect = QRect(line.right() - when_w + 1, line.top(), when_w, line_h)
        painter.drawText(
            time_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), when
        )
        title_font = QFont(font)
        title_font.setBold(True)
        title_rect = QRect(left, line.top(), time_rect.left() - SPACING - left, line_h)
        elided = QFontMetrics(title_font).elidedText(
            title, Qt.TextElideMode.ElideMiddle, max(0, title_rect.width())
        )
        painter.setFont(title_font)
        painter.drawText(
            title_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), elided
        )

    def _paint_second_line(
        self,
        painter: QPainter,
        line: QRect,
        left: int,
        font: QFont,
        item: ItemSnapshot,
        words: str,
        opt: QStyleOptionViewItem,
        style: QStyle,
        soft: QColor | None,
    ) -> None:
        """The status in `words`, and the progress bar while work is under way; `soft`: the
        quieter colour for the status (None when selected)."""
        painter.setFont(font)
        metrics = QFontMetrics(font)
        line_h = line.height()
        status_right = line.right()
        # A workflow just sent has no progress yet: its words say so, an empty bar would not.
        has_bar = item.state in _SHOW_PROGRESS and (
            item.progress > 0 or item.state is not ItemState.SUBMITTED
        )
        if has_bar and line.width() > PROGRESS_WIDTH * 2:
            bar = QRect(line.right() - PROGRESS_WIDTH + 1, line.top(), PROGRESS_WIDTH, line_h)
            self._paint_progress(painter, bar, item, opt, style, opt.widget)
            status_right = bar.left() - SPACING
        status_rect = QRect(left, line.top(), status_right - left, line_h)
        status = metrics.elidedText(
            words,
            Qt.TextElideMode.ElideRight,
            max(0, status_rect.width()),
        )
        # The status is secondary: a softer tone, still at full contrast for attention states.
        if soft is not None and item.state not in (ItemState.FAILED, ItemState.NEEDS_ATTENTION):
            painter.setPen(soft)
        painter.drawText(
            status_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), status
        )

    @staticmethod
    def _paint_thumbnail(
        painter: QPainter, rect: QRect, pixmap: object, palette: QPalette, *, web: bool = False
    ) -> None:
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            dpr = pixmap.devicePixelRatio()
            size = QSize(round(pixmap.width() / dpr), round(pixmap.height() / dpr))
            size.scale(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(rect.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawPixmap(target, pixmap)
            return
        # Placeholder while the thumbnail loads; a globe for a photo on the web (never loaded
        # here, so an empty box would look broken).
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
        painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        if web:
            paint_globe(painter, QRectF(rect), palette.color(QPalette.ColorRole.Dark))

    @staticmethod
    def _paint_progress(
        painter: QPainter,
        rect: QRect,
        item: ItemSnapshot,
        opt: QStyleOptionViewItem,
        style: QStyle,
        widget: QWidget | None,
    ) -> None:
        bar = QStyleOptionProgressBar()
        bar.rect = rect
        bar.palette = opt.palette
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.direction = opt.direction
        bar.fontMetrics = opt.fontMetrics
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = max(0, min(100, item.progress))
        bar.textVisible = False
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)
