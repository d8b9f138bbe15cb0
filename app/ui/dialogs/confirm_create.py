"""The short confirmation before a batch starts: how many, which template and visibility, what is
skipped and why. It is the last chance before credit is spent, so it says it plainly."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.images.photo import Photo
from app.ui.sending_estimate import SendingEstimate

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
        sending: SendingEstimate | None = None,
        smaller_copies: bool = False,
        already_made: str | None = None,
        already_made_count: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        """`already_made`: "12 of these photos were already made with New Year 2026 (30 Nov)"
        when some were; the user skips them (the default) or makes them again (`make_again`)."""
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
        # Offered when sending takes more than a few minutes (or chosen before for this template).
        self.smaller_box: QCheckBox | None = None
        if sending is not None and (sending.offer_smaller or smaller_copies):
            self.smaller_box = self._add_smaller_copies(layout, sending, smaller_copies)
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
        self._count = count
        self._made = already_made_count if not per_folder else 0
        self._per_folder = per_folder
        self._headline = headline
        self.skip_made: QRadioButton | None = None
        self.make_again_button: QRadioButton | None = None
        if already_made:
            made_box = QGroupBox(already_made + ":", self)
            made_box.setObjectName("alreadyMade")
            made_layout = QVBoxLayout(made_box)
            self.skip_made = QRadioButton(self.tr("Skip them"), made_box)
            self.skip_made.setObjectName("skipAlreadyMade")
            self.skip_made.setChecked(True)
            self.make_again_button = QRadioButton(self.tr("Make them again"), made_box)
            self.make_again_button.setObjectName("makeAgain")
            made_layout.addWidget(self.skip_made)
            made_layout.addWidget(self.make_again_button)
            layout.addWidget(made_box)
            self.skip_made.toggled.connect(lambda _on: self._recount())
        buttons = QDialogButtonBox(self)
        self.create_button = buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("confirmCreate")
        self.create_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._recount()

    @property
    def make_again(self) -> bool:
        """The user chose to make the already-made photos again."""
        return self.make_again_button is not None and self.make_again_button.isChecked()

    def _recount(self) -> None:
        count = self._count if self.make_again else max(0, self._count - self._made)
        n = QLocale().toString(count)
        self.create_button.setText(
            self.tr("Create 1 result") if count == 1 else self.tr("Create {n} results").format(n=n)
        )
        # Nothing left to make: the user makes them again, or cancels.
        self.create_button.setEnabled(count > 0 or self._per_folder)
        if self._per_folder:
            return
        if count == 0:
            self._headline.setText(self.tr("Nothing new to make"))
            return
        self._headline.setText(
            self.tr("Create 1 result?")
            if count == 1
            else self.tr("Create {n} results?").format(n=n)
        )

    def smaller_copies(self) -> bool:
        """The user's choice: send smaller copies (False when it was not offered)."""
        return self.smaller_box is not None and self.smaller_box.isChecked()

    def _add_smaller_copies(
        self, layout: QVBoxLayout, sending: SendingEstimate, checked: bool
    ) -> QCheckBox:
        if not sending.measured:
            where = self.tr("on a typical Wi-Fi connection")
        elif sending.earlier:
            where = self.tr("at the speed measured earlier")
        else:
            where = self.tr("at the speed measured so far")
        note = QLabel(
            self.tr("Sending the photos takes about {time} {where}.").format(
                time=about(sending.original_seconds), where=where
            ),
            self,
        )
        note.setObjectName("confirmSendingTime")
        note.setWordWrap(True)
        layout.addWidget(note)
        box = QCheckBox(
            self.tr("Send smaller copies instead: about {time}").format(
                time=about(sending.smaller_seconds)
            ),
            self,
        )
        box.setObjectName("confirmSmallerCopies")
        box.setChecked(checked)
        box.setToolTip(
            self.tr(
                "Copies of at most 2,560 pixels, without location data, are sent instead of "
                "the originals: plenty for the results, and about 4 times fewer bytes. Your "
                "photos are not changed."
            )
        )
        layout.addWidget(box)
        return box


def about(seconds: float) -> str:
    """'9 min', '2 h 5 min', '40 s': rounded the way a person says it."""
    if seconds < 60:
        return QCoreApplication.translate("ConfirmCreate", "{n} s").format(
            n=max(5, round(seconds / 5) * 5)
        )
    minutes = round(seconds / 60)
    if minutes < 60:
        return QCoreApplication.translate("ConfirmCreate", "{n} min").format(n=minutes)
    return QCoreApplication.translate("ConfirmCreate", "{h} h {m} min").format(
        h=minutes // 60, m=minutes % 60
    )
