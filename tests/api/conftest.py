"""Fixtures of the API client tests: scripted loopback servers and a refused port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from .scripted import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.stop()


@pytest.fixture
def other_server() -> Iterator[ScriptedServer]:
    """A second origin, standing in for the media host of result files."""
    scripted = ScriptedServer()
    yield scripted
    scripted.stop()


@pytest.fixture
def closed_port() -> int:
    """A port nobody listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
