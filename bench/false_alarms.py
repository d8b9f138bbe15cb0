"""False "needs attention" under faults and kills during large, slow uploads.

The `vimbatch` command line sends a batch of big photos (~2 MB, noise) to the simulator through
a throttling proxy (a slow uplink) that also resets some connections at a random byte (before,
during or after a photo's body); the process is killed with SIGKILL at random moments, then
`vimbatch resume --wait` runs again, killed again, ..., until a last resume finishes. Then:

- needs attention: the share of photos left for the user to decide on;
- false alarms: those of them that were never created on the server (the alarm was needless);
- lost: photos neither finished nor flagged; created twice: photos the server created twice.

Run it against this tree and against an older one (e.g. `git archive <commit> | tar -x -C DIR`)
with the same seed to compare:

    .venv/bin/python bench/false_alarms.py [--code DIR] [--photos 20] [--kills 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from app.simulator import Simulator, SimulatorConfig


class SlowFlakyProxy:
    """A TCP proxy: client -> server bytes at `rate` bytes/s per connection; a share
    `cut_rate` of connections is reset after a random number of uploaded bytes."""

    def __init__(self, target_port: int, *, rate: float, cut_rate: float, seed: int) -> None:
        self._target = target_port
        self._rate = rate
        self._cut_rate = cut_rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        # A path that holds ~64 kB in flight, as a real uplink does (loopback would take
        # megabytes into the proxy's receive buffer at once).
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.cuts = 0
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                cut = self._rng.random() < self._cut_rate
                cut_after = self._rng.randint(2_000, 2_600_000) if cut else None
            try:
                server = socket.create_connection(("127.0.0.1", self._target))
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._up, args=(client, server, cut_after), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, cut_after: int | None) -> None:
        sent = 0
        started = time.monotonic()
        try:
            while True:
                chunk = client.recv(16 * 1024)
                if not chunk:
                    server.shutdown(socket.SHUT_WR)
                    return
                if cut_after is not None and sent + len(chunk) >= cut_after:
                    server.sendall(chunk[: cut_after - sent])
                    with self._lock:
                        self.cuts += 1
                    _reset(client)
                    _reset(server)
                    return
                server.sendall(chunk)
                sent += len(chunk)
                ahead = sent / self._rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        except OSError:
            _reset(client)
            _reset(server)

    def _down(self, server: socket.socket, client: socket.socket) -> None:
        try:
            while True:
                chunk = server.recv(64 * 1024)
                if not chunk:
                    client.shutdown(socket.SHUT_WR)
                    return
                client.sendall(chunk)
        except OSError:
            _reset(client)


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def make_photos(folder: Path, count: int, seed: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        path = folder / f"guest_{i:03d}.jpg"
        noise = rng.randbytes(1600 * 1200 * 3)
        Image.frombytes("RGB", (1600, 1200), noise).save(path, "JPEG", quality=92)
        paths.append(path)
    return paths


def run_cli(
    code: Path, data: Path, args: list[str], env: dict[str, str], kill_after: float | None
) -> int | None:
    """Run `vimbatch` from `code`; SIGKILL it after `kill_after` s. None when killed."""
    command = [sys.executable, "-m", "app.cli", "--data-dir", str(data), "--poll", "0.2", *args]
    process = subprocess.Popen(
        command, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        process.wait(timeout=kill_after if kill_after is not None else 600)
        return process.returncode
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--rate", type=float, default=1.5e6, help="uplink bytes/s per connection")
    parser.add_argument("--cut-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()

    rng = random.Random(opts.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        photos = make_photos(root / "in", opts.photos, opts.seed)
        sim = Simulator(SimulatorConfig(processing_time=1.0, seed=opts.seed))
        sim.start()
        proxy = SlowFlakyProxy(sim.port, rate=opts.rate, cut_rate=opts.cut_rate, seed=opts.seed)
        env = dict(os.environ)
        env.update(
            VIMMERSE_API_KEY="bench-key",
            VIMBATCH_BASE_URL=f"http://127.0.0.1:{proxy.port}",
            PYTHONPATH=str(opts.code),
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        data = root / "data"
        started = time.monotonic()
        first = ["submit", str(root / "in"), "--wait", "--concurrency", "4"]
        runs = 0
        for kill in range(opts.kills):
            args = first if kill == 0 else ["resume", "--wait", "--concurrency", "4"]
            code = run_cli(opts.code, data, args, env, kill_after=rng.uniform(1.0, 4.0))
            runs += 1
            if code is not None:
                break
        final = run_cli(opts.code, data, ["resume", "--wait", "--concurrency", "4"], env, None)
        elapsed = time.monotonic() - started
        proxy.close()

        created: Counter[str] = Counter()
        for request in sim.requests:
            if request.method == "POST" and request.path == "/workflow" and request.status == 200:
                for part in request.files:
                    created[part.sha256] += 1
        sim.stop()

        import hashlib

        digest = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in photos}
        with sqlite3.connect(data / "jobs.sqlite3") as db:
            rows = db.execute("SELECT sources, state FROM items").fetchall()
    import json

    states = Counter(state for _, state in rows)
    flagged = [json.loads(src)[0] for src, state in rows if state == "needs_attention"]
    false_alarms = sum(1 for src in flagged if created[digest[src]] == 0)
    lost = sum(1 for _, state in rows if state not in ("succeeded", "needs_attention"))
    twice = sum(1 for d in digest.values() if created[d] > 1)
    count = len(rows)
    print(f"code: {opts.code}")
    print(
        f"photos: {count}, runs killed: {runs}, connections reset: {proxy.cuts}, "
        f"final exit code: {final}, {elapsed:.0f} s"
    )
    print(f"states: {dict(states)}")
    print(f"needs attention: {len(flagged)} ({len(flagged) / count:.0%})")
    print(f"false alarms (never created): {false_alarms} ({false_alarms / count:.0%})")
    print(f"lost: {lost}, created twice: {twice}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
