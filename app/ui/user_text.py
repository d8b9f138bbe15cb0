"""One way to turn any exception into a plain, translated sentence for the user.

    label.setText(user_text(error))

Our own errors (`app.api.errors.ApiError`, `app.images.problems.IntakeError`) already carry
plain words in `user_message`; a file-system error names the file (its base name only) and the
system's reason; a job-store error says the job list could not be read; anything else gets a
generic sentence while the details go to the log (the API client scrubs the key from its own
errors, and nothing here adds it).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import PurePath

from PySide6.QtCore import QCoreApplication

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("user_text", text)


def user_text(error: BaseException) -> str:
    """A plain sentence saying what went wrong, for a label, a dialog or the status bar."""
    message = getattr(error, "user_message", None)
    if message:
        return str(message)
    if isinstance(error, OSError):
        log.warning("file problem", exc_info=(type(error), error, error.__traceback__))
        reason = error.strerror or _tr("the system refused")
        filename = error.filename
        if filename:
            name = PurePath(os.fsdecode(filename)).name or os.fsdecode(filename)
            return _tr("Could not use “{name}”: {reason}.").format(name=name, reason=reason)
        return _tr("A file could not be used: {reason}.").format(reason=reason)
    if isinstance(error, sqlite3.Error):
        log.error("job store problem", exc_info=(type(error), error, error.__traceback__))
        return _tr(
            "vimbatch's job list could not be read. Close other vimbatch windows and try "
            "again; if it keeps happening, restart vimbatch."
        )
    log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    return _tr("Something went wrong inside vimbatch; it has been noted.")
