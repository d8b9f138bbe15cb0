"""DetailsForm: the chosen result's title, description and who can see it.

The form shows the item's latest values (a change not yet sent included) and never overwrites
what the user is typing: it remembers what it was last filled with and leaves an edited form
alone until the change is applied.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.api import Visibility, WorkflowChanges
from app.engine.model import ItemSnapshot


class DetailsForm(QGroupBox):
    """No signals: the panel connects `apply_button.clicked`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultDetails")
        # What the form was last filled with, so an event never overwrites an edit.
        self._filled: tuple[int, str, str, object] | None = None
        form = QFormLayout(self)
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("resultTitle")
        form.addRow(self.tr("Title"), self.title_edit)
        self.description_edit = QPlainTextEdit(self)
        self.description_edit.setObjectName("resultDescription")
        self.description_edit.setFixedHeight(60)
        form.addRow(self.tr("Description"), self.description_edit)
        self.visibility_combo = QComboBox(self)
        self.visibility_combo.setObjectName("resultVisibility")
        for visibility, words in (
            (Visibility.PRIVATE, self.tr("Private — only you")),
            (Visibility.UNLISTED, self.tr("Unlisted — anyone with the link")),
            (Visibility.PUBLIC, self.tr("Public — everyone")),
        ):
            self.visibility_combo.addItem(words, visibility.value)
        form.addRow(self.tr("Who can see it"), self.visibility_combo)
        self.apply_button = QPushButton(self.tr("Apply changes"), self)
        self.apply_button.setObjectName("applyDetailsButton")
        form.addRow("", self.apply_button)

    def _values(self, item_id: int) -> tuple[int, str, str, object]:
        return (
            item_id,
            self.title_edit.text(),
            self.description_edit.toPlainText(),
            self.visibility_combo.currentData(),
        )

    def fill(self, item: ItemSnapshot) -> None:
        """Show the item's latest values, unless the user is editing this item's values now."""
        if (
            self._filled is not None
            and self._filled[0] == item.id
            and self._values(item.id) != self._filled
        ):
            return
        self.title_edit.setText(item.title)
        self.description_edit.setPlainText(item.description)
        if item.visibility is not None:
            index = self.visibility_combo.findData(item.visibility.value)
            if index >= 0:
                self.visibility_combo.setCurrentIndex(index)
        self._filled = self._values(item.id)

    def take_changes(self, item: ItemSnapshot) -> WorkflowChanges:
        """What the user changed (for Engine.update_item); the next event refills the form."""
        change: WorkflowChanges = {}
        title = self.title_edit.text().strip()
        if title and title != item.title:
            change["title"] = title
        description = self.description_edit.toPlainText()
        if description != item.description:
            change["description"] = description
        visibility = Visibility(self.visibility_combo.currentData())
        if visibility != item.visibility:
            change["visibility"] = visibility
        self._filled = None  # applied: the next event shows what the engine recorded
        return change
