"""Reporting failures the app did not expect to POST /workflow/error-log.

Only a short message and safe context go out: the workflow id, the app version, the OS and the
Python version, a file's base name at most. Never the key (the client scrubs it as well), never
image data, never a full path. A few reports a minute at most; a failing report is dropped
without a word so that it can never disturb the batch.
"""

from __future__ import annotations

import contextlib
import platform
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from app import __version__
from app.api import WorkflowClient

# Anything that looks like a path (POSIX or Windows) is cut down to its base name.
_PATHS = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s'\"<>|:]+)+[\\/]?")
MAX_MESSAGE = 500


def without_paths(text: str) -> str:
    return _PATHS.sub(lambda m: PurePath(m.group(0).replace("\\", "/")).name or "…", text)


def describe_exception(exc: BaseException) -> str:
    """`Type: message (module.py:line in func)` with paths reduced to base names."""
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        code = tb.tb_frame.f_code
        where = f" ({PurePath(code.co_filename).name}:{tb.tb_lineno} in {code.co_name})"
    return without_paths(f"{type(exc).__name__}: {exc}{where}")


def report_body(
    message: str,
    *,
    workflow_id: str | None = None,
    file_name: str | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Exactly what one report sends: the message and its context (also shown to the user
    when they are asked whether to send reports at all)."""
    context: dict[str, Any] = {
        "app_version": __version__,
        "os": f"{platform.system()} {platform.release()}".strip(),
        "python": platform.python_version(),
    }
    if workflow_id:
        context["workflow_id"] = workflow_id
    if file_name:
        context["file_name"] = PurePath(file_name.replace("\\", "/")).name
    for key, value in (extra or {}).items():
        context[key] = without_paths(value) if isinstance(value, str) else value
    return without_paths(message)[:MAX_MESSAGE], context


def sample_report() -> tuple[str, dict[str, Any]]:
    """A typical report, built as a real one is (for the first-run question)."""
    return report_body(
        "ServerError: Vimmerse answered 500 while creating (uploads.py:120 in create)",
        workflow_id="3f6c2a90e1",
        file_name="/home/you/Photos/IMG_0001.jpg",
    )


class ErrorReporter:
    """Sends at most `max_reports` reports per `window` seconds; each on the caller's thread
    through `run` (the engine passes its executor), never raising."""

    def __init__(
        self,
        client: Callable[[], WorkflowClient],
        *,
        enabled: bool = True,
        run: Callable[[Callable[[], None]], None] | None = None,
        max_reports: int = 3,
        window: float = 60.0,
    ) -> None:
        self.enabled = enabled
        self._client = client
        self._run = run
        self._max = max_reports
        self._window = window
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.dropped = 0

    def report(
        self,
        message: str,
        *,
        workflow_id: str | None = None,
        file_name: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> bool:
        """Queue one report; False when reports are off or the limit is reached."""
        if not self.enabled:
            return False
        now = time.monotonic()
        with self._lock:
            while self._sent and now - self._sent[0] > self._window:
                self._sent.popleft()
            if len(self._sent) >= self._max:
                self.dropped += 1
                return False
            self._sent.append(now)
        text, context = report_body(
            message, workflow_id=workflow_id, file_name=file_name, extra=extra
        )

        def send() -> None:
            # A report must never disturb the batch: whatever goes wrong here is dropped.
            with contextlib.suppress(Exception):
                self._client().report_error(text, context)

        if self._run is None:
            send()
        else:
            self._run(send)
        return True
