"""The `watch` and `events` sub-commands' options and help texts (run in app/cli/watch.py)."""

from __future__ import annotations

import argparse
from typing import Any

from app.engine.event_profiles import DEFAULT_SETTLE, EXISTING_CHOICES
from app.engine.model import DEFAULT_TITLE_PATTERN

VISIBILITIES = ("private", "unlisted", "public")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a number of seconds.") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("choose a number of seconds above 0, up to 600.")
    return value


def add_parsers(commands: Any) -> None:
    """The `watch` and `events` sub-commands (commands: the parser's sub-parsers)."""
    watch = commands.add_parser(
        "watch",
        help="watch a folder and send every new photo as it lands (event mode)",
        description="Watch FOLDER and turn every complete new photo into a workflow, until "
        "Ctrl-C. Starting it again picks up where it stopped, including photos that arrived "
        "meanwhile.",
    )
    watch.add_argument("folder", metavar="FOLDER", help="the folder to watch ({date}: today)")
    watch.add_argument("--template", required=True, metavar="ID")
    watch.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="K=V",
        help="a template option, e.g. aspect_ratio=9:16 (repeat for several)",
    )
    watch.add_argument("--visibility", choices=VISIBILITIES, default="unlisted", metavar="V")
    which = watch.add_mutually_exclusive_group()
    which.add_argument("--event-id", metavar="ID", help="the event id sent with each workflow")
    which.add_argument(
        "--event", metavar="NAME", help="a saved event's name (saved under it when new)"
    )
    watch.add_argument(
        "--title",
        default=DEFAULT_TITLE_PATTERN,
        metavar="P",
        help="title of each workflow; may use {stem}, {folder}, {n} and {date}",
    )
    watch.add_argument(
        "--download",
        metavar="DIR",
        help="where results are saved (default: FOLDER/vimbatch-results)",
    )
    watch.add_argument(
        "--existing",
        choices=EXISTING_CHOICES,
        default="skip",
        help="photos already in the folder when the event first starts (default: skip)",
    )
    watch.add_argument(
        "--settle",
        type=_seconds,
        default=DEFAULT_SETTLE,
        metavar="SECONDS",
        help="how long a file must stay unchanged to count as complete (default: 2)",
    )
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    events = commands.add_parser("events", help="list the saved events")
    events.add_argument("--json", action="store_true", help="one JSON object per line")
