"""Fixtures for command-line tests: photos on disk and a way to run `vimbatch` in-process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]

    def finals(self) -> list[dict[str, object]]:
        return [o for o in self.json_lines() if o.get("event") == "final"]


@pytest.fixture
def vimbatch(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the command line in this process and capture what it prints."""

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VIMMERSE_API_KEY", "cli-test-key")
    return "cli-test-key"


def photo_dir(root: Path, count: int, **kw: object) -> Path:
    from engine.enginetools import make_jpegs

    make_jpegs(root, count, **kw)  # type: ignore[arg-type]
    return root


@pytest.fixture(autouse=True)
def closed_log() -> Iterator[None]:
    """`main()` sets up the log file in the test's data folder; closed after each test."""
    yield
    from app.logs import close_logging

    close_logging()
