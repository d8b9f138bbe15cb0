"""Fixtures for the simulator's own tests: a real photo on disk and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from simtools import KEY

from app.simulator import Simulator
from app.simulator.media import person_photo


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A 4:3 JPEG of a person, drawn with Pillow."""
    path = tmp_path / "party photo.jpg"
    person_photo((1200, 900), seed=7).save(path, quality=90)
    return path


@pytest.fixture
def client(simulator: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.base_url, headers={"X-Api-Key": KEY}, timeout=10) as http:
        yield http
