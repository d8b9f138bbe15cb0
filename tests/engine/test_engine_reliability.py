"""Never stuck, never silent: a job list that cannot be written, status checks that fail, a
connection that goes away, a server that asks us to slow down, a stop during a hung request,
creates in doubt, and the names photos are sent under."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.engine import (
    BatchSettings,
    ConnectionStatus,
    Engine,
    EventKind,
    ItemState,
    JobStore,
    StoreFullError,
    WhenUnsure,
)
from app.engine.following import CANT_CHECK
from app.engine.model import PAUSED_FOR_STORE
from app.engine.store import STORE_FILE
from app.engine.store_errors import FULL_MESSAGE
from app.simulator import Simulator, SimulatorConfig
from engine.enginetools import (
    FAST_BACKOFF,
    FAST_POLL,
    Recorder,
    by_state,
    close,
    make_client,
    make_jpegs,
    new_engine,
    photos_of,
    sha256_of,
)


def _wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.02)


def _creates_by_hash(sim: Simulator) -> Counter[str]:
    created: Counter[str] = Counter()
    for request in sim.requests:
        if request.method == "POST" and request.path == "/workflow" and request.status == 200:
            for part in request.files:
                created[part.sha256] += 1
    return created


class FullDisk(sqlite3.Connection):
    """A real SQLite connection whose writes fail as on a full disk while `full` is set."""

    full = threading.Event()
    refused = 0

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        verb = sql.lstrip().split(None, 1)[0].upper()
        if FullDisk.full.is_set() and verb in ("UPDATE", "INSERT", "DELETE"):
            FullDisk.refused += 1
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = 13  # type: ignore[attr-defined]
            raise error
        return super().execute(sql, parameters)


# -- 1. the job list cannot be written -------------------------------------------------------


def test_a_full_disk_pauses_the_batch_without_spinning_and_resume_finishes_it(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    sim = sim_factory(processing_time=0.2, latency=0.02)
    paths = make_jpegs(tmp_path / "in", 8)
    FullDisk.full.clear()
    FullDisk.refused = 0
    store = JobStore(private_dirs / STORE_FILE, connect=partial(sqlite3.connect, factory=FullDisk))
    engine = Engine(
        store, make_client(sim.base_url), concurrency=2, poll=FAST_POLL, backoff=FAST_BACKOFF
    )
    recorder = Recorder()
    engine.subscribe(recorder)

    filled: list[bool] = []

    def fill_disk_once_one_was_sent(event: Any) -> None:
        if event.item is not None and event.item.state is ItemState.SUBMITTED and not filled:
            filled.append(True)
            FullDisk.full.set()

    engine.subscribe(fill_disk_once_one_was_sent)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        # Idle within seconds: nothing claims the same photo again and again.
        assert engine.wait_idle(timeout=15)
        assert isinstance(engine.store_problem, StoreFullError)
        assert FullDisk.refused < 50
        paused = [e.batch for e in recorder.of(EventKind.BATCH) if e.batch is not None]
        assert any(
            b.paused_kind == PAUSED_FOR_STORE and b.paused_reason == FULL_MESSAGE for b in paused
        )
        assert FULL_MESSAGE in [e.message for e in recorder.of(EventKind.NOTICE)]
        assert engine.wait_submitted(batch, timeout=5)

        FullDisk.full.clear()  # the user freed some space
        engine.resume()
        assert engine.wait_idle(timeout=30)
        items = engine.items(batch)
    finally:
        FullDisk.full.clear()
        close(engine)
    assert by_state(items) == {"succeeded": 8}
    created = _creates_by_hash(sim)
    assert sorted(created[sha256_of(p)] for p in paths) == [1] * 8


# -- 3. status checks that keep failing ------------------------------------------------------


def test_failed_status_checks_say_so_and_keep_trying(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    sim = sim_factory(processing_time=0.2)
    paths = make_jpegs(tmp_path / "in", 1)
    # Each check is tried 4 times by the client: 5 checks in a row fail.
    sim.script("GET", "/workflow/", *["500"] * 20)
    engine = new_engine(private_dirs, sim.base_url, concurrency=1)
    recorder = Recorder()
    engine.subscribe(recorder)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        assert engine.wait_idle(timeout=30)
        (item,) = engine.items(batch)
    finally:
        close(engine)
    shown = [e.item for e in recorder.of(EventKind.ITEM) if e.item is not None]
    cant = [s for s in shown if s.status_text == CANT_CHECK]
    assert cant and cant[0].error and "Vimmerse had a problem answering" in cant[0].error
    assert item.state is ItemState.SUCCEEDED and item.error is None
    assert item.status_text != CANT_CHECK


# -- 7. the connection -----------------------------------------------------------------------


def test_offline_is_noticed_sending_waits_and_goes_on_when_vimmerse_is_back(
    tmp_path: Path, private_dirs: Path
) -> None:
    config = SimulatorConfig(processing_time=0.2)
    sim = Simulator(config)
    sim.start()
    port = sim.port
    paths = make_jpegs(tmp_path / "in", 3)
    engine = new_engine(private_dirs, sim.base_url, concurrency=2)
    recorder = Recorder()
    engine.subscribe(recorder)
    back: Simulator | None = None
    try:
        engine.pause()
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        sim.stop()  # the network goes away
        started = time.monotonic()
        engine.resume()
        _wait_until(lambda: engine.connection.status is ConnectionStatus.OFFLINE, timeout=15)
        assert time.monotonic() - started < 10
        offline = [e.connection for e in recorder.of(EventKind.CONNECTION)]
        assert offline[-1] is not None and offline[-1].message
        assert "Can't reach Vimmerse" in offline[-1].message
        # The waiting photos keep their words: the connection state tells the user.
        assert all(i.error is None and i.state is ItemState.QUEUED for i in engine.items(batch))

        back = Simulator(config, port=port)
        back.start()
        _wait_until(lambda: engine.connection.status is ConnectionStatus.ONLINE, timeout=30)
        assert engine.wait_idle(timeout=30)
        items = engine.items(batch)
    finally:
        close(engine)
        if back is not None:
            back.stop()
    assert by_state(items) == {"succeeded": 3}
    assert back.created_count() == 3


def test_a_429_shows_slowed_until_a_time_then_online(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    sim = sim_factory(retry_after=0.5, processing_time=0.1)
    sim.script("POST", "/workflow", "429")
    paths = make_jpegs(tmp_path / "in", 1)
    engine = new_engine(private_dirs, sim.base_url, concurrency=1)
    recorder = Recorder()
    engine.subscribe(recorder)
    try:
        engine.start()
        before = time.time()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        assert engine.wait_idle(timeout=30)
        (item,) = engine.items(batch)
    finally:
        close(engine)
    states = [e.connection for e in recorder.of(EventKind.CONNECTION) if e.connection]
    slowed = [s for s in states if s.status is ConnectionStatus.SLOWED]
    assert slowed and slowed[0].until is not None and slowed[0].until > before
    assert slowed[0].message and "slow down" in slowed[0].message
    assert states[-1].status is ConnectionStatus.ONLINE
    assert item.state is ItemState.SUCCEEDED and sim.created_count() == 1


# -- 4. stopping during a hung request -------------------------------------------------------


def test_shutdown_returns_quickly_during_a_hung_status_check_and_resume_finishes(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    sim = sim_factory(processing_time=0.3)
    sim.script("GET", "/workflow/", "slow:60")  # the first status check never answers
    paths = make_jpegs(tmp_path / "in", 1)
    engine = new_engine(private_dirs, sim.base_url, concurrency=1)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        _wait_until(lambda: engine.items(batch)[0].state is ItemState.SUBMITTED)
        time.sleep(0.5)  # its first status check (due after 0.02 s) is now waiting
    finally:
        started = time.monotonic()
        engine.shutdown()
        stop_time = time.monotonic() - started
        engine.client.close()
        engine.store.close()
    assert stop_time < 4.0
    engine = new_engine(private_dirs, sim.base_url)
    try:
        engine.start()
        assert engine.wait_idle(timeout=30)
        (item,) = engine.items(batch)
    finally:
        close(engine)
    assert item.state is ItemState.SUCCEEDED and sim.created_count() == 1


def test_shutdown_during_a_hung_create_loses_nothing_and_sends_nothing_twice(
    sim_factory: Callable[..., Simulator], tmp_path: Path, private_dirs: Path
) -> None:
    sim = sim_factory(processing_time=0.2)
    sim.script("POST", "/workflow", "slow:60")
    paths = make_jpegs(tmp_path / "in", 2)
    engine = new_engine(private_dirs, sim.base_url, concurrency=1)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        _wait_until(lambda: engine.store.count([ItemState.UPLOADING], [batch]) == 1)
        time.sleep(0.5)  # its body went out; the answer is what hangs
    finally:
        started = time.monotonic()
        engine.shutdown()
        stop_time = time.monotonic() - started
        engine.client.close()
        engine.store.close()
    assert stop_time < 4.0
    engine = new_engine(private_dirs, sim.base_url)
    try:
        engine.start()
        assert engine.wait_idle(timeout=30)
        items = engine.items(batch)
    finally:
        close(engine)
    # The hung one went out whole: in doubt, the user decides; the other one was sent once.
    assert by_state(items) == {"needs_attention": 1, "succeeded": 1}
    created = _creates_by_hash(sim)
    assert all(created[sha256_of(p)] <= 1 for p in paths)


# -- 6. creates in doubt ---------------------------------------------------------------------


def test_send_again_setting_resends_a_create_in_doubt(
    simulator: Simulator, tmp_path: Path, private_dirs: Path
) -> None:
    simulator.script("POST", "/workflow", "drop_after")
    paths = make_jpegs(tmp_path / "in", 1)
    engine = new_engine(private_dirs, simulator.base_url, concurrency=1)
    try:
        engine.start()
        settings = BatchSettings(when_unsure=WhenUnsure.SEND_AGAIN)
        batch = engine.create_batch(settings, photos_of(paths))
        assert engine.wait_idle(timeout=30)
        (item,) = engine.items(batch)
        assert engine.store.settings(batch).when_unsure is WhenUnsure.SEND_AGAIN
    finally:
        close(engine)
    assert item.state is ItemState.SUCCEEDED
    assert simulator.created_count() == 2  # the user chose a second credit over a lost photo


def test_a_stop_before_the_body_went_out_whole_requeues_after_a_restart(
    simulator: Simulator, tmp_path: Path, private_dirs: Path
) -> None:
    paths = make_jpegs(tmp_path / "in", 2)
    engine = new_engine(private_dirs, simulator.base_url)
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    first, second = (i.id for i in engine.items(batch))
    close(engine)
    store = JobStore.open(private_dirs)
    store.claim_upload(first)  # killed while its photo was on its way
    store.claim_upload(second)
    store.mark_body_sent(second)  # killed after its whole request went out
    store.close()
    engine = new_engine(private_dirs, simulator.base_url)
    try:
        engine.start()
        assert engine.wait_idle(timeout=30)
        items = {i.id: i for i in engine.items(batch)}
    finally:
        close(engine)
    assert items[first].state is ItemState.SUCCEEDED
    assert items[second].state is ItemState.NEEDS_ATTENTION
    assert simulator.created_count() == 1


# -- 5. names ----------------------------------------------------------------------------------


def test_a_photo_without_its_location_goes_under_its_own_name(
    simulator: Simulator, tmp_path: Path, private_dirs: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "Wedding 042.JPG"
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 30.5), 3: "E", 4: (4.0, 53.0, 12.25)}
    Image.new("RGB", (128, 96), (200, 30, 40)).save(path, "JPEG", exif=exif.tobytes())
    engine = new_engine(private_dirs, simulator.base_url)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(strip_gps=True), photos_of([path]))
        assert engine.wait_idle(timeout=30)
        (item,) = engine.items(batch)
    finally:
        close(engine)
    assert item.state is ItemState.SUCCEEDED, item.error
    (create,) = [r for r in simulator.requests if r.method == "POST" and r.path == "/workflow"]
    assert [f.filename for f in create.files] == ["Wedding 042.JPG"]
    assert create.files[0].sha256 != sha256_of(path)  # the location-free copy went


def test_status_checks_wait_for_the_connection_without_rewriting_the_item(
    tmp_path: Path, private_dirs: Path
) -> None:
    state = tmp_path / "server-state"  # the server keeps its workflows across the restart
    config = SimulatorConfig(processing_time=2.0)
    sim = Simulator(config, state_dir=state)
    sim.start()
    port = sim.port
    paths = make_jpegs(tmp_path / "in", 1)
    engine = new_engine(private_dirs, sim.base_url, concurrency=1)
    recorder = Recorder()
    engine.subscribe(recorder)
    back: Simulator | None = None
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        _wait_until(lambda: engine.items(batch)[0].state.is_remote)
        sim.stop()  # the network goes away while the photo is being made
        _wait_until(lambda: engine.connection.status is ConnectionStatus.OFFLINE, timeout=15)
        (waiting,) = engine.items(batch)
        assert waiting.state.is_remote and waiting.error is None
        assert waiting.status_text != CANT_CHECK

        back = Simulator(config, port=port, state_dir=state)
        back.start()
        assert engine.wait_idle(timeout=30)
        (item,) = engine.items(batch)
    finally:
        close(engine)
        if back is not None:
            back.stop()
    assert engine.connection.status is ConnectionStatus.ONLINE
    assert item.state is ItemState.SUCCEEDED and item.error is None
    shown = [e.item.status_text for e in recorder.of(EventKind.ITEM) if e.item is not None]
    assert CANT_CHECK not in shown


def test_result_downloads_wait_for_the_connection_without_using_up_their_tries(
    tmp_path: Path, private_dirs: Path
) -> None:
    from app.engine import Backoff

    state = tmp_path / "server-state"
    config = SimulatorConfig(processing_time=0.3)
    sim = Simulator(config, state_dir=state)
    sim.start()
    port = sim.port
    paths = make_jpegs(tmp_path / "in", 1)
    backoff = Backoff(base=0.3, cap=1.0, download_attempts=3)
    engine = Engine(
        JobStore.open(private_dirs), make_client(sim.base_url), poll=FAST_POLL, backoff=backoff
    )

    def network_gone_when_done(event: Any) -> None:
        item = event.item
        if item is not None and item.state is ItemState.RUNNING and item.progress == 100:
            sim.stop()  # the result is ready, the network is not

    engine.subscribe(network_gone_when_done)
    back: Simulator | None = None
    try:
        engine.start()
        batch = engine.create_batch(
            BatchSettings(download_dir=str(tmp_path / "out")), photos_of(paths)
        )
        _wait_until(lambda: engine.connection.status is ConnectionStatus.OFFLINE)
        time.sleep(3.0)  # longer than the download's three tries would last
        (waiting,) = engine.items(batch)
        assert waiting.state is ItemState.RUNNING and waiting.error is None

        back = Simulator(config, port=port, state_dir=state)
        back.start()
        assert engine.wait_idle(timeout=30)
        (item,) = engine.items(batch)
    finally:
        close(engine)
        if back is not None:
            back.stop()
    assert item.state is ItemState.SUCCEEDED and item.error is None
    assert item.files and all(Path(f).is_file() for f in item.files)


def test_offline_is_noticed_at_the_first_unreachable_check_and_logged_once(
    tmp_path: Path, private_dirs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With the client's own retries slow (as they are for real: seconds apart), the first
    status check that cannot connect starts the health check at once: OFFLINE well within
    ~10 s, not after a request's whole round of retries. While OFFLINE the per-item retries
    stay out of the log file (a line per check of every photo flooded it)."""
    import logging

    from app.api import RetryPolicy, WorkflowClient

    config = SimulatorConfig(processing_time=60.0)
    sim = Simulator(config)
    sim.start()
    paths = make_jpegs(tmp_path / "in", 6)
    slow_retries = RetryPolicy(attempts=5, base_delay=8.0, max_delay=30.0, jitter=0.0)
    engine = Engine(
        JobStore.open(private_dirs),
        WorkflowClient("test-key", sim.base_url, retry=slow_retries),
        poll=FAST_POLL,
        backoff=FAST_BACKOFF,
    )
    recorder = Recorder()
    engine.subscribe(recorder)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        _wait_until(lambda: all(i.state.is_remote for i in engine.items(batch)))
        caplog.set_level(logging.DEBUG)
        sim.stop()  # the network goes away while the photos are being made
        started = time.monotonic()
        _wait_until(lambda: engine.connection.status is ConnectionStatus.OFFLINE, timeout=20)
        noticed = time.monotonic() - started
        # While OFFLINE the health check goes on (each failure announced anew) and the photos'
        # checks meet the closed door: none of it is a warning any more.
        caplog.clear()
        _wait_until(lambda: len(_offline_events(recorder)) >= 3, timeout=20)
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    finally:
        close(engine)
    assert noticed < 10.0, f"OFFLINE after {noticed:.1f} s"
    assert not warnings, [r.getMessage() for r in warnings]


