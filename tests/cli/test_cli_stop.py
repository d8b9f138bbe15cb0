"""Stopping `vimbatch` when Vimmerse does not answer: Ctrl-C / SIGTERM end it within seconds
(exit 130, state saved, no traceback, even pressed twice); --timeout stops waiting (exit 5);
a closed pipe on standard output ends quietly."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from app.simulator import Simulator
from cli.conftest import Run, photo_dir
from cli.test_cli_recovery import _env, _items, _start, _wait_for_line

ROOT = Path(__file__).resolve().parents[2]
STOP_LIMIT = 5.0  # seconds from the signal to the process's end (issue 11)


def _stop_time(proc: subprocess.Popen[str], *signals: signal.Signals) -> tuple[float, str]:
    started = time.monotonic()
    for number in signals:
        proc.send_signal(number)
        time.sleep(0.2)
    _out, err = proc.communicate(timeout=60)
    return time.monotonic() - started, err


def test_ctrl_c_during_a_create_that_never_answers_stops_within_5_s(
    sim_factory: Callable[..., Simulator], tmp_path: Path
) -> None:
    sim = sim_factory(processing_time=0.2)
    sim.script("POST", "/workflow", "slow:300")  # the first create hangs, body all sent
    data = tmp_path / "data"
    photos = photo_dir(tmp_path / "in", 3)
    proc = _start(sim, data, "submit", str(photos), "--wait", "--json", "--concurrency", "1")
    _wait_for_line(proc, '"state": "uploading"')
    time.sleep(0.5)  # the small photo is all sent: the create waits for an answer
    elapsed, err = _stop_time(proc, signal.SIGINT)
    assert proc.returncode == 130, err
    assert elapsed < STOP_LIMIT, f"took {elapsed:.1f} s to stop"
    assert "Traceback" not in err and "vimbatch resume" in err
    rows = _items(data)
    assert len(rows) == 3  # nothing lost: every photo has its item, saved
    assert Counter(r["state"] for r in rows)["queued"] >= 1  # the rest waits, resumable


def test_ctrl_c_then_sigterm_while_status_checks_hang_stops_quietly(
    sim_factory: Callable[..., Simulator], tmp_path: Path
) -> None:
    sim = sim_factory(processing_time=0.2)
    sim.script("GET", "/workflow/", *["slow:300"] * 10)
    data = tmp_path / "data"
    photos = photo_dir(tmp_path / "in", 2)
    proc = _start(sim, data, "submit", str(photos), "--wait", "--json", "--concurrency", "2")
    _wait_for_line(proc, '"state": "submitted"')
    time.sleep(0.3)  # a status check is on its way
    elapsed, err = _stop_time(proc, signal.SIGINT, signal.SIGTERM)
    assert proc.returncode == 130, err
    assert elapsed < STOP_LIMIT, f"took {elapsed:.1f} s to stop"
    assert "Traceback" not in err and "Exception ignored" not in err
    assert "vimbatch resume" in err
    rows = _items(data)
    assert len(rows) == 2 and all(r["workflow_id"] for r in rows)  # what was sent is recorded


def test_timeout_stops_waiting_exits_5_and_resume_carries_on(
    vimbatch: Callable[..., Run], sim_factory: Callable[..., Simulator], api_key: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    sim = sim_factory(processing_time=4)
    photos = photo_dir(tmp_path / "in", 2)
    started = time.monotonic()
    run = vimbatch("--base-url", sim.base_url, "--poll", "0.05",
                   "submit", str(photos), "--wait", "--timeout", "0.5")  # fmt: skip
    assert run.code == 5, run.out + run.err
    assert time.monotonic() - started < 4  # did not wait for the workflows
    assert "still running on Vimmerse" in run.out and "vimbatch resume" in run.out
    status = vimbatch("status", "--json")
    assert {o["state"] for o in status.json_lines()} <= {"submitted", "running"}
    done = vimbatch("--base-url", sim.base_url, "--poll", "0.05", "resume", "--wait",
                    "--timeout", "60")  # fmt: skip
    assert done.code == 0, done.out + done.err
    assert sim.created_count() == 2


def test_timeout_is_checked_by_the_parser(vimbatch: Callable[..., Run]) -> None:
    for bad in ("0", "-3", "soon"):
        assert vimbatch("resume", "--wait", "--timeout", bad).code == 2


def _store_with_items(data: Path, count: int) -> None:
    from app.engine import BatchSettings, JobStore
    from app.engine.store import NewItem

    with contextlib.closing(JobStore.open(data)) as store:
        items = [NewItem("photo", (f"/photos/{n}.jpg",), str(n)) for n in range(count)]
        store.add_batch(BatchSettings(), items)


def _closed_pipe_run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before anything is written (`| head -0`)
    try:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=_env(data),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    finally:
        os.close(write_end)


def test_status_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _store_with_items(data, 50)
    for args in (("status",), ("--help",), ("templates",)):
        done = _closed_pipe_run(data, *args)
        assert done.returncode in (0, 141), (args, done.stderr)
        assert done.stderr == "", args


def test_status_head_1_in_a_shell(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _store_with_items(data, 3000)  # more than a pipe holds
    done = subprocess.run(
        f"set -o pipefail; {sys.executable} -m app.cli status | head -1",
        shell=True,
        executable="/bin/bash",
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.stdout.startswith("Batch 1")
    assert done.returncode in (0, 141), done.stderr
    assert "Broken pipe" not in done.stderr and done.stderr == ""


def test_a_batch_goes_on_when_its_output_pipe_closes(
    sim_factory: Callable[..., Simulator], tmp_path: Path
) -> None:
    sim = sim_factory(processing_time=0.1)
    data = tmp_path / "data"
    photos = photo_dir(tmp_path / "in", 3)
    done = _closed_pipe_run(data, "--base-url", sim.base_url, "--poll", "0.03",
                            "submit", str(photos), "--wait", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
    with contextlib.closing(sqlite3.connect(data / "jobs.sqlite3")) as db:
        states = [row[0] for row in db.execute("SELECT state FROM items")]
    assert states == ["succeeded"] * 3 and sim.created_count() == 3
