"""GUI responsiveness: add 5,000 photos through add_paths while 500 jobs poll the simulator.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_responsiveness.py \
        [--photos N] [--jobs N] [--runs N] [--profile]

A 10 ms heartbeat timer on the GUI thread measures the longest gap between beats (a stall);
target: under 50 ms (issue 14; it was 100). Also printed: the 99th percentile and median of the
gaps, time until every photo is in the grid, and until every visible thumbnail shows. Baseline in the same run: the
heartbeat with nothing going on. Each run (3 by default) starts from an empty data folder.

The simulator runs in a subprocess (`python -m app.simulator`), as a real server would: in this
process its threads would compete with the GUI thread for the GIL and measure the simulator.

`--profile` also samples the GUI thread's stack every 5 ms from another thread and, for each
stall over 35 ms, prints the functions seen most often during it: where the time went.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image
from PySide6.QtCore import QEventLoop, QTimer


class Heartbeat:
    def __init__(self) -> None:
        self.longest = 0.0
        self.last = time.perf_counter()
        self.gaps: list[tuple[float, float]] = []  # (end time, gap seconds)
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.beat)

    def beat(self) -> None:
        now = time.perf_counter()
        gap = now - self.last
        self.longest = max(self.longest, gap)
        self.gaps.append((now, gap))
        self.last = now

    def start(self) -> None:
        self.longest, self.last = 0.0, time.perf_counter()
        self.gaps = []
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.longest * 1000

    def percentile(self, q: float) -> float:
        gaps = sorted(g for _, g in self.gaps)
        if not gaps:
            return 0.0
        return gaps[min(len(gaps) - 1, int(q * len(gaps)))] * 1000


class StackSampler:
    """Samples the GUI thread's Python stack from another thread (a poor man's profiler)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.samples: list[tuple[float, tuple[str, ...]]] = []
        self._stop = threading.Event()
        self._target = threading.main_thread().ident
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._target)
            if frame is None:
                continue
            stack = tuple(
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in traceback.extract_stack(frame)[-6:]
            )
            self.samples.append((time.perf_counter(), stack))

    def report(self, gaps: list[tuple[float, float]], threshold: float = 0.035) -> None:
        for end, gap in gaps:
            if gap < threshold:
                continue
            inside = [s for t, s in self.samples if end - gap <= t <= end]
            frames: Counter[str] = Counter()
            for stack in inside:
                frames.update(set(stack))
            print(f"  stall {gap * 1000:.0f} ms ({len(inside)} samples):")
            for name, n in frames.most_common(8):
                print(f"    {n:4d}  {name}")


