"""The window's primary action: confirm a batch, hand it to the engine, report the outcome.

`CreateFlow` reads what the window shows (photos, web photos, batch settings) when "Create" is
pressed, asks for confirmation with `ConfirmCreateDialog` (through the window's replaceable
`confirm`, so tests answer it without a modal loop), and creates the batch on a worker through
the `Session`. On success the photos sent leave the grid; on failure nothing is lost and the
info bar says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.engine.model import Grouping
from app.ui.dialogs.confirm_create import ConfirmCreateDialog

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class CreateFlow(QObject):
    """Signals:
    created(int): a batch was created (its id), after the grid was updated.
    """

    created = Signal(int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.busy = False  # a batch is being created right now

    def start(self) -> None:
        """Confirm, then create the batch on a worker (nothing happens if Create is disabled)."""
        window = self.window
        window._update_summary()
        session = window.session
        if not window.create_button.isEnabled() or session is None:
            return
        settings = window.settings.apply_to_batch(window.settings_panel.settings())
        usable = window.photos.usable_photos()
        urls = list(window.urls)
        dialog = ConfirmCreateDialog(
            count=window.workflow_count(),
            template_label=window.settings_panel.template_label(),
            visibility_label=settings.visibility.label,
            skipped=window.photos.problem_photos(),
            per_folder=settings.grouping is Grouping.PER_FOLDER,
            demo=window.demo,
            parent=window,
        )
        try:
            if not window.confirm(dialog):
                return
        finally:
            dialog.deleteLater()
        window.settings_panel.save(window.settings_store)
        self.busy = True
        window._update_summary()
        window.show_status(self.tr("Starting the batch…"))
        sent = {p.path for p in usable}
        session.create_batch(
            settings,
            usable,
            urls,
            lambda batch_id: self._created(batch_id, sent, urls),
            self._failed,
        )

    def _created(self, batch_id: int, sent: set[Path], urls: list[str]) -> None:
        window = self.window
        self.busy = False
        photos = window.photos
        photos.remove_rows([r for r in range(photos.rowCount()) if photos.photo(r).path in sent])
        window.urls = [u for u in window.urls if u not in urls]
        left = photos.rowCount()
        message = self.tr("Batch started: follow it in the list below.")
        if left:
            message += " " + self.tr("Photos that cannot be used stay here.")
        window.show_status(message)
        window._update_summary()
        if not left:
            # Nothing left to add: the jobs are what the user watches now.
            splitter = window.left_splitter
            total = sum(splitter.sizes())
            splitter.setSizes([total * 2 // 5, total - total * 2 // 5])
        self.created.emit(batch_id)

    def _failed(self, reason: str) -> None:
        self.busy = False
        self.window._update_summary()
        self.window.info_bar.show_message(
            self.tr("The batch could not be started: {reason}").format(reason=reason)
        )
