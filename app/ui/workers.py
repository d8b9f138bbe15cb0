"""Run functions on a QThreadPool and get their result or exception back on the GUI thread.

The idea of Picard's `util/thread.py` and Anki's `QueryOp`: the background function must not
touch widgets; it returns a value (or raises), and the callbacks run later on the GUI thread.

    runner = TaskRunner("io", max_threads=4)
    runner.submit(lambda: client.check_key(), on_result=..., on_error=...)
    ...
    runner.shutdown()      # on quit: cancel flag, drop queued jobs, wait for running ones

Why each job gets its own small signals QObject: `QRunnable` is not a QObject, so it cannot
emit. The signals object is created on the GUI thread (so the delivery slot runs there, queued)
and parented to the runner, so Python dropping its reference from a worker thread never
deletes a QObject on the wrong thread; it is `deleteLater()`-ed after delivery.

Three runners are the norm (see `Workers`): CPU work (thumbnails, intake) sized to the cores, the
engine's network work sized to the upload concurrency, and a small one for the GUI's own short
jobs, so a slow upload never starves thumbnail decoding nor a Pause or Cancel.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from app.images.inspect_processes import InspectProcesses

log = logging.getLogger(__name__)

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


def _log_error(error: BaseException) -> None:
    log.error("Background task failed", exc_info=(type(error), error, error.__traceback__))


class Task(QObject):
    """One submitted job: its handle and its GUI-thread delivery point.

    Signals:
        finished(object): the function's return value (GUI thread).
        failed(object): the exception it raised (GUI thread).
    Cancelling before it starts means it never runs and nothing is delivered; cancelling while
    it runs means its outcome is dropped (the function may look at `cancelled` to stop early).
    """

    finished = Signal(object)
    failed = Signal(object)
    # Emitted from the worker thread; reaches `_deliver` queued because this object lives on
    # the GUI thread.
    _done = Signal(bool, object)

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__(runner)
        self._runner = runner
        self._cancel = threading.Event()
        self.started = threading.Event()
        self._done.connect(self._deliver)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set() or self._runner.stopping.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        self._runner._finished(self)
        if not self.cancelled:
            if ok:
                self.finished.emit(value)
            else:
                assert isinstance(value, BaseException)
                self.failed.emit(value)
        self.deleteLater()


class _Runnable(QRunnable):
    def __init__(self, task: Task, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._task = task
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        task = self._task
        task.started.set()
        if task.cancelled:
            ok, value = False, None
        else:
            try:
                ok, value = True, self._fn()
            except BaseException as error:  # an escaping exception would only be printed
                ok, value = False, error
        # RuntimeError: the runner was deleted at exit, so nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            task._done.emit(ok, value)
        self._fn = None  # type: ignore[assignment]  # free captured values on this thread


class TaskRunner(QObject):
    """A QThreadPool with GUI-thread delivery, cancellation and a clean shutdown.

    Signals:
        idle(): the last pending task was delivered (handy for tests and benchmarks).
    """

    idle = Signal()

    def __init__(self, name: str, max_threads: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"runner-{name}")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(1, max_threads))
        self.pool.setObjectName(f"pool-{name}")
        # Set on shutdown: running functions may poll it to stop early.
        self.stopping = threading.Event()
        self._pending: set[Task] = set()
        self._closed = False

    def submit(
        self,
        fn: Callable[[], Any],
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
        *,
        priority: int = 0,
    ) -> Task:
        """Run `fn()` on the pool; `on_result(value)` or `on_error(exc)` run on the GUI thread.

        Must be called on the GUI thread. Without `on_error` a failure is logged.
        Higher `priority` runs sooner among queued jobs.
        """
        assert QThread.currentThread() is self.thread(), "submit() from the GUI thread only"
        task = Task(self)
        if on_result is not None:
            task.finished.connect(on_result)
        task.failed.connect(on_error if on_error is not None else _log_error)
        if self._closed:
            task.cancel()
            task.deleteLater()
            return task
        self._pending.add(task)
        self.pool.start(_Runnable(task, fn), priority)
        return task

    def pending(self) -> int:
        """Tasks submitted and not yet delivered."""
        return len(self._pending)

    def _finished(self, task: Task) -> None:
        self._pending.discard(task)
        if not self._pending and not self._closed:
            self.idle.emit()

    def cancel_all(self) -> None:
        """Drop queued jobs and the outcome of running ones; the runner stays usable."""
        for task in list(self._pending):
            task.cancel()
        self.pool.clear()
        # After clear() nothing queued can start, so a task that has not started never will
        # deliver: forget it here. Started ones deliver (silently) and drop themselves.
        for task in [t for t in self._pending if not t.started.is_set()]:
            self._pending.discard(task)
            task.deleteLater()
        if not self._pending:
            self.idle.emit()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop for good: set the cancel flag, drop queued jobs, wait for running ones.

        Returns True when every running job ended within `timeout_ms`.
        """
        self._closed = True
        self.stopping.set()
        for task in list(self._pending):
            task.cancel()
        self.pool.clear()
        done = self.pool.waitForDone(timeout_ms)
        self._pending.clear()
        return bool(done)

    def executor(self) -> PoolExecutor:
        """An `app.engine` Executor that runs plain callables on this pool."""
        return PoolExecutor(self)


