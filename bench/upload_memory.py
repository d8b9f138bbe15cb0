"""Peak memory of a 200 MB upload through `WorkflowClient.create`, against reading the file whole.

The simulator runs in a subprocess and each measurement in a fresh one, so that a figure holds
only what the client itself used. Growth = peak RSS (VmHWM) minus the RSS just before the work.
Target: the upload grows the client's memory by less than 50 MB.

    .venv/bin/python bench/upload_memory.py [--size-mb 200]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 50.0


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(kind: str, path: Path, base_url: str) -> dict[str, float]:
    """Run in a child process: do the work once, return RSS figures in MB."""
    from app.api import CreateRequest, WorkflowClient

    client = WorkflowClient("bench-key", base_url)
    client.health()  # imports and the first connection are paid before the baseline
    _reset_peak()
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    if kind == "upload":
        last = [0]
        client.create(
            CreateRequest(files=[path], title="bench"),
            on_progress=lambda sent, _total: last.__setitem__(0, sent),
        )
        assert last[0] == path.stat().st_size
    else:
        data = path.read_bytes()
        assert len(data) == path.stat().st_size
    elapsed = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    client.close()
    return {"growth_mb": (peak - before) / 1024, "seconds": elapsed}


def _child(kind: str, path: Path, base_url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), base_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _start_simulator() -> tuple[subprocess.Popen[str], str]:
    sim = subprocess.Popen(
        [sys.executable, "-m", "app.simulator", "--port", "0", "--processing-time", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sim.stdout is not None
    line = sim.stdout.readline()
    if "http://" not in line:
        sim.terminate()
        raise RuntimeError(f"the simulator did not start: {line!r}")
    return sim, line.strip().split()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "PATH", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, url = args.child
        print(json.dumps(measure(kind, Path(path), url)))
        return 0

    sim, base_url = _start_simulator()
    try:
        with tempfile.TemporaryDirectory(prefix="vimbatch-bench-") as folder:
            photo = Path(folder) / "big.jpg"
            block = os.urandom(1024 * 1024)
            with photo.open("wb") as out:
                for _ in range(args.size_mb):
                    out.write(block)
            upload = _child("upload", photo, base_url)
            baseline = _child("read", photo, base_url)
    finally:
        sim.terminate()
        sim.wait(10)

    size = args.size_mb
    ratio = upload["growth_mb"] / baseline["growth_mb"] if baseline["growth_mb"] else float("nan")
    print(f"file size:                        {size} MB")
    print(f"baseline, file read whole:        +{baseline['growth_mb']:.1f} MB peak RSS")
    print(
        f"WorkflowClient.create (streamed): +{upload['growth_mb']:.1f} MB peak RSS, "
        f"{upload['seconds']:.2f} s ({size / upload['seconds']:.0f} MB/s over loopback)"
    )
    print(f"ratio upload / baseline:          {ratio:.3f}")
    ok = upload["growth_mb"] < TARGET_MB
    print(f"target growth < {TARGET_MB:.0f} MB: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
