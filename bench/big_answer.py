"""Memory taken by a 50 MB answer to a status check: read whole (what the client did before the
cap) against `WorkflowClient.get` (read streamed, refused past MAX_ANSWER_BYTES).

Each reader runs in its own process; its peak resident memory (ru_maxrss) before and after the
request is printed, for an answer with a Content-Length and for a chunked one without.

    .venv/bin/python bench/big_answer.py [--megabytes 50]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PIECE = b" " * (1024 * 1024)


def serve(megabytes: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if "small" in self.path:  # warming up: imports, the connection pool
                body = b'{"data": {"id": "small"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            chunked = "chunked" in self.path
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(PIECE) * megabytes))
            self.end_headers()
            try:
                for _ in range(megabytes):
                    if chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(PIECE), PIECE))
                    else:
                        self.wfile.write(PIECE)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the reader gave up early: that is the point

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, base_url: str, chunked: bool) -> None:
    import httpx

    from app.api import ApiError, RetryPolicy, WorkflowClient

    workflow = "wf-chunked" if chunked else "wf-1"
    if mode == "whole":
        with httpx.Client() as plain:
            plain.get(f"{base_url}/workflow/small")
            before = peak_mb()
            body = plain.get(f"{base_url}/workflow/{workflow}").content
            outcome = f"read {len(body) // (1024 * 1024)} MB"
    else:
        with WorkflowClient("k", base_url, retry=RetryPolicy(attempts=1)) as client:
            client.get("small")
            before = peak_mb()
            try:
                client.get(workflow)
                outcome = "read"
            except ApiError as exc:
                outcome = f"{type(exc).__name__}: {exc.server_message}"
    print(json.dumps({"before": before, "after": peak_mb(), "outcome": outcome}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--child", choices=["whole", "capped"])
    parser.add_argument("--url")
    parser.add_argument("--chunked", action="store_true")
    opts = parser.parse_args()
    if opts.child:
        child(opts.child, opts.url, opts.chunked)
        return 0
    server = serve(opts.megabytes)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{opts.megabytes} MB answer to a status check; peak resident memory of the reader")
    for chunked in (False, True):
        for mode in ("whole", "capped"):
            args = [sys.executable, __file__, "--child", mode, "--url", url]
            if chunked:
                args.append("--chunked")
            result = json.loads(subprocess.run(args, capture_output=True, check=True).stdout)
            label = "read whole (before)" if mode == "whole" else "WorkflowClient (capped)"
            kind = "chunked" if chunked else "Content-Length"
            print(
                f"  {kind:15} {label:24} {result['before']:6.0f} MB -> {result['after']:6.0f} MB"
                f"  ({result['outcome']})"
            )
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
