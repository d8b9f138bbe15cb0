"""Polling cost: status requests per finished workflow, and proof that finished ones are left alone.

Time is scaled down 20x so that it runs in seconds: the policy (first poll 3 s, x1.6 while nothing
changes, cap 60 s) becomes 0.15 s / x1.6 / 3 s, and a workflow that takes about a minute takes ~3 s.
Prints polls per finished workflow against a fixed poll every 3 s (scaled: 0.15 s), then waits
several capped intervals and counts the polls of finished workflows (must be 0).

    .venv/bin/python bench/polling.py [--workflows 20] [--processing 3.0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from app.api import RetryPolicy, WorkflowClient
from app.engine import BatchSettings, Engine, JobStore, PollPolicy
from app.images import inspect, mark_duplicates
from app.simulator import Simulator, SimulatorConfig

SCALE = 20.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workflows", type=int, default=20)
    parser.add_argument("--processing", type=float, default=3.0, help="seconds per workflow")
    args = parser.parse_args()
    policy = PollPolicy(first=3.0 / SCALE, factor=1.6, cap=60.0 / SCALE)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = []
        for i in range(args.workflows):
            path = root / f"p{i:03d}.jpg"
            Image.new("RGB", (64, 64), (i * 11 % 256, i * 29 % 256, 77)).save(path, "JPEG")
            paths.append(path)
        photos = [inspect(p) for p in paths]
        mark_duplicates(photos)
        with Simulator(SimulatorConfig(processing_time=args.processing)) as sim:
            client = WorkflowClient("bench", sim.base_url, retry=RetryPolicy(attempts=2))
            engine = Engine(JobStore.open(root / "data"), client, concurrency=8, poll=policy)
            try:
                engine.start()
                batch = engine.create_batch(BatchSettings(), photos)
                assert engine.wait_idle(timeout=600)
                items = engine.items(batch)
                ids = {i.workflow_id for i in items}
                states = {i.state.value for i in items}

                def polls() -> int:
                    return sum(
                        1 for r in sim.requests if r.method == "GET" and r.workflow_id in ids
                    )

                at_end = polls()
                finished_at = time.monotonic()
                time.sleep(3 * policy.cap)
                after = polls() - at_end
                waited = time.monotonic() - finished_at
            finally:
                engine.shutdown()
                client.close()
                engine.store.close()
    naive = args.processing / policy.first
    print(
        f"workflows {args.workflows}, ~{args.processing:.1f} s each (real-time equivalent ~{args.processing * SCALE:.0f} s)"
    )
    print(f"final states:                         {sorted(states)}")
    print(f"poll requests per finished workflow:  {at_end / len(ids):.1f}")
    print(
        f"fixed polling every {policy.first:.2f} s would use: {naive:.1f}  ({naive / (at_end / len(ids)):.1f}x more)"
    )
    print(f"polls of finished workflows in the {waited:.1f} s after the end: {after} (must be 0)")
    if after:
        raise SystemExit("finished workflows were polled again")


if __name__ == "__main__":
    main()
