"""Fixtures for the intake tests (helpers live in intake_corpus.py, importable by tests)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from intake_corpus import Corpus, build_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Read-only: tests that change files work on copies (see `copy_of`)."""
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def copy_of(tmp_path: Path, corpus: Corpus) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        target = tmp_path / Path(name).name
        target.write_bytes(corpus[name].read_bytes())
        os.utime(target, ns=(corpus[name].stat().st_atime_ns, corpus[name].stat().st_mtime_ns))
        return target

    return copy
