"""`vimbatch --self-test` from source: the real window, engine and simulator, in a subprocess
(as CI runs the frozen app), with one line of output and an exit code that tells the truth."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

OK_LINE = re.compile(r"vimbatch self-test: ok \(create → success → download in \d+\.\d s\)")


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONIOENCODING="utf-8",
        # The self-test never touches the keyring; if it ever did, it must not reach a real one.
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        TMPDIR=str(tmp_path),
    )
    env.pop("VIMBATCH_SELF_TEST_OUTPUT", None)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_self_test_passes_from_source_and_prints_one_line(tmp_path: Path) -> None:
    result = run(["-m", "app.cli", "--self-test"], tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert OK_LINE.fullmatch(lines[0]), lines[0]
    # It cleans up after itself: no temporary data folder is left behind.
    assert not list(tmp_path.glob("vimbatch-selftest-*"))


def test_a_stalled_self_test_fails_in_plain_words_and_writes_the_line_to_a_file(
    tmp_path: Path,
) -> None:
    # 0.2 s is far shorter than the simulator's 1 s of processing: it cannot succeed in time.
    output = tmp_path / "result.txt"
    result = run(["-m", "app.selftest", "--timeout", "0.2", "--output", str(output)], tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    line = result.stdout.strip()
    assert line.startswith("vimbatch self-test: FAILED: nothing happened for 0.2 s while "), line
    assert output.read_text(encoding="utf-8") == line + "\n"


def test_a_bundle_without_its_resources_fails_the_self_test(tmp_path: Path) -> None:
    # What a packaging slip looks like at run time: resources_dir() points at an empty folder.
    empty = tmp_path / "resources"
    empty.mkdir()
    script = (
        "import sys, pathlib, app.resources as r\n"
        f"r.resources_dir = lambda: pathlib.Path({str(empty)!r})\n"
        "from app.selftest import run_self_test\n"
        "sys.exit(run_self_test())\n"
    )
    result = run(["-c", script], tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.strip() == (
        f"vimbatch self-test: FAILED: the sample photos are missing from this installation "
        f"({empty / 'samples'})"
    )
