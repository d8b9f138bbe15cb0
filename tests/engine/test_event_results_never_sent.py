"""Event mode fixes (real folder, real store, the simulator): it never sends its own results (the
current results folder, an earlier one of the same event, any `vimbatch-results` folder, files
the engine saved); one runner per event; keep-awake says honestly when the platform refuses."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from app.engine import BatchSettings, Engine
from app.engine.event_profiles import EventBook
from app.engine.event_runner import EventAlreadyRunningError, EventRunner
from app.engine.folder_scan import FolderScan
from app.engine.keep_awake import KeepAwake
from app.simulator import Simulator
from engine.enginetools import make_jpegs, photos_of, sha256_of
from engine.test_event_mode import creates_by_hash, engine, saved_event, wait_until

__all__ = ["engine"]  # the fixture, imported for pytest


def _images(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".jpg"]


def _quiet_scans(runner: EventRunner, engine: Engine, n: int = 3) -> None:
    """Let the runner scan until no file waits to settle any more, after everything finished
    (a condition, no sleep): a file it would take has been taken by then."""
    assert engine.wait_idle(30)
    target = runner.scans + n
    runner.poke()
    wait_until(lambda: runner.scans >= target and runner.status().arriving == 0)
    target = runner.scans + 1
    wait_until(lambda: runner.scans >= target)
    assert engine.wait_idle(30)


def test_results_of_an_earlier_results_folder_are_never_sent(
    engine: Engine, simulator: Simulator, tmp_path: Path
) -> None:
    folder = tmp_path / "booth"
    folder.mkdir()
    profile = saved_event(engine, folder)
    runner = EventRunner(engine, profile, interval=0.2)
    runner.start()
    try:
        shot = make_jpegs(folder, 1, prefix="guest")
        wait_until(lambda: runner.counts().done == 1)
        wait_until(lambda: len(_images(folder / "vimbatch-results")) >= 1)
        _quiet_scans(runner, engine)
    finally:
        runner.stop()
    assert list(creates_by_hash(simulator)) == [sha256_of(shot[0])]

    # The results folder is changed to another folder inside the watched one.
    profile = EventBook(engine.store).save(
        replace(runner.profile, output_dir=str(folder / "prints"))
    )
    runner = EventRunner(engine, profile, interval=0.2)
    runner.start()
    try:
        second = make_jpegs(folder, 1, prefix="late", offset=40)
        wait_until(lambda: runner.counts().done == 2)
        wait_until(lambda: len(_images(folder / "prints")) >= 1)
        _quiet_scans(runner, engine)
    finally:
        runner.stop()
    # Changed once more: neither earlier results folder is taken for photos.
    profile = EventBook(engine.store).save(
        replace(runner.profile, output_dir=str(tmp_path / "outside"))
    )
    runner = EventRunner(engine, profile, interval=0.2)
    runner.start()
    try:
        _quiet_scans(runner, engine)
        assert runner.counts().seen == 2
    finally:
        runner.stop()
    created = creates_by_hash(simulator)
    assert set(created) == {sha256_of(shot[0]), sha256_of(second[0])}, created
    assert all(n == 1 for n in created.values())


def test_any_vimbatch_results_folder_is_passed_over(tmp_path: Path) -> None:
    make_jpegs(tmp_path / "Vimbatch-Results", 1)
    make_jpegs(tmp_path / "sub" / "vimbatch-results", 1)
    make_jpegs(tmp_path / "sub", 1, prefix="real")
    now = [0.0]
    scan = FolderScan(tmp_path, settle=1.0, handled=lambda p: None, clock=lambda: now[0])
    scan.scan()
    now[0] = 2.0
    assert [f.path.name for f in scan.scan().ready] == [
        p.name for p in _images(tmp_path / "sub") if p.parent.name == "sub"
    ]


def test_results_the_engine_saved_inside_the_watched_folder_are_never_sent(
    engine: Engine, simulator: Simulator, tmp_path: Path
) -> None:
    folder = tmp_path / "booth"
    folder.mkdir()
    runner = EventRunner(engine, saved_event(engine, folder), interval=0.2)
    runner.start()
    try:
        wait_until(lambda: runner.profile.started_at is not None)
        # An ordinary batch whose results are saved into a folder the event watches.
        photos = make_jpegs(tmp_path / "elsewhere", 1)
        engine.create_batch(
            BatchSettings(template_id="vim_new_year_2026", download_dir=str(folder / "mine")),
            photos_of(photos),
        )
        wait_until(lambda: len(_images(folder / "mine")) >= 1)
        _quiet_scans(runner, engine)
        assert runner.counts().seen == 0
    finally:
        runner.stop()
    assert list(creates_by_hash(simulator)) == [sha256_of(photos[0])]


def test_a_second_runner_of_the_same_event_is_refused_until_the_first_stops(
    engine: Engine, tmp_path: Path
) -> None:
    profile = saved_event(engine, tmp_path / "booth")
    first = EventRunner(engine, profile, interval=0.2)
    first.start()
    second = EventRunner(engine, profile, interval=0.2)
    try:
        with pytest.raises(EventAlreadyRunningError, match="already running in another window"):
            second.start()
        assert not second.running
    finally:
        first.stop()
    second.start()  # the lock went with the first one's stop
    assert second.running
    second.stop()


def test_keep_awake_is_honest_when_the_platform_refuses(caplog: pytest.LogCaptureFixture) -> None:
    entered: list[str] = []

    class Refused:
        """What wakepy's keep.running(on_fail="pass") gives where no method works."""

        active = False
        result = "no method worked"

        def __enter__(self) -> Refused:
            entered.append("in")
            return self

        def __exit__(self, *exc: object) -> None:
            entered.append("out")

    keep = KeepAwake(make_mode=Refused)
    with caplog.at_level(logging.INFO, logger="app.engine.keep_awake"):
        keep.set(True)
        keep.set(True)  # not asked again (nor logged again) while the work goes on
    assert not keep.held
    assert entered == ["in", "out"]
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "could not keep the computer awake" in caplog.records[0].getMessage()
    keep.set(False)
    keep.set(True)  # work starts anew: asked again
    assert entered == ["in", "out", "in", "out"] and not keep.held
