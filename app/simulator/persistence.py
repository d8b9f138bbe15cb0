"""Keeping the simulator's workflows on disk, so that a restarted simulator still knows them.

Optional (tests and benchmarks run in memory): demo mode keeps its practice server's state in
the demo's data folder, so that a demo batch interrupted by quitting resumes exactly like a real
one. Layout under the state folder:

    server.json              {"port": N}: the address the stored result links point to
    workflows/<id>.json      one workflow record each (written atomically: temp file, fsync,
                             rename), removed on DELETE
    files/<id>/...           its uploaded photos and rendered results (already on disk)
    uploads/                 request bodies being received (emptied at start)

A record stores wall-clock times only; processing goes on while the simulator is stopped, as
it would on Vimmerse, so a workflow created before a restart has moved on (or finished) after.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from app.simulator.state import InputImage, WorkflowRecord, now_utc

log = logging.getLogger(__name__)

SERVER_FILE = "server.json"
RECORDS = "workflows"
FORMAT = 1


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step: never half a file, even after a power cut."""
    partial = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    with partial.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


def remembered_port(state_dir: Path) -> int:
    """The port the simulator last served on from this folder (0: none known)."""
    try:
        port = json.loads((state_dir / SERVER_FILE).read_text("utf-8")).get("port", 0)
    except (OSError, ValueError, AttributeError):
        return 0
    return port if isinstance(port, int) and 0 < port < 65536 else 0


def remember_port(state_dir: Path, port: int) -> None:
    write_atomically(state_dir / SERVER_FILE, json.dumps({"port": port}).encode())


class RecordStore:
    """Workflow records as JSON files in `<state_dir>/workflows`, their files in `files_dir`."""

    def __init__(self, state_dir: Path, files_dir: Path) -> None:
        self.folder = state_dir / RECORDS
        self.files = files_dir
        self.folder.mkdir(parents=True, exist_ok=True)

    def save(self, record: WorkflowRecord) -> None:
        data = json.dumps(_to_json(record, self.files), ensure_ascii=False).encode("utf-8")
        write_atomically(self.folder / f"{record.id}.json", data)

    def remove(self, workflow_id: str) -> None:
        (self.folder / f"{workflow_id}.json").unlink(missing_ok=True)

    def clear(self) -> None:
        for path in self.folder.glob("*.json"):
            path.unlink(missing_ok=True)

    def load(self) -> dict[str, WorkflowRecord]:
        """Every stored record; an unreadable one is logged and left out (never fatal)."""
        records: dict[str, WorkflowRecord] = {}
        for path in sorted(self.folder.glob("*.json")):
            try:
                record = _from_json(json.loads(path.read_text("utf-8")), self.files)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("simulator: workflow file %s could not be read: %s", path.name, exc)
                continue
            records[record.id] = record
        return records


def clear_folder(folder: Path) -> None:
    """Empty `folder` (half-received uploads of an earlier run), keeping the folder."""
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()


def _to_json(record: WorkflowRecord, files: Path) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "id": record.id,
        "title": record.title,
        "description": record.description,
        "visibility_status": record.visibility_status,
        "template_id": record.template_id,
        "options": record.options,
        "event_id": record.event_id,
        "inputs": [
            {
                "name": item.name,
                "content_type": item.content_type,
                "readable": item.readable,
            }
            for item in record.inputs
        ],
        "image_urls": record.image_urls,
        "primary_user_id": record.primary_user_id,
        "customer_id": record.customer_id,
        "created_at": record.created_at.isoformat(),
        "duration": record.duration,
        "will_fail": record.will_fail,
        "failure_reason": record.failure_reason,
        "edited_at": record.edited_at.isoformat() if record.edited_at else None,
        "rating": record.rating,
        "delivered_at": record.delivered_at,
    }


def _from_json(data: dict[str, Any], files: Path) -> WorkflowRecord:
    workflow_id = str(data["id"])
    if not workflow_id or "/" in workflow_id or "\\" in workflow_id or workflow_id in (".", ".."):
        raise ValueError(f"not a workflow id: {workflow_id!r}")
    folder = files / workflow_id
    created_at = datetime.fromisoformat(data["created_at"])
    # Monotonic time does not survive a restart: place the creation as far back as the wall
    # clock says it was.
    age = max(0.0, (now_utc() - created_at).total_seconds())
    edited = data.get("edited_at")
    record = WorkflowRecord(
        id=workflow_id,
        title=str(data["title"]),
        description=str(data["description"]),
        visibility_status=str(data["visibility_status"]),
        template_id=str(data["template_id"]),
        options=dict(data["options"]),
        event_id=str(data["event_id"]),
        inputs=[
            InputImage(
                name=str(item["name"]),
                path=folder / str(item["name"]),
                content_type=str(item["content_type"]),
                readable=bool(item["readable"]),
            )
            for item in data["inputs"]
        ],
        image_urls=[str(url) for url in data["image_urls"]],
        primary_user_id=str(data["primary_user_id"]),
        customer_id=str(data["customer_id"]),
        created_at=created_at,
        created_mono=time.monotonic() - age,
        duration=float(data["duration"]),
        will_fail=bool(data["will_fail"]),
        failure_reason=data.get("failure_reason"),
        edited_at=datetime.fromisoformat(edited) if edited else None,
        rating=data.get("rating"),
        delivered_at=data.get("delivered_at"),
    )
    for out in record.outputs:
        path = folder / out.name
        if path.is_file():
            record.rendered[out.name] = path.stat().st_size
    return record
