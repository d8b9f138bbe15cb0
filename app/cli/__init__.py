"""The `vimbatch` command line; `vimbatch` alone opens the window (app.ui, imported lazily)."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from app.cli.exit_codes import ExitCode, UsageError


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
    except ValueError as exc:  # e.g. a server address that is not usable
        print(f"vimbatch: {exc}", file=sys.stderr)
        return ExitCode.USAGE


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
    if args.demo:
        from app.cli.demo import demo_server

        with demo_server(args) as (base_url, key):
            return _run_command(args, key, base_url)
    from app.engine import resolve_base_url
    from app.engine.keys import load_key

    stored = load_key()
    return _run_command(args, stored.value if stored else None, resolve_base_url(args.base_url))


def _run_command(args: argparse.Namespace, key: str | None, base_url: str) -> int:
    from app.api import check_base_url
    from app.cli import commands

    check_base_url(base_url)  # plain-words ValueError before anything else happens
    if args.command in ("submit", "resume"):
        if key is None:
            return commands._no_key()
        from app.cli.batch import run_resume, run_submit
        from app.cli.output import Printer

        printer = Printer(as_json=args.json)
        runner = run_submit if args.command == "submit" else run_resume
        return runner(args, key, base_url, printer)
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
