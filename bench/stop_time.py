"""How long stopping takes while a request hangs (the server never answers it).

1. `Engine.shutdown()` in this process during a hung status check, and during a hung create;
2. the `vimbatch submit --wait` command line given SIGTERM during a hung status check: the time
   until the process has ended.

    .venv/bin/python bench/stop_time.py
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from app.api import WorkflowClient
from app.engine import BatchSettings, Engine, ItemState, JobStore, PollPolicy
from app.images import inspect
from app.simulator import Simulator, SimulatorConfig


def photo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "guest.jpg"
    Image.new("RGB", (256, 256), (90, 120, 200)).save(path, "JPEG")
    return path


def engine_stop(hang: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sim = Simulator(SimulatorConfig(processing_time=2.0))
        sim.start()
        method, prefix = ("GET", "/workflow/") if hang == "status check" else ("POST", "/workflow")
        sim.script(method, prefix, "slow:120")
        engine = Engine(
            JobStore.open(root / "data"),
            WorkflowClient("k", sim.base_url),
            poll=PollPolicy(first=0.05),
        )
        engine.start()
        batch = engine.create_batch(BatchSettings(), [inspect(photo(root / "in"))])
        wanted = ItemState.SUBMITTED if hang == "status check" else ItemState.UPLOADING
        while engine.items(batch)[0].state is not wanted:
            time.sleep(0.02)
        time.sleep(1.0)  # the request is now waiting for its answer
        started = time.monotonic()
        engine.shutdown()
        elapsed = time.monotonic() - started
        engine.store.close()
        sim.stop()
        return elapsed


def cli_stop(code: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sim = Simulator(SimulatorConfig(processing_time=2.0))
        sim.start()
        sim.script("GET", "/workflow/", "slow:120")
        photo(root / "in")
        env = dict(
            os.environ,
            VIMMERSE_API_KEY="bench-key",
            VIMBATCH_BASE_URL=sim.base_url,
            PYTHONPATH=str(code),
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "--data-dir",
                str(root / "data"),
                "submit",
                str(root / "in"),
                "--wait",
            ],
            env=env,
            cwd=code,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not any(r.method == "POST" for r in sim.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(4.5)  # the first status check (3 s after the create) is now hanging
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=180)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        elapsed = time.monotonic() - started
        sim.stop()
        print(f"  (exit code {process.returncode})")
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--code",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="the source tree whose command line is timed (e.g. an older one)",
    )
    parser.add_argument("--cli-only", action="store_true")
    opts = parser.parse_args()
    if not opts.cli_only:
        for hang in ("status check", "create"):
            print(f"Engine.shutdown during a hung {hang}: {engine_stop(hang):.2f} s")
    seconds = cli_stop(opts.code)
    print(
        f"vimbatch submit --wait ({opts.code}), SIGTERM during a hung status check: {seconds:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
