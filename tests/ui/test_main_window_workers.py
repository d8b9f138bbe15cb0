"""app.ui.workers: results and errors come back on the GUI thread; shutdown leaves nothing."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from app.ui.workers import Workers


def test_result_arrives_on_gui_thread(qtbot, workers: Workers) -> None:
    worker_threads: list[threading.Thread] = []
    seen: list[tuple[object, bool]] = []

    def work() -> int:
        worker_threads.append(threading.current_thread())
        return 42

    def got(value: object) -> None:
        seen.append((value, QThread.currentThread() is QApplication.instance().thread()))

    with qtbot.waitSignal(workers.io.idle, timeout=5000):
        workers.io.submit(work, got)
    assert seen == [(42, True)]
    assert worker_threads and worker_threads[0] is not threading.main_thread()


def test_exception_is_delivered_to_on_error(qtbot, workers: Workers) -> None:
    errors: list[BaseException] = []

    def boom() -> None:
        raise ValueError("bad photo")

    with qtbot.waitSignal(workers.cpu.idle, timeout=5000):
        workers.cpu.submit(boom, lambda _v: pytest.fail("no result expected"), errors.append)
    assert len(errors) == 1 and str(errors[0]) == "bad photo"


def test_cancelled_task_delivers_nothing_and_shutdown_waits(qtbot, workers: Workers) -> None:
    gate = threading.Event()
    delivered: list[object] = []
    ran: list[int] = []

    def slow(i: int) -> int:
        gate.wait(5)
        ran.append(i)
        return i

    runner = workers.cpu
    tasks = [runner.submit(lambda i=i: slow(i), delivered.append) for i in range(20)]
    assert runner.pending() == 20
    for task in tasks:
        task.cancel()
    runner.cancel_all()
    gate.set()
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=5000)
    assert delivered == []
    # At most the jobs that had already started ran; the queued ones were dropped.
    assert len(ran) <= runner.pool.maxThreadCount()


def test_shutdown_sets_stopping_and_refuses_new_work(qtbot) -> None:
    pools = Workers(io_threads=2)
    started = threading.Event()

    def long_job() -> str:
        started.set()
        while not pools.io.stopping.is_set():
            time.sleep(0.01)
        return "stopped"

    delivered: list[object] = []
    pools.io.submit(long_job, delivered.append)
    assert started.wait(5)
    t0 = time.monotonic()
    assert pools.shutdown(5000)
    assert time.monotonic() - t0 < 2
    assert pools.io.pool.activeThreadCount() == 0
    late = pools.io.submit(lambda: 1, delivered.append)
    assert late.cancelled
    qtbot.wait(50)
    assert delivered == []


def test_executor_runs_plain_callables(qtbot, workers: Workers) -> None:
    done = threading.Event()
    workers.io.executor().submit(done.set)
    assert done.wait(5)


def test_session_stops_in_the_background_and_finishes_creates_on_the_wire(
    qtbot, workers: Workers, sim_factory, private_dirs, tmp_path
) -> None:
    from engine.enginetools import make_jpegs, photos_of

    from app.engine.model import BatchSettings
    from app.ui.session import Session

    sim = sim_factory(processing_time=30.0)
    sim.script("POST", "/workflow", "slow:1")  # the create is on the wire for a second
    session = Session(workers, key="k", base_url=sim.base_url, data_dir=private_dirs)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    engine = session.engine
    assert engine is not None
    created: list[int] = []
    session.create_batch(
        BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 1)), [], created.append, print
    )
    qtbot.waitUntil(lambda: bool(created), timeout=10_000)
    qtbot.wait(300)  # the create is now held by the server
    stopped: list[bool] = []
    began = time.monotonic()
    session.shutdown_in_background(lambda: stopped.append(True))
    assert time.monotonic() - began < 0.2  # the window is not frozen meanwhile
    assert stopped == [] and not session.wait_stopped(0)
    qtbot.waitUntil(lambda: stopped == [True], timeout=10_000)
    assert session.wait_stopped(0)
    assert len(sim.workflows) == 1  # the create on the wire was finished, not dropped
    session.shutdown()  # the quit path after a background stop: returns at once


def test_commands_never_wait_behind_the_engines_uploads(qtbot, workers: Workers) -> None:
    from app.ui.workers import ENGINE_EXTRA_THREADS

    workers.set_engine_concurrency(2)
    threads = 2 + ENGINE_EXTRA_THREADS
    assert workers.engine.pool.maxThreadCount() == threads
    release = threading.Event()
    executor = workers.engine.executor()
    for _ in range(threads + 4):  # every engine thread busy with a long "upload", more queued
        executor.submit(lambda: release.wait(10) and None)
    try:
        qtbot.waitUntil(lambda: workers.engine.pool.activeThreadCount() == threads, timeout=5000)
        answered: list[str] = []
        with qtbot.waitSignal(workers.io.idle, timeout=2000):
            workers.io.submit(lambda: "paused", answered.append)
        assert answered == ["paused"]
    finally:
        release.set()
    workers.set_engine_concurrency(16)  # the setting's top value really gets 16 uploads
    assert workers.engine.pool.maxThreadCount() == 16 + ENGINE_EXTRA_THREADS


def test_the_concurrency_setting_sizes_the_engine_pool(qtbot, workers: Workers) -> None:
    from app.ui.session import Session
    from app.ui.workers import ENGINE_EXTRA_THREADS

    session = Session(workers, key="k", base_url="http://127.0.0.1:9", concurrency=12)
    session.configure(concurrency=12, error_reports=False)
    assert workers.engine.pool.maxThreadCount() == 12 + ENGINE_EXTRA_THREADS
    session.configure(concurrency=3, error_reports=False)
    assert workers.engine.pool.maxThreadCount() == 3 + ENGINE_EXTRA_THREADS
