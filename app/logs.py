"""vimbatch's log file: `<data folder>/logs/vimbatch.log`, rotating, shared by the window and the
command line (both start through `app.cli.main`, which calls `setup_logging` once).

What goes in: one line per batch event worth knowing, warnings for retries, full tracebacks for
anything unexpected (including exceptions that escape a thread or a Qt slot: sys.excepthook and
threading.excepthook log them too). What never goes in: the API key (scrubbed the way error
reports are, `app.api.errors.scrub`) and folder names (a path is cut down to its file's base
name). Everyone else only uses `logging.getLogger(__name__)`.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path, PurePath
from types import TracebackType
from typing import Any

from app.api.errors import scrub

LOG_DIR = "logs"
LOG_FILE = "vimbatch.log"
MAX_BYTES = 2 * 1024 * 1024  # a few MB per file...
BACKUPS = 3  # ...and a few files: vimbatch.log, .1, .2, .3
KEY_ENV = "VIMMERSE_API_KEY"  # the same name as app.engine.keys.KEY_ENV (no import: no cycle)
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

# Libraries that log every request with its full URL (signed result links carry credentials in
# the query): only their warnings are worth keeping.
_CHATTY = ("httpx", "httpcore", "PIL", "urllib3", "keyring")

# Absolute paths (POSIX, home-relative or Windows; folder names may hold spaces: "My Photos")
# cut down to their base name. Not matched: URLs
# ("://" and a host before the path) and the API's own paths (/workflow/..., /files/...), which
# name no file of the user and say which request failed.
_PATHS = re.compile(
    r"(?<![\w:/.\\-])"
    r"(?:~|[A-Za-z]:)?"
    r"(?![/\\](?:workflow|files|health)\b)"
    r"(?:[/\\][^/\\\s'\"<>|:][^/\\\n'\"<>|:]*){2,}[/\\]?"
)
# The app's own source files keep their place in the package (app/engine/uploads.py), which a
# traceback needs; other files (the standard library, site-packages) keep their base name.
_APP_ROOT = str(Path(__file__).resolve().parent.parent) + os.sep

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_handlers: list[logging.Handler] = []
_levels: dict[str, int] = {}  # logger name ("" the root) -> its level before setup_logging
_path: Path | None = None


def log_path(data_dir: Path) -> Path:
    """Where the log file of this data folder is (it may not exist yet)."""
    return Path(data_dir) / LOG_DIR / LOG_FILE


def current_log_path() -> Path | None:
    """The log file `setup_logging` set up last (None before, or when it could not be made)."""
    return _path


def hide_secret(secret: str | None) -> None:
    """Never write `secret` (an API key) into the log, in any of its quoted spellings."""
    if secret and secret.strip():
        with _secrets_lock:
            _secrets.add(secret)
            _secrets.add(secret.strip())


def forget_secrets() -> None:
    """Scrub no key registered so far (tests: each starts without the last one's keys)."""
    with _secrets_lock:
        _secrets.clear()


def without_paths(text: str) -> str:
    """`text` with every file path cut down to its base name (source files of the app keep
    their place in the package)."""
    text = text.replace(_APP_ROOT, "")

    def base(match: re.Match[str]) -> str:
        return PurePath(match.group(0).replace("\\", "/")).name or "…"

    return _PATHS.sub(base, text)


def clean(text: str) -> str:
    """What may go into the log: no key, no folder names."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = scrub(text, secret)
    return without_paths(text)


class _LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file, shared by the window and commands running at the same time."""

    def doRollover(self) -> None:
        try:
            super().doRollover()
        except OSError:
            # Another vimbatch process holds the file open (Windows cannot rename it then):
            # go on writing to it; the next line tries again.
            if self.stream is None:
                self.stream = self._open()

    def handleError(self, record: logging.LogRecord) -> None:
        # A full or read-only disk: the line is lost, and there is nowhere to say so (the
        # command itself tells the user about the disk); no "--- Logging error ---" traceback
        # on the terminal for every line.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handleError(record)


class ScrubbingFormatter(logging.Formatter):
    """Formats as usual (with the traceback), then takes the key and folder names out."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


def setup_logging(data_dir: Path, *, verbose: bool = False) -> Path:
    """Log into `<data_dir>/logs/vimbatch.log` (rotating) and, with `verbose`, to stderr too;
    exceptions that escape the main thread, a worker thread or a Qt slot are logged with their
    traceback. Calling it again replaces the previous set-up. Returns the log file's path."""
    global _path
    close_logging()
    hide_secret(os.environ.get(KEY_ENV))
    path = log_path(data_dir)
    formatter = ScrubbingFormatter(FORMAT)
    handlers: list[logging.Handler] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = _LogFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        # No log where the data folder cannot be written; the command says what is wrong
        # with that folder itself, in plain words.
        _path = None
    else:
        handlers.append(file_handler)
        _path = path
    if verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    if not handlers:  # else Python's last resort would print warnings on the terminal
        handlers.append(logging.NullHandler())
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.setLevel(logging.INFO)
        root.addHandler(handler)
    _handlers.extend(handlers)
    _levels.update({name: logging.getLogger(name or None).level for name in ("", *_CHATTY)})
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    _install_hooks()
    return path


def close_logging() -> None:
    """Undo `setup_logging`: its handlers closed and taken away, the exception hooks that were
    there before put back."""
    global _path
    root = logging.getLogger()
    while _handlers:
        handler = _handlers.pop()
        root.removeHandler(handler)
        handler.close()
    for name, level in _levels.items():
        logging.getLogger(name or None).setLevel(level)
    _levels.clear()
    _path = None
    if isinstance(sys.excepthook, _SysHook):
        sys.excepthook = sys.excepthook.previous
    if isinstance(threading.excepthook, _ThreadHook):
        threading.excepthook = threading.excepthook.previous


# -- exceptions that escape ----------------------------------------------------------------

_log = logging.getLogger("app.crash")


def _log_sys(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if not issubclass(kind, KeyboardInterrupt):
        _log.error("Unexpected error", exc_info=(kind, value, tb))


def _log_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is not SystemExit and args.exc_value is not None:
        name = args.thread.name if args.thread is not None else "a thread"
        _log.error(
            "Unexpected error in %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )


def unexpected_message() -> str:
    """The catch-all sentence for the user, naming the log file when there is one."""
    text = "Something unexpected went wrong inside vimbatch"
    if _path is not None:
        return f"{text} (the details are in {_path})."
    return f"{text}."


def _plain_line() -> None:
    # Python's own hooks would print a traceback on the user's terminal; it is in the log.
    with contextlib.suppress(OSError, ValueError):  # no terminal any more (a closed pipe)
        print(f"vimbatch: {unexpected_message()}", file=sys.stderr, flush=True)


class _SysHook:
    """sys.excepthook: log, then what was there before (Qt's or a test runner's), or a plain
    line instead of Python's own traceback print."""

    def __init__(self, previous: Callable[..., Any]) -> None:
        self.previous = previous

    def __call__(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        _log_sys(kind, value, tb)
        if self.previous is not sys.__excepthook__ or _path is None:
            self.previous(kind, value, tb)
        elif not issubclass(kind, KeyboardInterrupt):  # Ctrl-C is no error to report
            _plain_line()


class _ThreadHook:
    """threading.excepthook: log, then what was there before (see _SysHook)."""

    def __init__(self, previous: Callable[[threading.ExceptHookArgs], Any]) -> None:
        self.previous = previous

    def __call__(self, args: threading.ExceptHookArgs) -> None:
        _log_thread(args)
        if self.previous is threading.__excepthook__ and _path is not None:
            if args.exc_type is not SystemExit:
                _plain_line()
        else:
            self.previous(args)


def _install_hooks() -> None:
    if not isinstance(sys.excepthook, _SysHook):
        sys.excepthook = _SysHook(sys.excepthook)
    if not isinstance(threading.excepthook, _ThreadHook):
        threading.excepthook = _ThreadHook(threading.excepthook)
