"""Changes to a workflow (title, description, visibility, rating, delivered mark), durable:
each is stored as the item's pending change before it is sent, sent on a worker, retried
with back-off, and kept (with its error once it cannot land) until it lands or the user
drops it. Also what a PUT must carry so that the server keeps the user's delivered time,
shared with `vimbatch update`."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Unpack

from app.api import (
    ApiError,
    CancelledError,
    KeyMissingError,
    KeyRefusedError,
    NetworkError,
    Visibility,
    Workflow,
    WorkflowChanges,
    WorkflowClient,
    parse_timestamp,
)
from app.engine.crew import Crew, CrewMember
from app.engine.error_reports import describe_exception
from app.engine.model import ItemState
from app.engine.store import StoredItem

UNEXPECTED_UPDATE = "Something unexpected went wrong while sending this change."
NOT_SENT_YET = "This photo has not been sent to Vimmerse yet."

# What a create carries: set on an item not sent yet, these go with its create.
CREATE_FIELDS = ("title", "description", "visibility")


def stamp(moment: datetime) -> str:
    """A delivered time as stored and shown: ISO 8601 in UTC, to the second."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def change_of(**changes: Unpack[WorkflowChanges]) -> dict[str, str]:
    """A change as the store keeps it (UPDATE_FIELDS -> text); `delivered`: marked now."""
    title = changes.get("title")
    description = changes.get("description")
    visibility = changes.get("visibility")
    rating = changes.get("rating")
    delivered = changes.get("delivered", False)
    delivered_at = changes.get("delivered_at")
    change: dict[str, str] = {}
    if title is not None:
        change["title"] = title
    if description is not None:
        change["description"] = description
    if visibility is not None:
        change["visibility"] = Visibility.parse(visibility).value
    if rating is not None:
        change["rating"] = str(rating)
    if delivered_at is not None or delivered:
        change["delivered_at"] = stamp(delivered_at or datetime.now(UTC))
    return change


def delivered_time(
    change: Mapping[str, str], confirmed: Mapping[str, str | None]
) -> datetime | None:
    """The delivered_at a PUT of `change` must carry, given what the server is known to hold.

    The contract: a PUT without delivered_at (or with null) stamps the current time. For an
    item the user marked delivered we send that time (the new mark, or the known one again)
    so the server keeps the right one. For an item never marked delivered, the server's stamp
    on a rating or a title is an API quirk we cannot avoid: nothing can be sent to prevent
    it, and the engine ignores it (the user's mark is separate)."""
    return parse_timestamp(change.get("delivered_at") or confirmed.get("delivered_at"))


def put_change(
    client: WorkflowClient,
    workflow_id: str,
    change: Mapping[str, str],
    confirmed: Mapping[str, str | None],
) -> Workflow:
    """PUT a change as the store keeps it (see `change_of`), with the delivered time the
    server must keep (see `delivered_time`)."""
    return client.update(
        workflow_id,
        title=change.get("title"),
        description=change.get("description"),
        visibility=change.get("visibility"),
        rating=change.get("rating"),
        delivered_at=delivered_time(change, confirmed),
    )


def refused_for_good(error: ApiError) -> bool:
    """The server refused the change itself (400/404/422...): sending it again as it is will
    not help, so it waits for the user's word. A key problem or a transient failure does not."""
    return not error.retryable and not isinstance(error, KeyMissingError | KeyRefusedError)


