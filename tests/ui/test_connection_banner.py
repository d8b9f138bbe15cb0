"""Offline and "slow down" are visible: the banner over the job list, the rows, the summary.

The engine reports its connection state as CONNECTION events. The first tests send them
through the bridge from another thread, exactly as the engine's listener call arrives, over a
real engine whose batch waits to be sent; the last ones run the real engine against the
simulator: stopped and started again (offline and back), and a 429 (slowed down).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine.enginetools import close, make_jpegs, new_engine, photos_of

from app.engine import BatchSettings, ItemState
from app.engine.model import ConnectionState, ConnectionStatus, EngineEvent, EventKind
from app.ui.engine_bridge import EngineBridge
from app.ui.jobs.connection import countdown_text
from app.ui.jobs.model import JobRole
from app.ui.jobs.panel import JobListPanel
from app.ui.workers import Workers

OFFLINE_TEXT = (
    "Can't reach Vimmerse. Your photos are safe and will be sent when the connection is back."
)


class Rig:
    def __init__(self, qtbot: Any, private_dirs: Path, workers: Workers, tmp_path: Path) -> None:
        # Nothing answers on port 9: the engine is never started, so nothing is sent anyway.
        self.engine = new_engine(private_dirs, "http://127.0.0.1:9", executor=workers.io.executor())
        self.engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 3)))
        self.bridge = EngineBridge(self.engine, workers.io)
        self.panel = JobListPanel(self.bridge)
        qtbot.addWidget(self.panel)
        self.panel.resize(900, 500)
        self.panel.show()
        qtbot.waitUntil(lambda: self.panel.model.rowCount() == 3, timeout=10_000)

    def send(self, state: ConnectionState) -> None:
        """As the engine does: its listener is called on a worker thread."""
        event = EngineEvent(kind=EventKind.CONNECTION, connection=state)
        thread = threading.Thread(target=self.bridge._on_event, args=(event,))
        thread.start()
        thread.join()

    def row_texts(self) -> list[str]:
        proxy = self.panel.proxy
        return [proxy.index(r, 0).data(JobRole.STATUS_TEXT) for r in range(proxy.rowCount())]

    def close(self) -> None:
        self.bridge.close()
        close(self.engine)


@pytest.fixture
def rig(qtbot: Any, private_dirs: Path, workers: Workers, tmp_path: Path) -> Iterator[Rig]:
    made = Rig(qtbot, private_dirs, workers, tmp_path)
    yield made
    made.close()


def test_offline_shows_the_banner_and_rows_wait_for_a_connection(qtbot: Any, rig: Rig) -> None:
    panel = rig.panel
    assert panel.connection_banner.isHidden()
    assert rig.row_texts() == ["Waiting"] * 3
    rig.send(
        ConnectionState(ConnectionStatus.OFFLINE, message=OFFLINE_TEXT, until=time.time() + 20)
    )
    qtbot.waitUntil(panel.connection_banner.isVisible, timeout=5000)
    assert panel.connection_banner.message.text() == OFFLINE_TEXT
    assert panel.connection_banner.countdown.text().startswith("Checking again in 1")
    assert rig.row_texts() == ["Waiting for a connection"] * 3
    assert panel.summary.label.text() == "3 waiting — waiting for a connection"
    # The stored items are untouched: the words come from the connection state.
    assert all(item.state is ItemState.QUEUED for item in rig.engine.items())

    rig.send(ConnectionState())  # the service answers again: sending resumes by itself
    qtbot.waitUntil(panel.connection_banner.isHidden, timeout=5000)
    assert rig.row_texts() == ["Waiting"] * 3
    assert panel.summary.label.text() == "3 waiting — estimating time left…"


def test_slow_down_is_visible_with_the_time_until_it_goes_on(qtbot: Any, rig: Rig) -> None:
    panel = rig.panel
    until = time.time() + 95
    rig.send(ConnectionState(ConnectionStatus.SLOWED, message=None, until=until))
    qtbot.waitUntil(panel.connection_banner.isVisible, timeout=5000)
    banner = panel.connection_banner
    assert "asked us to slow down" in banner.message.text()
    first = banner.countdown.text()
    assert first.startswith("Sending goes on in 1 min 3")  # 1 min 35 s, or 34 s by now
    # It counts down by itself while shown.
    qtbot.waitUntil(lambda: banner.countdown.text() != first, timeout=5000)
    assert banner.countdown.text().startswith("Sending goes on in 1 min 3")
    assert rig.row_texts() == ["Waiting"] * 3  # not offline: rows keep their words

    rig.send(ConnectionState(ConnectionStatus.OFFLINE, message=None, until=None))
    qtbot.waitUntil(lambda: "Can't reach Vimmerse" in banner.message.text(), timeout=5000)
    assert banner.message.text() == OFFLINE_TEXT  # the same words when the engine gives none
    assert banner.countdown.text() == "Checking the connection now and then."
    assert not banner._timer.isActive()


def test_the_countdown_words() -> None:
    offline = ConnectionState(ConnectionStatus.OFFLINE, until=100.0)
    slowed = ConnectionState(ConnectionStatus.SLOWED, until=100.0)
    assert countdown_text(offline, 88.2) == "Checking again in 11 s."
    assert countdown_text(offline, 99.5) == "Checking the connection…"
    assert countdown_text(slowed, 40.0) == "Sending goes on in 1 min 0 s."
    assert countdown_text(ConnectionState(), 0.0) == ""


def test_offline_and_back_with_the_real_engine(
    qtbot: Any, private_dirs: Path, workers: Workers, tmp_path: Path
) -> None:
    """The simulator stops: the banner and the rows say so within seconds, nothing fails;
    it starts again on the same address: sending resumes by itself and everything finishes."""
    from app.simulator import Simulator, SimulatorConfig

    state = tmp_path / "server"
    config = SimulatorConfig(processing_time=0.3)
    first = Simulator(config, state_dir=state)
    base_url = first.start()
    first.stop()  # no network from the start
    engine = new_engine(private_dirs, base_url, executor=workers.io.executor())
    bridge = EngineBridge(engine, workers.io)
    panel = JobListPanel(bridge)
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    second: Simulator | None = None
    try:
        engine.start()
        engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 4)))
        qtbot.waitUntil(panel.connection_banner.isVisible, timeout=10_000)
        assert panel.connection_banner.message.text() == OFFLINE_TEXT
        queued = lambda: [  # noqa: E731
            panel.proxy.index(r, 0).data(JobRole.STATUS_TEXT)
            for r in range(panel.proxy.rowCount())
            if panel.proxy.index(r, 0).data(JobRole.STATE) == ItemState.QUEUED.value
        ]
        qtbot.waitUntil(lambda: len(queued()) == 4, timeout=10_000)
        assert set(queued()) == {"Waiting for a connection"}
        assert not any(item.state.is_final for item in engine.items())

        second = Simulator(config, state_dir=state)
        assert second.start() == base_url  # the connection is back
        qtbot.waitUntil(panel.connection_banner.isHidden, timeout=60_000)
        qtbot.waitUntil(
            lambda: [i.state for i in engine.items()] == [ItemState.SUCCEEDED] * 4,
            timeout=30_000,
        )
        assert second.created_count() == 4  # each sent once
    finally:
        bridge.close()
        close(engine)
        if second is not None:
            second.stop()


def test_a_slow_down_from_the_real_engine_shows_and_ends_by_itself(
    qtbot: Any, private_dirs: Path, workers: Workers, tmp_path: Path, sim_factory: Any
) -> None:
    sim = sim_factory(retry_after=4.0)
    sim.script("POST", "/workflow", "429")
    engine = new_engine(private_dirs, sim.base_url, executor=workers.io.executor())
    bridge = EngineBridge(engine, workers.io)
    panel = JobListPanel(bridge)
    qtbot.addWidget(panel)
    panel.show()
    try:
        engine.start()
        engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 2)))
        banner = panel.connection_banner
        qtbot.waitUntil(banner.isVisible, timeout=10_000)
        assert "slow down" in banner.message.text()
        assert banner.countdown.text().startswith("Sending goes on in ")
        qtbot.waitUntil(banner.isHidden, timeout=20_000)
        qtbot.waitUntil(
            lambda: [i.state for i in engine.items()] == [ItemState.SUCCEEDED] * 2,
            timeout=20_000,
        )
    finally:
        bridge.close()
        close(engine)
