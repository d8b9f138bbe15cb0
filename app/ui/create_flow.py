"""The window's primary action: confirm a batch, hand it to the engine, report the outcome.

`CreateFlow` is given plain values (a `BatchRequest`: settings, photos, web photos, what the
confirmation shows) and the session, asks for confirmation with `ConfirmCreateDialog` (through
a replaceable `confirm`, so tests answer it without a modal loop), and creates the batch on a
worker through the `Session`. It knows nothing of the window: the window updates itself from
`created` (the photos sent leave the grid) and `failed` (nothing is lost; it says why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.engine.model import BatchSettings, Grouping
from app.images.photo import Photo
from app.ui.dialogs.confirm_create import ConfirmCreateDialog
from app.ui.sending_estimate import SendingEstimate
from app.ui.session import Session

if TYPE_CHECKING:
    from app.engine.made_ledger import MadeBefore

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
    sending: SendingEstimate | None = None  # how long sending takes: originals / smaller copies
    smaller_copies: bool = False  # the user's last choice for this template


class CreateFlow(QObject):
    """Confirms and creates one batch at a time.

    Signals:
        created(int batch_id, list sent): the batch exists; `sent` holds the path (text) of
            every photo and every web address that went into it.
        failed(str): the batch could not be created, in plain words; nothing was sent.
        declined(): the user said no in the confirmation.
        smaller_copies_chosen(str template_id, bool): the confirmation offered smaller copies
            and the user confirmed with this choice (the window remembers it per template).
    """

    created = Signal(int, list)
    failed = Signal(str)
    declined = Signal()
    smaller_copies_chosen = Signal(str, bool)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.busy = False  # a batch is being created right now

    def start(self, session: Session, request: BatchRequest, confirm: AskDialog) -> bool:
        """Find out which photos were already made (on a worker), ask `confirm`, then create
        the batch on a worker. False: a batch is being created already; True: `declined`,
        `created` or `failed` follows."""
        if self.busy:
            return False
        self.busy = True
        session.check_made(
            request.settings,
            request.photos,
            lambda made: self._ask(session, request, confirm, made),
        )
        return True

    def _ask(
        self,
        session: Session,
        request: BatchRequest,
        confirm: AskDialog,
        made: dict[Path, MadeBefore],
    ) -> None:
        from app.engine.made_ledger import skipped_words  # the engine's, loaded after start-up

        settings = request.settings
        dialog = ConfirmCreateDialog(
            count=request.workflows,
            template_label=request.template_label,
            visibility_label=settings.visibility.label,
            skipped=list(request.skipped),
            per_folder=settings.grouping is Grouping.PER_FOLDER,
            demo=request.demo,
            already_made=skipped_words(len(made), list(made.values())) if made else None,
            already_made_count=len(made),
            sending=request.sending,
            smaller_copies=request.smaller_copies,
            parent=self._parent,
        )
        try:
            accepted = confirm(dialog)
            again = dialog.make_again
            offered = dialog.smaller_box is not None
            settings = replace(settings, smaller_copies=dialog.smaller_copies())
        finally:
            dialog.deleteLater()
        if not accepted:
            self.busy = False
            self.declined.emit()
            return
        if offered:
            self.smaller_copies_chosen.emit(settings.template_id, settings.smaller_copies)
        photos = list(request.photos)
        urls = list(request.urls)
        sent = [str(p.path) for p in photos] + urls
        # Skipped ones go in too: the engine stores them as "already made" (its ledger claim
        # settles a race with another window or process), so the job list says why.
        session.create_batch(
            settings,
            photos,
            urls,
            lambda batch_id: self._created(batch_id, sent),
            self._failed,
            again=again,
        )

    def _created(self, batch_id: int, sent: list[str]) -> None:
        self.busy = False
        self.created.emit(batch_id, sent)

    def _failed(self, reason: str) -> None:
        self.busy = False
        self.failed.emit(reason)
