"""What the command line prints while a batch runs: JSON lines, a live line, or plain lines."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from app.engine.model import BatchSnapshot, EngineEvent, EventKind, ItemSnapshot, ItemState
from app.engine.store import JobStore

# Words for states on a terminal; the JSON keeps the stored values.
STATE_WORDS = {
    ItemState.QUEUED: "waiting",
    ItemState.UPLOADING: "sending",
    ItemState.SUBMITTED: "sent",
    ItemState.RUNNING: "processing",
    ItemState.SUCCEEDED: "done",
    ItemState.FAILED: "failed",
    ItemState.NEEDS_ATTENTION: "needs attention",
    ItemState.PAUSED: "paused",
    ItemState.CANCELLED: "cancelled",
}


def item_path(item: ItemSnapshot) -> str | list[str]:
    """A photo's path or link; the list of photos for a folder item."""
    if item.kind == "folder":
        return list(item.sources)
    return item.sources[0] if item.sources else ""


def item_label(item: ItemSnapshot) -> str:
    if item.kind == "folder" and item.sources:
        return f"{Path(item.sources[0]).parent.name}/ ({len(item.sources)} photos)"
    if item.kind == "url":
        return item.sources[0] if item.sources else item.title
    return Path(item.sources[0]).name if item.sources else item.title


def needing_attention(store: JobStore) -> list[ItemSnapshot]:
    """Every item that waits for the user's word (resubmit or cancel), oldest batch first."""
    return [s.snapshot for s in store.items(states=[ItemState.NEEDS_ATTENTION])]


def program(args: argparse.Namespace) -> str:
    """How the user calls vimbatch for this job list: advice names `vimbatch --demo …` in the
    demo (plain `vimbatch resume` would look at the real list, without the demo's key)."""
    return "vimbatch --demo" if getattr(args, "demo", False) else "vimbatch"


def attention_lines(
    items: Sequence[ItemSnapshot], indent: str = "  ", prog: str = "vimbatch"
) -> list[str]:
    """The photos needing attention, each with the id to pass and its reason, then what to do
    (`prog`: how the user calls vimbatch, see `program`)."""
    if not items:
        return []
    lines = [f"{indent}Need your attention (the id to pass comes first):"]
    for item in items:
        lines.append(f"{indent}  {item.id}: {item_label(item)} — {item.error or 'needs attention'}")
    ids = " ".join(str(i.id) for i in items) if len(items) <= 5 else "--all-needing-attention"
    lines.append(
        f"{indent}Send again with “{prog} resubmit {ids}” (this may use a second credit if "
        f"the first one did reach Vimmerse), or drop with “{prog} cancel {ids}”."
    )
    return lines


def item_json(item: ItemSnapshot, *, final: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": "final" if final else "item",
        "id": item.id,
        "batch_id": item.batch_id,
        "path": item_path(item),
        "title": item.title,
        "state": item.state.value,
        "status": item.status_text,
        "progress": item.progress,
        "workflow_id": item.workflow_id,
        "error": item.error,
    }
    if final:
        body["results"] = [m.url for m in item.results]
        body["files"] = list(item.files)
        body["rating"] = item.rating
        body["delivered_at"] = item.delivered_at
    return body


def skipped_json(path: str, reason: str | None, *, failed: bool = False) -> dict[str, Any]:
    """A photo that did not become an item (already made, a RAW file…), shaped like an item
    line so that scripts read both alike."""
    return {
        "event": "item",
        "id": None,
        "batch_id": None,
        "path": path,
        "title": Path(path).stem,
        "state": "failed" if failed else "skipped",
        "status": "",
        "progress": 0,
        "workflow_id": None,
        "error": reason,
    }


