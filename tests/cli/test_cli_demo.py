"""`vimbatch --demo`: the practice banner stays off standard output, and every piece of advice
names the demo's own commands (plain `vimbatch resume` would look at the real job list)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cli.conftest import Run, photo_dir


def test_the_practice_banner_goes_to_stderr(vimbatch: Callable[..., Run]) -> None:
    run = vimbatch("--demo", "status")
    assert run.code == 0, run.err
    assert "Practice mode" in run.err and "Practice mode" not in run.out
    assert run.out.splitlines()[0] == "The job list is empty."  # `status | head -1`


def test_demo_advice_names_the_demo_commands_and_status_points_to_the_demo_list(
    vimbatch: Callable[..., Run], tmp_path: Path
) -> None:
    photos = photo_dir(tmp_path / "in", 2)
    run = vimbatch("--demo", "submit", str(photos), "--wait", "--timeout", "0.5", "--json")
    assert run.code == 5, run.out + run.err
    for line in run.out.splitlines():  # --json: nothing but JSON on stdout
        json.loads(line)
    said = run.out + run.err
    assert "vimbatch --demo resume" in said
    assert "“vimbatch resume”" not in said

    real = vimbatch("status")  # the real job list (no key needed to look)
    assert real.code == 0, real.err
    assert "The job list is empty." in real.out
    assert "The demo's job list has 1 batch: vimbatch --demo status" in real.out

    demo = vimbatch("--demo", "status")
    assert "The demo's job list" not in demo.out
    assert "Batch 1" in demo.out
