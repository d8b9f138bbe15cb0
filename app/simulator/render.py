"""Making a finished workflow's files on first request: once, thread-safely, cached on disk."""

from __future__ import annotations

import hashlib
import io
import math
import threading
from pathlib import Path

from PIL import Image

from app.simulator.avi import mjpeg_avi
from app.simulator.media import Scene, compose_scene, detection_view, load_photo, person_photo
from app.simulator.persistence import write_atomically
from app.simulator.state import WorkflowRecord

VIDEO_FPS = 12
VIDEO_SECONDS = 2.5
JPEG_QUALITY = 88


class Renderer:
    """Renders a workflow's outputs into its folder; concurrent requests for one file wait for
    the first to finish instead of rendering twice."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def ensure(self, record: WorkflowRecord, folder: Path, name: str) -> Path:
        """Path of the rendered output `name` (e.g. "result.jpg"), rendering it if needed."""
        target = folder / name
        if target.exists():
            return target
        key = f"{record.id}/{name}"
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if not target.exists():
                data = self._render(record, name)
                write_atomically(target, data)
                record.rendered[name] = len(data)
        with self._guard:
            self._locks.pop(key, None)
        return target

    def forget(self, workflow_id: str) -> None:
        with self._guard:
            for key in [k for k in self._locks if k.startswith(workflow_id + "/")]:
                del self._locks[key]

    def _render(self, record: WorkflowRecord, name: str) -> bytes:
        seed = int(hashlib.sha256(record.id.encode()).hexdigest()[:8], 16)
        photo = self._photo(record, seed)
        if name == "detect_people.jpg":
            return _jpeg(detection_view(photo, seed))
        scene = compose_scene(
            photo,
            record.template_id,
            record.options.get("aspect_ratio", "16:9"),
            seed,
            caption=record.title,
        )
        if name.endswith(".avi"):
            return animate(scene)
        return _jpeg(scene.finish(0.0))

    @staticmethod
    def _photo(record: WorkflowRecord, seed: int) -> Image.Image:
        readable = [item for item in record.inputs if item.readable]
        if readable:
            return load_photo(readable[0].path)
        # image_urls only: there is no internet here, so a stand-in photo.
        return person_photo((1200, 900), seed)


def animate(scene: Scene, fps: int = VIDEO_FPS, seconds: float = VIDEO_SECONDS) -> bytes:
    """A slow zoom and pan over the scene, its decoration falling: an MJPEG AVI."""
    width, height = scene.base.size
    count = max(2, round(fps * seconds))
    frames: list[bytes] = []
    for index in range(count):
        progress = index / (count - 1)
        ease = 0.5 - 0.5 * math.cos(math.pi * progress)
        zoom = 1.0 + 0.12 * ease
        crop_w, crop_h = width / zoom, height / zoom
        cx = width / 2 + (width - crop_w) / 2 * 0.5 * (ease - 0.5)
        cy = height / 2 - (height - crop_h) / 2 * 0.3 * ease
        box = (cx - crop_w / 2, cy - crop_h / 2, cx + crop_w / 2, cy + crop_h / 2)
        moved = scene.base.resize((width, height), Image.Resampling.BILINEAR, box=box)
        frames.append(_jpeg(scene.finish(index / fps, moved), quality=82))
    return mjpeg_avi(frames, width, height, fps)


def _jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()