class Printer:
    """Listens to the engine and prints, from any worker thread, one line at a time."""

    def __init__(
        self,
        *,
        as_json: bool,
        out: TextIO | None = None,
        live: bool | None = None,
        prog: str = "vimbatch",
    ) -> None:
        self.as_json = as_json
        self.prog = prog  # how the user calls vimbatch, for the advice printed
        self.out = out or sys.stdout
        self.live = (not as_json) and (self.out.isatty() if live is None else live)
        self._lock = threading.Lock()
        self._states: dict[int, ItemState] = {}
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._first_final: float | None = None
        self._finals_seen = 0
        self._gone = False  # the reader of `out` went away

    # -- engine events --------------------------------------------------------------------

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            if event.kind is EventKind.ITEM and event.item is not None:
                self._on_item(event.item)
            elif event.kind is EventKind.BATCH and event.batch is not None:
                self._on_batch(event.batch)
            elif event.kind is EventKind.NOTICE and event.message:
                if self.as_json:
                    self._line(json.dumps({"event": "notice", "message": event.message}))
                else:
                    self._line(event.message)

    def _on_item(self, item: ItemSnapshot) -> None:
        previous = self._states.get(item.id)
        self._states[item.id] = item.state
        if item.state.is_final and (previous is None or not previous.is_final):
            self._finals_seen += 1
        if self.as_json:
            if previous is not item.state:
                self._line(json.dumps(item_json(item)))
            return
        if self.live:
            self._draw()
            if (
                item.state in (ItemState.FAILED, ItemState.NEEDS_ATTENTION)
                and previous is not item.state
            ):
                self._line(
                    f"{item_label(item)}: {STATE_WORDS[item.state]}. {item.error or ''}".rstrip()
                )
            return
        if previous is item.state or (
            # Waiting, paused and back: the batch's own line ("Paused: ...") says it once.
            item.state in (ItemState.QUEUED, ItemState.PAUSED)
            and previous in (None, ItemState.QUEUED, ItemState.PAUSED)
        ):
            return
        text = f"{item_label(item)}: {STATE_WORDS[item.state]}"
        if item.state is ItemState.SUBMITTED and item.workflow_id:
            text += f" (workflow {item.workflow_id})"
        if item.error:
            text += f". {item.error}"
        if item.state is ItemState.SUCCEEDED and item.files:
            text += " → " + ", ".join(item.files)
        self._line(text)

    def _on_batch(self, batch: BatchSnapshot) -> None:
        if self.as_json:
            self._line(
                json.dumps(
                    {
                        "event": "batch",
                        "batch_id": batch.id,
                        "paused": batch.paused_reason,
                        "paused_kind": batch.paused_kind,
                    }
                )
            )
        elif batch.paused_reason:
            self._line(f"Paused: {batch.paused_reason}")

    # -- lines ----------------------------------------------------------------------------

    def say(self, text: str) -> None:
        """A message of the command itself (never mixed into JSON output: goes to stderr)."""
        with self._lock:
            if self.as_json:
                print(text, file=sys.stderr, flush=True)
            else:
                self._line(text)

    def emit(self, body: dict[str, Any]) -> None:
        """One JSON object of the command itself as a line, never inside an engine line."""
        with self._lock:
            self._line(json.dumps(body))

    def _line(self, text: str) -> None:
        if self.live:
            self._write("\r\x1b[K")
        self._write(text + "\n")
        if self.live:
            self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        self._write("\r\x1b[K" + self.progress_text())

    def _write(self, text: str) -> None:
        """Write and flush; once the reader has gone (`| head`), nothing more (the batch goes
        on: a closed pipe is not a reason to stop sending)."""
        if self._gone:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            self._gone = True
            if self.out is sys.stdout:
                silence_stdout()

    def progress_text(self) -> str:
        counts: dict[ItemState, int] = {}
        for state in self._states.values():
            counts[state] = counts.get(state, 0) + 1
        parts = [
            f"{n} {STATE_WORDS[s]}"
            for s, n in sorted(counts.items(), key=lambda kv: list(ItemState).index(kv[0]))
        ]
        total = len(self._states)
        finished = sum(n for s, n in counts.items() if s.is_final)
        eta = ""
        elapsed = time.monotonic() - self._started
        if 0 < finished < total and elapsed > 1:
            remaining = (total - finished) * elapsed / finished
            eta = f" · about {_duration(remaining)} left"
        return " · ".join(parts) + eta

    def finish(self, items: Sequence[ItemSnapshot]) -> None:
        """The closing lines: one JSON object per item, or a summary (the photos needing
        attention listed with the id to pass to resubmit or cancel)."""
        with self._lock:
            if self.live:
                self._write("\r\x1b[K")
            if self.as_json:
                self._write("".join(json.dumps(item_json(i, final=True)) + "\n" for i in items))
                return
            counts: dict[ItemState, int] = {}
            for item in items:
                counts[item.state] = counts.get(item.state, 0) + 1
            summary = ", ".join(f"{n} {STATE_WORDS[s]}" for s, n in counts.items())
            lines = [f"{len(items)} item{'s' if len(items) != 1 else ''}: {summary or 'none'}."]
            for item in items:
                if item.state is ItemState.FAILED or (
                    item.state is ItemState.SUCCEEDED and item.error
                ):
                    lines.append(f"  {item_label(item)}: {item.error or STATE_WORDS[item.state]}")
            lines += attention_lines(
                [i for i in items if i.state is ItemState.NEEDS_ATTENTION], prog=self.prog
            )
            self._write("".join(line + "\n" for line in lines))

    def attention(self, items: Sequence[ItemSnapshot]) -> None:
        """List photos needing attention (outside what `finish` showed)."""
        with self._lock:
            if self.as_json:
                self._write("".join(json.dumps(item_json(i, final=True)) + "\n" for i in items))
                for line in attention_lines(items, indent="", prog=self.prog):
                    print(line, file=sys.stderr, flush=True)
                return
            lines = attention_lines(items, indent="", prog=self.prog)
            self._write("".join(line + "\n" for line in lines))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def silence_stdout() -> None:
    """Standard output's reader has gone (a closed pipe): what is still written, including
    Python's flush at exit, goes nowhere instead of raising BrokenPipeError."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind sys.stdout (tests capture it)
        pass
