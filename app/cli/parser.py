"""The `vimbatch` command line: sub-commands, options and their help texts."""

from __future__ import annotations

import argparse

from app import __version__
from app.cli.watch_parser import add_parsers as add_event_parsers
from app.engine.model import DEFAULT_TEMPLATE, DEFAULT_TITLE_PATTERN

VISIBILITIES = ("private", "unlisted", "public")
# --when-unsure words -> WhenUnsure values (the command line spells them with a hyphen)
WHEN_UNSURE = {"ask": "ask", "send-again": "send_again"}


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number.") from None
    if value < 1 or value > 16:
        raise argparse.ArgumentTypeError("choose a number from 1 to 16.")
    return value


def _mbps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a number.") from None
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError("choose a number of Mbit/s above 0.")
    return value


def _add_upload_limit(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--max-upload-mbps",
        type=_mbps,
        default=default,
        metavar="N",
        help="use at most N Mbit/s for sending photos, so others on the network keep theirs "
        "(default: no limit)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a number of seconds.") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("give a number of seconds above 0.")
    return value


def _add_verbose(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="also show the log (what is written to the log file) on the terminal",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vimbatch",
        description="Turn batches of photos into Vimmerse workflows. "
        "Without a command, the vimbatch window opens.",
    )
    parser.add_argument("--version", action="version", version=f"vimbatch {__version__}")
    _add_verbose(parser, default=False)
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the Vimmerse API server (default: $VIMBATCH_BASE_URL, else https://api.vimmerse.net)",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="where the job list is kept (default: $VIMBATCH_DATA_DIR)"
    )
    parser.add_argument(
        "--no-error-reports",
        action="store_true",
        help="do not send reports of unexpected errors to Vimmerse",
    )
    parser.add_argument(
        "--demo", action="store_true", help="use a built-in practice server instead of Vimmerse"
    )
    parser.add_argument(
        "--demo-if-no-key",
        action="store_true",
        help="open the window in practice mode when no API key is set",
    )
    parser.add_argument("--self-test", action="store_true", help="check this installation")
    parser.add_argument(
        "--self-test-output",
        metavar="FILE",
        help="check this installation and also write the result line to FILE",
    )
    # Tests and demos: every wait (polls, retries) scaled to this many seconds.
    parser.add_argument("--poll", type=float, default=None, help=argparse.SUPPRESS)
    _add_upload_limit(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    submit = commands.add_parser("submit", help="send photos, folders or image links")
    submit.add_argument("paths", nargs="*", metavar="PATH", help="photo files or folders")
    submit.add_argument("--template", default=DEFAULT_TEMPLATE, metavar="ID")
    submit.add_argument("--visibility", choices=VISIBILITIES, default="unlisted")
    submit.add_argument(
        "--title",
        default=DEFAULT_TITLE_PATTERN,
        metavar="PATTERN",
        help="title of each workflow; may use {stem}, {folder}, {n} and {date}",
    )
    submit.add_argument("--description", default="", metavar="TEXT")
    submit.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template option, e.g. aspect_ratio=9:16 (repeat for several)",
    )
    submit.add_argument("--event-id", default="no_event", metavar="ID")
    submit.add_argument(
        "--per-folder", action="store_true", help="one workflow per folder, with all its photos"
    )
    submit.add_argument("--url", action="append", default=[], metavar="URL", help="an image link")
    submit.add_argument("--concurrency", type=_positive, default=4, metavar="N")
    _add_follow_options(submit)
    submit.add_argument(
        "--overwrite",
        choices=("overwrite", "skip", "rename"),
        default="rename",
        help="when a result file already exists (default: rename)",
    )
    submit.add_argument(
        "--name",
        default=None,
        metavar="PATTERN",
        help=(
            "result file names (default {stem}_{template}_{n}.{ext}); may use {stem}, "
            "{template} (the template's id), {template_name} (its name), {n}, {ext}, {title}, "
            "{folder}; the file type is added at the end when {ext} is left out"
        ),
    )
    submit.add_argument(
        "--keep-location", action="store_true", help="do not remove GPS location from photos"
    )
    submit.add_argument(
        "--when-unsure",
        choices=WHEN_UNSURE,
        default="ask",
        help="a photo Vimmerse may or may not have received (its answer was lost): ask me "
        "(it needs attention: resubmit or cancel), or send it again at once, which may use a "
        "second credit (default: ask)",
    )
    submit.add_argument(
        "--again",
        action="store_true",
        help="also make photos already made with the same template, options and event",
    )
    submit.add_argument(
        "--smaller-copies",
        action="store_true",
        help="send copies of at most 2,560 pixels (JPEG quality 90, no GPS) instead of the "
        "originals: about 4× fewer bytes for slow connections; originals are left untouched",
    )
    # After the command too (SUPPRESS: a value given before the command is kept).
    _add_upload_limit(submit, argparse.SUPPRESS)

    resume = commands.add_parser("resume", help="carry on with unfinished work")
    resume.add_argument("--concurrency", type=_positive, default=4, metavar="N")
    _add_follow_options(resume)
    _add_upload_limit(resume, argparse.SUPPRESS)

    status = commands.add_parser("status", help="show the job list, or workflows on Vimmerse")
    status.add_argument("workflow_ids", nargs="*", metavar="WORKFLOW_ID")
    status.add_argument("--json", action="store_true", help="one JSON object per line")

    update = commands.add_parser("update", help="change a workflow on Vimmerse")
    update.add_argument("workflow_id", metavar="WORKFLOW_ID")
    update.add_argument("--title", metavar="T")
    update.add_argument("--description", metavar="D")
    update.add_argument("--visibility", choices=VISIBILITIES, metavar="V")
    update.add_argument("--rating", metavar="R")
    update.add_argument("--delivered", action="store_true", help="mark as delivered now")

    delete = commands.add_parser("delete", help="delete workflows (and their files) on Vimmerse")
    delete.add_argument("workflow_ids", nargs="+", metavar="WORKFLOW_ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    templates = commands.add_parser("templates", help="list the known templates")
    templates.add_argument("--json", action="store_true")

    for name, what in (
        ("resubmit", "send photos that need attention again (may use a second credit)"),
        ("cancel", "cancel photos: those waiting are not sent, those sent are no longer followed"),
    ):
        command = commands.add_parser(name, help=what)
        command.add_argument(
            "ids",
            nargs="*",
            metavar="ITEM_OR_WORKFLOW_ID",
            help="an item id or a workflow id, as “vimbatch status” shows them",
        )
        command.add_argument(
            "--all-needing-attention",
            action="store_true",
            help="every photo that needs attention",
        )
        command.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    key = commands.add_parser("key", help="set, check or clear your Vimmerse API key")
    key.add_argument("action", choices=("set", "check", "clear"))
    add_event_parsers(commands)
    # -v also after the command (`vimbatch submit -v ...`); SUPPRESS keeps the global value.
    for sub in commands.choices.values():
        _add_verbose(sub, default=argparse.SUPPRESS)
    return parser


def _add_follow_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--wait", action="store_true", help="follow every workflow to its end before returning"
    )
    sub.add_argument("--download", metavar="DIR", help="save the results into this folder")
    sub.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="stop waiting after this long (exit status 5): the work goes on on Vimmerse, "
        "and “vimbatch resume” picks it up later",
    )
    sub.add_argument("--json", action="store_true", help="one JSON object per line")