class Updates(CrewMember):
    """Sends the items' pending changes, one change of an item on its way at a time."""

    def __init__(self, crew: Crew) -> None:
        super().__init__(crew)
        self._lock = threading.Lock()
        self._sending: set[int] = set()  # items whose change is on its way now
        self._again: set[int] = set()  # ... and changed again meanwhile

    def change(self, stored: StoredItem, change: dict[str, str]) -> None:
        """The user's change to the item (see Engine.update_item)."""
        item_id = stored.snapshot.id
        if stored.snapshot.workflow_id is None:
            # Not created yet: title, description and visibility go with its create.
            unsent = self._store.apply_unsent(item_id, change)
            if unsent is not None:
                self._events.item(unsent.snapshot)
                if set(change) - set(CREATE_FIELDS):
                    self._events.notice(NOT_SENT_YET, stored.snapshot.batch_id)
                return
            current = self._store.get(item_id)
            if current is None or (
                current.snapshot.workflow_id is None
                and current.snapshot.state is not ItemState.UPLOADING
            ):
                self._events.notice(NOT_SENT_YET, stored.snapshot.batch_id)
                return
            # Being created right now: kept, and sent once the workflow exists.
        self.record(item_id, change)

    def record(self, item_id: int, change: dict[str, str]) -> None:
        """Store the change (merged; its error cleared) before it is sent, then send it now.
        An empty change sends the pending one again."""
        stored = self._store.merge_update(item_id, change)
        if stored is None:
            return
        self._events.item(stored.snapshot)
        self._scheduler.cancel(("update", item_id))
        self._failures.clear(item_id)
        self._tasks.submit(partial(self._run, item_id))

    def resend_pending(self, stored: StoredItem) -> None:
        """Send a kept change again without the user's word (restart, new key): one the server
        refused waits for the user's retry_update / drop_update."""
        if stored.pending_update and not stored.update_refused:
            self.record(stored.snapshot.id, {})

    def drop(self, item_id: int) -> None:
        """Give up the item's pending change: the item shows what the server has again."""
        self.forget(item_id)
        dropped = self._store.drop_update(item_id)
        if dropped is not None:
            self._events.item(dropped.snapshot)

    def forget(self, item_id: int) -> None:
        """No more tries of the item's change (it is dropped or its workflow replaced)."""
        self._scheduler.cancel(("update", item_id))
        self._failures.clear(item_id)

    def _run(self, item_id: int) -> None:
        """One change of an item on its way at a time; a newer one waits for it to settle."""
        with self._lock:
            if item_id in self._sending:
                self._again.add(item_id)
                return
            self._sending.add(item_id)
        try:
            self._send(item_id)
        finally:
            with self._lock:
                self._sending.discard(item_id)
                again = item_id in self._again
                self._again.discard(item_id)
            if again and not self._tasks.stopping:
                self._tasks.submit(partial(self._run, item_id))

    def _send(self, item_id: int) -> None:
        stored = self._store.get(item_id)
        if stored is None or not stored.pending_update or not stored.snapshot.workflow_id:
            return
        if stored.snapshot.update_error:
            return  # it could not land: waits for the user's word (or the next start)
        change = dict(stored.pending_update)
        snap = stored.snapshot
        try:
            put_change(self._client(), str(snap.workflow_id), change, stored.confirmed)
        except CancelledError:
            return  # stopped: stays pending, sent again on the next start
        except (KeyMissingError, KeyRefusedError) as exc:
            self._failed(stored, change, str(exc), refused=False)  # again with a new key
            return
        except ApiError as exc:
            if isinstance(exc, NetworkError) and not exc.sent:
                self._connection.failed_to_connect(exc.detail)
            if exc.retryable and self._connection.offline and not self._tasks.stopping:
                # Waiting for the connection does not use up the change's tries.
                self._connection.when_online(("update", item_id), partial(self._run, item_id))
                return
            if exc.retryable:
                failures = self._failures.add(item_id)
                if self._tasks.stopping:
                    return  # stays pending, sent again on the next start
                if failures < self._backoff.update_attempts:
                    self._scheduler.call_later(
                        self._backoff.delay(failures),
                        partial(self._run, item_id),
                        key=("update", item_id),
                    )
                    return
            self._failed(stored, change, str(exc), refused=refused_for_good(exc))
            return
        except Exception as exc:
            self._reporter.report(
                f"Update failed unexpectedly: {describe_exception(exc)}",
                workflow_id=snap.workflow_id,
            )
            self._failed(stored, change, UNEXPECTED_UPDATE, refused=False)
            return
        self._failures.clear(item_id)
        # What landed is what was sent (title, rating, ... and the user's delivered mark); the
        # delivered_at the server echoes for an item never marked delivered is ignored.
        settled = self._store.settle_update(item_id, change)
        if settled is not None:
            self._events.item(settled.snapshot)

    def _failed(
        self, stored: StoredItem, change: dict[str, str], error: str, *, refused: bool
    ) -> None:
        item_id = stored.snapshot.id
        self._failures.clear(item_id)
        failed = self._store.fail_update(item_id, change, error, refused=refused)
        if failed is None:
            return  # changed or dropped meanwhile: the newer change goes out on its own
        self._events.item(failed.snapshot)
        self._events.notice(
            f"“{failed.snapshot.title}” could not be changed: {error}", failed.snapshot.batch_id
        )
