"""The one question at the first start: may vimbatch send error reports to Vimmerse?

Off unless the user says yes. The question shows an example of what a report holds, built by
the same code that builds real reports (`app.engine.error_reports.sample_report`), so what is shown is what
would be sent. The answer is kept in the settings (Settings ▸ Privacy changes it later).
"""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from app.engine.error_reports import sample_report


def sample_report_text() -> str:
    message, context = sample_report()
    return json.dumps({"message": message, "context": context}, indent=2, ensure_ascii=False)


class ErrorReportsQuestion(QMessageBox):
    """Yes / no, with an example report in plain sight. `send_button` and `keep_button` are the
    answers; `wants_reports()` reads the one clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorReportsQuestion")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(self.tr("Error reports"))
        self.setText(self.tr("Send error reports to Vimmerse?"))
        self.setTextFormat(Qt.TextFormat.RichText)
        intro = self.tr(
            "When something goes wrong, vimbatch can send Vimmerse a short description so they "
            "can fix it: what failed, the result's Vimmerse id, a file's name (never its "
            "folder), the vimbatch version and your system. Never your photos, your results or "
            "your API key. You can change this at any time in Settings."
        )
        example = self.tr("A report looks like this:")
        self.setInformativeText(
            f"<p>{html.escape(intro)}</p><p>{html.escape(example)}</p>"
            f"<pre style='font-size: small'>{html.escape(sample_report_text())}</pre>"
        )
        self.send_button = self.addButton(
            self.tr("Send reports"), QMessageBox.ButtonRole.AcceptRole
        )
        self.keep_button = self.addButton(self.tr("Don't send"), QMessageBox.ButtonRole.RejectRole)
        self.send_button.setObjectName("sendReportsButton")
        self.keep_button.setObjectName("dontSendReportsButton")
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)

    def wants_reports(self) -> bool:
        clicked: QAbstractButton | None = self.clickedButton()
        return clicked is self.send_button
