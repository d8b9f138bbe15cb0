"""The engine against the simulator over loopback: send, follow, download."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.engine import BatchSettings, Engine, EventKind, Grouping, ItemState, OverwritePolicy
from app.simulator import Simulator
from engine.enginetools import Recorder, by_state, make_jpegs, photos_of


def test_batch_is_created_followed_and_downloaded(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    paths = make_jpegs(tmp_path / "in", 5)
    out = tmp_path / "out"
    engine = make_engine(simulator.base_url)
    engine.subscribe(recorder)
    engine.start()
    batch = engine.create_batch(
        BatchSettings(title_pattern="{stem} #{n}", download_dir=str(out)), photos_of(paths)
    )
    assert engine.wait_idle(timeout=30)
    items = engine.items(batch)
    assert by_state(items) == {"succeeded": 5}
    assert simulator.created_count() == 5
    titles = sorted(w["title"] for w in simulator.workflows.values())
    assert titles == [f"photo{i:03d} #{i}" for i in range(1, 6)]
    for item in items:
        assert item.workflow_id in simulator.workflows
        assert item.results and item.files
        for file in item.files:
            assert Path(file).is_file() and Path(file).stat().st_size > 0
            assert Path(file).name.startswith(Path(item.sources[0]).stem + "_vim_new_year_2026_1")
    # Every item went through the states in order, each one stored before the next.
    first = items[0].id
    states = recorder.states_of(first)
    assert states[0] == "queued"
    assert states.index("uploading") < states.index("submitted") < states.index("succeeded")


def test_problem_photos_fail_alone_and_duplicates_are_left_out(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
    recorder: Recorder,
) -> None:
    paths = make_jpegs(tmp_path / "in", 2)
    copy = tmp_path / "in" / "copy.jpg"
    copy.write_bytes(paths[0].read_bytes())
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"not a picture at all")
    engine = make_engine(simulator.base_url)
    engine.subscribe(recorder)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of([*paths, copy, broken]))
    assert engine.wait_idle(timeout=30)
    items = {Path(i.sources[0]).name: i for i in engine.items(batch)}
    assert "copy.jpg" not in items
    assert items["broken.jpg"].state is ItemState.FAILED
    assert items["broken.jpg"].error
    assert items["photo001.jpg"].state is ItemState.SUCCEEDED
    assert simulator.created_count() == 2
    notices = [e.message or "" for e in recorder.of(EventKind.NOTICE)]
    assert any("copies" in m for m in notices)


def test_per_folder_mode_sends_one_workflow_per_folder(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    make_jpegs(tmp_path / "in" / "alice", 3, prefix="a")
    make_jpegs(tmp_path / "in" / "bob", 2, prefix="b", offset=100)
    paths = sorted((tmp_path / "in").rglob("*.jpg"))
    engine = make_engine(simulator.base_url)
    engine.start()
    batch = engine.create_batch(
        BatchSettings(grouping=Grouping.PER_FOLDER, title_pattern="{folder}"), photos_of(paths)
    )
    assert engine.wait_idle(timeout=30)
    items = engine.items(batch)
    assert sorted(len(i.sources) for i in items) == [2, 3]
    assert by_state(items) == {"succeeded": 2}
    creates = [r for r in simulator.requests if r.method == "POST" and r.path == "/workflow"]
    assert sorted(len(r.files) for r in creates) == [2, 3]
    assert sorted(w["title"] for w in simulator.workflows.values()) == ["alice", "bob"]


def test_finished_workflows_are_not_polled_again(
    sim_factory: object,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    sim: Simulator = sim_factory(processing_time=0.15)  # type: ignore[operator]
    paths = make_jpegs(tmp_path / "in", 3)
    engine = make_engine(sim.base_url)
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(paths))
    assert engine.wait_idle(timeout=30)
    ids = {i.workflow_id for i in engine.items(batch)}
    polls_at_end = len([r for r in sim.requests if r.method == "GET" and r.workflow_id in ids])
    assert polls_at_end >= 3
    import time

    time.sleep(0.4)  # several poll intervals (cap 0.1 s) pass: nothing more is asked
    polls_later = len([r for r in sim.requests if r.method == "GET" and r.workflow_id in ids])
    assert polls_later == polls_at_end


def test_download_policy_skip_keeps_existing_file(
    simulator: Simulator,
    tmp_path: Path,
    private_dirs: Path,
    make_engine: Callable[..., Engine],
) -> None:
    paths = make_jpegs(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "photo001_vim_new_year_2026_1.jpg"
    existing.write_bytes(b"mine")
    engine = make_engine(simulator.base_url)
    engine.start()
    batch = engine.create_batch(
        BatchSettings(download_dir=str(out), overwrite=OverwritePolicy.SKIP), photos_of(paths)
    )
    assert engine.wait_idle(timeout=30)
    (item,) = engine.items(batch)
    assert item.state is ItemState.SUCCEEDED
    assert existing.read_bytes() == b"mine"
    assert item.files == ()
