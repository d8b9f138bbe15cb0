"""The `vimbatch` command line; `vimbatch` alone opens the window (app.ui, imported lazily)."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from pathlib import Path

from app import __version__
from app.cli.exit_codes import ExitCode, UsageError
from app.engine.store_errors import StoreError

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Run `vimbatch` with `argv` (None: the process's own arguments); returns the exit status."""
    from app.cli.parser import build_parser
    from app.cli.stopping import terminate_as_interrupt

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the problem (or the help)
        return int(exit_.code) if isinstance(exit_.code, int) else ExitCode.USAGE
    except BrokenPipeError:  # `vimbatch --help | head -1`
        return _reader_gone()
    from app.logs import setup_logging

    folder = _data_folder(args)
    if folder is not None:
        setup_logging(folder, verbose=args.verbose)
    what = args.command or ("self-test" if args.self_test or args.self_test_output else "window")
    log.info("vimbatch %s: %s", __version__, what)
    try:
        with terminate_as_interrupt():
            return _dispatch(args)
    except BrokenPipeError:
        return _reader_gone()
    except UsageError as exc:
        print(f"vimbatch: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except OSError as exc:
        log.warning("file problem", exc_info=True)
        print(f"vimbatch: {_file_problem(exc, args)}", file=sys.stderr)
        return ExitCode.ITEMS_FAILED
    except StoreError as exc:  # damaged, read-only, full or locked: each has its own advice
        log.warning("job store problem: %s", exc.detail, exc_info=True)
        print(f"vimbatch: {exc}", file=sys.stderr)
        return ExitCode.ITEMS_FAILED
    except sqlite3.Error:
        log.error("job store problem", exc_info=True)
        print(
            f"vimbatch: The job list file is damaged or cannot be read ({_store_file(args)}). "
            "Close other vimbatch windows and try again; if it keeps happening, move that "
            "file away (vimbatch then starts a new, empty job list).",
            file=sys.stderr,
        )
        return ExitCode.ITEMS_FAILED
    except Exception:
        from app.logs import current_log_path

        log.exception("unexpected error")
        where = current_log_path()
        print(
            "vimbatch: Something unexpected went wrong inside vimbatch, so the command "
            "stopped. Please try again."
            + (f" The details are in the log file: {where}" if where else ""),
            file=sys.stderr,
        )
        return ExitCode.ITEMS_FAILED


def _reader_gone() -> int:
    """The reader of our output went away (`vimbatch status | head -1`): nothing more to say
    to it, and nothing to complain about."""
    from app.cli.output import silence_stdout

    silence_stdout()
    return ExitCode.OK


def _data_folder(args: argparse.Namespace) -> Path | None:
    """The data folder the command uses (for its log); None when the usual one cannot be
    made (the command itself then says so)."""
    chosen = getattr(args, "data_dir", None) or os.environ.get("VIMBATCH_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    from app.paths import data_dir

    try:
        return data_dir()
    except OSError:
        return None


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
    if args.command in ("submit", "resume", "resubmit", "cancel"):
        from app.cli.attention import run_cancel, run_resubmit
        from app.cli.batch import run_resume, run_submit
        from app.cli.output import Printer, program

        printer = Printer(as_json=getattr(args, "json", False), prog=program(args))
        if args.command == "cancel":  # cancelling sends nothing: no key needed
            return run_cancel(args, key, base_url, printer)
        if key is None:
            return commands._no_key()
        runner = {"submit": run_submit, "resume": run_resume, "resubmit": run_resubmit}
        return runner[args.command](args, key, base_url, printer)
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


__all__ = ["main"]
