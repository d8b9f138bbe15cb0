"""Result files are real: JPEGs at the requested aspect ratio and MJPEG AVIs with real frames."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image
from simtools import create, finished, wait_for

from app.simulator.media import canvas_size, template_label


def finished_result(client: httpx.Client, photo: Path, **fields: str) -> dict:  # type: ignore[type-arg]
    workflow_id = create(client, photo, **fields).json()["data"]["id"]
    done = wait_for(client, workflow_id, finished)
    assert done["processing_status"] == "success"
    return done


@pytest.mark.parametrize(
    ("ratio", "size"), [("16:9", (1280, 720)), ("9:16", (720, 1280)), ("1:1", (1080, 1080))]
)
def test_result_image_has_the_requested_aspect_ratio(
    client: httpx.Client, photo: Path, ratio: str, size: tuple[int, int]
) -> None:
    done = finished_result(client, photo, options=f'{{"aspect_ratio": "{ratio}"}}')
    answer = httpx.get(done["result"][0]["url"])
    assert answer.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(answer.content))
    assert image.format == "JPEG" and image.size == size
    # Not a flat debug picture: many colours from the photo and the decoration.
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 2000


def test_every_completion_file_downloads(client: httpx.Client, photo: Path) -> None:
    done = finished_result(client, photo)
    for completion in done["completions"]:
        for item in completion["result"]:
            answer = httpx.get(item["url"])
            assert answer.status_code == 200
            assert answer.headers["content-type"] == item["content_type"]
            Image.open(io.BytesIO(answer.content)).verify()


def read_avi(data: bytes) -> dict[str, object]:
    """Walk the RIFF tree independently of the writer: headers, stream and frame chunks."""
    assert data[:4] == b"RIFF" and data[8:12] == b"AVI "
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    info: dict[str, object] = {"frames": []}

    def walk(start: int, end: int) -> None:
        pos = start
        while pos + 8 <= end:
            fourcc, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
            payload = pos + 8
            if fourcc == b"LIST":
                walk(payload + 4, payload + size)
            elif fourcc == b"avih":
                us, _, _, flags, total, _, streams, _, width, height = struct.unpack(
                    "<10I", data[payload : payload + 40]
                )
                info.update(
                    us_per_frame=us,
                    total=total,
                    streams=streams,
                    width=width,
                    height=height,
                    flags=flags,
                )
            elif fourcc == b"strh":
                info.update(
                    handler=data[payload + 4 : payload + 8],
                    rate=struct.unpack("<I", data[payload + 24 : payload + 28])[0],
                )
            elif fourcc == b"strf":
                info["compression"] = data[payload + 16 : payload + 20]
            elif fourcc == b"00dc":
                info["frames"].append(data[payload : payload + size])  # type: ignore[attr-defined]
            elif fourcc == b"idx1":
                info["index_entries"] = size // 16
            pos = payload + size + (size & 1)
        assert pos == end, "chunk sizes add up"

    walk(12, len(data))
    return info


def test_video_result_is_a_real_mjpeg_avi(
    client: httpx.Client, photo: Path, tmp_path: Path
) -> None:
    done = finished_result(
        client, photo, options='{"pipeline_mode": "video", "aspect_ratio": "9:16"}'
    )
    answer = httpx.get(done["result"][0]["url"])
    assert answer.headers["content-type"] == "video/x-msvideo"
    info = read_avi(answer.content)
    frames: list[bytes] = info["frames"]  # type: ignore[assignment]
    assert info["handler"] == b"MJPG" and info["compression"] == b"MJPG"
    assert (info["width"], info["height"]) == (720, 1280)
    assert info["total"] == len(frames) == info["index_entries"]
    assert 2.0 <= len(frames) / info["rate"] <= 3.0  # type: ignore[operator]
    first, last = (Image.open(io.BytesIO(frames[i])) for i in (0, -1))
    assert first.size == last.size == (720, 1280)
    assert first.tobytes() != last.tobytes(), "the picture moves"
    if shutil.which("ffprobe"):  # a second opinion when the machine happens to have one
        video = tmp_path / "v.avi"
        video.write_bytes(answer.content)
        probe = subprocess.run(
            ["ffprobe", "-v", "error", str(video)], capture_output=True, timeout=30
        )
        assert probe.returncode == 0


def test_concurrent_downloads_render_once_and_agree(client: httpx.Client, photo: Path) -> None:
    done = finished_result(client, photo)
    url = done["result"][0]["url"]
    with ThreadPoolExecutor(6) as pool:
        bodies = list(pool.map(lambda _: httpx.get(url).content, range(6)))
    assert len(set(bodies)) == 1 and len(bodies[0]) > 10_000
    refreshed = client.get(f"/workflow/{done['id']}").json()["data"]
    assert refreshed["media_result"][0]["size"] == len(bodies[0])


def test_template_labels_and_sizes() -> None:
    assert template_label("vim_new_year_2026") == "New Year 2026"
    assert template_label("vim_sketch_me") == "Sketch Me"
    assert template_label("vim_photobooth_1225") == "Photobooth"
    assert template_label("overlay_gray_5443") == "Overlay Gray 5443"
    assert canvas_size("4:3") == (1280, 960) and canvas_size("3:4") == (960, 1280)
    assert canvas_size("nonsense") == (1280, 720)
