"""One desktop notification per finished batch (never per photo), clicking it raises the window.

    notifier = BatchNotifier(window, show_in_window=window.show_status)
    notifier.set_engine(bridge)

A batch is announced once, when its last item becomes final during this session (a batch that
was already finished at start is not). The summary says how many are done, failed and need
attention. Where there is no system tray (many Linux desktops, offscreen), the text goes to
`show_in_window` instead.

Taskbar / dock progress: Qt 6 has no API for it (QWinTaskbarProgress went with Qt 5); the window
title carries the percentage while a batch runs, which every platform shows in its task switcher.
The percentage is the work done, not the items finished: an item counts for the percentage its
row shows (sending or being made), so a batch whose rows all say 40 % says 40 %, not 0 %.

While an event runs (`set_event_running`), each guest's photo is a batch of its own: those batches
are never announced (the event's summary on Stop says it all) and the title shows no percentage
(it would jump with every photo). A batch first seen while the event runs stays quiet after it.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from app.engine.model import ItemSnapshot, ItemState
from app.ui.engine_bridge import EngineBridge


def _tr(text: str) -> str:
    return QCoreApplication.translate("BatchNotifier", text)


def item_share(item: ItemSnapshot) -> int:
    """How far along one item is, in percent, as its row in the job list says it: finished 100,
    being sent or being made the percentage its row shows, else 0 (whole numbers, so the sums
    kept per batch never drift). The title said "8%" while the rows said 42-47% when it left
    the sending out: one measure everywhere, even if a photo's share starts again at 0 % when
    its making starts after its sending, as its row does."""
    if item.state.is_final:
        return 100
    if item.state in (ItemState.UPLOADING, ItemState.RUNNING):
        return max(0, min(100, item.progress))
    return 0


def window_title(app_name: str, *, demo: bool = False, percent: int | None = None) -> str:
    """The window's title, ending with the app's name: Qt appends the application display name
    to a title unless it already ends with it, so this never shows "vimbatch" twice."""
    title = _tr("Demo — {app}").format(app=app_name) if demo else app_name
    return f"{percent}% — {title}" if percent is not None else title


def summary_text(done: int, failed: int, attention: int) -> str:
    parts = [_tr("{n} done").format(n=done)]
    if failed:
        parts.append(_tr("{n} failed").format(n=failed))
    if attention:
        parts.append(_tr("{n} need your attention").format(n=attention))
    return ", ".join(parts)


class BatchNotifier(QObject):
    """Signals:
    batch_finished(int, str): a batch id and its one-line summary (once per batch).

    Counts are kept per batch as events arrive, so an event costs the same with 10 or 10,000
    items; the title's percentage is redrawn at most every `TITLE_MS`.
    """

    batch_finished = Signal(int, str)

    TITLE_MS = 250

    def __init__(
        self,
        window: QWidget,
        *,
        show_in_window: Callable[[str], object] | None = None,
        tray: QSystemTrayIcon | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.show_in_window = show_in_window
        if tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            tray = QSystemTrayIcon(window.windowIcon(), self)
        self.tray = tray
        if self.tray is not None:
            self.tray.messageClicked.connect(self.raise_window)
        # item id -> (batch id, state, share done); per batch: its items' states and shares.
        self._states: dict[int, tuple[int, ItemState, int]] = {}
        self._counts: dict[int, Counter[ItemState]] = {}
        self._shares: dict[int, int] = {}
        self._active: set[int] = set()  # batches with work seen unfinished this session
        self._announced: set[int] = set()
        self._event_running = False
        self._quiet: set[int] = set()  # batches that began while an event ran: never announced
        self._title = window.windowTitle()
        self.bridge: EngineBridge | None = None
        self._title_timer = QTimer(self)
        self._title_timer.setSingleShot(True)
        self._title_timer.setInterval(self.TITLE_MS)
        self._title_timer.timeout.connect(self._update_progress)

    def set_engine(self, bridge: EngineBridge | None) -> None:
        """Follow this bridge's items (None: the session ended; nothing is announced)."""
        if self.bridge is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.bridge.item_changed.disconnect(self.item_changed)
                self.bridge.item_removed.disconnect(self._item_removed)
        self.bridge = bridge
        self._states.clear()
        self._counts.clear()
        self._shares.clear()
        self._active.clear()
        self._announced.clear()
        self._quiet.clear()
        self._update_progress()
        if bridge is not None:
            bridge.item_changed.connect(self.item_changed)
            bridge.item_removed.connect(self._item_removed)

    def _forget(self, item_id: int) -> None:
        old = self._states.pop(item_id, None)
        if old is not None:
            counts = self._counts[old[0]]
            self._shares[old[0]] -= old[2]
            counts[old[1]] -= 1
            if counts[old[1]] <= 0:
                del counts[old[1]]

    def _item_removed(self, item_id: int) -> None:
        self._forget(item_id)
        self._title_timer.start()

    def set_title(self, title: str) -> None:
        """The window's own title (the progress percentage goes in front of it)."""
        self._title = title
        self._update_progress()

    def set_event_running(self, running: bool) -> None:
        """An event started or stopped: its photos' batches are not announced one by one."""
        self._event_running = running
        self._update_progress()

    def item_changed(self, item: ItemSnapshot) -> None:
        batch = item.batch_id
        if self._event_running and batch not in self._counts:
            self._quiet.add(batch)
        self._forget(item.id)
        share = item_share(item)
        self._states[item.id] = (batch, item.state, share)
        counts = self._counts.setdefault(batch, Counter())
        counts[item.state] += 1
        self._shares[batch] = self._shares.get(batch, 0) + share
        if not item.state.is_final:
            self._active.add(batch)
            self._announced.discard(batch)  # a retry makes it a batch to announce again
        if not self._title_timer.isActive():
            self._title_timer.start()
        if batch not in self._active or batch in self._announced:
            return
        if any(not state.is_final for state in counts):
            return
        if batch in self._quiet:
            self._active.discard(batch)
            return
        text = summary_text(
            counts[ItemState.SUCCEEDED],
            counts[ItemState.FAILED] + counts[ItemState.CANCELLED],
            counts[ItemState.NEEDS_ATTENTION],
        )
        self._announced.add(batch)
        self._active.discard(batch)
        self._update_progress()
        self.notify(self.tr("Your batch is finished"), text)
        self.batch_finished.emit(batch, text)

    def notify(self, title: str, text: str) -> None:
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.show()
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)
        elif self.show_in_window is not None:
            self.show_in_window(f"{title}: {text}")

    def _update_progress(self) -> None:
        self._title_timer.stop()
        if self._event_running:
            # Each guest's photo is its own batch: a percentage would jump with every photo.
            self.window.setWindowTitle(self._title)
            return
        total = done = 0
        for batch in self._active - self._quiet:
            counts = self._counts.get(batch, Counter())
            total += 100 * sum(counts.values())
            done += self._shares.get(batch, 0)
        if not total:
            self.window.setWindowTitle(self._title)
            return
        percent = 100 * done // total  # floored: 100 % only when every item is finished
        self.window.setWindowTitle(f"{percent}% — {self._title}")

    def raise_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()
