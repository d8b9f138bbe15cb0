"""`python -m app.simulator`: serve the simulated Workflow API on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from app.simulator import Simulator, SimulatorConfig


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m app.simulator",
        description="A local simulator of the Vimmerse Workflow API.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every API answer"
    )
    parser.add_argument(
        "--processing-time",
        type=float,
        default=SimulatorConfig.processing_time,
        help="seconds to a final status",
    )
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of API requests answered with a fault"
    )
    parser.add_argument(
        "--credit", type=int, default=None, help="creates allowed before 402 (default unlimited)"
    )
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help='share of workflows that end in "fail"'
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for repeatable runs")
    parser.add_argument(
        "--bandwidth-mbps",
        type=float,
        default=None,
        metavar="MBITS",
        help="pace request bodies to this many Mbit/s, all uploads together (default: no limit)",
    )
    parser.add_argument(
        "--key",
        action="append",
        default=None,
        help="accept only this API key (repeatable; default any key)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = SimulatorConfig(
        latency=args.latency,
        processing_time=args.processing_time,
        fault_rate=args.fault_rate,
        credit=args.credit,
        fail_rate=args.fail_rate,
        valid_keys=frozenset(args.key) if args.key else None,
        seed=args.seed,
        bandwidth_mbps=args.bandwidth_mbps if args.bandwidth_mbps else None,
    )
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with Simulator(config, host=args.host, port=args.port) as sim:
        print(f"Simulator listening on {sim.base_url}", flush=True)
        while not done.wait(0.5):
            pass
    print("Simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
