"""One notification per batch, from a real engine run on the simulator (no tray offscreen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.enginetools import close, make_jpegs, new_engine, photos_of
from PySide6.QtWidgets import QWidget

from app.engine import BatchSettings
from app.ui.engine_bridge import EngineBridge
from app.ui.notify import BatchNotifier
from app.ui.workers import Workers


def test_one_notification_per_batch_with_the_summary(
    qtbot: Any,
    simulator: Any,
    private_dirs: Path,
    workers: Workers,
    tmp_path: Path,
    settle: Any,
) -> None:
    window = QWidget()
    window.setWindowTitle("vimbatch")
    qtbot.addWidget(window)
    shown: list[str] = []
    notifier = BatchNotifier(window, show_in_window=shown.append)
    engine = new_engine(private_dirs, simulator.base_url, executor=workers.io.executor())
    bridge = EngineBridge(engine, workers.io)
    notifier.set_engine(bridge)
    try:
        engine.start()
        simulator.fail_next(1)
        engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 4)))
        qtbot.waitUntil(lambda: "%" in window.windowTitle(), timeout=10_000)
        assert engine.wait_idle(30)
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=10_000)
        settle(engine, bridge)  # every event of the batch handed on
    finally:
        bridge.close()
        close(engine)
    assert len(shown) == 1  # not one per photo
    assert "3 done" in shown[0] and "1 failed" in shown[0]
    assert window.windowTitle() == "vimbatch"
