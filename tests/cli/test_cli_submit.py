"""`vimbatch submit` / `resume` in-process against the simulator: output, exit status, 402."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.simulator import Simulator
from cli.conftest import Run, photo_dir


def test_submit_wait_download_json(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    photos = photo_dir(tmp_path / "in", 4)
    out = tmp_path / "out"
    run = vimbatch(
        "--base-url", simulator.base_url, "--poll", "0.02",
        "submit", str(photos), "--wait", "--download", str(out), "--json",
        "--title", "Party {n}", "--option", "aspect_ratio=9:16", "--visibility", "private",
    )  # fmt: skip
    assert run.code == 0, run.err
    finals = run.finals()
    assert len(finals) == 4
    for final in finals:
        assert final["state"] == "succeeded"
        assert final["workflow_id"] in simulator.workflows
        assert final["results"] and final["files"]
        for file in final["files"]:  # type: ignore[union-attr]
            assert Path(file).is_file()
        assert Path(str(final["path"])).parent == photos
    # State changes came as JSON lines before the finals.
    assert {o["state"] for o in run.json_lines() if o["event"] == "item"} >= {
        "uploading", "submitted", "succeeded",
    }  # fmt: skip
    sent = list(simulator.workflows.values())
    assert sorted(w["title"] for w in sent) == [f"Party {n}" for n in range(1, 5)]
    assert all(w["options"]["aspect_ratio"] == "9:16" for w in sent)
    assert all(w["visibility_status"] == "0" for w in sent)


def test_submit_without_wait_returns_once_sent(
    vimbatch: Callable[..., Run],
    sim_factory: Callable[..., Simulator],
    api_key: str,
    tmp_path: Path,
) -> None:
    sim = sim_factory(processing_time=30)
    photos = photo_dir(tmp_path / "in", 3)
    run = vimbatch("--base-url", sim.base_url, "submit", str(photos), "--json")
    assert run.code == 0, run.err
    assert [f["state"] for f in run.finals()] == ["submitted"] * 3
    assert sim.created_count() == 3


def test_per_folder_json_path_is_a_list(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    photo_dir(tmp_path / "in" / "a", 2)
    photo_dir(tmp_path / "in" / "b", 2, offset=50)
    run = vimbatch(
        "--base-url", simulator.base_url, "--poll", "0.02",
        "submit", str(tmp_path / "in"), "--per-folder", "--wait", "--json",
    )  # fmt: skip
    assert run.code == 0, run.err
    finals = run.finals()
    assert len(finals) == 2 and all(isinstance(f["path"], list) for f in finals)
    assert simulator.created_count() == 2


def test_usage_errors_exit_2(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    photos = photo_dir(tmp_path / "in", 1)
    base = ("--base-url", simulator.base_url)
    assert vimbatch(*base, "submit", str(photos), "--title", "{nope}").code == 2
    assert vimbatch(*base, "submit", str(photos), "--option", "novalue").code == 2
    assert vimbatch(*base, "submit", str(photos), "--visibility", "secret").code == 2
    assert vimbatch(*base, "submit").code == 2
    assert vimbatch(*base, "frobnicate").code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    run = vimbatch(*base, "submit", str(empty))
    assert run.code == 2 and "No photos" in run.err
    assert simulator.created_count() == 0


def test_no_key_exits_3_and_refused_key_pauses_with_3(
    vimbatch: Callable[..., Run],
    sim_factory: Callable[..., Simulator],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = sim_factory(valid_keys=frozenset({"good"}))
    photos = photo_dir(tmp_path / "in", 2)
    run = vimbatch("--base-url", sim.base_url, "submit", str(photos))
    assert run.code == 3 and "vimbatch key set" in run.err
    monkeypatch.setenv("VIMMERSE_API_KEY", "bad")
    run = vimbatch("--base-url", sim.base_url, "--poll", "0.02", "submit", str(photos), "--json")
    assert run.code == 3
    assert [f["state"] for f in run.finals()] == ["paused", "paused"]
    assert sim.created_count() == 0


def test_out_of_credit_exits_4_then_resume_finishes(
    vimbatch: Callable[..., Run],
    sim_factory: Callable[..., Simulator],
    api_key: str,
    tmp_path: Path,
) -> None:
    sim = sim_factory(credit=3)
    photos = photo_dir(tmp_path / "in", 7)
    out = tmp_path / "out"
    base = ("--base-url", sim.base_url, "--poll", "0.02")
    run = vimbatch(*base, "submit", str(photos), "--wait", "--download", str(out), "--json",
                   "--concurrency", "2")  # fmt: skip
    assert run.code == 4, run.err
    states = sorted(str(f["state"]) for f in run.finals())
    assert states == ["paused"] * 4 + ["succeeded"] * 3
    assert sim.created_count() == 3
    # Still out of credit: resume stops again with 4, nothing more created.
    assert vimbatch(*base, "resume", "--wait").code == 4
    assert sim.created_count() == 3
    sim.add_credit(10)
    run = vimbatch(*base, "resume", "--wait", "--json")
    assert run.code == 0, run.err
    assert sorted(str(f["state"]) for f in run.finals()) == ["succeeded"] * 7
    assert sim.created_count() == 7
    assert len(list(out.iterdir())) == 7
    # Nothing left: resume says so and succeeds.
    again = vimbatch(*base, "resume")
    assert again.code == 0 and "Nothing to resume" in again.out + again.err


def test_failed_workflow_exits_1_with_plain_summary(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    photos = photo_dir(tmp_path / "in", 3)
    simulator.fail_next(1)
    run = vimbatch(
        "--base-url", simulator.base_url, "--poll", "0.02", "submit", str(photos), "--wait"
    )
    assert run.code == 1
    assert "3 items: " in run.out and "1 failed" in run.out
    assert "could not make a result" in run.out


def test_terminal_shows_a_live_progress_line_and_a_summary(tmp_path: Path) -> None:
    import io
    import time

    from app.cli.output import Printer
    from app.engine import EngineEvent, EventKind, ItemSnapshot, ItemState

    out = io.StringIO()
    printer = Printer(as_json=False, out=out, live=True)

    def item(i: int, state: ItemState) -> ItemSnapshot:
        now = time.time()
        return ItemSnapshot(i, 1, "photo", (f"/p/{i}.jpg",), str(i), state, "", 0, None,
                            "Broken." if state is ItemState.FAILED else None, (), (), now, now, None)  # fmt: skip

    for i in range(3):
        printer(EngineEvent(EventKind.ITEM, 1, item(i, ItemState.QUEUED)))
    printer(EngineEvent(EventKind.ITEM, 1, item(0, ItemState.SUCCEEDED)))
    printer(EngineEvent(EventKind.ITEM, 1, item(1, ItemState.FAILED)))
    assert "\r" in out.getvalue() and "1 done" in printer.progress_text()
    printer.finish(
        [item(0, ItemState.SUCCEEDED), item(1, ItemState.FAILED), item(2, ItemState.QUEUED)]
    )
    text = out.getvalue()
    assert "3 items: 1 done, 1 failed, 1 waiting." in text and "1.jpg: Broken." in text
