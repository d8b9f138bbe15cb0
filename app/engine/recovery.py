"""Picking up a batch this engine has just taken (on start, or from a process that ended):
whatever was interrupted carries on, and nothing that may have been sent is sent again
without the user's word."""

from __future__ import annotations

from collections.abc import Collection

from app.engine.events import Events
from app.engine.following import Following
from app.engine.model import ItemState
from app.engine.saving import Saving, downloads_missing
from app.engine.store import JobStore
from app.engine.updates import Updates
from app.engine.uploads import Uploads


class Recovery:
    def __init__(
        self,
        store: JobStore,
        *,
        events: Events,
        uploads: Uploads,
        following: Following,
        saving: Saving,
        updates: Updates,
    ) -> None:
        self._store = store
        self._events = events
        self._uploads = uploads
        self._following = following
        self._saving = saving
        self._updates = updates

    def recover(self, batch_ids: Collection[int]) -> None:
        """An interrupted upload goes back to the queue when its body never went out whole and
        is in doubt otherwise (the batch's WhenUnsure decides), sent workflows are followed again,
        missing downloads fetched, pending changes sent (queued items go out by themselves)."""
        for batch_id in sorted(batch_ids):
            # Another process may have changed its settings (e.g. `resume --download`).
            self._store.forget_settings(batch_id)
            for stored in self._store.items(batch_id):
                snap = stored.snapshot
                if snap.state is ItemState.UPLOADING:
                    # Asked afresh: this list may be stale by now, and an upload of ours may
                    # have claimed the item since (then it is not orphaned).
                    orphan = self._uploads.orphaned(snap.id)
                    if orphan is not None:
                        self._uploads.recover_interrupted(orphan)
                elif snap.state.is_remote:
                    self._following.poll_soon(snap.id)
                elif (
                    snap.state is ItemState.SUCCEEDED
                    and downloads_missing(stored)
                    and self._store.settings(batch_id).download_dir
                ):
                    self._saving.download(snap.id)
                # Interrupted, or its retries ran out last time: send it again now. One the
                # server refused waits for the user's retry_update / drop_update.
                self._updates.resend_pending(stored)
