"""`vimbatch watch` as processes (simulator, real files): a second watcher of the same event is
refused plainly (exit 1); `--json` shows only the event's photos, and after a restart no stale
"running"/"success" line before an item's "succeeded"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from engine.enginetools import make_jpegs

from app.simulator import Simulator
from cli.test_cli_watch import ROOT, Watcher, environment, processes, wait_until

__all__ = ["processes"]  # the fixture, imported for pytest


def _cli(sim: Simulator) -> list[str]:
    return [sys.executable, "-m", "app.cli", "--base-url", sim.base_url, "--poll", "0.03"]


def _item_lines(watcher: Watcher) -> list[dict[str, object]]:
    with watcher.lock:
        return [line for line in watcher.lines if line.get("event") == "item"]


def test_a_second_watcher_of_the_same_event_is_refused_plainly(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    processes: list[Watcher],
) -> None:
    sim = sim_factory(processing_time=0.2)
    folder = tmp_path / "booth"
    folder.mkdir()
    env = environment(private_dirs)
    args = (
        str(folder),
        "--template",
        "vim_new_year_2026",
        "--event",
        "Party",
        "--settle",
        "0.5",
        "--existing",
        "send",
    )
    first = Watcher(_cli(sim), env, *args)
    processes.append(first)
    photo = make_jpegs(folder, 1, prefix="guest")[0]
    wait_until(lambda: str(photo) in first.states("succeeded"))

    second = subprocess.run(
        [*_cli(sim), "watch", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert second.returncode == 1, second.stderr
    assert "already running in another window or process" in second.stderr
    assert second.stdout == ""  # no item lines of the other watcher's photos
    os.kill(first.process.pid, signal.SIGTERM)
    assert first.finish() == 130
    with first.lock:
        summary = [line for line in first.lines if line.get("event") == "summary"]
    assert summary and summary[0]["made"] == 1 and summary[0]["seen"] == 1


def test_watch_json_shows_only_the_event_s_photos_and_no_stale_state_after_a_restart(
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    private_dirs: Path,
    processes: list[Watcher],
) -> None:
    sim = sim_factory(processing_time=1.0)
    folder = tmp_path / "booth"
    folder.mkdir()
    env = environment(private_dirs)
    # An ordinary batch still running when the watcher starts: not the event's.
    other = make_jpegs(tmp_path / "other", 2, prefix="shop")
    submit = subprocess.run(
        [*_cli(sim), "submit", str(tmp_path / "other"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert submit.returncode == 0, submit.stderr
    args = (
        str(folder),
        "--template",
        "vim_new_year_2026",
        "--event",
        "Party",
        "--settle",
        "0.5",
        "--existing",
        "send",
    )
    first = Watcher(_cli(sim), env, *args)
    processes.append(first)
    photo = make_jpegs(folder, 1, prefix="guest", offset=30)[0]
    wait_until(lambda: str(photo) in first.states("running"))
    # Killed while its photo is being made; the workflow finishes while nothing watches.
    os.kill(first.process.pid, signal.SIGKILL)
    first.finish()
    wait_until(
        lambda: (
            any(w.get("processing_status") == "success" for w in sim.workflows.values())
            and all(w.get("processing_status") == "success" for w in sim.workflows.values())
        )
    )
    second = Watcher(_cli(sim), env, *args)
    processes.append(second)
    wait_until(lambda: str(photo) in second.states("succeeded"))
    os.kill(second.process.pid, signal.SIGTERM)
    assert second.finish() == 130
    for watcher in (first, second):
        paths = {str(line["path"]) for line in _item_lines(watcher)}
        assert paths == {str(photo)}, paths
        assert not {str(p) for p in other} & paths
    lines = _item_lines(second)
    assert lines and lines[0]["state"] == "succeeded", lines
    assert not [
        line for line in lines if line["state"] == "running" and line["status"] == "success"
    ]
