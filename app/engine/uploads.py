"""Sending: each queued item's photos prepared and sent once, through at most `concurrency`
upload slots, in the order they were added. An item goes from queued to uploading only
through the store's atomic claim, written before the create goes out; a failure that cannot
have created anything requeues it, one that may have asks the user."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, cast
from urllib.parse import urlsplit

from app.api import (
    ApiError,
    BadRequestError,
    CancelledError,
    CreateRequest,
    InsufficientCreditError,
    KeyMissingError,
    KeyRefusedError,
    MaybeCreatedError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
    Workflow,
)
from app.engine.batch_items import photo_from_record, photo_record
from app.engine.crew import Crew, CrewMember
from app.engine.error_reports import describe_exception
from app.engine.following import Following
from app.engine.model import (
    PAUSED_FOR_CREDIT,
    PAUSED_FOR_KEY,
    ItemSnapshot,
    ItemState,
    WhenUnsure,
)
from app.engine.store import ItemChanges, StoredItem
from app.engine.store_errors import StoreError
from app.engine.throughput import ThroughputMeter
from app.engine.updates import CREATE_FIELDS, Updates
from app.images import (
    IntakeError,
    Photo,
    PhotoChangedError,
    ProblemCode,
    inspect,
    prepare_upload,
)

log = logging.getLogger(__name__)

# A create in doubt is sent again by itself at most this many times in a row (WhenUnsure.
# SEND_AGAIN), then it asks the user: a server that fails every create after reading it must
# not cost a credit per try forever.
MAX_UNSURE_RESENDS = 3

STOPPED_MID_UPLOAD = (
    "vimbatch was stopped while this photo was being sent; it may have been created. "
    "Check on Vimmerse, then choose Resubmit or Cancel."
)
UNEXPECTED_NOT_SENT = (
    "Something unexpected went wrong before this photo could be sent; nothing was sent. "
    "Choose Retry to try again."
)
CANCELLED_AFTER_SEND = "Cancelled, but it had already been sent: the workflow exists on Vimmerse."
UNEXPECTED_SEND = (
    "Something unexpected went wrong while sending this; it may have been created. "
    "Check on Vimmerse, then choose Resubmit or Cancel."
)


class Uploads(CrewMember):
    """The upload slots: which items are being sent (claimed), which wait for a retry, and
    which the user cancelled while they were being sent."""

    def __init__(
        self,
        crew: Crew,
        *,
        following: Following,
        updates: Updates,
        batches: Callable[[], list[int]],
        cache_dir: Path,
        concurrency: int,
        meter: ThroughputMeter | None = None,
    ) -> None:
        super().__init__(crew)
        self._meter = meter or ThroughputMeter()
        self._following = following
        self._updates = updates
        self._batches = batches  # the batches this engine sends
        self._cache_dir = cache_dir
        self._lock = threading.RLock()
        self._concurrency = max(1, concurrency)
        self._claimed: dict[int, int] = {}  # item -> batch, taken by an upload task
        self._cancel_requested: set[int] = set()
        self._not_before: dict[int, float] = {}  # requeued item -> monotonic time
        # Workflows created whose record could not be written (the job list failed): written
        # when the engine resumes, never sent again.
        self._unrecorded: dict[int, Workflow] = {}
        self._unsure_resends: dict[int, int] = {}  # item -> automatic resends in a row
        self._blocked = False  # the job list cannot be written: nothing new is claimed

    def set_concurrency(self, n: int) -> None:
        with self._lock:
            self._concurrency = max(1, n)
        self.pump()

    def sending(self, batch_id: int | None = None) -> bool:
        """An upload task holds an item (of this batch)."""
        with self._lock:
            return any(batch_id in (None, b) for b in self._claimed.values())

    def orphaned(self, item_id: int) -> StoredItem | None:
        """The item, if the store says it is being sent but no upload task here holds it: it
        was being sent when an engine stopped. Read under the lock that claims are taken
        under, so a create that is going out right now is never taken for one."""
        with self._lock:
            stored = self._store.get(item_id)
            if stored is None or stored.snapshot.state is not ItemState.UPLOADING:
                return None
            if item_id in self._claimed or item_id in self._unrecorded:
                return None
            return stored

    def recover_interrupted(self, stored: StoredItem) -> None:
        """An upload that was interrupted (the engine stopped or died): back to the queue if
        its body had not gone out whole (nothing can exist), else in doubt."""
        if not stored.body_sent:
            log.info(
                "Item %d: its upload was interrupted before it was complete; queued again",
                stored.snapshot.id,
            )
            self._events.set(stored.snapshot.id, state=ItemState.QUEUED, error=None)
        else:
            self._unsure(stored.snapshot, STOPPED_MID_UPLOAD)

    def block(self, blocked: bool) -> None:
        """The job list cannot be written (True): claim nothing more until it can (False)."""
        with self._lock:
            self._blocked = blocked

    def record_unrecorded(self) -> None:
        """Write the workflows created while the job list could not be written."""
        with self._lock:
            waiting = dict(self._unrecorded)
        for item_id, workflow in waiting.items():
            self._created(item_id, workflow)  # a StoreError leaves it waiting
            with self._lock:
                self._unrecorded.pop(item_id, None)

    def request_cancel(self, item_id: int, state: ItemState) -> bool:
        """The user cancels the item: True when its upload task decides (once its create has
        an answer, or before it is sent), False when the caller cancels it."""
        with self._lock:
            if item_id in self._claimed or state is ItemState.UPLOADING:
                self._cancel_requested.add(item_id)
            return state is ItemState.UPLOADING

    def is_claimed(self, item_id: int) -> bool:
        with self._lock:
            return item_id in self._claimed

    def requeue_fresh(self, stored: StoredItem, carried: ItemChanges) -> None:
        """Back to the queue as if new (after the user's word): a new create will be made,
        carrying `carried` (title, description, visibility)."""
        item_id = stored.snapshot.id
        self._failures.clear(item_id)
        with self._lock:
            self._not_before.pop(item_id, None)
        if stored.photos:
            # The user may have fixed the file since: intake looks at it afresh before sending.
            self._store.set_photos(item_id, [dict(p, recheck=True) for p in stored.photos])
        fresh: ItemChanges = {
            **carried,
            "created_at": time.time(),  # its time starts over, as a new item's would
            "state": ItemState.QUEUED,
            "error": None,
            "workflow_id": None,
            "status_text": "",
            "progress": 0,
            "results": (),
            "downloads": (),
        }
        self._events.set(item_id, **fresh)
        self.pump()

    def pump(self) -> None:
        """Start uploads while slots are free; schedule itself for when waiting items are due."""
        to_start: list[int] = []
        with self._lock:
            if not self._tasks.running or self._blocked or self._connection.offline:
                return
            free = self._concurrency - len(self._claimed)
            if free <= 0:
                return
            client = self._client()
            if client.cancel is not None and client.cancel.is_set():
                return  # the client was stopped: nothing more goes out through it
            wait = client.governor.delay_remaining()
            if wait > 0:
                self._scheduler.call_later(wait, self.pump)
        if wait > 0:
            self._connection.slowed(wait)  # announced outside the lock: listeners run here
            return
        with self._lock:
            if not self._tasks.running or self._blocked:
                return
            free = self._concurrency - len(self._claimed)
            if free <= 0:
                return
            now = time.monotonic()
            limit = free + len(self._claimed) + len(self._not_before)
            soonest: float | None = None
            for item_id, batch_id in self._store.queued(limit, self._batches()):
                if item_id in self._claimed:
                    continue
                due = self._not_before.get(item_id)
                if due is not None and due > now:
                    soonest = due if soonest is None else min(soonest, due)
                    continue
                self._not_before.pop(item_id, None)
                self._claimed[item_id] = batch_id
                to_start.append(item_id)
                if len(to_start) >= free:
                    break
            if soonest is not None and len(to_start) < free:
                self._scheduler.call_later(soonest - now, self.pump)
        for item_id in to_start:
            self._tasks.submit(partial(self._upload, item_id))

    def _upload(self, item_id: int) -> None:
        try:
            self._upload_one(item_id)
        finally:
            with self._lock:
                self._claimed.pop(item_id, None)
                self._cancel_requested.discard(item_id)
            self.pump()

    def _requeue(self, item_id: int, delay: float, message: str | None) -> None:
        with self._lock:
            self._not_before[item_id] = time.monotonic() + delay
        self._events.set(item_id, state=ItemState.QUEUED, error=message)
        self._scheduler.call_later(delay, self.pump)

    def _unsure(self, snap: ItemSnapshot, message: str) -> None:
        """The create may or may not have happened: the batch's setting decides between asking
        the user (needs attention) and sending it again."""
        item_id = snap.id
        try:
            choice = self._store.settings(snap.batch_id).when_unsure
        except KeyError:
            choice = WhenUnsure.ASK
        with self._lock:
            resends = self._unsure_resends.get(item_id, 0)
            again = choice is WhenUnsure.SEND_AGAIN and resends < MAX_UNSURE_RESENDS
            if again:
                self._unsure_resends[item_id] = resends + 1
        if again:
            log.warning(
                "Item %d may have been created; sent again as the batch asks (%s)", item_id, message
            )
            self._events.set(item_id, state=ItemState.QUEUED, error=None)
            self._scheduler.call_later(0.0, self.pump)
        else:  # logged by Events (outcomes worth knowing)
            self._events.set(item_id, state=ItemState.NEEDS_ATTENTION, error=message)

    def _upload_one(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or stored.snapshot.state is not ItemState.QUEUED:
            return
        snap = stored.snapshot
        if snap.batch_id in self._store.paused_batches():
            return
        settings = self._store.settings(snap.batch_id)
        files: list[Path] = []
        try:
            photos = self._photos_to_send(stored)
            for photo in photos:
                files.append(
                    prepare_upload(
                        photo,
                        self._cache_dir,
                        strip_gps=settings.strip_gps,
                        smaller=settings.smaller_copies,
                    )
                )
        except PhotoChangedError as exc:
            self._events.set(item_id, state=ItemState.NEEDS_ATTENTION, error=str(exc))
            return
        except IntakeError as exc:
            self._events.set(item_id, state=ItemState.FAILED, error=str(exc))
            return
        except OSError as exc:
            self._events.set(
                item_id,
                state=ItemState.FAILED,
                error=f"The photo could not be read ({exc.strerror or 'unknown error'}).",
            )
            return
        urls = list(snap.sources) if snap.kind == "url" else []
        with self._lock:
            if self._tasks.stopping:
                return
            if item_id in self._cancel_requested:
                self._events.set(item_id, state=ItemState.CANCELLED, error=None)
                return
            client = self._client()
            # Written before the create goes out: from here on it may exist on the server. The
            # compare-and-set fails when the item is no longer queued: taken by another
            # engine or process, paused, cancelled or removed meanwhile.
            claimed = self._store.claim_upload(item_id)
        if claimed is None:
            self._drop_converted(files, photos)
            return
        self._events.item(claimed.snapshot)
        # From the row as claimed: a title, description or visibility set until the claim goes
        # with the create (later ones are kept as a pending change, sent once it exists).
        sending = claimed.snapshot
        request = CreateRequest(
            files=files,
            names=_upload_names(files, photos),
            urls=urls,
            template_id=settings.template_id,
            options=dict(settings.options),
            visibility=sending.visibility or settings.visibility,
            title=sending.title,
            description=sending.description,
            event_id=settings.event_id,
        )
        announce = self._events.upload_progress(sending, lambda: self._tasks.stopping)
        upload = _BodyProgress(announce, self._meter, snap.batch_id)

        def body_sent() -> None:
            # One write per create, before the form's last bytes go: if it fails, the body
            # stays incomplete and nothing can be created (the client stops the request).
            self._store.mark_body_sent(item_id)
            upload.body_sent = True

        try:
            workflow = client.create(
                request, attempts=1, on_progress=upload, on_body_sent=body_sent
            )
        except StoreError:
            # The job list failed (mark_body_sent): nothing was created. Back to the queue if
            # that can be written; else the store still says uploading, body not sent, which
            # recovery requeues too.
            with contextlib.suppress(StoreError):
                self._events.set(item_id, state=ItemState.QUEUED, error=None)
            raise
        except (KeyMissingError, KeyRefusedError) as exc:
            self._events.set(item_id, state=ItemState.QUEUED, error=None)
            self._events.set_paused(snap.batch_id, str(exc), PAUSED_FOR_KEY)
        except InsufficientCreditError as exc:
            self._events.set(item_id, state=ItemState.QUEUED, error=None)
            self._events.set_paused(snap.batch_id, str(exc), PAUSED_FOR_CREDIT)
        except RateLimitedError as exc:
            delay = max(client.governor.delay_remaining(), exc.retry_after or 0.0)
            if delay <= 0:
                delay = self._backoff.delay(self._failures.add(item_id))
            log.warning("Item %d: Vimmerse asked us to slow down; again in %.1f s", item_id, delay)
            self._connection.slowed(delay)
            # The connection state tells the user: the item's own words stay as they were.
            self._requeue(item_id, delay, None)
        except NetworkError as exc:
            # The client only lets this through when nothing can have been created.
            delay = self._backoff.delay(self._failures.add(item_id))
            if not exc.sent:
                self._connection.failed_to_connect(exc.detail)
            # While OFFLINE the connection state was logged once: not a line per photo.
            log.log(
                logging.DEBUG if self._connection.offline else logging.WARNING,
                "Item %d: not sent (%s); again in %.1f s",
                item_id,
                exc.detail,
                delay,
            )
            self._requeue(item_id, delay, None)
        except ServerError as exc:
            # A 503: the server refused it before acting on it.
            delay = self._backoff.delay(self._failures.add(item_id))
            log.warning(
                "Item %d: server busy (status %s); again in %.1f s", item_id, exc.status, delay
            )
            self._connection.answered()
            self._requeue(item_id, delay, str(exc))
        except MaybeCreatedError as exc:
            self._unsure(snap, str(exc))
            if exc.status is not None and 200 <= exc.status < 300:
                self._report(snap, f"Create answer unreadable: {exc.detail}")
        except (ValidationError, BadRequestError, NotFoundError) as exc:
            self._events.set(item_id, state=ItemState.FAILED, error=str(exc))
        except ApiError as exc:
            self._events.set(item_id, state=ItemState.FAILED, error=str(exc))
            self._report(snap, f"Unexpected answer to a create: {type(exc).__name__} {exc.status}")
        except CancelledError:
            if upload.body_sent:
                self._unsure(snap, STOPPED_MID_UPLOAD)
            else:  # stopped before the form was whole: the server cannot have created it
                self._events.set(item_id, state=ItemState.QUEUED, error=None)
        except Exception as exc:
            if upload.body_sent:
                self._unsure(snap, UNEXPECTED_SEND)
            elif upload.started:
                # Part of the photo left, but never the form's end: nothing can exist.
                self._events.set(item_id, state=ItemState.QUEUED, error=None)
            else:  # failed before a byte of the photo left: nothing can exist on the server
                self._events.set(item_id, state=ItemState.FAILED, error=UNEXPECTED_NOT_SENT)
            self._report(snap, f"Create failed unexpectedly: {describe_exception(exc)}")
        else:
            self._connection.answered()
            self._meter.photo_sent(upload.total)
            with self._lock:
                self._unsure_resends.pop(item_id, None)
            try:
                self._created(item_id, workflow)
            except StoreError:
                with self._lock:
                    self._unrecorded[item_id] = workflow
                raise
            self._drop_converted(files, photos)

    def _created(self, item_id: int, workflow: Workflow) -> None:
        """The create has its answer: record the workflow, then follow it (or cancel it)."""
        with self._lock:
            cancelled = item_id in self._cancel_requested
        self._failures.clear(item_id)
        if cancelled:
            self._events.set(
                item_id,
                state=ItemState.CANCELLED,
                workflow_id=workflow.id,
                error=CANCELLED_AFTER_SEND,
            )
            return
        submitted: ItemChanges = {
            **_details_of(workflow),
            "state": ItemState.SUBMITTED,
            "workflow_id": workflow.id,
            "status_text": workflow.processing_status,
            "progress": workflow.progress,
        }
        stored = self._events.set(item_id, **submitted)
        if stored.pending_update:  # changed while it was being created
            self._updates.resend_pending(stored)
        self._following.follow(stored, workflow, changed=True)

    def _report(self, snap: ItemSnapshot, message: str) -> None:
        self._reporter.report(message, file_name=_base_name(snap))

    def _photos_to_send(self, stored: StoredItem) -> list[Photo]:
        photos: list[Photo] = []
        rechecked = False
        records: list[dict[str, Any]] = []
        for record in stored.photos:
            if record.get("recheck"):
                photo = inspect(record["path"])
                rechecked = True
                if photo.problem is not None:
                    raise IntakeError(photo.problem_code or ProblemCode.CORRUPT, photo.problem)
                records.append(photo_record(photo))
            else:
                photo = photo_from_record(record)
                records.append(record)
            photos.append(photo)
        if rechecked:
            self._store.set_photos(stored.snapshot.id, records)
        return photos

    def _drop_converted(self, files: list[Path], photos: list[Photo]) -> None:
        originals = {p.path for p in photos}
        for path in files:
            if path not in originals and self._cache_dir in path.parents:
                path.unlink(missing_ok=True)


class _BodyProgress:
    """Passes a create's upload progress on and remembers how far its body got.

    A form is acted on only once all of it arrived (its closing boundary last), so a create
    stopped before `body_sent` cannot have created anything; the client decides resends the
    same way."""

    def __init__(
        self, announce: Callable[[int, int], None], meter: ThroughputMeter, batch_id: int
    ) -> None:
        self._announce = announce
        self._meter = meter
        self._batch_id = batch_id
        self.sent = 0
        self.total = 0  # the files' bytes (what the throughput meter counts per photo)
        self.body_sent = False  # the form's last bytes were being handed over (it may exist)

    def __call__(self, sent: int, total: int) -> None:
        # A resent attempt starts from 0 again: only bytes beyond the furthest count as new.
        self._meter.add(sent - self.sent)
        self.sent = max(self.sent, sent)
        if not self.total and total > 0:  # the first word of this photo: its size as prepared
            self._meter.photo_started(self._batch_id, total)
        self.total = total
        self._announce(sent, total)

    @property
    def started(self) -> bool:
        return self.sent > 0


def _upload_names(files: list[Path], photos: list[Photo]) -> list[str]:
    """The name each file goes under: the user's own file name, with the sent file's extension
    when it was converted (never the content-hash name of a converted or location-free copy)."""
    names: list[str] = []
    for index, sent in enumerate(files):
        original = photos[index].path if index < len(photos) else sent
        same_kind = _KIND.get(sent.suffix.lower(), sent.suffix.lower()) == _KIND.get(
            original.suffix.lower(), original.suffix.lower()
        )
        names.append(original.name if same_kind else original.stem + sent.suffix.lower())
    return names


_KIND = {".jpeg": ".jpg", ".jpe": ".jpg"}


def carried_into_create(pending: dict[str, str] | None) -> ItemChanges:
    """Of a change kept for an old workflow, what a new create carries (the rest is dropped
    with the old workflow). CREATE_FIELDS are text columns of ItemChanges."""
    return cast(ItemChanges, {k: v for k, v in (pending or {}).items() if k in CREATE_FIELDS})


def _details_of(workflow: Workflow) -> ItemChanges:
    """Description and visibility as the server's answer gives them (where it gives them)."""
    details: ItemChanges = {}
    if workflow.visibility is not None:
        details["visibility"] = workflow.visibility.value
    if workflow.description:
        details["description"] = workflow.description
    return details


def _base_name(snapshot: ItemSnapshot) -> str | None:
    if not snapshot.sources:
        return None
    first = snapshot.sources[0]
    return PurePosixPath(urlsplit(first).path).name if snapshot.kind == "url" else Path(first).name
