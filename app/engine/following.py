"""Following sent workflows: polling each one (backing off while its status stays the same)
until it succeeds or fails, then finishing its item or handing it to the downloads."""

from __future__ import annotations

import logging
import threading
from functools import partial

from app.api import (
    ApiError,
    CancelledError,
    KeyMissingError,
    KeyRefusedError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    Workflow,
)
from app.engine.crew import Crew, CrewMember
from app.engine.error_reports import describe_exception
from app.engine.model import PAUSED_FOR_KEY, ItemState
from app.engine.polling import PollPolicy
from app.engine.saving import Saving
from app.engine.store import Download, ItemChanges, StoredItem

log = logging.getLogger(__name__)

WORKFLOW_FAILED = "Vimmerse could not make a result from this one."
# Shown (status_text, with the reason in `error`) after this many failed checks in a row;
# checking goes on, backing off.
CANT_CHECK = "Can't check on this photo: retrying"
CANT_CHECK_AFTER = 3
WORKFLOW_CANCELLED = "The workflow was cancelled on Vimmerse."


class Following(CrewMember):
    """Polls the items whose workflow exists on the server (SUBMITTED / RUNNING)."""

    def __init__(self, crew: Crew, *, poll: PollPolicy, saving: Saving) -> None:
        super().__init__(crew)
        self._poll = poll
        self._saving = saving
        self._lock = threading.Lock()
        self._interval: dict[int, float] = {}  # item -> its current poll interval
        self._followed: set[int] = set()  # items whose status checks go on
        self._key_blocked: set[int] = set()  # items whose poll waits for a key
        self._offline: set[int] = set()  # items whose poll waits for the connection

    def poll_soon(self, item_id: int, delay: float = 0.0) -> None:
        with self._lock:
            self._followed.add(item_id)
        self._scheduler.call_later(delay, partial(self._poll_one, item_id), key=("poll", item_id))
        self._connection.keep_watch()  # checks grow far apart: a lost connection still shows

    def following(self) -> bool:
        """Some workflow is being followed (its status checks go on)."""
        with self._lock:
            return bool(self._followed)

    def stop(self, item_id: int) -> None:
        """Poll the item no more (cancelled, removed)."""
        self._scheduler.cancel(("poll", item_id))
        self._done(item_id)

    def _done(self, item_id: int) -> None:
        """The item's workflow is followed no more (finished, cancelled, gone)."""
        with self._lock:
            self._followed.discard(item_id)
            self._interval.pop(item_id, None)

    def forget(self, item_id: int) -> None:
        """The item starts afresh: no poll, no failures counted."""
        self.stop(item_id)
        self._failures.clear(item_id)

    def repoll_offline(self) -> None:
        """Vimmerse answers again: ask about the workflows whose check could not reach it."""
        with self._lock:
            waiting = list(self._offline)
            self._offline.clear()
        for item_id in waiting:
            self.poll_soon(item_id)

    def repoll_key_blocked(self) -> None:
        """A key may work now: ask again about the workflows whose poll it stopped."""
        with self._lock:
            blocked = list(self._key_blocked)
            self._key_blocked.clear()
        for item_id in blocked:
            self.poll_soon(item_id)

    def _poll_one(self, item_id: int) -> None:
        if self._tasks.stopping:
            return
        stored = self._store.get(item_id)
        # Finished workflows are never asked again.
        if stored is None or not stored.snapshot.state.is_remote or not stored.snapshot.workflow_id:
            self._done(item_id)
            return
        workflow_id = stored.snapshot.workflow_id
        try:
            workflow = self._client().get(workflow_id)
        except NotFoundError as exc:
            self._done(item_id)
            self._events.set(item_id, state=ItemState.FAILED, error=str(exc))
            return
        except (KeyMissingError, KeyRefusedError) as exc:
            with self._lock:
                self._key_blocked.add(item_id)
            self._events.set_paused(stored.snapshot.batch_id, str(exc), PAUSED_FOR_KEY)
            return
        except CancelledError:
            return
        except NetworkError as exc:
            if not exc.sent:
                # Vimmerse cannot be reached: the connection state says so (the item's words
                # stay), and the check is made again once it answers.
                with self._lock:
                    self._offline.add(item_id)
                self._connection.failed_to_connect(exc.detail)
                if self._connection.offline:
                    return
                self.poll_soon(item_id, self._backoff.delay(1))
                return
            self._check_failed(stored, exc)
            return
        except Exception as exc:
            if isinstance(exc, RateLimitedError):
                self._connection.slowed(exc.retry_after or self._backoff.delay(1))
            elif isinstance(exc, MalformedResponseError):
                self._reporter.report(
                    f"Status answer unreadable: {exc.detail}", workflow_id=workflow_id
                )
            elif not isinstance(exc, ApiError):
                self._reporter.report(
                    f"Status check failed unexpectedly: {describe_exception(exc)}",
                    workflow_id=workflow_id,
                )
            self._check_failed(stored, exc)
            return
        self._connection.answered()
        with self._lock:
            self._offline.discard(item_id)
        self._failures.clear(item_id)
        current = self._store.get(item_id)
        if current is None or not current.snapshot.state.is_remote:
            self._done(item_id)
            return  # cancelled or deleted meanwhile
        snap = current.snapshot
        if snap.status_text == CANT_CHECK:  # it answers again: the item's words go back
            current = self._events.set(item_id, status_text=workflow.processing_status, error=None)
            snap = current.snapshot
        # Only a new status name brings polling back to its fastest: progress creeps up on
        # almost every answer and would otherwise keep a long workflow at the first interval.
        status_changed = (
            workflow.processing_status != snap.status_text or snap.state is ItemState.SUBMITTED
        )
        if (status_changed or workflow.progress != snap.progress) and not workflow.is_finished:
            current = self._events.set(
                item_id,
                state=ItemState.RUNNING,
                status_text=workflow.processing_status,
                progress=workflow.progress,
            )
        self.follow(current, workflow, changed=status_changed)

    def _check_failed(self, stored: StoredItem, exc: Exception) -> None:
        """A status check failed (not for want of a connection): try again, backing off; after
        a few in a row the item says so, with the reason."""
        item_id = stored.snapshot.id
        failures = self._failures.add(item_id)
        delay = self._backoff.delay(failures)
        reason = str(exc) if isinstance(exc, ApiError) else "Something unexpected went wrong."
        log.warning(
            "Status check of item %d failed (%d in a row): %s; again in %.1f s",
            item_id,
            failures,
            describe_exception(exc),
            delay,
        )
        if failures >= CANT_CHECK_AFTER and (
            stored.snapshot.status_text != CANT_CHECK or stored.snapshot.error != reason
        ):
            self._events.set(item_id, status_text=CANT_CHECK, error=reason)
        self.poll_soon(item_id, delay)

    def follow(self, stored: StoredItem, workflow: Workflow, *, changed: bool) -> None:
        """Act on a workflow's state: finish the item, start downloads, or poll again later.
        `changed`: its status name is new (polling goes back to its fastest)."""
        item_id = stored.snapshot.id
        if workflow.succeeded:
            self._done(item_id)
            settings = self._store.settings(stored.snapshot.batch_id)
            downloading = bool(settings.download_dir and workflow.result)
            finish: ItemChanges = {
                # With a download folder it stays RUNNING until its files are saved.
                "state": ItemState.RUNNING if downloading else ItemState.SUCCEEDED,
                "status_text": workflow.processing_status,
                "progress": 100,
                "results": workflow.result,
            }
            if downloading:
                finish["downloads"] = self._planned(stored, workflow)
            else:
                finish["error"] = None
            self._events.set(item_id, **finish)
            if downloading:
                self._saving.download(item_id)
        elif workflow.failed:
            self._done(item_id)
            cancelled = workflow.processing_status.strip().lower() == "cancel"
            self._events.set(
                item_id,
                state=ItemState.FAILED,
                status_text=workflow.processing_status,
                error=WORKFLOW_CANCELLED if cancelled else WORKFLOW_FAILED,
            )
        else:
            with self._lock:
                interval = self._poll.next_interval(self._interval.get(item_id), changed)
                self._interval[item_id] = interval
            self.poll_soon(item_id, interval)

    @staticmethod
    def _planned(stored: StoredItem, workflow: Workflow) -> tuple[Download, ...]:
        """The item's downloads, one per result (those already planned kept as they are)."""
        known = {d.url: d for d in stored.downloads}
        return tuple(known.get(m.url, Download(url=m.url)) for m in workflow.result)
