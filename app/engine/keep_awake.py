"""Keeping the computer awake while there is work (a running event, a batch not finished), and
letting it sleep again the moment nothing is left — never while idle.

wakepy asks the platform (Windows SetThreadExecutionState, macOS caffeinate, GNOME/freedesktop
inhibitors over D-Bus). Where none answers (a headless server, a test machine), work goes on,
`held` stays false and the failure is logged once (asked again when work starts anew).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Protocol

log = logging.getLogger(__name__)


class _Mode(Protocol):
    def __enter__(self) -> object: ...
    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
        /,
    ) -> bool | None: ...


def _wakepy_mode() -> _Mode:
    import wakepy

    mode: _Mode = wakepy.keep.running(on_fail="pass")
    return mode


class KeepAwake:
    """`set(True)` holds the inhibit, `set(False)` releases it; cheap to repeat. wakepy's modes
    belong to the thread that entered them: call it from one thread only (AwakeWhileBusy's)."""

    def __init__(self, make_mode: Callable[[], _Mode] = _wakepy_mode) -> None:
        self._make_mode = make_mode
        self._mode: _Mode | None = None
        self._held = threading.Event()
        self._refused = False  # the platform said no: not asked again until work starts anew

    @property
    def held(self) -> bool:
        """Whether the platform really keeps the computer awake now (not only that we asked)."""
        return self._held.is_set()

    def set(self, busy: bool) -> None:
        if busy and self._mode is None:
            if self._refused:
                return
            try:
                mode = self._make_mode()
                entered = mode.__enter__()
            except Exception:
                log.warning("could not keep the computer awake", exc_info=True)
                self._refused = True
                return
            # wakepy with on_fail="pass" enters even when no method worked: `active` says.
            if not getattr(entered, "active", True):
                self._refused = True
                log.warning(
                    "could not keep the computer awake (no way to do it answered here: %s); "
                    "work goes on, but the computer may sleep",
                    getattr(entered, "result", "no details"),
                )
                try:
                    mode.__exit__(None, None, None)
                except Exception:
                    log.warning("could not leave the failed keep-awake", exc_info=True)
                return
            self._mode = mode
            self._held.set()
            log.info(
                "keeping the computer awake while there is work (%s)",
                getattr(entered, "active_method", None) or "the platform's own way",
            )
        elif not busy:
            self._refused = False
            if self._mode is None:
                return
            mode, self._mode = self._mode, None
            self._held.clear()
            try:
                mode.__exit__(None, None, None)
            except Exception:
                log.warning("could not release the keep-awake", exc_info=True)
            log.info("the computer may sleep again: nothing left to do")


class AwakeWhileBusy:
    """Holds a KeepAwake while `busy()` says so, checked every `interval` seconds on one small
    daemon thread, which alone enters and leaves the mode; it releases and ends on stop(), or
    by itself once `over()` says so (the engine was shut down)."""

    def __init__(
        self,
        busy: Callable[[], bool],
        *,
        over: Callable[[], bool] = lambda: False,
        keep: KeepAwake | None = None,
        interval: float = 2.0,
    ) -> None:
        self._busy = busy
        self._over = over
        self.keep = keep or KeepAwake()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keep-awake", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _check(self) -> None:
        try:
            busy = self._busy()
        except Exception:
            log.warning("could not tell whether work is left", exc_info=True)
            busy = False
        self.keep.set(busy)

    def _run(self) -> None:
        try:
            while not self._stop.is_set() and not self._over():
                self._check()
                self._stop.wait(self._interval)
        finally:
            self.keep.set(False)
