"""`python -m app.simulator` serves until told to stop, then exits cleanly."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_module_serves_health_and_stops_on_signal() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.simulator",
            "--port",
            "0",
            "--processing-time",
            "1",
            "--credit",
            "1",
            "--seed",
            "3",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"Simulator listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        base = match.group(1)
        assert httpx.get(f"{base}/health", timeout=5).status_code == 200
        answer = httpx.get(f"{base}/workflow/nope", headers={"X-Api-Key": "k"}, timeout=5)
        assert answer.status_code == 404
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
