"""status, update, delete, templates and key, in-process against the simulator."""

from __future__ import annotations

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
