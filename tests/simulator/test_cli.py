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


def test_bandwidth_flag_paces_uploads(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.simulator", "--port", "0", "--bandwidth-mbps", "8"],
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
        photo = tmp_path / "p.jpg"
        photo.write_bytes(b"\xff\xd8" + bytes(500_000) + b"\xff\xd9")  # 4 Mbit: 0.5 s at 8
        import time

        started = time.monotonic()
        with photo.open("rb") as f:
            answer = httpx.post(
                f"{match.group(1)}/workflow",
                headers={"X-Api-Key": "k"},
                data={"template_id": "vim_new_year_2026"},
                files=[("image_files", ("p.jpg", f, "image/jpeg"))],
                timeout=30,
            )
        assert answer.status_code == 200
        assert time.monotonic() - started >= 0.48
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
