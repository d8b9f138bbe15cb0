"""`vimbatch watch` (event mode on the command line) and `vimbatch events` (saved events)."""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from app.api import Visibility
from app.cli.batch import STOP_GRACE, busy_message, parse_options
from app.cli.exit_codes import ExitCode, UsageError
from app.cli.output import Printer, program, skipped_json
from app.cli.stopping import stopping
from app.engine import EngineEvent, EventKind, build_engine, open_store, title_pattern_problem
from app.engine.event_files import Outcome
from app.engine.event_profiles import (
    EventBook,
    EventProfile,
    slug,
)
from app.engine.event_runner import EventRunner, EventSummary, PhotoNote, unreachable_message
from app.engine.keep_awake import AwakeWhileBusy
from app.engine.session import quick_timings
from app.engine.templates import load_catalog

# -- vimbatch events -----------------------------------------------------------------------


def run_events(args: argparse.Namespace) -> int:
    store = open_store(args.data_dir)
    try:
        profiles = EventBook(store).all()
    finally:
        store.close()
    if args.json:
        for profile in profiles:
            print(json.dumps(_profile_json(profile)), flush=True)
        return ExitCode.OK
    if not profiles:
        print("No saved events yet. Start one with “vimbatch watch FOLDER --template ID”.")
        return ExitCode.OK
    catalog = load_catalog()
    for profile in profiles:
        started = (
            f"first started {datetime.fromtimestamp(profile.started_at):%d %b %Y %H:%M}"
            if profile.started_at
            else "never started"
        )
        print(f"{profile.name}  (event id {profile.api_event_id}; {started})")
        print(f"  watches:  {profile.folder}")
        print(f"  template: {catalog.label_for(profile.template_id)} ({profile.template_id})")
        print(f"  results:  {profile.results_folder()}")
    return ExitCode.OK


def _profile_json(profile: EventProfile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "event_id": profile.api_event_id,
        "folder": profile.folder,
        "template": profile.template_id,
        "options": profile.options,
        "visibility": profile.visibility.name.lower(),
        "title": profile.title_pattern,
        "download": str(profile.results_folder()),
        "existing": profile.existing,
        "settle": profile.settle,
        "started_at": profile.started_at,
    }


# -- vimbatch watch ------------------------------------------------------------------------


def profile_from_args(args: argparse.Namespace, book: EventBook) -> EventProfile:
    """The saved event this command runs (found by name, event id or folder), with the
    command line's choices; saved, so that `vimbatch events` lists it and a restart finds it."""
    if (problem := title_pattern_problem(args.title)) is not None:
        raise UsageError(problem)
    folder = str(Path(args.folder).expanduser().absolute())
    template = load_catalog().get(args.template)
    options = template.default_options() if template else {}
    options.update(parse_options(args.option))
    saved = book.all()
    found: EventProfile | None = None
    if args.event:
        name = args.event
        found = next((p for p in saved if p.name == name), None)
    elif args.event_id:
        name = args.event_id
        found = next(
            (p for p in saved if p.api_event_id == args.event_id and p.folder == folder), None
        ) or next((p for p in saved if p.name == name), None)
    else:
        found = next((p for p in saved if p.folder == folder), None)
        name = Path(folder).name or "Event"
        taken = {p.name for p in saved}
        n = 2
        base = name
        while found is None and name in taken:
            name = f"{base} ({n})"
            n += 1
    chosen = EventProfile(
        name=found.name if found else name,
        folder=folder,
        template_id=args.template,
        options=options,
        visibility=Visibility.parse(args.visibility),
        title_pattern=args.title,
        event_id=args.event_id or (found.event_id if found else "") or slug(name),
        output_dir=str(Path(args.download).expanduser().absolute()) if args.download else "",
        existing=args.existing,
        settle=args.settle,
    )
    if found is not None:
        chosen = replace(
            chosen,
            id=found.id,
            started_at=found.started_at,
            created_at=found.created_at,
            description=found.description,
            mark_delivered=found.mark_delivered,
        )
    try:
        return book.save(chosen)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


