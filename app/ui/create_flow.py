"""The window's primary action: confirm a batch, hand it to the engine, report the outcome.

`CreateFlow` is given plain values (a `BatchRequest`: settings, photos, web photos, what the
confirmation shows) and the session, asks for confirmation with `ConfirmCreateDialog` (through
a replaceable `confirm`, so tests answer it without a modal loop), and creates the batch on a
worker through the `Session`. It knows nothing of the window: the window updates itself from
`created` (the photos sent leave the grid) and `failed` (nothing is lost; it says why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.engine.model import BatchSettings, Grouping
from app.images.photo import Photo
from app.ui.dialogs.confirm_create import ConfirmCreateDialog
from app.ui.session import Session

AskDialog = Callable[[ConfirmCreateDialog], bool]


@dataclass(frozen=True)
class BatchRequest:
    """One batch as the user set it up, in plain values."""

    settings: BatchSettings
    photos: Sequence[Photo]  # the photos to send, in batch order
    urls: Sequence[str]  # web photos to send
    skipped: Sequence[Photo]  # photos that cannot be used, listed in the confirmation
    workflows: int  # how many workflows the batch makes (per photo or per folder)
    template_label: str  # the template's name as the user sees it
    demo: bool = False  # demo mode: the confirmation says that nothing real is sent


class CreateFlow(QObject):
    """Confirms and creates one batch at a time.

    Signals:
        created(int batch_id, list sent): the batch exists; `sent` holds the path (text) of
            every photo and every web address that went into it.
        failed(str): the batch could not be created, in plain words; nothing was sent.
    """

    created = Signal(int, list)
    failed = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.busy = False  # a batch is being created right now

    def start(self, session: Session, request: BatchRequest, confirm: AskDialog) -> bool:
        """Ask `confirm`, then create the batch on a worker. False: the user said no (or a
        batch is being created already); True: `created` or `failed` follows."""
        if self.busy:
            return False
        settings = request.settings
        dialog = ConfirmCreateDialog(
            count=request.workflows,
            template_label=request.template_label,
            visibility_label=settings.visibility.label,
            skipped=list(request.skipped),
            per_folder=settings.grouping is Grouping.PER_FOLDER,
            demo=request.demo,
            parent=self._parent,
        )
        try:
            if not confirm(dialog):
                return False
        finally:
            dialog.deleteLater()
        self.busy = True
        photos = list(request.photos)
        urls = list(request.urls)
        sent = [str(p.path) for p in photos] + urls
        session.create_batch(
            settings,
            photos,
            urls,
            lambda batch_id: self._created(batch_id, sent),
            self._failed,
        )
        return True

    def _created(self, batch_id: int, sent: list[str]) -> None:
        self.busy = False
        self.created.emit(batch_id, sent)

    def _failed(self, reason: str) -> None:
        self.busy = False
        self.failed.emit(reason)
