"""`vimbatch resubmit` and `vimbatch cancel`: the user's word on photos that need attention
(a create whose answer was lost: it may or may not exist on Vimmerse), by item id, workflow id
or all at once. Everything named is checked before anything is done."""

from __future__ import annotations

import argparse
import logging
import sys

from app.cli.batch import _close, _drive, _engine, busy_message
from app.cli.exit_codes import ExitCode, UsageError
from app.cli.output import STATE_WORDS, Printer, item_label, needing_attention, program
from app.engine import Engine, ItemSnapshot, ItemState
from app.engine.store import JobStore

log = logging.getLogger(__name__)

SECOND_CREDIT = (
    "Sending again makes a new workflow: if the first one did reach Vimmerse, this uses a "
    "second credit and you get two."
)


def select(store: JobStore, args: argparse.Namespace) -> list[ItemSnapshot]:
    """The items the command names (UsageError, nothing done, when one is unknown)."""
    if args.all_needing_attention and args.ids:
        raise UsageError("Give ids or --all-needing-attention, not both.")
    if args.all_needing_attention:
        return needing_attention(store)
    if not args.ids:
        raise UsageError(
            f"Say which photos: the ids “{program(args)} status” shows, or --all-needing-attention."
        )
    chosen: dict[int, ItemSnapshot] = {}
    unknown: list[str] = []
    for text in args.ids:
        stored = store.get(int(text)) if text.isdigit() else None
        if stored is None:
            stored = store.find_by_workflow(text)
        if stored is None:
            unknown.append(text)
        else:
            chosen.setdefault(stored.snapshot.id, stored.snapshot)
    if unknown:
        names = ", ".join(unknown)
        raise UsageError(
            f"Nothing in the job list has the id {names} (“{program(args)} status” shows "
            "the ids). "
            "Nothing was changed."
        )
    return list(chosen.values())


def confirm(question: str, warning: str | None, args: argparse.Namespace) -> bool:
    """The user's yes: --yes, or an answer typed at a terminal (UsageError without one)."""
    if args.yes:
        return True
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(
            (f"{warning} " if warning else "")
            + "Nobody is here to confirm: add --yes to go ahead without asking."
        )
    if warning:
        print(warning, flush=True)
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def run_resubmit(args: argparse.Namespace, key: str, base_url: str, printer: Printer) -> int:
    engine = _engine(args, key, base_url)
    try:
        items = select(engine.store, args)
        chosen = [i for i in items if i.state is ItemState.NEEDS_ATTENTION]
        for item in items:
            if item.state is not ItemState.NEEDS_ATTENTION:
                printer.say(f"{_name(item)} does not need attention ({STATE_WORDS[item.state]}).")
        if not chosen:
            if not items:
                printer.say("Nothing needs your attention.")
            _close(engine)
            return ExitCode.OK if not items else ExitCode.ITEMS_FAILED
        what = _name(chosen[0]) if len(chosen) == 1 else f"these {len(chosen)} photos"
        if not confirm(f"Send {what} again?", SECOND_CREDIT, args):
            printer.say("Nothing was sent.")
            _close(engine)
            return ExitCode.ITEMS_FAILED
        if args.yes:
            printer.say(SECOND_CREDIT)  # said even when nobody was asked
    except BaseException:
        _close(engine)
        raise
    mine = _claim(engine, chosen, printer)
    if not mine:
        _close(engine)
        return ExitCode.ITEMS_FAILED

    def begin() -> list[int]:
        for item in mine:
            log.info("Batch %d: item %d sent again on the user's word", item.batch_id, item.id)
            engine.resubmit(item.id)
            printer.say(f"Sending {_name(item)} again.")
        return sorted({i.batch_id for i in mine})

    code = _drive(engine, args, printer, begin)
    if len(mine) < len(items) and code == ExitCode.OK:
        return ExitCode.ITEMS_FAILED
    return code


def run_cancel(args: argparse.Namespace, key: str | None, base_url: str, printer: Printer) -> int:
    engine = _engine(args, key, base_url)
    try:
        items = select(engine.store, args)
        if not items:
            printer.say("Nothing needs your attention.")
            return ExitCode.OK
        what = _name(items[0]) if len(items) == 1 else f"these {len(items)} photos"
        if not confirm(f"Cancel {what}?", None, args):
            printer.say("Nothing was cancelled.")
            return ExitCode.ITEMS_FAILED
        mine = _claim(engine, items, printer)
        code = ExitCode.OK if len(mine) == len(items) else ExitCode.ITEMS_FAILED
        for item in mine:
            engine.cancel_item(item.id)
            after = engine.item(item.id)
            if after is not None and after.state is ItemState.CANCELLED:
                log.info("Batch %d: item %d cancelled on the user's word", item.batch_id, item.id)
                printer.say(f"{_name(item)}: cancelled.")
                continue
            state = after.state if after is not None else item.state
            printer.say(f"{_name(item)} cannot be cancelled: it is {_state_words(state)}.")
            code = ExitCode.ITEMS_FAILED
        return code
    finally:
        engine.shutdown(wait=True)
        _close(engine)


def _claim(engine: Engine, items: list[ItemSnapshot], printer: Printer) -> list[ItemSnapshot]:
    """The items whose batch this process may work on; the others are said to be busy."""
    busy = engine.claim_batches({i.batch_id for i in items})
    for batch_id in sorted(busy):
        printer.say(busy_message(batch_id, printer.prog))
    return [i for i in items if i.batch_id not in busy]


def _name(item: ItemSnapshot) -> str:
    return f"{item_label(item)} (id {item.id})"


def _state_words(state: ItemState) -> str:
    if state is ItemState.SUCCEEDED or state is ItemState.FAILED:
        return f"finished ({STATE_WORDS[state]})"
    return STATE_WORDS[state]
