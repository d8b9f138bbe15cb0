"""The layers of docs/ARCHITECTURE.md hold: import-linter's contracts (pyproject.toml), among
them "no import cycles in app, type-hint imports included", pass on the code as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    # import-linter reads pyproject.toml from the working folder and caches nothing here.
    assert lint_imports(no_cache=True) == 0


def test_a_cycle_would_be_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cycle contract can fail: a package whose two modules import each other (one of
    them only for type hints) breaks it."""
    from importlinter.cli import lint_imports

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
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert lint_imports(no_cache=True) == 1
