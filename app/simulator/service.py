"""The Workflow API's behaviour, apart from HTTP: create, read, update, delete, error log, files."""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.simulator.config import SimulatorConfig
from app.simulator.media import is_photo, template_defaults
from app.simulator.multipart import MultipartForm
from app.simulator.persistence import RecordStore
from app.simulator.protocol import (
    bad_request,
    insufficient_credit,
    not_found,
    validation,
)
from app.simulator.render import Renderer
from app.simulator.state import InputImage, WorkflowRecord, now_utc, owner_of, stamp

DEFAULT_TEMPLATE = "vim_new_year_2026"
VISIBILITIES = ("0", "1", "2")
PUT_KEYS = frozenset({"title", "description", "visibility_status", "rating", "delivered_at"})
INPUT_SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
KNOWN_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff"}
)
PROCESSING_VARIATION = 0.15


class WorkflowService:
    """Server-side state of the simulated API. Thread-safe: one lock guards the records."""

    def __init__(self, config: SimulatorConfig, root: Path, *, persistent: bool = False):
        """`persistent`: keep every workflow on disk under `root` and start with those kept
        there by an earlier run (demo mode; see `app.simulator.persistence`)."""
        self.config = config
        self.root = root
        self.uploads = root / "uploads"
        self.files = root / "files"
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.files.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.store = RecordStore(root, self.files) if persistent else None
        self.records: dict[str, WorkflowRecord] = self.store.load() if self.store else {}
        self.error_reports: list[dict[str, Any]] = []
        self.created = 0
        self.fail_next = 0
        self.rng = random.Random(config.seed)
        self.renderer = Renderer()

    def reset(self) -> None:
        with self.lock:
            ids = list(self.records)
            self.records.clear()
            self.error_reports.clear()
            self.created = 0
            self.fail_next = 0
            self.rng = random.Random(self.config.seed)
            if self.store is not None:
                self.store.clear()
        for workflow_id in ids:
            self._remove_files(workflow_id)

    # ------------------------------------------------------------------ create

    def create(
        self, api_key: str, form: MultipartForm, base_url: str
    ) -> tuple[str, dict[str, Any]]:
        """Validate, spend one credit, store the inputs; returns (id, workflow JSON)."""
        uploads = [part for part in form.files if part.filename or part.size]
        stray = [part for part in form.files if part not in uploads]
        for part in stray:
            part.path.unlink(missing_ok=True)
        form.files = uploads
        errors: list[tuple[list[str | int], str, str]] = []
        visibility = form.get("visibility_status")
        visibility = "1" if visibility is None else visibility
        if visibility not in VISIBILITIES:
            errors.append(
                (
                    ["body", "visibility_status"],
                    "visibility_status must be '0', '1' or '2'",
                    "value_error",
                )
            )
        options_text = form.get("options")
        options: Any = {}
        try:
            options = json.loads(options_text) if options_text not in (None, "") else {}
        except ValueError:
            options = None
        if not isinstance(options, dict):
            errors.append(
                (["body", "options"], "options must be a JSON object string", "value_error")
            )
            options = {}
        text_files = [value for name, value in form.fields if name == "image_files"]
        if text_files:
            errors.append(
                (
                    ["body", "image_files", 0],
                    "Expected UploadFile, received: <class 'str'>",
                    "value_error",
                )
            )
        urls = [u.strip() for u in form.get_all("image_urls") if u.strip()]
        if not uploads and not urls and not text_files:
            errors.append((["body", "image_files"], "Provide image_files or image_urls", "missing"))
        if errors:
            raise validation(*errors)

        template_id = form.get("template_id") or DEFAULT_TEMPLATE
        merged: dict[str, Any] = {
            k: v for k, v in template_defaults(template_id).items() if v != ""
        }
        merged.setdefault("aspect_ratio", "16:9")
        merged.setdefault("pipeline_mode", "image")
        merged.update(options)
        primary_user, customer = owner_of(api_key)

        with self.lock:
            credit = self.config.credit
            if credit is not None and credit <= 0:
                raise insufficient_credit()
            if credit is not None:
                self.config.credit = credit - 1
            workflow_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            while workflow_id in self.records:  # a seeded run restarted on kept workflows
                workflow_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            will_fail = False
            if self.fail_next > 0:
                self.fail_next -= 1
                will_fail = True
            elif self.config.fail_rate > 0 and self.rng.random() < self.config.fail_rate:
                will_fail = True
            variation = self.rng.uniform(1 - PROCESSING_VARIATION, 1 + PROCESSING_VARIATION)
            self.created += 1

        folder = self.files / workflow_id
        folder.mkdir(parents=True, exist_ok=True)
        inputs: list[InputImage] = []
        for number, part in enumerate(uploads, start=1):
            suffix = Path(part.filename.replace("\\", "/")).suffix.lower()
            if suffix not in KNOWN_SUFFIXES:
                suffix = INPUT_SUFFIXES.get(part.content_type.split(";")[0].strip().lower(), ".bin")
            name = f"input_{number}{'.jpg' if suffix == '.jpeg' else suffix}"
            target = folder / name
            shutil.move(str(part.path), target)
            inputs.append(InputImage(name, target, part.content_type, is_photo(target)))
        form.files = []

        failure = None
        if inputs and not any(item.readable for item in inputs):
            will_fail = True
            failure = "The uploaded file is not a JPEG, PNG or WebP image"
        elif will_fail:
            failure = "No person could be found in the photo"
        record = WorkflowRecord(
            id=workflow_id,
            title=form.get("title") or "",
            description=form.get("description") or "",
            visibility_status=visibility,
            template_id=template_id,
            options=merged,
            event_id=form.get("event_id") or "no_event",
            inputs=inputs,
            image_urls=[] if inputs else urls,
            primary_user_id=primary_user,
            customer_id=customer,
            created_at=now_utc(),
            created_mono=time.monotonic(),
            duration=max(0.0, self.config.processing_time * variation),
            will_fail=will_fail,
            failure_reason=failure,
        )
        with self.lock:
            self.records[workflow_id] = record
            self._keep(record)
            return workflow_id, record.to_json(base_url, time.monotonic())

    # ------------------------------------------------------------------ read, update, delete

    def get(self, workflow_id: str, base_url: str) -> dict[str, Any]:
        with self.lock:
            return self._record(workflow_id).to_json(base_url, time.monotonic())

    def update(self, workflow_id: str, body: Any, base_url: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not set(body) <= PUT_KEYS:
            raise bad_request()
        errors: list[tuple[list[str | int], str, str]] = []
        for key in ("title", "description", "rating"):
            if key in body and not isinstance(body[key], str):
                errors.append((["body", key], "Input should be a valid string", "string_type"))
        if "visibility_status" in body and body["visibility_status"] not in VISIBILITIES:
            errors.append(
                (
                    ["body", "visibility_status"],
                    "visibility_status must be '0', '1' or '2'",
                    "value_error",
                )
            )
        delivered = body.get("delivered_at")
        delivered_text: str | None = None
        if delivered is None:
            delivered_text = stamp(now_utc())
        elif isinstance(delivered, str):
            try:
                moment = datetime.fromisoformat(delivered.strip().replace("Z", "+00:00"))
                delivered_text = stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
            except ValueError:
                errors.append(
                    (
                        ["body", "delivered_at"],
                        "Input should be a valid datetime",
                        "datetime_parsing",
                    )
                )
        else:
            errors.append(
                (["body", "delivered_at"], "Input should be a valid datetime", "datetime_type")
            )
        with self.lock:
            record = self._record(workflow_id)
            if errors:
                raise validation(*errors)
            for key in ("title", "description", "visibility_status", "rating"):
                if key in body:
                    setattr(record, key, body[key])
            record.delivered_at = delivered_text
            record.edited_at = now_utc()
            self._keep(record)
            return record.to_json(base_url, time.monotonic())

    def delete(self, workflow_id: str, base_url: str) -> dict[str, Any]:
        with self.lock:
            record = self._record(workflow_id)
            answer = record.to_json(base_url, time.monotonic())
            del self.records[workflow_id]
            if self.store is not None:
                self.store.remove(workflow_id)
        self._remove_files(workflow_id)
        return answer

    def _keep(self, record: WorkflowRecord) -> None:
        """Write the record to disk when persistent (under the lock: changes land in order)."""
        if self.store is not None:
            self.store.save(record)

    def _record(self, workflow_id: str) -> WorkflowRecord:
        record = self.records.get(workflow_id)
        if record is None:
            raise not_found()
        return record

    def _remove_files(self, workflow_id: str) -> None:
        self.renderer.forget(workflow_id)
        shutil.rmtree(self.files / workflow_id, ignore_errors=True)

    # ------------------------------------------------------------------ error log

    def log_error(self, api_key: str, body: Any, base_url: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request()
        message = body.get("error_message")
        if message is None:
            raise validation((["body", "error_message"], "Field required", "missing"))
        if not isinstance(message, str):
            raise validation(
                (["body", "error_message"], "Input should be a valid string", "string_type")
            )
        _, customer = owner_of(api_key)
        year, week, _ = now_utc().isocalendar()
        log_path = f"customer-error-logs/{customer}/errors-{year}-W{week:02d}.log"
        with self.lock:
            self.error_reports.append(dict(body))
        return {
            "message": "Error logged successfully",
            "log_path": log_path,
            "log_url": f"{base_url}/{log_path}",
        }

    # ------------------------------------------------------------------ files

    def file(self, workflow_id: str, name: str) -> tuple[Path, str]:
        """(path, content type) of a served file; results only once the workflow succeeded."""
        with self.lock:
            record = self.records.get(workflow_id)
            if record is None:
                raise not_found()
            for item in record.inputs:
                if item.name == name:
                    return item.path, item.content_type or "application/octet-stream"
            output = record.output(name)
            status, _, _ = record.status(time.monotonic())
            if output is None or status != "success":
                raise not_found()
        try:
            path = self.renderer.ensure(record, self.files / workflow_id, name)
        except FileNotFoundError as exc:  # the folder went with a DELETE mid-render
            raise not_found() from exc
        with self.lock:
            if workflow_id not in self.records:  # deleted while rendering
                raise not_found()
        return path, output.content_type

    def snapshot(self, base_url: str) -> dict[str, dict[str, Any]]:
        now = time.monotonic()
        with self.lock:
            return {wid: record.to_json(base_url, now) for wid, record in self.records.items()}
