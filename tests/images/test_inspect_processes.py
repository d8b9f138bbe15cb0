"""Checking photos in worker processes gives exactly what checking in a thread gives."""

from __future__ import annotations

import threading
from pathlib import Path

from intake_corpus import Corpus

from app.images import inspect
from app.images.inspect_processes import InspectProcesses, inspect_all


def test_processes_check_like_a_thread(corpus: Corpus) -> None:
    paths = sorted(p for p in corpus.root.rglob("*") if p.is_file() and ".git" not in p.parts)
    processes = InspectProcesses(2)
    try:
        processes.warm_up()
        got = processes.inspect_chunk(paths, threading.Event())
    finally:
        processes.shutdown()
    assert got == [inspect(p) for p in paths]
    assert any(p.problem for p in got) and any(p.problem is None for p in got)


def test_stop_returns_at_once_and_a_closed_pool_checks_here(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()
    processes = InspectProcesses(1)
    assert processes.inspect_chunk([tmp_path / "a.jpg"], stop) == []
    processes.shutdown()
    # After shutdown (quitting) a late chunk is still answered, in this thread.
    (tmp_path / "a.jpg").write_bytes(b"not a photo")
    [photo] = processes.inspect_chunk([tmp_path / "a.jpg"], threading.Event())
    assert photo.problem
    assert inspect_all([tmp_path / "a.jpg"]) == [photo]
