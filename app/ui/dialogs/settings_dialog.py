"""The Settings dialog, built from the declarations in `app/ui/settings.py`.

One editor per declared setting, grouped by section; nothing is stored until OK, and OK refuses
a value that cannot be used (a broken file-name pattern, an unusable server address) with the
whole reason next to the field (wrapped, never cut), the field brought into view and focused, and
a line above the buttons saying why nothing was saved. The sections scroll, so the dialog stays
usable at its minimum size with the buttons always in view. "Clear cache" runs on a worker:
deleting thousands of files takes time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QLocale, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.downloads import result_name
from app.ui.folder_choice import StartFolder, ask_folder, start_folder
from app.ui.settings import (
    ALL_SETTINGS,
    NAME_PATTERN,
    SECTION_ADVANCED,
    SECTION_STORAGE,
    SECTIONS,
    AppSettings,
    Setting,
    default_download_folder,
)
from app.ui.user_text import user_text
from app.ui.workers import Task, TaskRunner

Editor = QCheckBox | QSpinBox | QLineEdit

MINIMUM_SIZE = QSize(560, 360)
PROBLEM_STYLE = "color: #c62828;"
PROBLEM_FIELD_STYLE = "QLineEdit { border: 2px solid #c62828; border-radius: 3px; }"


class CacheControl(Protocol):
    """A disk cache the dialog can measure and empty (ThumbnailCache fits; called on a worker)."""

    def size_bytes(self) -> int: ...
    def clear(self) -> None: ...


def format_bytes(count: int) -> str:
    return QLocale().formattedDataSize(count, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


class SettingsDialog(QDialog):
    """Edits every declared setting. No signals of its own: `AppSettings.changed` tells the app
    what changed once OK is pressed."""

    def __init__(
        self,
        settings: AppSettings,
        *,
        caches: Sequence[CacheControl] = (),
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumSize(MINIMUM_SIZE)
        self.settings = settings
        self.caches = list(caches)
        self.runner = runner
        self._tasks: list[Task] = []
        self.editors: dict[str, Editor] = {}
        self.problems: dict[str, QLabel] = {}
        # Replaceable so tests answer without a modal dialog.
        self.choose_folder: Callable[[StartFolder], str] = lambda start: ask_folder(
            self, self.tr("Save results in"), start
        )

        outer = self.outer = QVBoxLayout(self)
        outer.setSpacing(8)
        # The sections scroll; the refusal line and the buttons below them always show.
        self.sections = QScrollArea(self)
        self.sections.setObjectName("settingsScroll")
        self.sections.setWidgetResizable(True)
        self.sections.setFrameShape(QFrame.Shape.NoFrame)
        self.sections.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = QWidget(self.sections)
        self.content.setObjectName("settingsContent")
        layout = self.content_layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.advanced_toggle = QToolButton(self)
        self.advanced_toggle.setObjectName("advancedToggle")
        self.advanced_toggle.setText(self.tr("Advanced"))
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAutoRaise(True)
        self.groups: dict[str, QGroupBox] = {}
        for section in SECTIONS:
            declared = [s for s in ALL_SETTINGS if s.section == section]
            if not declared:
                continue
            if section == SECTION_ADVANCED:
                layout.addWidget(self.advanced_toggle)
            title = QCoreApplication.translate("Settings", section)
            box = QGroupBox(title if section != SECTION_ADVANCED else "", self)
            box.setObjectName(f"settingsSection-{section.lower()}")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            # In a narrow dialog a long label goes above its field instead of squeezing it.
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for setting in declared:
                self._add_row(form, setting)
            if section == SECTION_STORAGE:
                self._add_cache_row(form)
            self.groups[section] = box
            layout.addWidget(box)
        self.groups[SECTION_ADVANCED].setVisible(False)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)

        layout.addStretch(1)
        self.sections.setWidget(self.content)
        outer.addWidget(self.sections, 1)
        self.refusal = QLabel(self)
        self.refusal.setObjectName("settingsRefusal")
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet(PROBLEM_STYLE)
        self.refusal.hide()
        outer.addWidget(self.refusal)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        defaults = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setText(self.tr("Restore defaults"))
        defaults.clicked.connect(self.restore_defaults)
        outer.addWidget(self.buttons)
        self.load()
        # The size chosen here; once the user resized the dialog, it keeps their size.
        self._auto_size = self._preferred_size()
        self.resize(self._auto_size)

    # --- building ----------------------------------------------------------------------

    def _add_row(self, form: QFormLayout, setting: Setting[Any]) -> None:
        editor: Editor
        row: QWidget
        if setting.type is bool:
            editor = QCheckBox(setting.label, self)
            editor.setToolTip(setting.tooltip)
            form.addRow(editor)
            self.editors[setting.key] = editor
            return
        if setting.type is int:
            editor = QSpinBox(self)
            editor.setRange(setting.minimum, setting.maximum)
            editor.setSuffix(QCoreApplication.translate("Settings", setting.suffix))
            editor.setMaximumWidth(140)
            row = editor
        else:
            editor = QLineEdit(self)
            editor.setClearButtonEnabled(setting.kind != "pattern")
            row = editor
            if setting.kind == "folder":
                row = QWidget(self)
                line = QHBoxLayout(row)
                line.setContentsMargins(0, 0, 0, 0)
                line.addWidget(editor, 1)
                browse = QPushButton(self.tr("Choose…"), row)
                browse.setObjectName(f"browse-{setting.key}")
                browse.clicked.connect(lambda _=False, e=editor: self._choose_folder(e))
                line.addWidget(browse)
            if setting.kind == "pattern":
                editor.textChanged.connect(self._pattern_changed)
        editor.setObjectName(f"setting-{setting.key}")
        editor.setToolTip(setting.tooltip)
        self.editors[setting.key] = editor
        # The field, its example and its reason in one cell: no empty form rows (each one
        # adds spacing even while its text is hidden), and the reason under its own field.
        cell = QWidget(self)
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(row)
        if setting.kind == "pattern":
            self.pattern_example = QLabel(cell)
            self.pattern_example.setObjectName("patternExample")
            # Quiet but readable on light and dark schemes alike (palette(mid) was not on dark).
            self.pattern_example.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            self.pattern_example.setWordWrap(True)
            column.addWidget(self.pattern_example)
        problem = QLabel(cell)
        problem.setObjectName(f"problem-{setting.key}")
        problem.setWordWrap(True)
        problem.setStyleSheet(PROBLEM_STYLE)
        problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        problem.hide()
        column.addWidget(problem)
        self.problems[setting.key] = problem
        form.addRow(setting.label, cell)
        label = form.labelForField(cell)
        if isinstance(label, QLabel):
            label.setBuddy(editor)

    def _add_cache_row(self, form: QFormLayout) -> None:
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.cache_label = QLabel(self.tr("Measuring…") if self.caches else "", row)
        self.cache_label.setObjectName("cacheUsage")
        line.addWidget(self.cache_label, 1)
        self.clear_cache_button = QPushButton(self.tr("Clear cache"), row)
        self.clear_cache_button.setObjectName("clearCacheButton")
        self.clear_cache_button.setToolTip(
            self.tr("Delete the stored previews. Your photos and saved results are not touched.")
        )
        self.clear_cache_button.setEnabled(bool(self.caches))
        self.clear_cache_button.clicked.connect(self.clear_cache)
        line.addWidget(self.clear_cache_button)
        form.addRow(self.tr("In use now"), row)
        self._measure()

    # --- behaviour ---------------------------------------------------------------------

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.groups[SECTION_ADVANCED].setVisible(shown)
        if shown:

            def grow_then_show() -> None:
                self._grow_to_content()
                self.sections.ensureWidgetVisible(self.groups[SECTION_ADVANCED])

            QTimer.singleShot(0, grow_then_show)

    def _choose_folder(self, editor: QLineEdit) -> None:
        """The folder dialog opens where the field points, or as near as exists (found on a
        worker: it reads the disk, and creates the default folder when it starts there)."""
        wanted = editor.text().strip()
        if self.runner is None:
            self._folder_start_known(editor, StartFolder(wanted))
            return
        self._tasks.append(
            self.runner.submit(
                lambda: start_folder(wanted, default_download_folder()),
                lambda start: self._folder_start_known(editor, start),
            )
        )

    def _folder_start_known(self, editor: QLineEdit, start: StartFolder) -> None:
        folder = self.choose_folder(start)
        if folder:
            editor.setText(folder)

    def _pattern_changed(self, text: str) -> None:
        problem = self.settings.problem(NAME_PATTERN, text)
        # No example for a pattern that cannot be used: the reason takes its place.
        self.pattern_example.setVisible(not problem)
        if problem:
            self.pattern_example.setText("")
        else:
            example = result_name(
                text, stem="IMG_0042", template="vim_new_year_2026", n=1, ext="jpg",
                title="Party", folder="Wedding",
            )  # fmt: skip
            self.pattern_example.setText(self.tr("For example: {name}").format(name=example))
        self._show_problem(NAME_PATTERN.key, problem)

    def _show_problem(self, key: str, problem: str | None) -> None:
        label = self.problems[key]
        label.setText(problem or "")  # already plain words from the engine
        label.setVisible(bool(problem))
        self.editors[key].setProperty("problem", bool(problem))
        self.editors[key].setStyleSheet(PROBLEM_FIELD_STYLE if problem else "")
        if not any(other.text() for other in self.problems.values()):
            self.refusal.hide()

    def _preferred_size(self) -> QSize:
        """Everything in view without scrolling, within the screen's room."""
        self.content_layout.activate()
        hint = self.content.sizeHint()
        margins = self.outer.contentsMargins()
        scrollbar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        width = max(
            self.minimumWidth(), hint.width() + margins.left() + margins.right() + scrollbar
        )
        below = [self.buttons] + ([self.refusal] if not self.refusal.isHidden() else [])
        height = (
            hint.height()
            + sum(widget.sizeHint().height() for widget in below)
            + margins.top()
            + margins.bottom()
            + (len(below) + 1) * self.outer.spacing()
            + 2 * self.sections.frameWidth()
        )
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width = min(width, max(self.minimumWidth(), room.width() * 9 // 10))
            height = min(height, max(self.minimumHeight(), room.height() * 9 // 10))
        return QSize(width, max(height, self.minimumHeight()))

    def _grow_to_content(self) -> None:
        """Taller (never smaller) when what shows grew (a reason, the Advanced section),
        unless the user gave the dialog a size of their own (the sections scroll then)."""
        if self.size() != self._auto_size:
            return
        wanted = self._preferred_size()
        if wanted.height() > self.height() or wanted.width() > self.width():
            self._auto_size = QSize(
                max(wanted.width(), self.width()), max(wanted.height(), self.height())
            )
            self.resize(self._auto_size)

    def _measure(self) -> None:
        if not self.caches or self.runner is None:
            return
        caches = list(self.caches)
        self._tasks.append(
            self.runner.submit(lambda: sum(cache.size_bytes() for cache in caches), self._measured)
        )

    def _measured(self, total: int) -> None:
        self.cache_label.setText(format_bytes(int(total)))

    def clear_cache(self) -> None:
        if self.runner is None:
            return
        self.clear_cache_button.setEnabled(False)
        self.cache_label.setText(self.tr("Clearing…"))
        caches = list(self.caches)

        def work() -> int:
            for cache in caches:
                cache.clear()
            return sum(cache.size_bytes() for cache in caches)

        self._tasks.append(self.runner.submit(work, self._cleared, self._not_cleared))

    def _cleared(self, total: int) -> None:
        self.cache_label.setText(format_bytes(int(total)))
        self.clear_cache_button.setEnabled(True)

    def _not_cleared(self, error: BaseException) -> None:
        self.cache_label.setText(user_text(error))
        self.clear_cache_button.setEnabled(True)

    def _refuse(self, refused: list[Setting[Any]]) -> None:
        """OK could not store: say so above the buttons, show and focus the first field."""
        first = refused[0]
        label = QCoreApplication.translate("Settings", first.label)
        self.refusal.setText(
            self.tr(
                "Nothing was saved: “{setting}” needs changing (the reason is shown in red)."
            ).format(setting=label)
            if len(refused) == 1
            else self.tr(
                "Nothing was saved: {n} settings need changing (the reasons are shown in red)."
            ).format(n=len(refused))
        )
        self.refusal.show()
        editor = self.editors[first.key]
        editor.setFocus()
        problem = self.problems.get(first.key)

        def bring_into_view() -> None:
            # After the layout has made room for the reason: the field and its whole reason.
            if problem is not None:
                self.sections.ensureWidgetVisible(problem)
            self.sections.ensureWidgetVisible(editor)

        def grow_then_show() -> None:
            self._grow_to_content()
            QTimer.singleShot(0, bring_into_view)

        QTimer.singleShot(0, grow_then_show)

    def done(self, result: int) -> None:
        """Closing: answers still on their way are dropped (the labels may be gone)."""
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        super().done(result)

    def load(self) -> None:
        """Show the stored values."""
        for setting in ALL_SETTINGS:
            self._set_editor(setting, self.settings.value(setting))

    def restore_defaults(self) -> None:
        """Show the defaults (stored only on OK)."""
        for setting in ALL_SETTINGS:
            default = setting.default
            if setting.kind == "folder" and not default:
                from app.ui.settings import default_download_folder

                default = default_download_folder()
            self._set_editor(setting, default)

    def _set_editor(self, setting: Setting[Any], value: Any) -> None:
        editor = self.editors[setting.key]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        else:
            editor.setText(str(value))

    def edited_value(self, setting: Setting[Any]) -> Any:
        editor = self.editors[setting.key]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        return editor.text().strip()

    def accept(self) -> None:
        """Store every value, unless one cannot be used (then say why and stay open)."""
        refused: list[Setting[Any]] = []
        for setting in ALL_SETTINGS:
            problem = self.settings.problem(setting, self.edited_value(setting))
            if setting.key in self.problems:
                self._show_problem(setting.key, problem)
            if problem:
                if setting.advanced:
                    self.advanced_toggle.setChecked(True)
                refused.append(setting)
        if refused:
            self._refuse(refused)
            return
        for setting in ALL_SETTINGS:
            self.settings.set_value(setting, self.edited_value(setting))
        self.settings.sync()
        super().accept()
