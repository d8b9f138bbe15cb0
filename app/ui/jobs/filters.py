"""JobFilterProxy: show only the rows of one kind (running, done, failed, …) matching a search.

After Picard's log view model: the list model stays whole, the proxy decides what is visible.
Dynamic filtering is on, so a job that finishes leaves the "In progress" view by itself. The proxy
never sorts: the source model is already in order, and sorting 10,000 rows on every refresh
tick is the kind of freeze Picard had to undo.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import PurePath

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
)

from app.engine.model import ItemSnapshot, ItemState
from app.ui.jobs.model import JobListModel


class JobFilter(StrEnum):
    ALL = "all"
    RUNNING = "running"
    DONE = "done"
    NEEDS_ATTENTION = "needs_attention"
    FAILED = "failed"
    DELIVERED = "delivered"

    @property
    def label(self) -> str:
        labels = {
            JobFilter.ALL: QCoreApplication.translate("JobList", "All"),
            JobFilter.RUNNING: QCoreApplication.translate("JobList", "In progress"),
            JobFilter.DONE: QCoreApplication.translate("JobList", "Done"),
            JobFilter.NEEDS_ATTENTION: QCoreApplication.translate("JobList", "Needs attention"),
            JobFilter.FAILED: QCoreApplication.translate("JobList", "Failed"),
            JobFilter.DELIVERED: QCoreApplication.translate("JobList", "Delivered"),
        }
        return labels[self]

    @property
    def tooltip(self) -> str:
        tips = {
            JobFilter.ALL: QCoreApplication.translate("JobList", "Every photo of every batch"),
            JobFilter.RUNNING: QCoreApplication.translate(
                "JobList", "Photos not finished yet: waiting, paused, uploading or being made"
            ),
            JobFilter.DONE: QCoreApplication.translate("JobList", "Finished photos"),
            JobFilter.NEEDS_ATTENTION: QCoreApplication.translate(
                "JobList", "Photos that need you to decide what happens next"
            ),
            JobFilter.FAILED: QCoreApplication.translate(
                "JobList", "Photos that failed and can be retried"
            ),
            JobFilter.DELIVERED: QCoreApplication.translate(
                "JobList", "Finished photos marked as delivered"
            ),
        }
        return tips[self]

    def accepts(self, item: ItemSnapshot) -> bool:
        state = item.state
        if self is JobFilter.ALL:
            return True
        if self is JobFilter.RUNNING:
            return not state.is_final
        if self is JobFilter.DONE:
            return state is ItemState.SUCCEEDED
        if self is JobFilter.NEEDS_ATTENTION:
            return state is ItemState.NEEDS_ATTENTION
        if self is JobFilter.FAILED:
            return state is ItemState.FAILED
        return item.delivered_at is not None


def matches_search(item: ItemSnapshot, words: list[str]) -> bool:
    """Every word (lower-case) appears in the title, a file name, the workflow id or the error."""
    if not words:
        return True
    names = [PurePath(s).name if item.kind != "url" else s for s in item.sources]
    haystack = " ".join([item.title, *names, item.workflow_id or "", item.error or ""]).casefold()
    return all(word in haystack for word in words)


class JobFilterProxy(QSortFilterProxyModel):
    """A filter by kind of state plus a free-text search over the job list."""

    def __init__(self, source: JobListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filter = JobFilter.ALL
        self._words: list[str] = []
        self.setDynamicSortFilter(True)
        self.setSourceModel(source)

    def job_model(self) -> JobListModel:
        source = self.sourceModel()
        assert isinstance(source, JobListModel)
        return source

    @property
    def job_filter(self) -> JobFilter:
        return self._filter

    def set_filter(self, job_filter: JobFilter) -> None:
        if job_filter is self._filter:
            return
        self._refilter(lambda: setattr(self, "_filter", job_filter))

    def set_search(self, text: str) -> None:
        words = text.casefold().split()
        if words == self._words:
            return
        self._refilter(lambda: setattr(self, "_words", words))

    def _refilter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 replaced invalidateRowsFilter() by begin/endFilterChange(); older Qt (allowed
        # on Python 3.11) only has the former.
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        item = self.job_model().item(source_row)
        return self._filter.accepts(item) and matches_search(item, self._words)
