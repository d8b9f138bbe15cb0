"""The layers of docs/ARCHITECTURE.md hold: import-linter's contracts (pyproject.toml), among
them "no import cycles in app, type-hint imports included", pass on the code as it is.

import-linter runs in a subprocess: in this process it would switch off the loggers that exist
already (its logging set-up), and later tests read those."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = (
    "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
)


def _lint(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(folder)},
    )


def test_import_contracts_are_kept() -> None:
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout and "No import cycles in app" in run.stdout


def test_a_cycle_would_be_found(tmp_path: Path) -> None:
    """The cycle contract can fail: a package whose two modules import each other (one of
    them only for type hints) breaks it."""
    package = tmp_path / "loopy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "window.py").write_text("from loopy import flow\n")
    (package / "flow.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loopy import window\n"
    )
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = loopy\n\n"
        "[importlinter:contract:cycles]\nname = no cycles\ntype = acyclic_siblings\n"
        "ancestors = loopy\n"
    )
    run = _lint(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout
