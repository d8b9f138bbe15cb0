"""A faithful local server of the Vimmerse Workflow API, for tests, benchmarks and demo mode."""

from app.simulator.config import RecordedFile, RecordedRequest, SimulatorConfig
from app.simulator.server import Simulator

__all__ = ["RecordedFile", "RecordedRequest", "Simulator", "SimulatorConfig"]