def _offline_events(recorder: Recorder) -> list[object]:
    return [
        e
        for e in recorder.of(EventKind.CONNECTION)
        if e.connection is not None and e.connection.status is ConnectionStatus.OFFLINE
    ]


def test_a_lost_connection_shows_within_10_s_while_status_checks_are_far_apart(
    tmp_path: Path, private_dirs: Path
) -> None:
    """Status checks of a long workflow back off to a minute apart: the connection is watched
    on its own (a light health check when Vimmerse has said nothing for a few seconds)."""
    from app.engine import PollPolicy

    sim = Simulator(SimulatorConfig(processing_time=120.0))
    sim.start()
    paths = make_jpegs(tmp_path / "in", 2)
    engine = Engine(
        JobStore.open(private_dirs),
        make_client(sim.base_url),
        poll=PollPolicy(first=60.0, cap=60.0),
        backoff=FAST_BACKOFF,
    )
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(paths))
        _wait_until(lambda: all(i.state.is_remote for i in engine.items(batch)))
        sim.stop()  # the next status checks are a minute away
        started = time.monotonic()
        _wait_until(lambda: engine.connection.status is ConnectionStatus.OFFLINE, timeout=30)
        noticed = time.monotonic() - started
    finally:
        close(engine)
    assert noticed < 10.0, f"OFFLINE after {noticed:.1f} s"