class _Notes:
    """Prints what happens to files that do not become workflows, and the folder's health."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer
        self._reachable = True
        self._problem: str | None = None
        self._lock = threading.Lock()
        self.runner: EventRunner | None = None

    def file(self, note: PhotoNote) -> None:
        path = Path(note.path)
        if self.printer.as_json:
            failed = note.outcome is Outcome.PROBLEM
            self.printer.emit(skipped_json(note.path, note.note, failed=failed))
        else:
            reason = note.note or ""
            if "skipped" not in reason.lower():
                reason = f"skipped. {reason}".rstrip()
            self.printer.say(f"{path.name}: {reason}")

    def changed(self) -> None:
        runner = self.runner
        if runner is None:
            return
        reachable, problem = runner.reachable, runner.problem
        messages: list[str] = []
        with self._lock:
            if reachable != self._reachable:
                self._reachable = reachable
                messages.append(
                    f"The folder “{runner.folder}” is back: watching again."
                    if reachable
                    else unreachable_message(runner.folder)
                )
            if problem != self._problem:
                self._problem = problem
                if problem:
                    messages.append(problem)
        for message in messages:
            self.printer(EngineEvent(EventKind.NOTICE, message=message))


def run_watch(args: argparse.Namespace, key: str, base_url: str) -> int:
    printer = Printer(as_json=args.json, live=False, prog=program(args))
    poll, backoff, retry = quick_timings(args.poll) if args.poll else (None, None, None)
    store = open_store(args.data_dir)
    try:
        profile = profile_from_args(args, EventBook(store))
    finally:
        store.close()
    engine = build_engine(
        base_url=base_url,
        data_dir=args.data_dir,
        key=key,
        error_reports=not args.no_error_reports,
        poll=poll,
        backoff=backoff,
        retry=retry,
    )
    notes = _Notes(printer)
    runner = EventRunner(engine, profile, on_file=notes.file, on_change=notes.changed)
    notes.runner = runner
    unsubscribe = engine.subscribe(printer)
    awake = AwakeWhileBusy(
        lambda: runner.running or not engine.wait_idle(0), over=lambda: engine.stopped
    )
    interrupted = False
    try:
        engine.start()
        for batch_id in sorted(engine.busy_batches()):
            printer.say(busy_message(batch_id, printer.prog))
        printer.say(
            f"Watching “{runner.folder}” for {profile.name} (event id {profile.api_event_id}). "
            f"Results go to “{runner.results}”. Press Ctrl-C to stop."
        )
        runner.start()
        awake.start()
        _wait_forever()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        with stopping():  # a second Ctrl-C / SIGTERM does not cut the saving of state short
            printer.say("Stopping: photos being sent right now get a moment to finish…")
            summary = runner.stop()
            awake.stop()
            engine.shutdown(wait=True, grace=STOP_GRACE)
            unsubscribe()
            engine.client.close()
            engine.store.close()
    _print_summary(printer, profile, summary)
    return ExitCode.INTERRUPTED if interrupted else ExitCode.OK


def _wait_forever() -> None:
    stop = threading.Event()
    while not stop.wait(3600):
        pass


def _print_summary(printer: Printer, profile: EventProfile, summary: EventSummary) -> None:
    if printer.as_json:
        printer.emit(
            {
                "event": "summary",
                "name": profile.name,
                "seen": summary.seen,
                "made": summary.made,
                "skipped_already_made": summary.skipped_already_made,
                "skipped_other": summary.skipped_other,
                "failed": [{"path": n, "error": r} for n, r in summary.failed],
            }
        )
        return
    printer.say(f"{profile.name}: stopped. State saved; run the same command to carry on.")
    for line in summary.lines():
        printer.say(line)
