"""Stopping the command line quickly and quietly (Ctrl-C, SIGTERM, --timeout).

The first Ctrl-C or SIGTERM raises KeyboardInterrupt in the main thread (Python's default for
SIGINT, `terminate_as_interrupt` for SIGTERM). While the engine then stops (`stopping`), further
signals only get a short line: a second KeyboardInterrupt in the middle of the clean-up would
end in a traceback and leave the job list half closed. A request that never answers must not
hold the process: `leave_behind` says so, and `main` then ends the process without joining
the worker threads that are still blocked (their items are already recorded in the store).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType

log = logging.getLogger(__name__)

_left_behind = threading.Event()
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops like Ctrl-C: state saved, exit 130."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (tests calling main() from a worker)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def stopping() -> Iterator[None]:
    """While the engine stops: Ctrl-C and SIGTERM say "already stopping" instead of raising."""
    told = threading.Event()

    def already(signum: int, frame: FrameType | None) -> None:
        # os.write, not print: a signal handler may interrupt a print to the same stream.
        if not told.is_set():
            told.set()
            with suppress(OSError, ValueError):
                os.write(sys.stderr.fileno(), "Already stopping: a moment…\n".encode())

    previous: dict[signal.Signals, signal.Handlers | int | Callable[..., object] | None] = {}
    try:
        for number in _SIGNALS:
            previous[number] = signal.signal(number, already)
    except ValueError:  # not the main thread: signals are not ours to handle here
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(number, handler)


def leave_behind() -> None:
    """Worker threads are still blocked in requests that were given up: end the process
    without waiting for them (`main`, when it runs as the `vimbatch` command)."""
    _left_behind.set()


def workers_still_running() -> bool:
    """Threads that would keep the process alive at its end (not daemons) still run."""
    main = threading.main_thread()
    return any(
        t.is_alive() and not t.daemon and t is not main and t is not threading.current_thread()
        for t in threading.enumerate()
    )


def work_left_behind() -> bool:
    return _left_behind.is_set()


def end_process(code: int) -> None:
    """End now with `code`, output flushed and the log closed, not joining worker threads."""
    for number in _SIGNALS:  # one more Ctrl-C now would only print a traceback
        with suppress(ValueError):
            signal.signal(number, signal.SIG_IGN)
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)
