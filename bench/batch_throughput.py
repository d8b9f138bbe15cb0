"""Throughput of sending a batch: the engine against the ideal bound and a sequential loop.

300 photos to the simulator with 100 ms latency at concurrency 8, measured until every photo is
submitted. Prints the ideal bound (N x latency / concurrency), the engine's wall time and its ratio
to the bound (target <= 1.25x), and a plain create-then-next loop measured in the same run (target:
the engine >= 6x faster).

    .venv/bin/python bench/batch_throughput.py [--photos 300] [--latency 0.1] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from app.api import CreateRequest, RetryPolicy, WorkflowClient
from app.engine import BatchSettings, Engine, JobStore, PollPolicy
from app.images import inspect, mark_duplicates
from app.simulator import Simulator, SimulatorConfig


def make_photos(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = folder / f"p{i:04d}.jpg"
        image = Image.new("RGB", (96, 96), (128, 128, 128))
        for bit in range(12):  # a unique pattern per photo: no two are copies
            shade = 255 if i >> bit & 1 else 0
            for dy in range(8):
                for dx in range(8):
                    image.putpixel((bit * 8 + dx, dy), (shade, shade, shade))
        image.save(path, "JPEG", quality=85)
        paths.append(path)
    return paths


def run_engine(sim: Simulator, photos: list, data: Path, concurrency: int) -> float:
    client = WorkflowClient("bench", sim.base_url, retry=RetryPolicy(attempts=1))
    # Polls far apart: this measures sending, not following.
    engine = Engine(
        JobStore.open(data), client, concurrency=concurrency, poll=PollPolicy(first=60, cap=60)
    )
    try:
        engine.start()
        started = time.perf_counter()
        batch = engine.create_batch(BatchSettings(), photos)
        if not engine.wait_submitted(batch, timeout=600):
            raise SystemExit("the engine did not finish sending")
        elapsed = time.perf_counter() - started
        states = {i.state.value for i in engine.items(batch)}
        if states != {"submitted"}:
            raise SystemExit(f"unexpected states {states}")
        return elapsed
    finally:
        engine.shutdown()
        client.close()
        engine.store.close()


def run_sequential(sim: Simulator, paths: list[Path]) -> float:
    with WorkflowClient("bench", sim.base_url, retry=RetryPolicy(attempts=1)) as client:
        started = time.perf_counter()
        for path in paths:
            client.create(CreateRequest(files=[path], title=path.stem))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        paths = make_photos(root / "in", args.photos)
        photos = [inspect(p) for p in paths]
        mark_duplicates(photos)
        assert all(p.problem is None for p in photos)
        config = SimulatorConfig(latency=args.latency, processing_time=600)
        with Simulator(config) as sim:
            ours = run_engine(sim, photos, root / "data", args.concurrency)
            created = sim.created_count()
            sim.reset()
            sequential = run_sequential(sim, paths)
        ideal = args.photos * args.latency / args.concurrency
        print(
            f"photos {args.photos}, latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}"
        )
        print(f"created by the engine:       {created}")
        print(f"ideal bound (N x lat / c):   {ideal:6.2f} s")
        print(
            f"engine wall time:            {ours:6.2f} s   = {ours / ideal:.2f}x the bound (target <= 1.25x)"
        )
        print(
            f"sequential create loop:      {sequential:6.2f} s   engine is {sequential / ours:.1f}x faster (target >= 6x)"
        )


if __name__ == "__main__":
    main()
