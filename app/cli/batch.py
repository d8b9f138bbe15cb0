"""`vimbatch submit` and `vimbatch resume`: run batches on the engine and wait as asked."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.api import Visibility
from app.cli.exit_codes import ExitCode, UsageError
from app.cli.output import Printer, needing_attention, skipped_json
from app.cli.parser import WHEN_UNSURE
from app.cli.stopping import stopping
from app.engine import (
    BatchSettings,
    Engine,
    Grouping,
    ItemSnapshot,
    ItemState,
    OverwritePolicy,
    WhenUnsure,
    build_engine,
    name_pattern_problem,
    title_pattern_problem,
)
from app.engine.keep_awake import AwakeWhileBusy
from app.engine.made_ledger import already_made, already_made_message
from app.engine.model import DEFAULT_NAME_PATTERN
from app.engine.session import quick_timings, set_upload_limit
from app.engine.templates import load_catalog
from app.images import Photo, gather, is_url

log = logging.getLogger(__name__)


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"“{pair}” is not an option: write it as KEY=VALUE, e.g. aspect_ratio=9:16."
            )
        options[key.strip()] = value
    return options


def settings_from_args(args: argparse.Namespace) -> BatchSettings:
    problem = title_pattern_problem(args.title)
    if problem:
        raise UsageError(problem)
    name_pattern = args.name or DEFAULT_NAME_PATTERN
    if (problem := name_pattern_problem(name_pattern)) is not None:
        raise UsageError(problem)
    template = load_catalog().get(args.template)
    options = template.default_options() if template else {}
    options.update(parse_options(args.option))
    return BatchSettings(
        template_id=args.template,
        options=options,
        visibility=Visibility.parse(args.visibility),
        title_pattern=args.title,
        description=args.description,
        event_id=args.event_id,
        grouping=Grouping.PER_FOLDER if args.per_folder else Grouping.PER_PHOTO,
        download_dir=str(Path(args.download).expanduser().resolve()) if args.download else None,
        name_pattern=name_pattern,
        overwrite=OverwritePolicy(args.overwrite),
        strip_gps=not args.keep_location,
        smaller_copies=args.smaller_copies,
        when_unsure=WhenUnsure(WHEN_UNSURE[args.when_unsure]),
    )


def take_in(paths: Sequence[str], printer: Printer) -> tuple[list[Photo], list[str]]:
    """The shared intake (app/images/intake.py): the photos for `Engine.create_batch` in batch
    order (copies marked, so that the engine says how many were left out) and web addresses."""
    intake = gather(paths)
    for problem in intake.problems:
        printer.say(f"{problem.path}: {problem.message}")
    return intake.for_engine(), intake.urls


def run_submit(args: argparse.Namespace, key: str, base_url: str, printer: Printer) -> int:
    settings = settings_from_args(args)
    urls_given = list(args.url)
    paths = [p for p in args.paths if not is_url(p)]
    urls_given += [p for p in args.paths if is_url(p)]
    if not paths and not urls_given:
        raise UsageError("Give at least one photo, folder or --url to send.")
    photos, urls = take_in([*paths, *urls_given], printer)
    if not photos and not urls:
        raise UsageError("No photos were found in what was given.")
    engine = _engine(args, key, base_url)
    if not args.again:
        photos = skip_already_made(engine, photos, settings, printer)
        if not photos and not urls:
            printer.say(
                "Nothing to send: every photo was already made. Add --again to make them anyway."
            )
            _close(engine)
            return ExitCode.OK
    return _drive(
        engine,
        args,
        printer,
        lambda: [engine.create_batch(settings, photos, urls, again=args.again)],
    )


def skip_already_made(
    engine: Engine, photos: list[Photo], settings: BatchSettings, printer: Printer
) -> list[Photo]:
    """The photos not yet made with these settings; a line for each one left out. (Two
    processes at once: the ledger's claim when the batch is stored settles the race.)"""
    made = already_made(engine.store, photos, settings)
    for photo in photos:
        if photo.path in made:
            reason = f"{already_made_message(made[photo.path])} Add --again to make it anyway."
            if printer.as_json:
                printer.emit(skipped_json(str(photo.path), reason))
            else:
                printer.say(f"{photo.path.name}: {reason}")
    return [p for p in photos if p.path not in made]


def run_resume(args: argparse.Namespace, key: str, base_url: str, printer: Printer) -> int:
    engine = _engine(args, key, base_url)
    unfinished = [b.id for b in engine.batches() if _unfinished(engine, b.id)]
    if not unfinished:
        waiting = needing_attention(engine.store)
        _close(engine)
        if waiting:
            printer.attention(waiting)  # they wait for the user's word, not for resume
            return ExitCode.ITEMS_FAILED
        printer.say("Nothing to resume: every batch is finished.")
        return ExitCode.OK
    # Batches another vimbatch window or process works on are left to it: never sent twice.
    busy = engine.claim_batches(unfinished)
    for batch_id in sorted(busy):
        printer.say(busy_message(batch_id, printer.prog))
    mine = [b for b in unfinished if b not in busy]
    if not mine:
        waiting = needing_attention(engine.store)
        _close(engine)
        if waiting:
            printer.attention(waiting)
        return ExitCode.ITEMS_FAILED
    if args.download:
        folder = str(Path(args.download).expanduser().resolve())
        for batch_id in mine:
            engine.store.set_download_dir(batch_id, folder)

    def begin() -> list[int]:
        for batch_id in mine:
            log.info("Batch %d: carrying on (vimbatch resume)", batch_id)
            engine.resume(batch_id)
        return mine

    # Photos needing attention in batches resume did not run (finished otherwise) are listed
    # too: the summary shows those of the batches it ran.
    elsewhere = [i for i in needing_attention(engine.store) if i.batch_id not in mine]
    code = _drive(engine, args, printer, begin, also=elsewhere)
    if (busy or elsewhere) and code == ExitCode.OK:
        return ExitCode.ITEMS_FAILED  # not everything is done: some of it waits for someone
    return code


def busy_message(batch_id: int, prog: str = "vimbatch") -> str:
    return (
        f"Batch {batch_id} is being worked on by another vimbatch window or process, "
        f"so it was left alone. Run “{prog} resume” again once that has finished."
    )


def _engine(args: argparse.Namespace, key: str | None, base_url: str) -> Engine:
    poll, backoff, retry = quick_timings(args.poll) if args.poll else (None, None, None)
    set_upload_limit(args.max_upload_mbps)
    return build_engine(
        base_url=base_url,
        data_dir=args.data_dir,
        key=key,
        concurrency=getattr(args, "concurrency", 4),
        error_reports=not args.no_error_reports,
        poll=poll,
        backoff=backoff,
        retry=retry,
    )


def _unfinished(engine: Engine, batch_id: int) -> bool:
    for stored in engine.store.items(batch_id):
        item = stored.snapshot
        # A change the server refused waits for the user, like an item that needs attention.
        if not item.state.is_final or (stored.pending_update and not stored.update_refused):
            return True
        if item.state is ItemState.SUCCEEDED and item.error:
            return True
    return False


def _drive(
    engine: Engine,
    args: argparse.Namespace,
    printer: Printer,
    begin: Callable[[], Sequence[int]],
    *,
    also: Sequence[ItemSnapshot] = (),
) -> int:
    """Start the batches `begin` returns and wait (until sent, or with --wait until done, or
    until --timeout), then stop the engine and tell how it went. Ctrl-C or SIGTERM stops too:
    in-flight work gets a short grace, never more (exit 130); see `stopping`."""
    unsubscribe = engine.subscribe(printer)
    interrupted = timed_out = False
    batch_ids: list[int] = []
    wait = bool(getattr(args, "wait", False))
    timeout: float | None = getattr(args, "timeout", None)
    deadline = None if timeout is None else time.monotonic() + timeout
    # The computer stays awake while work is left, and may sleep the moment it is done.
    awake = AwakeWhileBusy(lambda: not engine.wait_idle(0), over=lambda: engine.stopped)
    try:
        batch_ids = list(begin())
        engine.start(batch_ids)
        awake.start()
        while True:
            step = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            if wait:
                done = engine.wait_idle(timeout=step)
            else:
                done = all(engine.wait_submitted(b, timeout=step) for b in batch_ids)
            if done:
                break
            if deadline is not None and time.monotonic() >= deadline:
                timed_out = True
                break
    except KeyboardInterrupt:
        interrupted = True
        printer.say("Stopping: photos being sent right now get a moment to finish…")
    with stopping():
        engine.shutdown(wait=True, grace=STOP_GRACE)
        awake.stop()
        unsubscribe()
        items = [i for b in batch_ids for i in engine.items(b)]
        printer.finish(items)
        if also:
            printer.attention(also)
        code = _exit_code(engine, batch_ids, items, waited=wait)
        # A request that never answered may still hold a worker after the shutdown's grace:
        # the store already says what its photo's create may have done, and the engine's
        # workers are daemon threads, so the process ends without waiting for it.
        _close(engine)
        if interrupted:
            printer.say(f"Stopped. Run “{printer.prog} resume” to carry on.")
            return ExitCode.INTERRUPTED
        if timed_out and any(not i.state.is_final for i in items) and code not in STOPS:
            waiting = any(i.state in (ItemState.QUEUED, ItemState.PAUSED) for i in items)
            printer.say(
                f"Stopped waiting after {_seconds(timeout)}: what was sent is still running on "
                "Vimmerse"
                + (", and the rest waits here" if waiting else "")
                + f". Run “{printer.prog} resume” later to carry on."
            )
            return ExitCode.TIMED_OUT
        if code is ExitCode.NO_CREDIT:
            printer.say(f"Add credit to your Vimmerse account, then run “{printer.prog} resume”.")
        elif code is ExitCode.NO_KEY:
            printer.say(
                f"Set a working key with “vimbatch key set”, then run “{printer.prog} resume”."
            )
        return code


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g} s"


def _exit_code(
    engine: Engine, batch_ids: Sequence[int], items: Sequence[ItemSnapshot], *, waited: bool
) -> ExitCode:
    kinds = {b.paused_kind for b in engine.store.batches(batch_ids) if b.paused_reason}
    if "key" in kinds:
        return ExitCode.NO_KEY
    if "credit" in kinds:
        return ExitCode.NO_CREDIT
    for item in items:
        if item.state in (ItemState.FAILED, ItemState.NEEDS_ATTENTION):
            return ExitCode.ITEMS_FAILED
        if item.state is ItemState.SUCCEEDED and item.error:
            return ExitCode.ITEMS_FAILED
        if waited and not item.state.is_final:
            return ExitCode.ITEMS_FAILED
    return ExitCode.OK


def _close(engine: Engine) -> None:
    engine.client.close()
    engine.store.close()


# Kept short: a stop must end the process within a few seconds even when a request hangs
# (STOP_GRACE, then the engine's own second after closing the client).
STOP_GRACE = 2.0
STOPS = (ExitCode.NO_KEY, ExitCode.NO_CREDIT)
