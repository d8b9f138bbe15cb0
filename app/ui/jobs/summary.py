"""The summary bar under the job list: how many photos are where, and about how long is left.

`summarize()` is a plain function over snapshots (tested on its own); `SummaryBar` shows it.
The estimate is built on what was measured, even for a small batch that finishes in one wave:
- sending: the bytes still to go (photos waiting, the rest of those being sent; the size per
  photo of each batch as prepared: originals and smaller copies differ ~4×) over the upload
  rate the engine measured (across batches);
- making: how long Vimmerse took per photo, measured on the photos finished in this run (a
  `PaceTracker` notes when each was handed over), or, before any finished, projected from the
  progress Vimmerse reports for those being made.
The last photo to be sent then needs one making time; photos being made need the rest of
theirs. Without those measurements the recent pace (the time between the last photos that
finished) stands in; with nothing measured at all the bar says it is still estimating.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from app.engine.model import ItemSnapshot, ItemState
from app.engine.throughput import UploadPace
from app.ui.jobs.model import format_duration

PACE_WINDOW = 20
MIN_PROGRESS = 10  # below this, a server's progress says little about the time left
_SENDING = (ItemState.QUEUED, ItemState.UPLOADING)


class PaceTracker:
    """When each item was handed to Vimmerse (first seen submitted) and how long the finished
    ones took from there: the measured making time. Fed by `summarize` on the GUI thread."""

    def __init__(self) -> None:
        self._handed_over: dict[int, float] = {}
        self._durations: list[float] = []
        self._finished: set[int] = set()

    def observe(self, item: ItemSnapshot, now: float) -> None:
        state = item.state
        if state.is_remote:
            self._handed_over.setdefault(item.id, now)
        elif state is ItemState.SUCCEEDED and item.id not in self._finished:
            self._finished.add(item.id)
            started = self._handed_over.pop(item.id, None)
            if started is not None and item.finished_at is not None:
                self._durations.append(max(0.0, item.finished_at - started))
                del self._durations[:-PACE_WINDOW]

    def elapsed(self, item: ItemSnapshot, now: float) -> float | None:
        started = self._handed_over.get(item.id)
        return None if started is None else now - started

    def making_seconds(self) -> float | None:
        return statistics.median(self._durations) if self._durations else None


@dataclass(frozen=True)
class Summary:
    counts: dict[ItemState, int] = field(default_factory=dict)
    remaining: int = 0  # not final yet
    eta_seconds: float | None = None  # None: not enough finished yet to tell
    delivered: int = 0

    def count(self, *states: ItemState) -> int:
        return sum(self.counts.get(s, 0) for s in states)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summarize(
    items: Iterable[ItemSnapshot],
    pace: UploadPace | None = None,
    tracker: PaceTracker | None = None,
    now: float | None = None,
) -> Summary:
    """Counts and the time left. `pace`: the engine's measured upload rate; `tracker`: kept by
    the caller between calls (it learns how long making a photo takes)."""
    now = time.time() if now is None else now
    counts: Counter[ItemState] = Counter()
    finish_times: list[float] = []
    run_start: float | None = None
    delivered = 0
    # Photos still to go, by batch: each batch is timed with its own bytes per photo.
    to_send: dict[int, float] = {}
    making: list[tuple[float, int]] = []  # photos being made: (seconds at it, progress)
    for item in items:
        counts[item.state] += 1
        if tracker is not None:
            tracker.observe(item, now)
        if item.delivered_at is not None:
            delivered += 1
        if not item.state.is_final:
            run_start = item.created_at if run_start is None else min(run_start, item.created_at)
            if item.state is ItemState.QUEUED:
                to_send[item.batch_id] = to_send.get(item.batch_id, 0.0) + 1
            elif item.state is ItemState.UPLOADING:
                to_send[item.batch_id] = to_send.get(item.batch_id, 0.0) + 1 - item.progress / 100
            elif item.state.is_remote and tracker is not None:
                elapsed = tracker.elapsed(item, now)
                if elapsed is not None:
                    making.append((elapsed, item.progress))
        elif item.finished_at is not None and item.state is not ItemState.CANCELLED:
            finish_times.append(item.finished_at)
    remaining = sum(n for state, n in counts.items() if not state.is_final)
    eta: float | None = None
    if remaining == 0:
        eta = 0.0
    else:
        eta = _measured_eta(to_send, making, pace, tracker)
        if eta is None and run_start is not None:
            # Only photos finished since the oldest unfinished one was added tell today's pace.
            recent = sorted(t for t in finish_times if t >= run_start)[-PACE_WINDOW:]
            if len(recent) >= 2 and recent[-1] > recent[0]:
                per_item = (recent[-1] - recent[0]) / (len(recent) - 1)
                eta = per_item * remaining
    return Summary(counts=dict(counts), remaining=remaining, eta_seconds=eta, delivered=delivered)


def _measured_eta(
    to_send: dict[int, float],
    making: list[tuple[float, int]],
    pace: UploadPace | None,
    tracker: PaceTracker | None,
) -> float | None:
    """The time left from measurements only, or None when something needed is not measured."""
    per_photo = tracker.making_seconds() if tracker is not None else None
    if per_photo is None:
        # Nothing finished yet: project from the progress Vimmerse reports.
        projected = [e * 100 / p for e, p in making if p >= MIN_PROGRESS and e > 0]
        per_photo = statistics.median(projected) if projected else None
    if per_photo is None:
        return None
    longest_making = max((max(0.0, per_photo - e) for e, _ in making), default=0.0)
    if sum(to_send.values()) <= 0:
        return longest_making
    if pace is None or pace.rate is None:
        return None
    to_go = 0.0
    for batch_id, photos in to_send.items():
        per_photo_bytes = pace.per_photo(batch_id)
        if per_photo_bytes is None:
            return None
        to_go += photos * per_photo_bytes
    sending = to_go / pace.rate
    return max(sending + per_photo, longest_making)


def summary_text(
    summary: Summary, paused: bool = False, empty: str | None = None, offline: bool = False
) -> str:
    """One line for the whole list; `empty` is what to say when there is no job at all (the
    window knows whether photos are waiting to be sent, the list does not)."""
    t = QCoreApplication.translate
    parts: list[tuple[int, str]] = [
        (summary.count(ItemState.SUCCEEDED), t("JobSummary", "{n} done")),
        # The same words as the rows: a photo going out is "Sending", not yet "being made".
        (summary.count(ItemState.UPLOADING), t("JobSummary", "{n} sending")),
        (
            summary.count(ItemState.SUBMITTED, ItemState.RUNNING),
            t("JobSummary", "{n} being made"),
        ),
        (summary.count(ItemState.QUEUED), t("JobSummary", "{n} waiting")),
        (summary.count(ItemState.PAUSED), t("JobSummary", "{n} paused")),
        (summary.count(ItemState.NEEDS_ATTENTION), t("JobSummary", "{n} need attention")),
        (summary.count(ItemState.FAILED), t("JobSummary", "{n} failed")),
        (summary.count(ItemState.CANCELLED), t("JobSummary", "{n} cancelled")),
    ]
    locale = QLocale()
    shown = [template.format(n=locale.toString(n)) for n, template in parts if n]
    if not shown:
        return empty if empty is not None else t("JobSummary", "No jobs yet.")
    text = " · ".join(shown)
    return text + " — " + eta_text(summary, paused, offline)


def eta_text(summary: Summary, paused: bool = False, offline: bool = False) -> str:
    t = QCoreApplication.translate
    if summary.remaining == 0:
        return t("JobSummary", "all finished")
    if paused:
        return t("JobSummary", "sending is paused")
    if offline:
        return t("JobSummary", "waiting for a connection")
    if summary.eta_seconds is None:
        return t("JobSummary", "estimating time left…")
    if summary.eta_seconds < 60:
        return t("JobSummary", "less than a minute left")
    return t("JobSummary", "about {time} left").format(time=format_duration(summary.eta_seconds))


class SummaryBar(QWidget):
    """A one-line status of the whole job list. No signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobSummary")
        self.label = QLabel(self)
        self.label.setObjectName("jobSummaryText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Long in a big mixed batch: it wraps in a narrow window instead of widening it.
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        self.notice = QLabel(self)
        self.notice.setObjectName("jobSummaryNotice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(False)
        # It may be long: it shares the row instead of pushing the buttons off; the tooltip
        # holds the whole text.
        self.notice.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notice.hide()
        layout.addWidget(self.notice, 1)
        self.summary = Summary()
        self.paused = False
        self.set_summary(self.summary)

    def set_summary(
        self,
        summary: Summary,
        paused: bool = False,
        empty: str | None = None,
        note: str = "",
        offline: bool = False,
    ) -> None:
        """`note`: one more sentence after the counts (e.g. jobs another window handles);
        `offline`: Vimmerse cannot be reached now (no time estimate then)."""
        self.summary = summary
        self.paused = paused
        text = summary_text(summary, paused, empty, offline)
        if note:
            text = f"{text} — {note}" if summary.total else note
        self.label.setText(text)
        self.setAccessibleName(self.tr("Job summary"))
        self.label.setAccessibleName(text)

    def set_notice(self, text: str) -> None:
        """Show the latest plain-words notice (a command that failed, ...) at the right."""
        self.notice.setText(text)
        self.notice.setToolTip(text)
        self.notice.setVisible(bool(text))
