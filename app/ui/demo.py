"""Demo mode: the Workflow API simulator in this process, sample photos, and a banner saying so.

Nothing is sent to Vimmerse: the app talks to the simulator on loopback with a made-up key, and
keeps its jobs in a separate store so that demo batches never mix with real ones. The simulator
keeps its workflows and result files in the demo's own folder (`<data>/demo/server`), so that a
demo batch interrupted by quitting resumes like a real one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.resources import resource_path

if TYPE_CHECKING:
    from app.simulator import Simulator

DEMO_KEY = "demo-key"
DEMO_PROCESSING_SECONDS = 6.0  # long enough to watch progress, short enough not to bore


def sample_photos() -> list[Path]:
    """The sample photos shipped in resources/samples (made for the project, free to use)."""
    folder = resource_path("samples")
    return sorted(p for p in folder.glob("*.jpg") if p.is_file())


def start_simulator(
    state_dir: Path | None = None, processing_time: float = DEMO_PROCESSING_SECONDS
) -> Simulator:
    """Start the simulator in-process (imported only here: never at module level); with
    `state_dir`, its workflows and files are kept there across restarts."""
    from app.simulator import Simulator, SimulatorConfig

    simulator = Simulator(
        SimulatorConfig(processing_time=processing_time, latency=0.05), state_dir=state_dir
    )
    simulator.start()
    return simulator


def demo_data_dir(data_dir: Path) -> Path:
    folder = data_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def demo_server_dir(demo_dir: Path) -> Path:
    """Where the demo's simulator keeps its workflows and result files."""
    return demo_dir / "server"


class DemoBanner(QFrame):
    """A band across the top of the window while in demo mode.

    Signals:
        key_requested(): "Use my API key…" was pressed.
    """

    key_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demoBanner")
        self.setStyleSheet(
            "#demoBanner { background: #fff4ce; border-bottom: 1px solid #e0c060; }"
            "#demoBanner QLabel { color: #4a3b00; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel(
            self.tr(
                "<b>Demo mode — nothing is sent to Vimmerse.</b> "
                "Results are made-up pictures, so you can try everything safely."
            ),
            self,
        )
        self.label.setObjectName("demoBannerText")
        self.label.setWordWrap(True)
        self.label.setAccessibleName(self.tr("Demo mode — nothing is sent to Vimmerse"))
        layout.addWidget(self.label, 1)
        self.key_button = QPushButton(self.tr("Use my API key…"), self)
        self.key_button.setObjectName("demoUseKey")
        self.key_button.setToolTip(self.tr("Leave the demo and send photos to Vimmerse"))
        self.key_button.clicked.connect(self.key_requested)
        layout.addWidget(self.key_button)
