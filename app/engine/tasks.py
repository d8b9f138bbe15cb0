"""The engine's work on the Executor: every task counted (for `wait_idle` and for releasing
the batch locks once the last one ends), wrapped so that it never raises, and the engine's
started / stopping state that tells new work whether it may begin."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from app.engine.error_reports import describe_exception
from app.engine.executor import Executor
from app.engine.store_errors import StoreError

log = logging.getLogger(__name__)


class Tasks:
    """Runs the engine's tasks on `executor`. `report(message)` gets a task's unexpected
    failure; `on_store_error(error)` a task's failure to read or write the job store (the
    engine pauses: retrying at once would spin); `on_last` runs once no task is left after
    `stop` (on that task's thread)."""

    def __init__(
        self,
        executor: Executor,
        *,
        report: Callable[[str], object],
        on_last: Callable[[], None],
        on_store_error: Callable[[StoreError], None] | None = None,
    ) -> None:
        self._executor = executor
        self._report = report
        self._on_last = on_last
        self._on_store_error = on_store_error
        self._changed = threading.Condition(threading.RLock())
        self._active = 0  # tasks handed to the executor and not finished
        self._started = False
        self._stopping = False

    # -- started / stopping ------------------------------------------------------------------

    def start(self) -> bool | None:
        """Mark the engine started: True the first time, False after that, None once stopping
        (then nothing starts)."""
        with self._changed:
            if self._stopping:
                return None
            first = not self._started
            self._started = True
            return first

    def stop(self) -> None:
        with self._changed:
            self._stopping = True

    @property
    def started(self) -> bool:
        with self._changed:
            return self._started

    @property
    def stopping(self) -> bool:
        with self._changed:
            return self._stopping

    @property
    def running(self) -> bool:
        """Started and not stopping: new work may begin."""
        with self._changed:
            return self._started and not self._stopping

    @property
    def active(self) -> int:
        with self._changed:
            return self._active

    # -- running tasks -----------------------------------------------------------------------

    def submit(self, fn: Callable[[], object]) -> None:
        """Hand a task to the executor, counted for `wait_for`; it never raises."""
        self.try_submit(fn)

    def try_submit(self, fn: Callable[[], object]) -> bool:
        """`submit`, telling whether the executor took the task (False: shutting down)."""
        with self._changed:
            self._active += 1

        def run() -> None:
            try:
                fn()
            except StoreError as exc:
                log.warning("The job list could not be written: %s", exc.detail)
                if self._on_store_error is not None:
                    self._on_store_error(exc)
            except Exception as exc:
                log.exception("Unexpected failure in a worker")
                self._report(f"Unexpected failure in a worker: {describe_exception(exc)}")
            finally:
                with self._changed:
                    self._active -= 1
                    self._changed.notify_all()
                    last = self._stopping and self._active == 0
                if last:
                    self._on_last()

        try:
            self._executor.submit(run)
        except RuntimeError:  # the executor is shutting down
            with self._changed:
                self._active -= 1
                self._changed.notify_all()
            return False
        return True

    def stopped_and_done(self) -> bool:
        """Stopping, and no task runs any more."""
        with self._changed:
            return self._stopping and not self._active

    # -- waiting -----------------------------------------------------------------------------

    def wake(self) -> None:
        """Something changed: waiters look again at once."""
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, done: Callable[[], bool], timeout: float | None) -> bool:
        """Block until `done()` (True) or `timeout` passes (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if done():
                return True
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            with self._changed:
                # Short waits as well: some conditions (the scheduler's heap) do not notify us.
                self._changed.wait(0.05 if remaining is None else min(0.05, remaining))
