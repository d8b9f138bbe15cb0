"""The batch settings form: template (with its option fields), visibility, title, grouping.

Everything a user chooses for a batch, without ever typing JSON: option fields are built from
the chosen template's declared options in the bundled catalog. "Other template id…" and the
collapsed "Advanced" section are there for the rare user who needs them.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.api import Visibility
from app.engine.model import DEFAULT_TITLE_PATTERN, BatchSettings, Grouping
from app.engine.templates import Catalog, Template, TemplateOption, load_catalog
from app.engine.titles import render_title, title_pattern_problem

OTHER_TEMPLATE = "__other__"

# Friendlier words for option values the catalog shares across templates; unknown values show
# as they are.
_CHOICE_WORDS = {
    ("aspect_ratio", "16:9"): "16:9 — landscape",
    ("aspect_ratio", "9:16"): "9:16 — portrait (phones, stories)",
    ("aspect_ratio", "4:3"): "4:3 — classic photo",
    ("aspect_ratio", "1:1"): "1:1 — square",
    ("aspect_ratio", "3:4"): "3:4 — portrait photo",
    ("pipeline_mode", "image"): "A still image",
    ("pipeline_mode", "video"): "A short video",
}


NO_EVENT = "no_event"


def title_field_names() -> list[tuple[str, str]]:
    """The title fields a user can insert, by name, with their codes (titles.TITLE_FIELDS)."""
    t = QCoreApplication.translate
    return [
        (t("SettingsPanel", "File name"), "{stem}"),
        (t("SettingsPanel", "Folder"), "{folder}"),
        (t("SettingsPanel", "Number"), "{n}"),
        (t("SettingsPanel", "Date"), "{date}"),
    ]


def _combo(parent: QWidget) -> QComboBox:
    """A combo that lets the column be narrow: long entries show in full in the open list."""
    combo = QComboBox(parent)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    return combo


class TemplatePicker(QWidget):
    """A combo of the catalog's templates plus "Other template id…", and a one-line description.

    Signals:
        template_changed(str): the chosen template id ("" while "other" has no id typed yet).
    """

    template_changed = Signal(str)

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.combo = _combo(self)
        self.combo.setObjectName("templatePicker")
        self.combo.setAccessibleName(self.tr("Template"))
        self.combo.setToolTip(self.tr("What Vimmerse makes of each photo"))
        for template in catalog.templates:
            self.combo.addItem(template.label, template.id)
            self.combo.setItemData(
                self.combo.count() - 1, template.description, Qt.ItemDataRole.ToolTipRole
            )
        self.combo.insertSeparator(self.combo.count())
        self.combo.addItem(self.tr("Other template id…"), OTHER_TEMPLATE)
        layout.addWidget(self.combo)
        self.other_id = QLineEdit(self)
        self.other_id.setObjectName("otherTemplateId")
        self.other_id.setPlaceholderText(self.tr("Template id, e.g. vim_sketch_me"))
        self.other_id.setAccessibleName(self.tr("Other template id"))
        self.other_id.setVisible(False)
        layout.addWidget(self.other_id)
        self.description = QLabel(self)
        self.description.setObjectName("templateDescription")
        self.description.setWordWrap(True)
        self.description.setForegroundRole(self.description.foregroundRole())
        layout.addWidget(self.description)
        self.combo.currentIndexChanged.connect(self._changed)
        self.other_id.textChanged.connect(self._changed)
        self.set_template_id(catalog.default_id)

    def template_id(self) -> str:
        data = self.combo.currentData()
        if data == OTHER_TEMPLATE:
            return self.other_id.text().strip()
        return str(data or "")

    def template(self) -> Template | None:
        return self.catalog.get(self.template_id())

    def set_template_id(self, template_id: str) -> None:
        index = self.combo.findData(template_id)
        if index < 0 and template_id:
            self.other_id.setText(template_id)
            index = self.combo.findData(OTHER_TEMPLATE)
        self.combo.setCurrentIndex(max(0, index))
        self._changed()

    def _changed(self) -> None:
        other = self.combo.currentData() == OTHER_TEMPLATE
        self.other_id.setVisible(other)
        template = self.template()
        if other:
            self.description.setText(
                self.tr("Any template Vimmerse gave you. Its options go in Advanced below.")
            )
        else:
            self.description.setText(template.description if template else "")
        self.template_changed.emit(self.template_id())


class OptionFields(QWidget):
    """One field per option of the chosen template: a choice list or a text box."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._fields: dict[str, QComboBox | QLineEdit] = {}
        self._options: tuple[TemplateOption, ...] = ()

    def set_template(self, template: Template | None) -> None:
        previous = self.values()
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields.clear()
        self._options = template.options if template else ()
        for option in self._options:
            field: QComboBox | QLineEdit
            if option.kind == "choice" and option.choices:
                combo = _combo(self)
                for value in option.choices:
                    combo.addItem(self.tr(_CHOICE_WORDS.get((option.key, value), value)), value)
                keep = previous.get(option.key, option.default)
                combo.setCurrentIndex(max(0, combo.findData(keep)))
                combo.currentIndexChanged.connect(self.changed)
                field = combo
            else:
                edit = QLineEdit(self)
                edit.setText(str(previous.get(option.key, option.default)))
                edit.textChanged.connect(self.changed)
                field = edit
            field.setObjectName(f"option_{option.key}")
            field.setAccessibleName(option.label)
            self._fields[option.key] = field
            self.form.addRow(self.tr(option.label) + ":", field)
        self.setVisible(bool(self._options))
        self.changed.emit()

    def values(self) -> dict[str, Any]:
        """Options as sent: choices always, text only when filled in."""
        out: dict[str, Any] = {}
        for key, field in self._fields.items():
            if isinstance(field, QComboBox):
                out[key] = field.currentData()
            elif field.text().strip():
                out[key] = field.text().strip()
        return out

    def field(self, key: str) -> QComboBox | QLineEdit | None:
        return self._fields.get(key)

    def fields(self) -> list[QWidget]:
        """The fields in the order shown."""
        return list(self._fields.values())


