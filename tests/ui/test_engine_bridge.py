"""EngineBridge with the real engine on a real SQLite store against the simulator over HTTP.

Engine work runs on the app's QThreadPool (workers.io); events must reach Qt slots on the GUI
thread, commands must run off it, and nothing may be left running after a test.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine.enginetools import close, make_jpegs, new_engine, photos_of
from PySide6.QtCore import QCoreApplication, QThread

from app.engine import BatchSettings, Engine, EngineEvent, EventKind, ItemState
from app.simulator import Simulator
from app.ui.engine_bridge import EngineBridge
from app.ui.workers import Workers


@pytest.fixture
def engine(simulator: Simulator, private_dirs: Path, workers: Workers) -> Iterator[Engine]:
    eng = new_engine(private_dirs, simulator.base_url, executor=workers.io.executor())
    yield eng
    close(eng)


@pytest.fixture
def bridge(engine: Engine, workers: Workers, qtbot: Any) -> Iterator[EngineBridge]:
    b = EngineBridge(engine, workers.io)
    yield b
    b.close()
    b.deleteLater()


def gui_thread() -> QThread:
    app = QCoreApplication.instance()
    assert app is not None
    return app.thread()


def test_events_arrive_as_signals_on_the_gui_thread(
    qtbot: Any, engine: Engine, bridge: EngineBridge, tmp_path: Path
) -> None:
    states: dict[int, list[str]] = {}
    threads: set[bool] = set()
    batches: list[int] = []

    def on_item(item: Any) -> None:
        threads.add(QThread.currentThread() is gui_thread())
        states.setdefault(item.id, []).append(item.state.value)

    bridge.item_changed.connect(on_item)
    bridge.batch_changed.connect(lambda b: batches.append(b.id))
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 3)))
    qtbot.waitUntil(
        lambda: len(states) == 3 and all(s[-1] == "succeeded" for s in states.values()),
        timeout=20_000,
    )
    assert threads == {True}, "every slot ran on the GUI thread"
    assert batch in batches
    for history in states.values():
        assert history.index("uploading") < history.index("succeeded")


def test_a_burst_from_many_threads_is_drained_in_few_wakes(
    qtbot: Any, bridge: EngineBridge, engine: Engine, tmp_path: Path, settle: Any
) -> None:
    engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 1)))
    item = engine.items()[0]
    settle(engine, bridge)  # the batch's own events are delivered before counting starts
    wakes: list[int] = []
    bridge._wake.connect(lambda: wakes.append(1))
    received: list[tuple[int, bool]] = []
    bridge.item_changed.connect(
        lambda i: received.append((i.progress, QThread.currentThread() is gui_thread()))
    )

    def burst(offset: int) -> None:
        for n in range(250):
            bridge._on_event(EngineEvent(EventKind.ITEM, item=_with(item, progress=offset + n)))

    threads = [threading.Thread(target=burst, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qtbot.waitUntil(lambda: len(received) == 1000, timeout=5000)
    assert all(on_gui for _, on_gui in received)
    # Each thread's events keep their order.
    for k in range(4):
        mine = [p for p, _ in received if k * 1000 <= p < k * 1000 + 250]
        assert mine == list(range(k * 1000, k * 1000 + 250))
    assert len(wakes) < 50, f"{len(wakes)} queued wake-ups for 1,000 events"


def _with(item: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(item, **changes)


def test_load_pause_resume_and_retry_through_the_pool(
    qtbot: Any,
    sim_factory: Any,
    private_dirs: Path,
    workers: Workers,
    tmp_path: Path,
) -> None:
    sim = sim_factory(fail_rate=1.0)
    engine = new_engine(private_dirs, sim.base_url, executor=workers.io.executor())
    bridge = EngineBridge(engine, workers.io)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 2)))
        assert engine.wait_idle(timeout=20)
        assert {i.state for i in engine.items(batch)} == {ItemState.FAILED}

        with qtbot.waitSignal(bridge.loaded, timeout=5000) as loaded:
            bridge.load()
        items, batches = loaded.args
        assert {i.state for i in items} == {ItemState.FAILED}
        assert [b.id for b in batches] == [batch]

        with qtbot.waitSignal(
            bridge.batch_changed, timeout=5000, check_params_cb=lambda b: b.paused_kind == "user"
        ):
            bridge.pause()
        with qtbot.waitSignal(
            bridge.batch_changed, timeout=5000, check_params_cb=lambda b: b.paused_kind is None
        ):
            bridge.resume()

        sim.config.fail_rate = 0.0
        done: list[int] = []
        bridge.retry_all_failed(done.append)
        qtbot.waitUntil(lambda: done == [2], timeout=5000)
        assert engine.wait_idle(timeout=20)
        assert {i.state for i in engine.items(batch)} == {ItemState.SUCCEEDED}
    finally:
        bridge.close()
        close(engine)


def test_a_failing_command_is_reported_in_plain_words(
    qtbot: Any, bridge: EngineBridge, engine: Engine
) -> None:
    engine.store.close()  # the store is gone: every command now fails
    with qtbot.waitSignal(bridge.command_failed, timeout=5000) as failed:
        bridge.retry_items([1])
    name, message = failed.args
    assert name == "retry"
    assert message


def test_close_stops_listening(
    qtbot: Any, bridge: EngineBridge, engine: Engine, tmp_path: Path, settle: Any
) -> None:
    received: list[object] = []
    bridge.item_changed.connect(received.append)
    bridge.close()
    engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 1)))
    settle(engine, bridge)  # events would have been handed on by now
    assert received == []
