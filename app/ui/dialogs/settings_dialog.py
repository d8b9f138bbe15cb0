"""The Settings dialog, built from the declarations in `app/ui/settings.py`.

One editor per declared setting, grouped by section; nothing is stored until OK, and OK refuses
a value that cannot be used (a broken file-name pattern, an unusable server address) with the
reason next to the field. "Clear cache" runs on a worker: deleting thousands of files takes time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.downloads import result_name
from app.ui.settings import (
    ALL_SETTINGS,
    NAME_PATTERN,
    SECTION_ADVANCED,
    SECTION_STORAGE,
    SECTIONS,
    AppSettings,
    Setting,
)
from app.ui.user_text import user_text
from app.ui.workers import Task, TaskRunner

Editor = QCheckBox | QSpinBox | QLineEdit


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
        self.setMinimumWidth(560)
        self.settings = settings
        self.caches = list(caches)
        self.runner = runner
        self._tasks: list[Task] = []
        self.editors: dict[str, Editor] = {}
        self.problems: dict[str, QLabel] = {}

        layout = QVBoxLayout(self)
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
            for setting in declared:
                self._add_row(form, setting)
            if section == SECTION_STORAGE:
                self._add_cache_row(form)
            self.groups[section] = box
            layout.addWidget(box)
        self.groups[SECTION_ADVANCED].setVisible(False)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)

        layout.addStretch(1)
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
        layout.addWidget(self.buttons)
        self.load()

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
        form.addRow(setting.label, row)
        problem = QLabel(self)
        problem.setObjectName(f"problem-{setting.key}")
        problem.setWordWrap(True)
        problem.setStyleSheet("color: #c62828;")
        problem.hide()
        self.problems[setting.key] = problem
        if setting.kind == "pattern":
            self.pattern_example = QLabel(self)
            self.pattern_example.setObjectName("patternExample")
            # Quiet but readable on light and dark schemes alike (palette(mid) was not on dark).
            self.pattern_example.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            form.addRow("", self.pattern_example)
        form.addRow("", problem)

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
        self.adjustSize()

    def _choose_folder(self, editor: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Save results in"), editor.text())
        if folder:
            editor.setText(folder)

    def _pattern_changed(self, text: str) -> None:
        problem = self.settings.problem(NAME_PATTERN, text)
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
        bad = False
        for setting in ALL_SETTINGS:
            problem = self.settings.problem(setting, self.edited_value(setting))
            if setting.key in self.problems:
                self._show_problem(setting.key, problem)
            if problem:
                if not bad:
                    self.editors[setting.key].setFocus()
                if setting.advanced:
                    self.advanced_toggle.setChecked(True)
                bad = True
        if bad:
            return
        for setting in ALL_SETTINGS:
            self.settings.set_value(setting, self.edited_value(setting))
        self.settings.sync()
        super().accept()
