"""The engine's connection to Vimmerse: ONLINE, OFFLINE (nothing answers: sending waits while a
light health check backs off) or SLOWED (a 429 asked us to wait until a known time).

Workers report what they saw (`failed_to_connect`, `answered`, `slowed`); this part decides
the state, announces each change as a CONNECTION event, and when Vimmerse answers again it
calls `on_online` (the engine sends the waiting photos and asks again about the workflows)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from app.api import WorkflowClient
from app.engine.events import Events
from app.engine.model import ConnectionState, ConnectionStatus, EngineEvent, EventKind
from app.engine.polling import Backoff
from app.engine.scheduler import Scheduler
from app.engine.tasks import Tasks

log = logging.getLogger(__name__)

OFFLINE_MESSAGE = (
    "Can't reach Vimmerse. Your photos are safe and will be sent when the connection is back."
)
SLOWED_MESSAGE = "Vimmerse asked us to slow down. Sending goes on by itself shortly."
CHECK_KEY = ("connection", "check")
SLOWED_KEY = ("connection", "slowed")
HEARTBEAT_KEY = ("connection", "heartbeat")
# The health check backs off to at most this many seconds between tries.
MAX_CHECK_INTERVAL = 30.0
# While workflows are followed, Vimmerse silent this long gets a light health check: their own
# status checks back off to a minute apart, and a lost connection should show within ~10 s.
QUIET_LIMIT = 6.0


class Connection:
    def __init__(
        self,
        *,
        client: Callable[[], WorkflowClient],
        events: Events,
        scheduler: Scheduler,
        tasks: Tasks,
        backoff: Backoff,
        on_online: Callable[[], None],
        watching: Callable[[], bool] = lambda: False,
    ) -> None:
        self._client = client
        self._events = events
        self._scheduler = scheduler
        self._tasks = tasks
        self._backoff = backoff
        self._on_online = on_online
        self._lock = threading.Lock()
        self._state = ConnectionState()
        self._checks_failed = 0
        self._checking = False  # a health check is scheduled or running
        self._waiting: dict[Hashable, Callable[[], None]] = {}  # to run once back online
        self._watching = watching  # workflows are being followed: keep a heartbeat
        self._heartbeat_on = False
        self._last_heard = time.monotonic()  # the last answer from Vimmerse

    @property
    def state(self) -> ConnectionState:
        with self._lock:
            return self._state

    @property
    def offline(self) -> bool:
        with self._lock:
            return self._state.status is ConnectionStatus.OFFLINE

    def failed_to_connect(self, detail: str) -> None:
        """A request could not reach Vimmerse: confirm with a health check (a single refused
        connection may be the server's hiccup), which goes OFFLINE if it fails too."""
        with self._lock:
            checking = self._checking
            self._checking = True
        if checking:
            # Already being checked, or known OFFLINE: the state change was logged once; a line
            # per request (every photo's retries) would flood the log.
            log.debug("Could not reach Vimmerse: %s", detail)
            return
        log.warning("Could not reach Vimmerse: %s", detail)
        self._scheduler.call_later(0.0, self._check, key=CHECK_KEY)

    def when_online(self, key: Hashable, fn: Callable[[], None]) -> None:
        """Run `fn` (on a worker) once Vimmerse answers again; a later call with the same key
        replaces it. At once if the connection is back meanwhile."""
        with self._lock:
            offline = self._state.status is ConnectionStatus.OFFLINE
            if offline:
                self._waiting[key] = fn
        if not offline:
            self._tasks.submit(fn)

    def keep_watch(self) -> None:
        """Workflows are being followed: from now on, Vimmerse silent for `QUIET_LIMIT` gets a
        health check (which goes OFFLINE if it fails), until nothing is followed any more."""
        with self._lock:
            if self._heartbeat_on:
                return
            self._heartbeat_on = True
        self._scheduler.call_later(QUIET_LIMIT, self._heartbeat, key=HEARTBEAT_KEY)

    def answered(self) -> None:
        """A request got an answer: back ONLINE if we thought we were not."""
        with self._lock:
            self._last_heard = time.monotonic()
            if self._state.status is not ConnectionStatus.OFFLINE:
                return
        self._go_online()

    def slowed(self, seconds: float) -> None:
        """Vimmerse asked us to wait `seconds` (a 429): SLOWED until then."""
        if seconds <= 0:
            return
        until = time.time() + seconds
        with self._lock:
            if self._state.status is ConnectionStatus.OFFLINE:
                return
            current = self._state
            if current.status is ConnectionStatus.SLOWED and (current.until or 0) >= until:
                return
            self._state = ConnectionState(ConnectionStatus.SLOWED, SLOWED_MESSAGE, until)
            state = self._state
        log.warning("Vimmerse asked us to slow down for %.0f s", seconds)
        self._scheduler.call_later(seconds, self._slow_down_over, key=SLOWED_KEY)
        self._announce(state)

    # -- inside ------------------------------------------------------------------------------

    def _check(self) -> None:
        if self._tasks.stopping:
            return
        if self._client().health():
            with self._lock:
                self._checking = False
                self._checks_failed = 0
            self._go_online()
            return
        with self._lock:
            self._checks_failed += 1
            delay = min(MAX_CHECK_INTERVAL, self._backoff.delay(self._checks_failed))
            was = self._state.status
            self._state = ConnectionState(
                ConnectionStatus.OFFLINE, OFFLINE_MESSAGE, time.time() + delay
            )
            state = self._state
        if was is not ConnectionStatus.OFFLINE:
            log.warning("Vimmerse cannot be reached: sending waits for the connection")
        self._scheduler.call_later(delay, self._check, key=CHECK_KEY)
        self._announce(state)

    def _heartbeat(self) -> None:
        watching = self._watching() and not self._tasks.stopping  # outside our lock
        with self._lock:
            if not watching:
                self._heartbeat_on = False
                return
            quiet = time.monotonic() - self._last_heard
            busy = self._checking  # a check runs (or OFFLINE): it watches already
        # The next look comes when Vimmerse will have been quiet for QUIET_LIMIT, not a whole
        # QUIET_LIMIT after this one: a connection lost just after an answer is noticed within
        # QUIET_LIMIT (plus one health check), not within twice that.
        next_look = QUIET_LIMIT if busy else max(0.5, QUIET_LIMIT - quiet)
        if quiet >= QUIET_LIMIT and not busy:
            if self._client().health():
                with self._lock:
                    self._last_heard = time.monotonic()
            else:
                self.failed_to_connect("no answer to the health check")
            next_look = QUIET_LIMIT
        self._scheduler.call_later(next_look, self._heartbeat, key=HEARTBEAT_KEY)

    def _go_online(self) -> None:
        with self._lock:
            if self._state.status is ConnectionStatus.ONLINE:
                return
            was_offline = self._state.status is ConnectionStatus.OFFLINE
            self._state = ConnectionState()
            state = self._state
            waiting = list(self._waiting.values())
            self._waiting.clear()
        if was_offline:
            log.warning("Vimmerse answers again: sending goes on")
        self._announce(state)
        self._on_online()
        for fn in waiting:
            self._tasks.submit(fn)

    def _slow_down_over(self) -> None:
        with self._lock:
            current = self._state
            if (
                current.status is not ConnectionStatus.SLOWED
                or (current.until or 0) > time.time() + 0.1
            ):
                return
        self._go_online()

    def _announce(self, state: ConnectionState) -> None:
        self._events.emit(EngineEvent(EventKind.CONNECTION, connection=state))
