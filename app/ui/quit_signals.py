"""SIGINT (Ctrl-C) and SIGTERM (`kill`, logout, shutdown) close the window as File ▸ Quit does.

Python runs its signal handlers only between bytecodes, and while Qt's event loop waits in C++
no bytecode runs: a Ctrl-C then surfaced as a `KeyboardInterrupt` traceback in whatever slot ran
next, and the window stayed open. Here the C-level handler writes the signal's number to one
end of a socket pair (`signal.set_wakeup_fd`); a `QSocketNotifier` on the other end wakes the
event loop, and the quit runs as an ordinary queued call on the GUI thread.

The first signal asks the window to close exactly as Quit does: state saved, a question only
when something is at risk (photos not sent yet). A second signal while that question is open
means "really": the question is dismissed and the window closes without asking. Either way
the app then stops as after Quit (engines, pools, simulator), and nothing is lost: unfinished
photos are picked up at the next start.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

log = logging.getLogger(__name__)

QUIT_SIGNALS: tuple[signal.Signals, ...] = tuple(
    sig for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if sig is not None
)


class QuitOnSignal(QObject):
    """Turns SIGINT/SIGTERM into calls on the GUI thread. No signals.

    `on_quit(force)` is called once per signal received, on the GUI thread, from the event
    loop: `force` is False for the first, True for any later one. `uninstall()` restores the
    handlers and the wake-up descriptor that were there before.
    """

    def __init__(self, on_quit: Callable[[bool], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_quit = on_quit
        self.received: list[int] = []
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous_handlers = {sig: signal.signal(sig, self._handler) for sig in QUIT_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)
        self._installed = True

    @staticmethod
    def _handler(signum: int, frame: FrameType | None) -> None:
        # The C-level handler has already written the number to the wake-up socket; the
        # Python-level one only has to replace the default (KeyboardInterrupt / termination).
        pass

    def _woken(self) -> None:
        try:
            data = self._reader.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        for signum in data:
            self.received.append(signum)
            force = len(self.received) > 1
            log.info("signal %d received: quitting%s", signum, " now" if force else "")
            # Queued: the close may open a question (a nested event loop); the notifier's own
            # slot must have returned first so that a second signal can still be read.
            QTimer.singleShot(0, lambda force=force: self.on_quit(force))

    def uninstall(self) -> None:
        if not self._installed:
            return
        self._installed = False
        self._notifier.setEnabled(False)
        for sig, previous in self._previous_handlers.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()
