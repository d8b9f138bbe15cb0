"""Stopping the command line quickly and quietly (Ctrl-C, SIGTERM).

The first Ctrl-C or SIGTERM raises KeyboardInterrupt in the main thread (Python's default for
SIGINT, `terminate_as_interrupt` for SIGTERM). While the engine then stops (`stopping`: a short
grace for work in flight, then the client is closed, Engine.shutdown), further signals only get
a short line: a second KeyboardInterrupt in the middle of the clean-up would end in a traceback
and leave the job list half closed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType

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
