"""`vimbatch --demo COMMAND`: run against a built-in practice server with a demo key."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.paths import data_dir

DEMO_KEY = "demo-key"


@contextmanager
def demo_server(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """Start the simulator on loopback; its jobs go in a separate "demo" data folder."""
    from app.simulator import Simulator, SimulatorConfig

    if getattr(args, "poll", None) is None:
        args.poll = 0.5  # the practice server finishes in seconds: follow it closely
    if args.data_dir is None:
        args.data_dir = str(Path(data_dir()) / "demo")
    # Its workflows and files are kept with the demo's jobs: a demo batch resumes after a stop.
    simulator = Simulator(
        SimulatorConfig(processing_time=4.0), state_dir=Path(args.data_dir) / "server"
    )
    base_url = simulator.start()
    # On stderr: stdout carries the command's own output (`--json`, `status | head -1`).
    print(
        f"Practice mode: nothing is sent to Vimmerse (server {base_url}).",
        file=sys.stderr,
        flush=True,
    )
    try:
        yield base_url, DEMO_KEY
    finally:
        simulator.stop()
