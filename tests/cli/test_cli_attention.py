"""Photos that need attention on the command line: `resume` lists them (exit 1), `status` shows
them with the id to pass, `resubmit` and `cancel` act on them."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from app.simulator import Simulator
from cli.conftest import Run, photo_dir


def _one_needing_attention(
    vimbatch: Callable[..., Run], sim: Simulator, tmp_path: Path, count: int = 2
) -> tuple[int, str, str]:
    """Submit `count` photos; the first create's answer is lost: that photo needs attention.
    Returns its id, its file name and the reason."""
    sim.script("POST", "/workflow", "drop_after")
    photos = photo_dir(tmp_path / "in", count)
    run = vimbatch("--base-url", sim.base_url, "--poll", "0.02", "submit", str(photos),
                   "--wait", "--json", "--concurrency", "1")  # fmt: skip
    assert run.code == 1, run.err
    flagged = [f for f in run.finals() if f["state"] == "needs_attention"]
    assert len(flagged) == 1 and sim.created_count() == count
    item_id = flagged[0]["id"]
    assert isinstance(item_id, int)
    return item_id, Path(str(flagged[0]["path"])).name, str(flagged[0]["error"])


def test_resume_lists_photos_needing_attention_and_exits_1(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    item_id, name, reason = _one_needing_attention(vimbatch, simulator, tmp_path)
    run = vimbatch("--base-url", simulator.base_url, "resume")
    assert run.code == 1, run.out + run.err
    assert "Nothing to resume" not in run.out
    assert name in run.out and reason in run.out
    assert f"vimbatch resubmit {item_id}" in run.out and f"vimbatch cancel {item_id}" in run.out
    assert simulator.created_count() == 2  # resume sends nothing again by itself


def test_status_shows_the_reason_and_the_id_to_pass(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    item_id, name, reason = _one_needing_attention(vimbatch, simulator, tmp_path)
    run = vimbatch("status")
    assert run.code == 0, run.err
    block = run.out[run.out.index("Need your attention") :]
    assert f"{item_id}: {name} — {reason}" in block


def test_resubmit_needs_yes_without_a_terminal(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    item_id, _, _ = _one_needing_attention(vimbatch, simulator, tmp_path)
    run = vimbatch("--base-url", simulator.base_url, "resubmit", str(item_id))
    assert run.code == 2
    assert "--yes" in run.err and "second credit" in run.err
    assert "Traceback" not in run.err
    assert simulator.created_count() == 2  # nothing sent


def test_resubmit_asks_warns_of_a_second_credit_and_sends_again(
    vimbatch: Callable[..., Run],
    simulator: Simulator,
    api_key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item_id, _, _ = _one_needing_attention(vimbatch, simulator, tmp_path)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    refused = vimbatch("--base-url", simulator.base_url, "resubmit", str(item_id))
    assert refused.code == 1 and "second credit" in refused.out
    assert simulator.created_count() == 2
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    run = vimbatch("--base-url", simulator.base_url, "--poll", "0.02", "resubmit", str(item_id))
    assert run.code == 0, run.out + run.err
    assert simulator.created_count() == 3
    status = vimbatch("status", "--json")
    states = {o["id"]: o["state"] for o in status.json_lines()}
    assert states[item_id] in ("submitted", "running", "succeeded")
    assert "Need your attention" not in vimbatch("status").out


def test_resubmit_all_needing_attention_with_yes(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    _one_needing_attention(vimbatch, simulator, tmp_path)
    run = vimbatch("--base-url", simulator.base_url, "--poll", "0.02",
                   "resubmit", "--all-needing-attention", "--yes")  # fmt: skip
    assert run.code == 0, run.out + run.err
    assert "second credit" in run.out
    assert simulator.created_count() == 3
    again = vimbatch("--base-url", simulator.base_url, "resubmit", "--all-needing-attention")
    assert again.code == 0 and "Nothing needs your attention" in again.out


def test_cancel_by_item_or_workflow_id(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    item_id, name, _ = _one_needing_attention(vimbatch, simulator, tmp_path, count=2)
    run = vimbatch("--base-url", simulator.base_url, "cancel", str(item_id), "--yes")
    assert run.code == 0, run.out + run.err
    assert name in run.out
    finals = {o["id"]: o for o in vimbatch("status", "--json").json_lines()}
    assert finals[item_id]["state"] == "cancelled"
    resumed = vimbatch("--base-url", simulator.base_url, "resume")
    assert resumed.code == 0, resumed.out + resumed.err  # nothing needs attention any more
    done = next(o for o in finals.values() if o["state"] == "succeeded")
    by_workflow = vimbatch("--base-url", simulator.base_url, "cancel", str(done["workflow_id"]),
                           "--yes")  # fmt: skip
    assert by_workflow.code == 1  # a finished photo cannot be cancelled: said plainly
    assert "finished" in by_workflow.out + by_workflow.err
    assert simulator.created_count() == 2


def test_selectors_are_checked_before_anything_is_done(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    item_id, _, _ = _one_needing_attention(vimbatch, simulator, tmp_path)
    for argv in (
        ("resubmit",),
        ("cancel", "--yes"),
        ("resubmit", str(item_id), "9999", "--yes"),
        ("cancel", "no-such-workflow", "--yes"),
        ("resubmit", str(item_id), "--all-needing-attention", "--yes"),
    ):
        run = vimbatch("--base-url", simulator.base_url, *argv)
        assert run.code == 2, (argv, run.err)
        assert "Traceback" not in run.err
    assert simulator.created_count() == 2


def test_when_unsure_send_again_sends_without_asking(
    vimbatch: Callable[..., Run], simulator: Simulator, api_key: str, tmp_path: Path
) -> None:
    simulator.script("POST", "/workflow", "drop_after")
    photos = photo_dir(tmp_path / "in", 2)
    run = vimbatch("--base-url", simulator.base_url, "--poll", "0.02", "submit", str(photos),
                   "--wait", "--json", "--concurrency", "1", "--when-unsure", "send-again")  # fmt: skip
    assert run.code == 0, run.err
    assert [f["state"] for f in run.finals()] == ["succeeded"] * 2
    assert simulator.created_count() == 3  # the lost answer's workflow, and the one sent again
    from app.engine import JobStore, WhenUnsure

    with contextlib.closing(JobStore.open(_data())) as store:
        assert store.batches()[0].settings.when_unsure is WhenUnsure.SEND_AGAIN
    assert vimbatch("submit", "x.jpg", "--when-unsure", "maybe").code == 2


def _data() -> Path:
    import os

    return Path(os.environ["VIMBATCH_DATA_DIR"])
