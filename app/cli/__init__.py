"""The `vimbatch` command line; `vimbatch` alone opens the window (app.ui, imported lazily)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from app.cli.exit_codes import ExitCode, UsageError
from app.engine.store_errors import StoreError

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    from app.cli.parser import build_parser

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the problem (or the help)
        return int(exit_.code) if isinstance(exit_.code, int) else ExitCode.USAGE
    try:
        with _terminate_as_interrupt():
            return _dispatch(args)
    except UsageError as exc:
        print(f"vimbatch: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except OSError as exc:
        log.debug("file problem", exc_info=True)
        print(f"vimbatch: {_file_problem(exc, args)}", file=sys.stderr)
        return ExitCode.ITEMS_FAILED
    except StoreError as exc:  # damaged, read-only, full or locked: each has its own advice
        log.warning("job store problem: %s", exc.detail, exc_info=True)
        print(f"vimbatch: {exc}", file=sys.stderr)
        return ExitCode.ITEMS_FAILED
    except sqlite3.Error:
        log.debug("job store problem", exc_info=True)
        print(
            f"vimbatch: The job list file is damaged or cannot be read ({_store_file(args)}). "
            "Close other vimbatch windows and try again; if it keeps happening, move that "
            "file away (vimbatch then starts a new, empty job list).",
            file=sys.stderr,
        )
        return ExitCode.ITEMS_FAILED
    except Exception:
        log.debug("unexpected error", exc_info=True)
        print(
            "vimbatch: Something unexpected went wrong inside vimbatch, so the command "
            "stopped. Please try again.",
            file=sys.stderr,
        )
        return ExitCode.ITEMS_FAILED


def _store_file(args: argparse.Namespace) -> str:
    from app.engine.store import STORE_FILE

    folder = getattr(args, "data_dir", None) or os.environ.get("VIMBATCH_DATA_DIR")
    return str(Path(folder) / STORE_FILE) if folder else STORE_FILE


def _file_problem(exc: OSError, args: argparse.Namespace) -> str:
    reason = exc.strerror or "the system refused"
    folder = getattr(args, "data_dir", None) or os.environ.get("VIMBATCH_DATA_DIR")
    name = os.fsdecode(exc.filename) if exc.filename is not None else None
    if folder and name and (name == folder or name.startswith(folder.rstrip("/\\") + os.sep)):
        return f"vimbatch could not open its job list in “{folder}”: {reason}."
    if name:
        return f"vimbatch could not use “{name}”: {reason}."
    return f"vimbatch could not read or write a file it needs: {reason}."


def _dispatch(args: argparse.Namespace) -> int:
    if args.self_test or args.self_test_output:
        return _lazy_call("app.selftest", "run_self_test", {"output": args.self_test_output})
    if args.command is None:
        return _lazy_call(
            "app.ui.app",
            "run_gui",
            {
                "demo": args.demo,
                "demo_if_no_key": args.demo_if_no_key,
                "base_url": args.base_url,
                "data_dir": args.data_dir,
                "error_reports": not args.no_error_reports,
            },
        )
    if args.command == "templates":
        from app.cli.commands import run_templates

        return run_templates(args)
    if args.command == "events":
        from app.cli.watch import run_events

        if args.demo and args.data_dir is None:  # the demo's events are kept with its jobs
            from app.paths import data_dir

            args.data_dir = str(Path(data_dir()) / "demo")
        return run_events(args)
    if args.demo:
        from app.cli.demo import demo_server

        with demo_server(args) as (base_url, key):
            return _run_command(args, key, base_url)
    from app.engine import resolve_base_url
    from app.engine.keys import environment_key_problem, load_key

    problem = environment_key_problem()
    if problem is not None:
        print(f"vimbatch: {problem}", file=sys.stderr)
    stored = load_key()
    return _run_command(args, stored.value if stored else None, resolve_base_url(args.base_url))


def _run_command(args: argparse.Namespace, key: str | None, base_url: str) -> int:
    from app.api import check_base_url
    from app.cli import commands

    try:
        check_base_url(base_url)  # plain words before anything else happens
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.command in ("submit", "resume"):
        if key is None:
            return commands._no_key()
        from app.cli.batch import run_resume, run_submit
        from app.cli.output import Printer

        printer = Printer(as_json=args.json)
        runner = run_submit if args.command == "submit" else run_resume
        return runner(args, key, base_url, printer)
    if args.command == "watch":
        if key is None:
            return commands._no_key()
        from app.cli.watch import run_watch

        return run_watch(args, key, base_url)
    handlers = {
        "status": commands.run_status,
        "update": commands.run_update,
        "delete": commands.run_delete,
        "key": commands.run_key,
    }
    return handlers[args.command](args, key, base_url)


def _lazy_call(module: str, name: str, kwargs: dict[str, object]) -> int:
    import importlib

    try:
        function = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        what = "the self-test" if module == "app.selftest" else "the vimbatch window"
        print(
            f"vimbatch: {what} is not available in this installation ({exc}). "
            "The command line works: see “vimbatch --help”.",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    return int(function(**kwargs))


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
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


__all__ = ["main"]
