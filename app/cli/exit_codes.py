"""The command line's exit status (part of its interface: scripts depend on these numbers)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # every item succeeded
    ITEMS_FAILED = 1  # some item failed or needs attention
    USAGE = 2  # the command line was wrong
    NO_KEY = 3  # no key, or the key was refused
    NO_CREDIT = 4  # paused for insufficient credit (resumable)
    TIMED_OUT = 5  # --timeout passed: still running on Vimmerse, state saved (resumable)
    INTERRUPTED = 130  # Ctrl-C: state saved, resumable


class UsageError(Exception):
    """A wrong command line, explained in plain words (exit status 2)."""
