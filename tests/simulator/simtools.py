"""Helpers shared by the simulator's tests (imported by name: tests/ is not a package)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

KEY = "test-key-123"


def create(http: httpx.Client, photo: Path | None = None, **fields: Any) -> httpx.Response:
    """POST /workflow with one photo (unless None) and the given form fields."""
    data = {key: value for key, value in fields.items()}
    if photo is None:
        return http.post("/workflow", data=data)
    with photo.open("rb") as handle:
        return http.post(
            "/workflow", data=data, files=[("image_files", (photo.name, handle, "image/jpeg"))]
        )


def wait_for(
    http: httpx.Client,
    workflow_id: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 5.0,
) -> dict[str, Any]:
    """Poll GET /workflow/<id> until `done(workflow)`; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        workflow = http.get(f"/workflow/{workflow_id}").json()["data"]
        if done(workflow):
            return workflow
        if time.monotonic() > deadline:
            pytest.fail(f"workflow never got there: {workflow['processing_status']}")
        time.sleep(0.03)


def finished(workflow: dict[str, Any]) -> bool:
    return workflow["processing_status"] in ("success", "fail")
