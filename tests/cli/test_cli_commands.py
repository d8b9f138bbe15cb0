"""status, update, delete, templates and key, in-process against the simulator."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.simulator import Simulator
from cli.conftest import Run, photo_dir


def _submit(vimbatch: Callable[..., Run], sim: Simulator, photos: Path) -> list[str]:
    run = vimbatch(
        "--base-url", sim.base_url, "--poll", "0.02", "submit", str(photos), "--wait", "--json"
    )
    assert run.code == 0, run.err
    return [str(f["workflow_id"]) for f in run.finals()]


def test_status_local_and_remote(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    empty = vimbatch("status")
    assert empty.code == 0 and "empty" in empty.out
    ids = _submit(vimbatch, simulator, photo_dir(tmp_path / "in", 2))
    local = vimbatch("status")
    assert local.code == 0 and "2 done" in local.out and ids[0] in local.out
    remote = vimbatch("--base-url", simulator.base_url, "status", *ids, "--json")
    assert remote.code == 0
    rows = remote.json_lines()
    assert [r["workflow_id"] for r in rows] == ids
    assert all(r["state"] == "success" and r["results"] for r in rows)
    missing = vimbatch("--base-url", simulator.base_url, "status", "no-such-workflow")
    assert missing.code == 1 and "no longer has" in missing.err


def test_update_changes_the_workflow_and_the_store(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    (wid,) = _submit(vimbatch, simulator, photo_dir(tmp_path / "in", 1))
    run = vimbatch(
        "--base-url", simulator.base_url, "update", wid,
        "--title", "Best shot", "--rating", "5", "--delivered", "--visibility", "public",
    )  # fmt: skip
    assert run.code == 0, run.err
    served = simulator.workflows[wid]
    assert served["title"] == "Best shot" and served["rating"] == "5"
    assert served["visibility_status"] == "2" and served["delivered_at"]
    (final,) = [json.loads(line) for line in vimbatch("status", "--json").out.splitlines()]
    assert final["title"] == "Best shot" and final["rating"] == "5" and final["delivered_at"]
    assert vimbatch("--base-url", simulator.base_url, "update", wid).code == 2


def test_delete_asks_first_and_says_files_go_too(
    vimbatch: Callable[..., Run],
    simulator: Simulator,
    api_key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = _submit(vimbatch, simulator, photo_dir(tmp_path / "in", 2))
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    refused = vimbatch("--base-url", simulator.base_url, "delete", ids[0])
    assert refused.code == 1 and "files on the server are deleted too" in refused.out
    assert ids[0] in simulator.workflows
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert vimbatch("--base-url", simulator.base_url, "delete", ids[0]).code == 0
    assert ids[0] not in simulator.workflows
    run = vimbatch("--base-url", simulator.base_url, "delete", ids[1], "--yes")
    assert run.code == 0 and ids[1] not in simulator.workflows
    assert "empty" in vimbatch("status").out  # the store forgot them too


def test_templates_lists_the_catalog(vimbatch: Callable[..., Run]) -> None:
    text = vimbatch("templates")
    assert (
        text.code == 0 and "vim_new_year_2026 (default)" in text.out and "aspect_ratio" in text.out
    )
    rows = vimbatch("templates", "--json").json_lines()
    ids = [r["id"] for r in rows]
    assert "vim_dancing_santa" in ids and len(ids) >= 8


def test_key_set_check_clear(
    vimbatch: Callable[..., Run],
    sim_factory: Callable[..., Simulator],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: object,
) -> None:
    sim = sim_factory(valid_keys=frozenset({"right-key"}))
    base = ("--base-url", sim.base_url)
    assert vimbatch(*base, "key", "check").code == 3
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong-key\n"))
    refused = vimbatch(*base, "key", "set")
    assert refused.code == 3 and "did not accept" in refused.err
    monkeypatch.setattr("sys.stdin", io.StringIO("right-key\n"))
    stored = vimbatch(*base, "key", "set")
    assert stored.code == 0, stored.err
    assert memory_keyring.secrets == {("vimbatch", "api-key"): "right-key"}  # type: ignore[attr-defined]
    assert "right-key" not in stored.out + stored.err
    assert vimbatch(*base, "key", "check").code == 0
    assert vimbatch(*base, "key", "clear").code == 0
    assert memory_keyring.secrets == {}  # type: ignore[attr-defined]
    assert vimbatch(*base, "key", "check").code == 3


def test_key_set_without_keyring_says_so_and_saves_nothing(
    vimbatch: Callable[..., Run], simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    from app.engine.keys import clear_key

    keyring.set_keyring(FailKeyring())
    monkeypatch.setattr("sys.stdin", io.StringIO("some-key\n"))
    try:
        run = vimbatch("--base-url", simulator.base_url, "key", "set")
    finally:
        clear_key()  # the session memory outlives this test otherwise
    assert run.code == 3
    assert "VIMMERSE_API_KEY" in run.err and "no password store" in run.err


def test_plain_base_url_is_refused_in_plain_words(
    vimbatch: Callable[..., Run], api_key: str
) -> None:
    run = vimbatch("--base-url", "http://example.com", "status", "abc")
    assert run.code == 2 and "https://" in run.err


def test_gui_and_self_test_fall_back_plainly_when_missing(
    vimbatch: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "app.selftest", None)  # as if not installed
    run = vimbatch("--self-test")
    assert run.code == 2 and "not available" in run.err


def test_update_resends_the_known_delivered_time(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    (wid,) = _submit(vimbatch, simulator, photo_dir(tmp_path / "in", 1))
    assert vimbatch("--base-url", simulator.base_url, "update", wid, "--delivered").code == 0
    (marked,) = [json.loads(line) for line in vimbatch("status", "--json").out.splitlines()]
    assert marked["delivered_at"]
    run = vimbatch("--base-url", simulator.base_url, "update", wid, "--rating", "3")
    assert run.code == 0, run.err
    last_put = [r for r in simulator.requests if r.method == "PUT"][-1]
    # Sent again, so that the server does not stamp the rating's time over the user's mark.
    assert last_put.json["delivered_at"] == marked["delivered_at"]
    (final,) = [json.loads(line) for line in vimbatch("status", "--json").out.splitlines()]
    assert final["delivered_at"] == marked["delivered_at"] and final["rating"] == "3"


def test_malformed_key_is_refused_plainly_and_never_printed_or_sent(
    vimbatch: Callable[..., Run], simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = "good-part\nrest"
    monkeypatch.setenv("VIMMERSE_API_KEY", bad)
    run = vimbatch("--base-url", simulator.base_url, "key", "check")
    assert run.code == 3
    assert "VIMMERSE_API_KEY" in run.err and "copy the key again" in run.err
    assert "good-part" not in run.out + run.err and "internet" not in run.err
    monkeypatch.delenv("VIMMERSE_API_KEY")
    monkeypatch.setattr("sys.stdin", io.StringIO("clé-123\n"))
    typed = vimbatch("--base-url", simulator.base_url, "key", "set")
    assert typed.code == 3 and "copy the key again" in typed.err and "clé" not in typed.err
    assert "codec" not in typed.err
    assert simulator.requests == []


def test_a_data_folder_that_cannot_be_made_is_told_plainly(
    vimbatch: Callable[..., Run], api_key: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = vimbatch("--data-dir", str(blocker / "data"), "status")
    assert run.code == 1
    assert "could not open its job list" in run.err and "Traceback" not in run.err
    assert "Error" not in run.err


def test_a_damaged_job_list_is_told_plainly(
    vimbatch: Callable[..., Run], api_key: str, tmp_path: Path
) -> None:
    (tmp_path / "jobs.sqlite3").write_bytes(b"this is not a database at all" * 100)
    run = vimbatch("--data-dir", str(tmp_path), "status")
    assert run.code == 1
    assert "job list (jobs.sqlite3) is damaged" in run.err and "DatabaseError" not in run.err


def test_an_unexpected_value_error_is_not_a_usage_error(
    vimbatch: Callable[..., Run], api_key: str, tmp_path: Path
) -> None:
    import sqlite3

    from app.engine import BatchSettings, JobStore
    from app.engine.store import NewItem

    with contextlib.closing(JobStore.open(tmp_path)) as store:
        store.add_batch(BatchSettings(), [NewItem("photo", ("/1",), "1")])
    with contextlib.closing(sqlite3.connect(tmp_path / "jobs.sqlite3")) as db, db:
        db.execute("UPDATE items SET sources = '{broken'")
    run = vimbatch("--data-dir", str(tmp_path), "status")
    assert run.code == 1
    assert "unexpected" in run.err and "JSONDecodeError" not in run.err


def test_update_is_stored_before_it_is_sent_and_kept_when_refused(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    from app.engine import JobStore

    (wid,) = _submit(vimbatch, simulator, photo_dir(tmp_path / "in", 1))
    simulator.script("PUT", "/workflow/", "422")
    run = vimbatch("--base-url", simulator.base_url, "update", wid, "--title", "Kept")
    assert run.code == 1
    with contextlib.closing(JobStore.open(private_data())) as store:
        stored = store.find_by_workflow(wid)
        assert stored is not None
        assert stored.pending_update == {"title": "Kept"}  # not lost: waits for the user
        assert stored.snapshot.update_error and stored.update_refused
    ok = vimbatch("--base-url", simulator.base_url, "update", wid, "--rating", "4")
    assert ok.code == 0, ok.err
    assert simulator.workflows[wid]["title"] == "Kept"  # the kept change went with it
    with contextlib.closing(JobStore.open(private_data())) as store:
        stored = store.find_by_workflow(wid)
        assert stored is not None and not stored.pending_update
        assert stored.snapshot.title == "Kept" and stored.snapshot.rating == "4"


def private_data() -> Path:
    import os

    return Path(os.environ["VIMBATCH_DATA_DIR"])
