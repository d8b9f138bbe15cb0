"""The dialog that creates or edits a saved event: its name, the watched folder, the template
and its options, who can see the results, titles, the event id and the results folder."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.event_profiles import DEFAULT_SETTLE, RESULTS_FOLDER, EventProfile, slug
from app.engine.templates import load_catalog
from app.engine.titles import title_pattern_problem
from app.ui.settings_panel import OptionFields, TemplatePicker, VisibilityPicker


class EventEditor(QDialog):
    """Fills an EventProfile; `profile()` once accepted. Checks that need the disk (is the
    results folder inside a watched one?) are made when the event is saved, on a worker."""

    def __init__(self, profile: EventProfile | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventEditor")
        self._original = profile
        self.setWindowTitle(self.tr("Edit event") if profile else self.tr("New event"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit(self)
        self.name.setObjectName("eventName")
        self.name.setPlaceholderText(self.tr("e.g. New Year 2026"))
        form.addRow(self.tr("Name:"), self.name)
        self.folder = QLineEdit(self)
        self.folder.setObjectName("eventFolder")
        self.folder.setToolTip(
            self.tr("The folder your camera or photo booth saves into. {date} stands for today.")
        )
        form.addRow(self.tr("Watch folder:"), self._with_browse(self.folder))
        self.results = QLineEdit(self)
        self.results.setObjectName("eventResults")
        self.results.setPlaceholderText(
            self.tr("Inside the watched folder, in “{name}”").format(name=RESULTS_FOLDER)
        )
        form.addRow(self.tr("Save results to:"), self._with_browse(self.results))
        layout.addLayout(form)

        template_box = QGroupBox(self.tr("Template"), self)
        template_layout = QVBoxLayout(template_box)
        self.template_picker = TemplatePicker(load_catalog(), template_box)
        template_layout.addWidget(self.template_picker)
        self.options = OptionFields(template_box)
        template_layout.addWidget(self.options)
        layout.addWidget(template_box)
        self.template_picker.template_changed.connect(
            lambda _id: self.options.set_template(self.template_picker.template())
        )
        self.options.set_template(self.template_picker.template())

        visibility_box = QGroupBox(self.tr("Who can see the results"), self)
        visibility_layout = QVBoxLayout(visibility_box)
        self.visibility = VisibilityPicker(visibility_box)
        visibility_layout.addWidget(self.visibility)
        layout.addWidget(visibility_box)

        more = QFormLayout()
        self.title_pattern = QLineEdit("{stem}", self)
        self.title_pattern.setObjectName("eventTitle")
        more.addRow(self.tr("Title:"), self.title_pattern)
        self.description = QLineEdit(self)
        more.addRow(self.tr("Description:"), self.description)
        self.event_id = QLineEdit(self)
        self.event_id.setObjectName("eventId")
        self.event_id.setToolTip(self.tr("Sent with every workflow; made from the name."))
        more.addRow(self.tr("Event id:"), self.event_id)
        self.settle = QDoubleSpinBox(self)
        self.settle.setRange(0.5, 600)
        self.settle.setDecimals(1)
        self.settle.setSuffix(self.tr(" s"))
        self.settle.setValue(DEFAULT_SETTLE)
        self.settle.setToolTip(
            self.tr("A photo is taken once it has not changed for this long (still copying).")
        )
        more.addRow(self.tr("Wait for complete photos:"), self.settle)
        self.delivered = QCheckBox(self.tr("Mark results as delivered once saved"), self)
        more.addRow("", self.delivered)
        layout.addLayout(more)

        self.problem = QLabel(self)
        self.problem.setObjectName("eventProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._id_edited = False
        self.name.textChanged.connect(self._name_changed)
        self.event_id.textEdited.connect(lambda _t: setattr(self, "_id_edited", True))
        for edit in (self.name, self.folder, self.title_pattern, self.event_id):
            edit.textChanged.connect(self._check)
        if profile is not None:
            self._fill(profile)
        self._check()

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        browse = QPushButton(self.tr("Choose…"), box)
        browse.clicked.connect(lambda: self._browse(edit))
        row.addWidget(browse)
        return box

    def _browse(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder"), edit.text())
        if folder:
            edit.setText(folder)

    def _fill(self, profile: EventProfile) -> None:
        self.name.setText(profile.name)
        self.folder.setText(profile.folder)
        self.results.setText(profile.output_dir)
        self.template_picker.set_template_id(profile.template_id)
        self.options.set_template(self.template_picker.template())
        for key, value in profile.options.items():
            field = self.options.field(key)
            if isinstance(field, QLineEdit):
                field.setText(str(value))
            elif field is not None:
                field.setCurrentIndex(max(0, field.findData(value)))
        self.visibility.set_visibility(profile.visibility)
        self.title_pattern.setText(profile.title_pattern)
        self.description.setText(profile.description)
        self.event_id.setText(profile.api_event_id)
        self._id_edited = bool(profile.event_id)
        self.settle.setValue(profile.settle)
        self.delivered.setChecked(profile.mark_delivered)

    def _name_changed(self, text: str) -> None:
        if not self._id_edited:
            self.event_id.setText(slug(text) if text.strip() else "")

    def _check(self) -> None:
        problem = None
        if not self.name.text().strip():
            problem = self.tr("Give the event a name.")
        elif not self.folder.text().strip():
            problem = self.tr("Choose the folder to watch.")
        elif (title := title_pattern_problem(self.title_pattern.text())) is not None:
            problem = title
        self.problem.setText(problem or "")
        was_shown = self.problem.isVisibleTo(self)
        self.problem.setVisible(problem is not None)
        if was_shown and problem is None and self.isVisible():
            # The line went away: the dialog closes the gap it leaves.
            layout = self.layout()
            if layout is not None:
                layout.activate()
            self.resize(self.width(), self.sizeHint().height())
        self.save_button.setEnabled(problem is None)

    def profile(self) -> EventProfile:
        values = EventProfile(
            name=self.name.text().strip(),
            folder=self.folder.text().strip(),
            template_id=self.template_picker.template_id(),
            options=self.options.values(),
            visibility=self.visibility.visibility(),
            title_pattern=self.title_pattern.text() or "{stem}",
            description=self.description.text().strip(),
            event_id=self.event_id.text().strip(),
            output_dir=self.results.text().strip(),
            mark_delivered=self.delivered.isChecked(),
            settle=self.settle.value(),
        )
        if self._original is None:
            return values
        return replace(
            values,
            id=self._original.id,
            started_at=self._original.started_at,
            created_at=self._original.created_at,
            existing=self._original.existing,
        )
