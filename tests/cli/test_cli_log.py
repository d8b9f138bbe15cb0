"""The log file: where it is, what goes in (tracebacks, batch lines), what never does (the key,
folder names), and -v/--verbose mirroring it on the terminal."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app.logs import close_logging, log_path, setup_logging
from app.simulator import Simulator
from cli.conftest import Run, photo_dir


def _data() -> Path:
    import os

    return Path(os.environ["VIMBATCH_DATA_DIR"])


def _broken_store(data: Path) -> None:
    from app.engine import BatchSettings, JobStore
    from app.engine.store import NewItem

    with contextlib.closing(JobStore.open(data)) as store:
        store.add_batch(BatchSettings(), [NewItem("photo", ("/1",), "1")])
    with contextlib.closing(sqlite3.connect(data / "jobs.sqlite3")) as db, db:
        db.execute("UPDATE items SET sources = '{broken'")


def test_an_unexpected_error_is_logged_with_its_traceback_and_the_message_names_the_log(
    vimbatch: Callable[..., Run], api_key: str
) -> None:
    _broken_store(_data())
    run = vimbatch("status")
    assert run.code == 1
    log = log_path(_data())
    assert log == _data() / "logs" / "vimbatch.log"
    assert "Something unexpected went wrong inside vimbatch" in run.err
    assert str(log) in run.err  # the user is told where to look
    assert "Traceback" not in run.err  # ...and not shown one
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "JSONDecodeError" in text
    assert "app/cli/__init__.py" in text  # the app's own frames keep their place
    assert api_key not in text


def test_a_batch_is_logged_line_by_line_and_never_the_key_or_a_folder(
    vimbatch: Callable[..., Run],
    simulator: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "sk-live-0123456789abcdef"
    monkeypatch.setenv("VIMMERSE_API_KEY", key)
    photos = photo_dir(tmp_path / "Private Clients" / "in", 2)
    simulator.script("GET", "/workflow/", "503")  # one retry worth a warning
    run = vimbatch("--base-url", simulator.base_url, "--poll", "0.02", "submit", str(photos),
                   "--wait")  # fmt: skip
    assert run.code == 0, run.err
    # The terminal stays quiet of network attempts without -v.
    assert "retry" not in run.err.lower() and "Creating a workflow" not in run.err
    logging.getLogger("app.test").warning("a library echoed the key %s back", key)
    logging.getLogger("app.test").warning("could not open %s", photos / "0.jpg")
    text = log_path(_data()).read_text(encoding="utf-8")
    assert "Batch 1 created: 2 item(s)" in text
    assert "Batch 1 finished: 2 succeeded" in text
    retries = [line for line in text.splitlines() if "503" in line and "retry" in line]
    assert retries and all(" WARNING " in line for line in retries)
    assert key not in text and "[hidden]" in text
    assert "Private Clients" not in text and str(tmp_path) not in text
    assert "could not open 0.jpg" in text


def test_verbose_mirrors_the_log_on_stderr(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    photos = photo_dir(tmp_path / "in", 1)
    run = vimbatch("--base-url", simulator.base_url, "submit", str(photos), "-v")
    assert run.code == 0, run.err
    assert "Creating a workflow" in run.err and "Batch 1 created" in run.err
    quiet = vimbatch("--base-url", simulator.base_url, "status")
    assert "Creating a workflow" not in quiet.err


def test_an_exception_in_a_thread_goes_to_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", seen.append)  # stands for pytest's / Qt's
    monkeypatch.setattr("sys.excepthook", lambda *args: None)
    path = setup_logging(tmp_path)
    try:

        def boom() -> None:
            raise RuntimeError("worker blew up")

        worker = threading.Thread(target=boom, name="worker-1")
        worker.start()
        worker.join()
        import sys

        try:
            raise ValueError("slot blew up")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        close_logging()
    text = path.read_text(encoding="utf-8")
    assert "Unexpected error in worker-1" in text and "RuntimeError: worker blew up" in text
    assert "ValueError: slot blew up" in text and "Traceback" in text
    assert len(seen) == 1  # the previous hook still ran


def test_a_failing_engine_task_is_logged_with_its_traceback(tmp_path: Path) -> None:
    from app.engine.executor import ThreadExecutor
    from app.engine.tasks import Tasks

    reports: list[str] = []
    executor = ThreadExecutor(max_workers=1)
    tasks = Tasks(executor, report=reports.append, on_last=lambda: None)
    path = setup_logging(tmp_path)
    try:

        def broken() -> None:
            raise KeyError("no such column")

        tasks.submit(broken)
        assert tasks.wait_for(lambda: tasks.active == 0, 30)
    finally:
        executor.shutdown()
        close_logging()
    text = path.read_text(encoding="utf-8")
    assert "Unexpected failure in a worker" in text and "Traceback" in text
    assert "KeyError: 'no such column'" in text and "in broken" in text
    assert reports  # the error report still goes out as before


def test_pauses_resumes_and_failures_are_logged(
    vimbatch: Callable[..., Run],
    sim_factory: Callable[..., Simulator],
    api_key: str,
    tmp_path: Path,
) -> None:
    sim = sim_factory(credit=1)
    sim.fail_next(1)
    base = ("--base-url", sim.base_url, "--poll", "0.02")
    photos = photo_dir(tmp_path / "in", 3)
    assert vimbatch(*base, "submit", str(photos), "--wait", "--concurrency", "1").code == 4
    sim.add_credit(10)
    assert vimbatch(*base, "resume", "--wait").code == 1  # the one that failed on Vimmerse
    lines = log_path(_data()).read_text(encoding="utf-8").splitlines()

    def one(words: str) -> str:
        found = [line for line in lines if words in line]
        assert found, f"no log line with {words!r}"
        return found[0]

    assert " WARNING " in one("Batch 1 paused")
    assert " INFO " in one("Batch 1 resumed")
    assert " WARNING " in one("failed: ")
    assert "Batch 1 finished: 1 failed, 2 succeeded" in "\n".join(lines)


def test_the_log_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.logs

    monkeypatch.setattr(app.logs, "MAX_BYTES", 4000)
    path = setup_logging(tmp_path)
    try:
        for n in range(500):
            logging.getLogger("app.test").info("line %d of a long day at the venue", n)
    finally:
        close_logging()
    kept = sorted(p.name for p in path.parent.iterdir())
    assert kept == ["vimbatch.log", "vimbatch.log.1", "vimbatch.log.2", "vimbatch.log.3"]
    assert all(p.stat().st_size <= 4000 for p in path.parent.iterdir())


def test_a_log_that_cannot_be_written_says_nothing_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging.handlers

    path = setup_logging(tmp_path)
    try:
        (handler,) = [
            h
            for h in logging.getLogger().handlers
            if isinstance(h, logging.handlers.RotatingFileHandler)
        ]
        assert handler.stream is not None
        handler.stream.close()
        handler.stream = path.open(encoding="utf-8")  # writes fail, as on a full disk
        logging.getLogger("app.test").warning("lost")
    finally:
        close_logging()
    assert "Logging error" not in capsys.readouterr().err


def test_a_short_refused_key_never_mangles_workflow_ids_in_the_log(tmp_path: Path) -> None:
    """The user typed "abc" (refused): it is registered for scrubbing as any key is, yet a
    workflow id starting with those letters stays readable; "abc" alone is still hidden."""
    from app.engine.session import make_client

    path = setup_logging(tmp_path)
    try:
        make_client("abc", "http://127.0.0.1:9").close()  # as the key dialog tries a key
        log = logging.getLogger("app.test")
        log.warning("Created workflow abc542d0-77e1-4c1b-9b7e-1f2d3c4b5a69")
        log.warning("The key abc was refused by a worker")
    finally:
        close_logging()
    text = path.read_text(encoding="utf-8")
    assert "Created workflow abc542d0-77e1-4c1b-9b7e-1f2d3c4b5a69" in text
    assert "The key [hidden] was refused by a worker" in text