def run_until(condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(
        lambda: (condition() or time.perf_counter() - t0 > timeout) and loop.quit()
    )
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    return time.perf_counter() - t0


def make_photos(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        im = Image.new("RGB", (320, 240), ((i * 7) % 256, (i * 13) % 256, (i * 29) % 256))
        im.putpixel((i % 320, (i // 320) % 240), (255, 255, 255))  # unique content
        im.save(folder / f"p{i:05d}.jpg", quality=80)


ROOT = Path(__file__).resolve().parent.parent


class SimulatorProcess:
    """`python -m app.simulator` in a subprocess; `base_url` once it listens."""

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


def run_once(args: argparse.Namespace, tmp: Path, photos: Path, jobs: Path) -> dict[str, float]:
    from app.engine.model import BatchSettings
    from app.images.checks import inspect
    from app.ui.main_window import MainWindow
    from app.ui.session import Session
    from app.ui.workers import Workers

    data = tmp / "data"
    os.environ["VIMBATCH_DATA_DIR"] = str(data)
    sim = SimulatorProcess("--processing-time", "60")
    base = sim.base_url
    workers = Workers()
    window = MainWindow(workers, data_dir=data, base_url=base)
    session: Session | None = None
    try:
        window.resize(1280, 800)
        window.show()
        workers.warm_up()  # as run_gui does once the window shows
        heart = Heartbeat()
        heart.start()
        run_until(lambda: False, 1.0)
        print(f"  baseline (idle) longest stall: {heart.stop():.1f} ms")

        session = Session(workers, key="bench", base_url=base, data_dir=data)
        window.set_session(session)
        session.start()
        run_until(lambda: session is not None and session.engine is not None, 30)
        engine = session.engine
        assert engine is not None
        # The jobs are created straight through the engine (off the GUI thread) so they poll.
        job_photos = [inspect(p) for p in sorted(jobs.glob("*.jpg"))]
        workers.io.submit(lambda: engine.create_batch(BatchSettings(), job_photos))
        run_until(
            lambda: sum(1 for i in engine.items() if i.state.is_remote) >= args.jobs * 0.9, 300
        )
        remote = sum(1 for i in engine.items() if i.state.is_remote)
        heart.start()
        run_until(lambda: False, 3.0)
        print(
            f"  {remote} jobs polling; longest stall over 3 s with only them: {heart.stop():.1f} ms"
        )

        sampler = StackSampler() if args.profile else None
        if sampler is not None:
            sampler.start()
        heart.start()
        t0 = time.perf_counter()
        window.add_paths([str(photos)])
        run_until(
            lambda: window.photos.rowCount() == args.photos and not window.photos.is_busy(), 600
        )
        all_in = time.perf_counter() - t0
        run_until(lambda: window.photos.thumbnails_pending() == 0, 120)
        thumbs = time.perf_counter() - t0
        window.grid.scrollToBottom()
        t1 = time.perf_counter()
        run_until(lambda: False, 0.2)
        run_until(lambda: window.photos.thumbnails_pending() == 0, 120)
        scrolled = time.perf_counter() - t1
        stall = heart.stop()
        if sampler is not None:
            sampler.stop()
            sampler.report(heart.gaps)
        result = {
            "stall": stall,
            "p99": heart.percentile(0.99),
            "median": heart.percentile(0.5),
            "over50": float(sum(1 for _, g in heart.gaps if g > 0.05)),
            "all_in": all_in,
            "thumbs": thumbs,
            "scrolled": scrolled,
        }
        print(
            f"  all {window.photos.rowCount()} photos in the grid after {all_in:.1f} s; visible "
            f"thumbnails after {thumbs:.1f} s; after jumping to the end {scrolled:.2f} s"
        )
        print(
            f"  longest GUI stall while adding: {stall:.1f} ms, 99th percentile "
            f"{result['p99']:.1f} ms, median {result['median']:.1f} ms over {len(heart.gaps)} "
            f"beats, {int(result['over50'])} gaps over 50 ms"
        )
        return result
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        if session is not None:
            window.set_session(None)
            session.shutdown()
        workers.shutdown(20_000)
        sim.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="show where stalls come from")
    parser.add_argument("--switch-ms", type=float, default=None, help="sys.setswitchinterval")
    args = parser.parse_args()

    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    from app.ui.app import make_application

    app = make_application(["bench"])  # sets the GIL switch interval the app uses
    if args.switch_ms is not None:
        sys.setswitchinterval(args.switch_ms / 1000)
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:.1f} ms; simulator in a subprocess")
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="vimbatch-bench-") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        make_photos(tmp / "photos", args.photos)
        make_photos(tmp / "jobs", args.jobs)
        print(f"generated {args.photos} + {args.jobs} photos in {time.perf_counter() - t0:.1f} s")
        for run in range(1, args.runs + 1):
            print(f"run {run} of {args.runs}:")
            results.append(run_once(args, tmp / f"run{run}", tmp / "photos", tmp / "jobs"))
    app.quit()

    def spread(key: str, unit: str, digits: int = 1) -> str:
        values = [r[key] for r in results]
        shown = ", ".join(f"{v:.{digits}f}" for v in values)
        return f"median {statistics.median(values):.{digits}f} {unit} (runs: {shown})"

    worst = max(r["stall"] for r in results)
    print(f"{args.runs} runs, {args.photos} photos added while {args.jobs} jobs poll:")
    print(f"  longest GUI stall: {spread('stall', 'ms')}; worst {worst:.1f} ms (target < 50 ms)")
    print(f"  99th percentile gap: {spread('p99', 'ms')}")
    print(f"  median gap: {spread('median', 'ms')}")
    print(f"  all photos in the grid: {spread('all_in', 's')}")
    print(f"  visible thumbnails shown: {spread('thumbs', 's')}")
    print(f"  -> {'OK' if worst < 50 else 'TOO SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
