"""Sending over a venue's Wi-Fi: 50 photos of 4–6 MB through a simulated 20 Mbit/s link.

    .venv/bin/python bench/slow_link.py [--photos 50] [--mbps 20] [--concurrency 4]

The simulator runs in a subprocess (`python -m app.simulator --bandwidth-mbps 20`), pacing all
request bodies together like a shared uplink. The engine sends the batch (measured from
create_batch until every photo is submitted) twice:
- the originals: wall time vs the bound, total body bytes / bandwidth (goal ≤ 1.1×);
- "smaller copies" (2,560 px, JPEG q90): the same, and how much sooner the batch is sent.
Also printed: the estimates the create confirmation would show before sending (from the
engine's measured rate of the first run) and the rate the engine measured.
The photos (4000×3000, textured, JPEG q94–97) are made once and kept in bench/out/.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from app.engine import BatchSettings, build_engine  # noqa: E402
from app.engine.polling import PollPolicy  # noqa: E402
from app.images import inspect, mark_duplicates, smaller_copy_estimate  # noqa: E402
from bench.thumbnails import photo_like  # noqa: E402

OUT = ROOT / "bench" / "out" / "slow-link-4000x3000"


def ensure_photos(count: int) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    paths = [OUT / f"venue-{i:03d}.jpg" for i in range(count)]
    for i, path in enumerate(paths):
        if path.exists():
            continue
        print(f"  making photo {i + 1}/{count} (once) ...", flush=True)
        # More grain than the thumbnail corpus and a high quality: 4–6 MB, like a camera's
        # best JPEG of a busy scene.
        im = photo_like(1000 + i)
        grain = Image.effect_noise(im.size, 30 + i % 20).convert("RGB")
        im = Image.blend(im, grain, 0.12 + 0.04 * (i % 3) / 2)
        tmp = path.with_suffix(".part")
        im.save(tmp, "JPEG", quality=94 + i % 4)
        tmp.replace(path)
    for path in paths:  # keep every one within 4–6 MB
        quality = 93
        while path.stat().st_size > 6_000_000 and quality > 70:
            with Image.open(path) as im:
                im.load()
            tmp = path.with_suffix(".part")
            im.save(tmp, "JPEG", quality=quality)
            tmp.replace(path)
            quality -= 2
    return paths


class SimulatorProcess:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.simulator", "--port", "0", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        prefix = "Simulator listening on "
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.base_url = line[len(prefix) :].strip()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def send(
    base_url: str, data: Path, photos: list, *, smaller: bool, concurrency: int
) -> tuple[float, int, float | None]:
    """(wall seconds until all submitted, body bytes sent, rate the engine measured in B/s)."""
    engine = build_engine(
        base_url=base_url,
        data_dir=data,
        key="bench",
        concurrency=concurrency,
        error_reports=False,
        poll=PollPolicy(first=600, cap=600),  # this measures sending, not following
    )
    rates: list[float] = []
    sent = 0
    try:
        engine.start()
        started = time.perf_counter()
        batch = engine.create_batch(BatchSettings(smaller_copies=smaller), photos)
        while not engine.wait_submitted(batch, timeout=1.0):
            rate = engine.upload_pace().rate
            if rate is not None:
                rates.append(rate)
            if time.perf_counter() - started > 1800:
                raise SystemExit("the engine did not finish sending")
        elapsed = time.perf_counter() - started
        states = {i.state.value for i in engine.items(batch)}
        if states != {"submitted"}:
            raise SystemExit(f"unexpected states {states}")
        # The bodies' file bytes as the engine counted them (smaller copies are deleted once
        # sent, so the engine's count is the one record of their size).
        per_photo = engine.upload_pace().bytes_per_photo or 0.0
        sent = round(per_photo * len(photos))
    finally:
        engine.shutdown()
        engine.client.close()
        engine.store.close()
    measured = sorted(rates)[len(rates) // 2] if rates else None
    return elapsed, sent, measured


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--mbps", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    paths = ensure_photos(args.photos)
    photos = [inspect(p) for p in paths]
    mark_duplicates(photos)
    sizes = [p.size for p in photos]
    print(
        f"{len(photos)} photos 4000×3000, {min(sizes) / 1e6:.1f}–{max(sizes) / 1e6:.1f} MB "
        f"({sum(sizes) / 1e6:.0f} MB), {args.mbps:g} Mbit/s link, concurrency {args.concurrency}"
    )
    bytes_per_s = args.mbps * 1e6 / 8
    sim = SimulatorProcess("--bandwidth-mbps", str(args.mbps), "--processing-time", "600")
    try:
        with tempfile.TemporaryDirectory(prefix="vimbatch-slowlink-") as tmp:
            wall, sent, measured = send(
                sim.base_url, Path(tmp) / "a", photos, smaller=False, concurrency=args.concurrency
            )
            bound = sent / bytes_per_s
            print(
                f"  originals:      {wall:6.1f} s for {sent / 1e6:.0f} MB; bound {bound:.1f} s "
                f"-> {wall / bound:.3f}× the bound (goal ≤ 1.1×); engine measured "
                f"{(measured or 0) * 8 / 1e6:.1f} Mbit/s"
            )
            wall_s, sent_s, _ = send(
                sim.base_url, Path(tmp) / "b", photos, smaller=True, concurrency=args.concurrency
            )
            bound_s = sent_s / bytes_per_s
            print(
                f"  smaller copies: {wall_s:6.1f} s for {sent_s / 1e6:.0f} MB; bound "
                f"{bound_s:.1f} s -> {wall_s / bound_s:.3f}× the bound; "
                f"{wall / wall_s:.1f}× sooner than the originals"
            )
            estimate = sum(smaller_copy_estimate(p) for p in photos)
            rate = measured or bytes_per_s
            print(
                f"  the confirmation would say: originals about {minutes(sum(sizes) / rate)}, "
                f"smaller copies about {minutes(estimate / rate)} (estimated "
                f"{estimate / 1e6:.0f} MB, sent {sent_s / 1e6:.0f} MB)"
            )
            print(
                f"RESULT slow link {args.mbps:g} Mbit/s: originals {wall:.1f} s = "
                f"{wall / bound:.3f}× the bound ({bound:.1f} s); smaller copies {wall_s:.1f} s "
                f"= {wall_s / bound_s:.3f}× their bound ({bound_s:.1f} s), "
                f"{wall / wall_s:.1f}× sooner"
            )
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
