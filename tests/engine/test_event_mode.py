"""Event mode on a real folder, a real store and the simulator: every photo that lands is made
exactly once, none early, none missed; the "already made" ledger across batches and processes."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.engine import BatchSettings, Engine, ItemState
from app.engine.event_files import Outcome
from app.engine.event_profiles import EventBook, EventProfile, slug
from app.engine.event_runner import RAW_TWIN_NOTE, EventRunner, PhotoNote
from app.engine.folder_scan import FolderScan, ignored_name
from app.engine.keep_awake import AwakeWhileBusy, KeepAwake
from app.engine.made_ledger import already_made
from app.images.problems import RAW_MESSAGE
from app.simulator import Simulator
from engine.enginetools import close, make_jpegs, new_engine, photos_of, sha256_of


def creates_by_hash(sim: Simulator) -> Counter[str]:
    created: Counter[str] = Counter()
    for request in sim.requests:
        if request.method == "POST" and request.path == "/workflow" and request.status == 200:
            for part in request.files:
                created[part.sha256] += 1
    return created


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.02)


@pytest.fixture
def engine(simulator: Simulator, private_dirs: Path) -> Iterator[Engine]:
    eng = new_engine(private_dirs / "data", simulator.base_url)
    eng.start()
    yield eng
    close(eng)


def saved_event(engine: Engine, folder: Path, **kw: object) -> EventProfile:
    values: dict[str, object] = {"name": "New Year 2026", "folder": str(folder), "settle": 0.5}
    values.update(kw)
    return EventBook(engine.store).save(EventProfile(**values))  # type: ignore[arg-type]


class Run:
    """A started runner with its notes; stopped at the end of the test."""

    def __init__(self, engine: Engine, profile: EventProfile, **kw: object) -> None:
        self.notes: list[PhotoNote] = []
        self.lock = threading.Lock()
        self.runner = EventRunner(
            engine,
            profile,
            interval=kw.pop("interval", 0.3),  # type: ignore[arg-type]
            on_file=self._note,
            **kw,  # type: ignore[arg-type]
        )

    def _note(self, note: PhotoNote) -> None:
        with self.lock:
            self.notes.append(note)


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.runner.stop()


def start(runs: list[Run], engine: Engine, profile: EventProfile, **kw: object) -> Run:
    run = Run(engine, profile, **kw)
    run.runner.start()
    runs.append(run)
    return run


def write_slowly(source: bytes, target: Path, *, chunks: int, pause: float) -> None:
    step = max(1, len(source) // chunks)
    with target.open("wb") as out:
        for start_at in range(0, len(source), step):
            out.write(source[start_at : start_at + step])
            out.flush()
            time.sleep(pause)


# -- profiles ------------------------------------------------------------------------------


def test_profiles_are_saved_listed_and_duplicated_for_the_next_event(
    engine: Engine, tmp_path: Path
) -> None:
    book = EventBook(engine.store)
    first = book.save(EventProfile(name="New Year 2026!", folder=str(tmp_path / "in")))
    assert first.id is not None and first.api_event_id == slug("New Year 2026!") == "new_year_2026"
    assert first.results_folder() == tmp_path / "in" / "vimbatch-results"
    copy = book.duplicate(first.id)
    assert copy.name == "New Year 2026! (copy)" and copy.id != first.id
    assert copy.started_at is None and copy.folder == first.folder
    assert [p.name for p in book.all()] == ["New Year 2026!", "New Year 2026! (copy)"]
    with pytest.raises(ValueError, match="already an event called"):
        book.save(EventProfile(name="New Year 2026!", folder=str(tmp_path)))
    with pytest.raises(ValueError, match="results folder"):
        book.save(EventProfile(name="x", folder=str(tmp_path), output_dir=str(tmp_path)))
    # A results folder inside another event's watched folder would feed it results as photos.
    with pytest.raises(ValueError, match="watches"):
        book.save(
            EventProfile(name="y", folder=str(tmp_path / "b"), output_dir=str(tmp_path / "in/x"))
        )


def test_ignored_names() -> None:
    for name in (".hidden.jpg", "a.jpg.tmp", "b.part", "~$c.jpg", "d.jpg.crdownload", "Thumbs.db"):
        assert ignored_name(name), name
    assert not ignored_name("IMG_0001.JPG")


def test_a_growing_file_is_never_ready_before_it_settles(tmp_path: Path) -> None:
    now = [0.0]
    (tmp_path / "a.jpg").write_bytes(b"x" * 10)
    scan = FolderScan(tmp_path, settle=2.0, handled=lambda p: None, clock=lambda: now[0])
    assert scan.scan().ready == []
    now[0] = 1.5
    with (tmp_path / "a.jpg").open("ab") as out:
        out.write(b"y")
    assert scan.scan().ready == []
    now[0] = 3.0  # only 1.5 s since the last change
    assert scan.scan().ready == []
    now[0] = 3.6
    assert [f.path.name for f in scan.scan().ready] == ["a.jpg"]


# -- watching --------------------------------------------------------------------------------


def test_photos_landing_are_made_once_slow_writes_renames_pairs_copies_hidden(
    engine: Engine, simulator: Simulator, tmp_path: Path, runs: list[Run]
) -> None:
    folder = tmp_path / "booth"
    old = make_jpegs(folder, 2, prefix="before")  # there when the event starts: skipped
    profile = saved_event(engine, folder)
    run = start(runs, engine, profile)
    wait_until(lambda: run.runner.profile.started_at is not None)

    sources = make_jpegs(tmp_path / "camera", 6, prefix="shot", size=200, offset=50)
    # 1: written slowly in chunks (longer than the settle window in total)
    slow = folder / "slow.jpg"
    writer = threading.Thread(
        target=write_slowly,
        args=(sources[0].read_bytes(), slow),
        kwargs={"chunks": 6, "pause": 0.2},
    )
    writer.start()
    # 2: written under a temporary name, then renamed
    temp = folder / "renamed.jpg.part"
    temp.write_bytes(sources[1].read_bytes())
    # 3: a RAW + JPEG pair, and a RAW alone
    (folder / "IMG_7.CR2").write_bytes(b"raw data" * 100)
    (folder / "IMG_7.JPG").write_bytes(sources[2].read_bytes())
    (folder / "IMG_8.NEF").write_bytes(b"raw data" * 50)
    # 4: hidden and system files
    (folder / ".hidden.jpg").write_bytes(sources[3].read_bytes())
    (folder / "Thumbs.db").write_bytes(b"x")
    writer.join()
    temp.rename(folder / "renamed.jpg")
    # 5: a copy of an earlier photo under another name, in a sub-folder, later
    wait_until(lambda: run.runner.counts().done >= 3)
    (folder / "sub").mkdir()
    (folder / "sub" / "copy-of-slow.jpg").write_bytes(sources[0].read_bytes())

    wait_until(lambda: any(n.path.endswith("copy-of-slow.jpg") for n in run.notes))
    wait_until(lambda: any(n.outcome is Outcome.RAW for n in run.notes))
    assert engine.wait_idle(30)

    created = creates_by_hash(simulator)
    wanted = {sha256_of(sources[0]), sha256_of(sources[1]), sha256_of(sources[2])}
    assert set(created) == wanted and all(n == 1 for n in created.values()), created
    assert sha256_of(old[0]) not in created
    notes = {Path(n.path).name: n for n in run.notes}
    assert notes["IMG_7.CR2"].note == RAW_TWIN_NOTE
    assert notes["IMG_8.NEF"].note == RAW_MESSAGE
    assert notes["copy-of-slow.jpg"].outcome is Outcome.MADE
    assert ".hidden.jpg" not in notes
    # Results saved into the results folder, complete, nothing partial left behind.
    results = folder / "vimbatch-results"
    wait_until(lambda: run.runner.counts().done == 3)
    saved = sorted(p.name for p in results.iterdir())
    assert len(saved) == 3 and not any(".part" in name for name in saved), saved
    counts = run.runner.counts()
    assert (counts.done, counts.failed, counts.sending, counts.being_made) == (3, 0, 0, 0)
    summary = run.runner.stop()
    assert summary.made == 3 and summary.skipped_already_made == 1 and not summary.failed
    # Originals untouched.
    assert slow.read_bytes() == sources[0].read_bytes() and (folder / "IMG_7.CR2").exists()
    batches = engine.store.batches()
    assert batches and all(b.settings.event_name == "New Year 2026" for b in batches)
    assert all(b.settings.event_id == "new_year_2026" for b in batches)


def test_existing_send_and_a_folder_that_disappears_and_comes_back(
    engine: Engine, simulator: Simulator, tmp_path: Path, runs: list[Run]
) -> None:
    folder = tmp_path / "card"
    make_jpegs(folder, 2, prefix="a")
    profile = saved_event(engine, folder, existing="send")
    run = start(runs, engine, profile)
    wait_until(lambda: run.runner.counts().sending + run.runner.counts().done == 2)
    wait_until(lambda: run.runner.counts().done == 2)

    # The card is pulled: the event says so, and picks up by itself when it is back.
    moved = tmp_path / "elsewhere"
    folder.rename(moved)
    wait_until(lambda: not run.runner.status().reachable)
    assert "can't be reached" in (run.runner.status().folder_message or "")
    make_jpegs(moved, 2, prefix="b", offset=30)
    moved.rename(folder)
    wait_until(lambda: run.runner.status().reachable)
    wait_until(lambda: run.runner.counts().done == 4)
    # Removed and recreated with fresh copies of everything: nothing is made twice.
    contents = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert len(contents) == 4
    folder.rename(moved)
    wait_until(lambda: not run.runner.status().reachable)
    shutil.rmtree(moved)
    folder.mkdir()
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    third = make_jpegs(folder, 1, prefix="c", offset=60)
    wait_until(lambda: run.runner.counts().done == 5)
    assert run.runner.counts().skipped == 4
    assert engine.wait_idle(30)
    created = creates_by_hash(simulator)
    assert all(n == 1 for n in created.values()) and len(created) == 5
    assert sha256_of(third[0]) in created


def test_ledger_skips_photos_already_made_and_again_makes_them(
    engine: Engine, simulator: Simulator, tmp_path: Path
) -> None:
    paths = make_jpegs(tmp_path / "p", 3)
    settings = BatchSettings(template_id="vim_new_year_2026")
    engine.create_batch(settings, photos_of(paths))
    assert engine.wait_idle(30)
    made = already_made(engine.store, photos_of(paths), settings)
    assert set(made) == set(paths)
    assert "New Year 2026" in next(iter(made.values())).words
    # Other options or another event: not the same thing.
    other = BatchSettings(template_id="vim_new_year_2026", options={"aspect_ratio": "9:16"})
    assert already_made(engine.store, photos_of(paths), other) == {}

    second = engine.create_batch(settings, photos_of(paths))
    items = engine.items(second)
    assert {i.state for i in items} == {ItemState.CANCELLED}
    assert all((i.error or "").startswith("Already made with New Year 2026 (") for i in items)
    third = engine.create_batch(settings, photos_of(paths), again=True)
    assert engine.wait_idle(30)
    assert {i.state for i in engine.items(third)} == {ItemState.SUCCEEDED}
    assert all(n == 2 for n in creates_by_hash(simulator).values())


def test_a_failed_workflow_does_not_count_as_made(
    engine: Engine, simulator: Simulator, tmp_path: Path
) -> None:
    paths = make_jpegs(tmp_path / "p", 1)
    simulator.fail_next(1)
    settings = BatchSettings()
    first = engine.create_batch(settings, photos_of(paths))
    assert engine.wait_idle(30)
    assert engine.items(first)[0].state is ItemState.FAILED
    assert already_made(engine.store, photos_of(paths), settings) == {}


def test_keep_awake_is_held_only_while_busy() -> None:
    entered: list[str] = []

    class Mode:
        def __enter__(self) -> object:
            entered.append("in")
            return self

        def __exit__(self, *exc: object) -> None:
            entered.append("out")

    keep = KeepAwake(make_mode=Mode)
    busy = [True]
    guard = AwakeWhileBusy(lambda: busy[0], keep=keep, interval=0.01)
    guard.start()
    wait_until(lambda: keep.held)
    busy[0] = False
    wait_until(lambda: not keep.held)
    guard.stop()
    assert entered == ["in", "out"]


def test_quick_scans_reuse_quiet_folders_and_still_see_new_files(tmp_path: Path) -> None:
    known: dict[str, tuple[int, int]] = {}
    now = [0.0]
    old = make_jpegs(tmp_path / "100CANON", 3)
    scan = FolderScan(tmp_path, settle=1.0, handled=known.get, clock=lambda: now[0])
    for path in old:
        info = path.stat()
        known[str(path)] = (info.st_size, info.st_mtime_ns)
    past = time.time() - 3600
    os.utime(tmp_path / "100CANON", (past, past))
    assert scan.scan(full=True).ready == []
    assert scan.scan(full=False).ready == []  # quiet: its listing is reused
    # A new file changes the folder's time: a quick scan lists it again and finds it.
    (tmp_path / "100CANON" / "new.jpg").write_bytes(old[0].read_bytes())
    scan.scan(full=False)
    now[0] = 2.0
    assert [f.path.name for f in scan.scan(full=False).ready] == ["new.jpg"]


def test_results_marked_delivered_once_saved(
    engine: Engine, tmp_path: Path, runs: list[Run]
) -> None:
    folder = tmp_path / "booth"
    folder.mkdir()
    profile = saved_event(engine, folder, mark_delivered=True, existing="send")
    run = start(runs, engine, profile)
    make_jpegs(folder, 2)
    wait_until(lambda: run.runner.counts().done == 2)
    wait_until(lambda: all(i.delivered_at for i in engine.items()) and engine.wait_idle(0))
    latest = run.runner.status().latest
    assert latest is not None and latest.files


def test_a_photo_stored_just_before_a_crash_is_recognised_as_sent(
    engine: Engine, simulator: Simulator, tmp_path: Path, runs: list[Run]
) -> None:
    """kill -9 between the batch's commit and the file's record: the restart finds the item
    through the ledger and records it as sent, instead of skipping or resending it."""
    folder = tmp_path / "booth"
    paths = make_jpegs(folder, 2)
    profile = saved_event(engine, folder, existing="send")
    # What the crashed run had done: the batch stored (ledger claimed), nothing recorded.
    batch = engine.create_batch(profile.batch_settings(), photos_of(paths[:1]))
    run = start(runs, engine, profile)
    wait_until(lambda: run.runner.counts().done == 2)
    assert engine.wait_idle(30)
    records = {Path(r.path).name: r for r in run.runner.records()}
    assert records[paths[0].name].outcome is Outcome.SENT
    assert records[paths[0].name].item_id == engine.items(batch)[0].id
    assert all(n == 1 for n in creates_by_hash(simulator).values())
    assert len(creates_by_hash(simulator)) == 2


def test_without_notifications_the_scan_alone_finds_photos(
    engine: Engine, simulator: Simulator, tmp_path: Path, runs: list[Run]
) -> None:
    """A network share where notifications never arrive: the periodic scan is the truth."""
    folder = tmp_path / "share"
    folder.mkdir()
    run = start(runs, engine, saved_event(engine, folder), notifications=False)
    wait_until(lambda: run.runner.profile.started_at is not None)
    paths = make_jpegs(folder, 3)
    wait_until(lambda: run.runner.counts().done == 3)
    assert set(creates_by_hash(simulator)) == {sha256_of(p) for p in paths}


def test_a_failing_scan_is_said_and_retried_never_silent(
    engine: Engine, simulator: Simulator, tmp_path: Path, runs: list[Run]
) -> None:
    folder = tmp_path / "booth"
    folder.mkdir()
    run = Run(engine, saved_event(engine, folder))
    runs.append(run)
    scan = run.runner._scan
    real = scan.scan
    failures = [OSError(28, "No space left on device")] * 3

    def flaky(*, full: bool = True):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return real(full=full)

    scan.scan = flaky  # type: ignore[method-assign]
    run.runner.start()
    wait_until(lambda: "No space left on device" in (run.runner.status().folder_message or ""))
    make_jpegs(folder, 1)
    wait_until(lambda: run.runner.counts().done == 1)
    assert run.runner.status().folder_message is None and run.runner.running
