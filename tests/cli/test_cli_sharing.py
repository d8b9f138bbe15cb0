"""The command line next to another vimbatch process, and --self-test-output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from app.engine import BatchSnapshot, JobStore
from app.engine.locks import LOCKS_DIR, BatchLocks
from app.simulator import Simulator
from cli.conftest import Run, photo_dir


def test_resume_leaves_a_batch_held_elsewhere_alone_and_says_so(
    vimbatch: Callable[..., Run],
    sim_factory: Callable[..., Simulator],
    api_key: str,
    tmp_path: Path,
    private_dirs: Path,
) -> None:
    sim = sim_factory(credit=0)
    photos = photo_dir(tmp_path / "in", 3)
    base = ("--base-url", sim.base_url, "--poll", "0.02")
    assert vimbatch(*base, "submit", str(photos)).code == 4  # out of credit: all left waiting
    (batch,) = [b.id for b in _batches(private_dirs)]
    sim.add_credit(10)
    other = BatchLocks(private_dirs / LOCKS_DIR)  # as another vimbatch window would hold it
    try:
        assert other.acquire(batch)
        run = vimbatch(*base, "resume", "--wait")
        assert run.code == 1
        assert f"Batch {batch} is being worked on by another vimbatch window or process" in run.out
        assert sim.created_count() == 0
    finally:
        other.release_all()
    run = vimbatch(*base, "resume", "--wait", "--json")
    assert run.code == 0, run.err
    assert [f["state"] for f in run.finals()] == ["succeeded"] * 3
    assert sim.created_count() == 3


def _batches(data: Path) -> list[BatchSnapshot]:
    store = JobStore.open(data)
    try:
        return store.batches()
    finally:
        store.close()


def test_self_test_output_writes_the_line_to_the_file(tmp_path: Path) -> None:
    # A bundle without its sample photos fails the self-test at once: quick and real.
    empty = tmp_path / "resources"
    empty.mkdir()
    output = tmp_path / "self-test.txt"
    script = (
        "import sys, pathlib, app.resources as r\n"
        f"r.resources_dir = lambda: pathlib.Path({str(empty)!r})\n"
        "from app.cli import main\n"
        f"sys.exit(main(['--self-test-output', {str(output)!r}]))\n"
    )
    env = dict(os.environ, PYTHONIOENCODING="utf-8", QT_QPA_PLATFORM="offscreen")
    env.pop("VIMBATCH_SELF_TEST_OUTPUT", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 1, result.stderr
    line = result.stdout.strip()
    assert line.startswith("vimbatch self-test: FAILED: the sample photos are missing"), line
    assert output.read_text(encoding="utf-8") == line + "\n"
