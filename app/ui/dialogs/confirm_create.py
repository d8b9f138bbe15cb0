"""The short confirmation before a batch starts: how many, which template and visibility, what is
skipped and why. It is the last chance before credit is spent, so it says it plainly."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.images.photo import Photo

MAX_LISTED = 200  # enough to recognise the files; the count says the rest


class ConfirmCreateDialog(QDialog):
    def __init__(
        self,
        *,
        count: int,
        template_label: str,
        visibility_label: str,
        skipped: Sequence[Photo],
        per_folder: bool = False,
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("confirmCreateDialog")
        self.setWindowTitle(self.tr("Create results"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        headline = QLabel(self)
        headline.setObjectName("confirmHeadline")
        font = headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        headline.setFont(font)
        n = QLocale().toString(count)
        if per_folder:
            what = (
                self.tr("Create 1 result from one folder?")
                if count == 1
                else self.tr("Create {n} results, one per folder?").format(n=n)
            )
        else:
            what = (
                self.tr("Create 1 result?")
                if count == 1
                else self.tr("Create {n} results?").format(n=n)
            )
        headline.setText(what)
        layout.addWidget(headline)
        facts = QLabel(self)
        facts.setObjectName("confirmFacts")
        facts.setTextFormat(Qt.TextFormat.RichText)
        lines = [
            self.tr("Template: <b>{template}</b>").format(template=html.escape(template_label)),
            self.tr("Visibility: <b>{visibility}</b>").format(visibility=visibility_label),
        ]
        if demo:
            lines.append(self.tr("Demo mode: nothing is sent to Vimmerse and no credit is used."))
        else:
            lines.append(self.tr("Each result uses Vimmerse credit."))
        facts.setText("<br>".join(lines))
        facts.setWordWrap(True)
        layout.addWidget(facts)
        if skipped:
            note = QLabel(
                self.tr("1 photo will be skipped:")
                if len(skipped) == 1
                else self.tr("{n} photos will be skipped:").format(
                    n=QLocale().toString(len(skipped))
                ),
                self,
            )
            note.setObjectName("confirmSkipped")
            layout.addWidget(note)
            # Read-only text that wraps at the dialog's width: a reason is a whole sentence,
            # and a list of one-line rows cut it off or made the user scroll sideways.
            listing = QPlainTextEdit(self)
            listing.setObjectName("skippedList")
            listing.setAccessibleName(self.tr("Photos that will be skipped"))
            listing.setReadOnly(True)
            listing.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
            listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            listing.setTabChangesFocus(True)
            lines = [f"{photo.path.name} — {photo.problem}" for photo in list(skipped)[:MAX_LISTED]]
            if len(skipped) > MAX_LISTED:
                lines.append(
                    self.tr("… and {n} more").format(
                        n=QLocale().toString(len(skipped) - MAX_LISTED)
                    )
                )
            listing.setPlainText("\n".join(lines))
            listing.setMaximumHeight(180)
            layout.addWidget(listing)
            reasons = Counter(p.problem for p in skipped)
            listing.setToolTip("\n".join(f"{n} × {r}" for r, n in reasons.most_common(5)))
        buttons = QDialogButtonBox(self)
        self.create_button = buttons.addButton(
            self.tr("Create 1 result") if count == 1 else self.tr("Create {n} results").format(n=n),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.create_button.setObjectName("confirmCreate")
        self.create_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