class VisibilityPicker(QWidget):
    """Private / Unlisted / Public as radio buttons, each with a short plain explanation.

    Signals:
        changed(): the choice changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visibilityPicker")
        self.setAccessibleName(self.tr("Who can see the results"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.group = QButtonGroup(self)
        explanations = {
            Visibility.PRIVATE: self.tr("Private — only you, when signed in to Vimmerse"),
            Visibility.UNLISTED: self.tr("Unlisted — anyone you send the link to"),
            Visibility.PUBLIC: self.tr("Public — anyone; may be shown on Vimmerse"),
        }
        self.buttons: dict[Visibility, QRadioButton] = {}
        for visibility, text in explanations.items():
            button = QRadioButton(text, self)
            button.setObjectName(f"visibility_{visibility.name.lower()}")
            button.setAccessibleName(visibility.label)
            button.setToolTip(text)
            self.group.addButton(button, int(visibility.value))
            self.buttons[visibility] = button
            layout.addWidget(button)
        self.buttons[Visibility.UNLISTED].setChecked(True)
        self.group.idToggled.connect(self._toggled)

    def _toggled(self, _id: int, on: bool) -> None:
        if on:
            self.changed.emit()

    def visibility(self) -> Visibility:
        return Visibility(str(self.group.checkedId()))

    def set_visibility(self, visibility: Visibility) -> None:
        self.buttons[visibility].setChecked(True)


class SettingsPanel(QWidget):
    """The whole right-hand form.

    Signals:
        changed(): any choice changed (the window re-checks `problem()`).
    """

    changed = Signal()

    def __init__(self, catalog: Catalog | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPanel")
        catalog = catalog or load_catalog()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        template_box = QGroupBox(self.tr("Template"), self)
        template_layout = QVBoxLayout(template_box)
        self.template_picker = TemplatePicker(catalog, template_box)
        template_layout.addWidget(self.template_picker)
        self.options = OptionFields(template_box)
        template_layout.addWidget(self.options)
        layout.addWidget(template_box)

        visibility_box = QGroupBox(self.tr("Who can see the results"), self)
        visibility_layout = QVBoxLayout(visibility_box)
        self.visibility_picker = VisibilityPicker(visibility_box)
        visibility_layout.addWidget(self.visibility_picker)
        layout.addWidget(visibility_box)

        details = QGroupBox(self.tr("Titles"), self)
        form = QFormLayout(details)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.title_pattern = QLineEdit("{stem}", details)
        self.title_pattern.setObjectName("titlePattern")
        self.title_pattern.setAccessibleName(self.tr("Title"))
        self.title_pattern.setToolTip(
            self.tr(
                "How each result is named. Use “Insert” to add the photo's file name, its "
                "folder, its number in the batch or today's date; type any words around them."
            )
        )
        # The fields by name, not by their {codes}: a menu puts the code in at the cursor.
        self.title_fields = QToolButton(details)
        self.title_fields.setObjectName("titleFieldsButton")
        self.title_fields.setText(self.tr("Insert ▾"))
        # The arrow is in the words: Fusion's own menu arrow sat on top of them.
        self.title_fields.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        self.title_fields.setToolTip(self.tr("Add the file name, folder, number or date"))
        self.title_fields.setAccessibleName(self.tr("Insert a field into the title"))
        self.title_fields.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.title_fields.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        fields_menu = QMenu(self.title_fields)
        fields_menu.setObjectName("titleFieldsMenu")
        for name, code in title_field_names():
            action = fields_menu.addAction(name)
            action.setData(code)
            action.setObjectName(f"titleField_{code.strip('{}')}")
            action.triggered.connect(lambda _=False, c=code: self.insert_title_field(c))
        self.title_fields.setMenu(fields_menu)
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 0, 0)
        title_row.addWidget(self.title_pattern, 1)
        title_row.addWidget(self.title_fields)
        form.addRow(self.tr("Title:"), title_row)
        self.title_example = QLabel(details)
        self.title_example.setObjectName("titleExample")
        self.title_example.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.title_example.setWordWrap(True)
        form.addRow("", self.title_example)
        self.description = QLineEdit(details)
        self.description.setObjectName("description")
        self.description.setAccessibleName(self.tr("Description"))
        self.description.setPlaceholderText(self.tr("Optional, the same for every result"))
        form.addRow(self.tr("Description:"), self.description)
        self.grouping = _combo(details)
        self.grouping.setObjectName("grouping")
        self.grouping.setAccessibleName(self.tr("Results"))
        self.grouping.addItem(self.tr("One result per photo"), Grouping.PER_PHOTO.value)
        self.grouping.addItem(
            self.tr("One result per folder (its photos together)"), Grouping.PER_FOLDER.value
        )
        form.addRow(self.tr("Make:"), self.grouping)
        layout.addWidget(details)

        self.advanced_toggle = QToolButton(self)
        self.advanced_toggle.setObjectName("advancedToggle")
        self.advanced_toggle.setText(self.tr("Advanced"))
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.setAccessibleName(self.tr("Show advanced settings"))
        layout.addWidget(self.advanced_toggle)
        self.advanced = QWidget(self)
        advanced_form = QFormLayout(self.advanced)
        advanced_form.setContentsMargins(0, 0, 0, 0)
        self.raw_options = QPlainTextEdit(self.advanced)
        self.raw_options.setObjectName("rawOptions")
        self.raw_options.setAccessibleName(self.tr("Extra template options"))
        self.raw_options.setPlaceholderText('{"key": "value"}')
        self.raw_options.setToolTip(
            self.tr("Extra template options as a JSON object; they win over the fields above.")
        )
        self.raw_options.setTabChangesFocus(True)
        self.raw_options.setMaximumHeight(70)
        advanced_form.addRow(self.tr("Extra options:"), self.raw_options)
        self.event_id = QLineEdit("no_event", self.advanced)
        self.event_id.setObjectName("eventId")
        self.event_id.setAccessibleName(self.tr("Event"))
        self.event_id.setToolTip(
            self.tr("Groups the results of one event (photo booths); leave as it is otherwise")
        )
        advanced_form.addRow(self.tr("Event:"), self.event_id)
        self.advanced.setVisible(False)
        layout.addWidget(self.advanced)

        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("settingsProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #c62828;")
        self.problem_label.setVisible(False)
        layout.addWidget(self.problem_label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        self.template_picker.template_changed.connect(self._template_changed)
        self.options.changed.connect(self._emit_changed)
        self.visibility_picker.changed.connect(self._emit_changed)
        for edit in (self.title_pattern, self.description, self.event_id):
            edit.textChanged.connect(self._emit_changed)
        self.title_pattern.textChanged.connect(self._show_title_example)
        self._show_title_example()
        self.raw_options.textChanged.connect(self._emit_changed)
        self.grouping.currentIndexChanged.connect(self._emit_changed)
        self._template_changed(self.template_picker.template_id())

    def insert_title_field(self, code: str) -> None:
        """Put a field's code (e.g. "{stem}") into the title at the cursor, and go back there."""
        self.title_pattern.insert(code)
        self.title_pattern.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_title_example(self) -> None:
        pattern = self.title_pattern.text() or DEFAULT_TITLE_PATTERN
        if title_pattern_problem(pattern):
            self.title_example.clear()
            return
        example = render_title(
            pattern, stem="IMG_0001", folder=self.tr("Wedding"), n=1, when=datetime.now()
        )
        self.title_example.setText(self.tr("For example: {title}").format(title=example))

    def focus_chain(self) -> list[QWidget]:
        """The form's keyboard stops in screen order (option fields are made per template)."""
        picker = self.template_picker
        chain: list[QWidget] = [picker.combo, picker.other_id]
        chain += self.options.fields()
        chain += list(self.visibility_picker.buttons.values())
        chain += [self.title_pattern, self.title_fields, self.description, self.grouping]
        chain += [self.advanced_toggle, self.raw_options, self.event_id]
        return chain

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def _template_changed(self, _template_id: str) -> None:
        self.options.set_template(self.template_picker.template())

    def _emit_changed(self) -> None:
        problem = self.problem()
        self.problem_label.setText(problem or "")
        self.problem_label.setVisible(bool(problem))
        self.changed.emit()

    def _raw_options(self) -> dict[str, Any]:
        text = self.raw_options.toPlainText().strip()
        if not text:
            return {}
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError
        return value

    def problem(self) -> str | None:
        """Why these settings cannot be used, in plain words, or None."""
        if not self.template_picker.template_id():
            return self.tr("Type the template id, or pick a template from the list.")
        try:
            self._raw_options()
        except ValueError:
            return self.tr(
                'The advanced options are not valid JSON. Write them like {"key": "value"}, '
                "or leave the box empty."
            )
        title_problem = title_pattern_problem(self.title_pattern.text())
        if title_problem:
            return self.tr(title_problem)
        return None

    def settings(self) -> BatchSettings:
        """The choices as the engine takes them; call only when `problem()` is None."""
        options = self.options.values()
        options.update(self._raw_options())
        return BatchSettings(
            template_id=self.template_picker.template_id(),
            options=options,
            visibility=self.visibility_picker.visibility(),
            title_pattern=self.title_pattern.text() or "{stem}",
            description=self.description.text().strip(),
            # Empty means "no event": the default's code word stays out of the user's way.
            event_id=self.event_id.text().strip() or NO_EVENT,
            grouping=Grouping(self.grouping.currentData()),
        )

    def template_label(self) -> str:
        return self.template_picker.catalog.label_for(self.template_picker.template_id())

    # Remembered between runs: what users pick for one event they pick again for the next.
    def save(self, settings: QSettings) -> None:
        settings.setValue("batch/template", self.template_picker.template_id())
        settings.setValue("batch/visibility", self.visibility_picker.visibility().value)
        settings.setValue("batch/title", self.title_pattern.text())
        settings.setValue("batch/grouping", self.grouping.currentData())
        settings.setValue("batch/options", json.dumps(self.options.values()))

    def restore(self, settings: QSettings) -> None:
        template = settings.value("batch/template")
        if isinstance(template, str) and template:
            self.template_picker.set_template_id(template)
        options = settings.value("batch/options")
        if isinstance(options, str):
            try:
                values = json.loads(options)
            except ValueError:
                values = {}
            for key, value in values.items() if isinstance(values, dict) else ():
                field = self.options.field(key)
                if isinstance(field, QComboBox):
                    field.setCurrentIndex(max(0, field.findData(value)))
                elif isinstance(field, QLineEdit):
                    field.setText(str(value))
        visibility = settings.value("batch/visibility")
        if isinstance(visibility, str):
            with contextlib.suppress(ValueError):
                self.visibility_picker.set_visibility(Visibility.parse(visibility))
        title = settings.value("batch/title")
        if isinstance(title, str) and title:
            self.title_pattern.setText(title)
        grouping = settings.value("batch/grouping")
        if isinstance(grouping, str):
            self.grouping.setCurrentIndex(max(0, self.grouping.findData(grouping)))
