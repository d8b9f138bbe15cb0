"""The simulator's knobs and the shape of its request log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Outcomes that `Simulator.script` accepts and `SimulatorConfig.faults` may draw from.
FAULT_OUTCOMES = frozenset(
    {
        "500",
        "502",
        "503",
        "429",
        "drop_before",
        "drop_after",
        "malformed",
        "400",
        "401",
        "403",
        "402",
        "404",
        "422",
    }
)


@dataclass
class SimulatorConfig:
    """Knobs of a `Simulator`. Fields may be changed while it runs; the next request sees them.

    `credit` is the number of creates still allowed (None: unlimited); each create spends one.
    `processing_time` is read when a workflow is created (each gets a little variation).
    `bandwidth_mbps` paces request bodies, all connections together, like a venue's uplink
    (None: loopback speed).
    """

    latency: float = 0.0
    processing_time: float = 6.0
    fault_rate: float = 0.0
    faults: tuple[str, ...] = ("500", "503", "429", "drop_before", "drop_after")
    retry_after: float = 1.0
    credit: int | None = None
    fail_rate: float = 0.0
    valid_keys: frozenset[str] | None = None
    seed: int | None = None
    bandwidth_mbps: float | None = None


@dataclass(frozen=True)
class RecordedFile:
    """One uploaded file part, as the server received it."""

    field: str
    filename: str
    size: int
    sha256: str
    content_type: str


@dataclass
class RecordedRequest:
    """One request the simulator received and what it did with it.

    `status` is None when the connection was dropped without an answer. `outcome` is "ok" for
    normal service, else the fault applied ("503", "drop_after", "slow:0.5", ...).
    """

    method: str
    path: str
    query: str = ""
    status: int | None = None
    outcome: str = "ok"
    api_key: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[RecordedFile] = field(default_factory=list)
    json: Any = None
    workflow_id: str | None = None