class _PlainRunnable(QRunnable):
    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            self._fn()
        except BaseException as error:
            _log_error(error)
        self._fn = None  # type: ignore[assignment]


class PoolExecutor:
    """Satisfies the engine's `Executor` protocol (`submit(fn)`), from any thread.

    The engine's work reports through its own events, so nothing is delivered back here.
    """

    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner

    def submit(self, fn: Callable[[], None]) -> None:
        if self._runner.stopping.is_set():
            return
        self._runner.pool.start(_PlainRunnable(fn))


# Threads that wait for the photo-checking processes (the grid keeps 4 chunks in flight).
WAITING_THREADS = 4
# Threads the engine needs beyond its uploads: status polls, result downloads, the watcher.
ENGINE_EXTRA_THREADS = 4


class Workers(QObject):
    """The app's pools.

    `cpu`: decoding and hashing, sized to the cores. `engine`: the engine's own work (uploads,
    polls, downloads), sized to the upload concurrency plus a few (`set_engine_concurrency`).
    `io`: the GUI's short jobs (commands such as Pause and Cancel, previews, settings, the
    keyring), kept apart so they never wait behind long uploads.
    """

    def __init__(
        self, parent: QObject | None = None, *, io_threads: int = 4, engine_concurrency: int = 4
    ) -> None:
        super().__init__(parent)
        cores = os.cpu_count() or 2
        self.cpu = TaskRunner("cpu", max(1, cores), self)
        self.io = TaskRunner("io", io_threads, self)
        self.engine = TaskRunner("engine", engine_concurrency + ENGINE_EXTRA_THREADS, self)
        # Photos are checked in other processes (started on first use, or by warm_up()); the
        # jobs that wait for them have threads of their own, so that the CPU pool is free for
        # thumbnails meanwhile.
        self.processes = InspectProcesses(max(1, cores))
        self.waiting = TaskRunner("waiting", WAITING_THREADS, self)

    def warm_up(self) -> None:
        """Start the processes that check photos, on a worker, so that the first drop does not
        wait for them (the app calls it once its window shows)."""
        self.cpu.submit(self.processes.warm_up, priority=-1)

    def set_engine_concurrency(self, concurrency: int) -> None:
        """Make room for `concurrency` uploads at once (the user's setting) besides the rest."""
        self.engine.pool.setMaxThreadCount(max(1, concurrency) + ENGINE_EXTRA_THREADS)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        cpu_done = self.cpu.shutdown(timeout_ms)
        waiting_done = self.waiting.shutdown(timeout_ms)
        self.processes.shutdown()  # after the pools: nothing waits on them any more
        io_done = self.io.shutdown(timeout_ms)
        engine_done = self.engine.shutdown(timeout_ms)
        return cpu_done and waiting_done and io_done and engine_done
