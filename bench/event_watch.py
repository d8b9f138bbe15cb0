"""Event mode: how soon a photo goes up once its last byte lands, and what an idle watcher costs.

1. Delay: photos are written one after the other into a watched folder (each in 4 chunks 0.1 s
   apart, like a camera's transfer) with the default 2 s settle window; the delay is measured
   from the moment the file is closed to its upload starting (the engine's UPLOADING event).
   Goal: under 3 s.
2. Idle CPU: a watcher of a folder holding 10,000 photos (present at the start, skipped), with
   nothing arriving: the whole process's CPU time over a quiet period, as a share of one core.
   Goal: under 1 %.

    .venv/bin/python bench/event_watch.py [--photos 10] [--idle-files 10000] [--idle-seconds 65]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from app.api import RetryPolicy, WorkflowClient
from app.engine import Engine, EngineEvent, EventKind, ItemState, JobStore, PollPolicy
from app.engine.event_profiles import EventBook, EventProfile
from app.engine.event_runner import EventRunner
from app.simulator import Simulator, SimulatorConfig


def jpeg_bytes(i: int, folder: Path) -> bytes:
    path = folder / f"src{i}.jpg"
    image = Image.new("RGB", (640, 480), ((i * 37) % 256, (i * 91) % 256, 90))
    image.putpixel((i % 640, 0), (255, 0, 0))
    image.save(path, "JPEG", quality=90)
    return path.read_bytes()


def new_engine(sim: Simulator, data: Path) -> Engine:
    client = WorkflowClient("bench", sim.base_url, retry=RetryPolicy(attempts=2))
    return Engine(JobStore.open(data), client, poll=PollPolicy(first=60, cap=60))


def measure_delay(count: int, root: Path, sim: Simulator) -> list[float]:
    folder = root / "booth"
    folder.mkdir()
    engine = new_engine(sim, root / "data-delay")
    started: dict[str, float] = {}
    lock = threading.Lock()

    def listen(event: EngineEvent) -> None:
        item = event.item
        if event.kind is EventKind.ITEM and item and item.state is ItemState.UPLOADING:
            with lock:
                started.setdefault(item.sources[0], time.monotonic())

    engine.subscribe(listen)
    profile = EventBook(engine.store).save(EventProfile(name="Bench", folder=str(folder)))
    runner = EventRunner(engine, profile)
    delays: list[float] = []
    try:
        engine.start()
        runner.start()
        while runner.profile.started_at is None:
            time.sleep(0.05)
        for i in range(count):
            data = jpeg_bytes(i, root)
            target = folder / f"IMG_{i:04d}.jpg"
            step = len(data) // 4 + 1
            with target.open("wb") as out:
                for start in range(0, len(data), step):
                    out.write(data[start : start + step])
                    out.flush()
                    time.sleep(0.1)
            last_byte = time.monotonic()
            deadline = last_byte + 30
            while time.monotonic() < deadline:
                with lock:
                    began = started.get(str(target.resolve()))
                if began is not None:
                    delays.append(began - last_byte)
                    break
                time.sleep(0.005)
            else:
                raise SystemExit(f"{target.name} was not sent within 30 s")
    finally:
        runner.stop()
        engine.shutdown()
        engine.client.close()
        engine.store.close()
    return delays


def measure_idle(files: int, seconds: float, root: Path, sim: Simulator) -> tuple[float, int]:
    folder = root / "archive"
    data = jpeg_bytes(0, root)
    for sub in range(files // 500 + 1):  # cards keep ~500 per folder, like 100CANON
        part = folder / f"{100 + sub}CANON"
        part.mkdir(parents=True)
        for i in range(min(500, files - sub * 500)):
            (part / f"IMG_{sub * 500 + i:05d}.JPG").write_bytes(data)
    engine = new_engine(sim, root / "data-idle")
    profile = EventBook(engine.store).save(EventProfile(name="Idle", folder=str(folder)))
    runner = EventRunner(engine, profile)
    try:
        engine.start()
        runner.start()
        while runner.profile.started_at is None:
            time.sleep(0.05)
        time.sleep(2)  # past the first look and the first scans
        scans_before = runner.scans
        cpu_before, wall_before = time.process_time(), time.monotonic()
        time.sleep(seconds)
        cpu = time.process_time() - cpu_before
        wall = time.monotonic() - wall_before
        scans = runner.scans - scans_before
    finally:
        runner.stop()
        engine.shutdown()
        engine.client.close()
        engine.store.close()
    return 100 * cpu / wall, scans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--idle-files", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=65)  # one full scan a minute
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Simulator(SimulatorConfig(processing_time=60)) as sim,
    ):
        root = Path(tmp)
        delays = measure_delay(args.photos, root, sim)
        print(
            f"last byte -> upload start, settle 2 s, {len(delays)} photos: "
            f"median {statistics.median(delays):.2f} s, max {max(delays):.2f} s (goal < 3 s)"
        )
        share, scans = measure_idle(args.idle_files, args.idle_seconds, root, sim)
        print(
            f"idle watcher of {args.idle_files} photos: {share:.2f} % of one core over "
            f"{args.idle_seconds:.0f} s ({scans} scans) (goal < 1 %)"
        )


if __name__ == "__main__":
    main()
