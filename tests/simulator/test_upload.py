"""Uploads are parsed as they stream: big files go to disk, never into memory."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
from simtools import finished, wait_for

from app.simulator import Simulator
from app.simulator.multipart import parse_multipart


def test_a_large_upload_streams_to_disk(
    simulator: Simulator, client: httpx.Client, tmp_path: Path
) -> None:
    big = tmp_path / "big.jpg"
    with big.open("wb") as out:
        for _ in range(20):
            out.write(os.urandom(1024 * 1024))
    expected = hashlib.sha256(big.read_bytes()).hexdigest()
    tracemalloc.start()
    try:
        with big.open("rb") as handle:
            answer = client.post(
                "/workflow",
                data={"title": "big"},
                files=[("image_files", ("big.jpg", handle, "image/jpeg"))],
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 200
    (recorded,) = simulator.requests[-1].files
    assert (recorded.size, recorded.sha256) == (20 * 1024 * 1024, expected)
    assert peak < 8 * 1024 * 1024, f"server and client held {peak} bytes at once"
    served = httpx.get(answer.json()["data"]["images"][0])
    assert hashlib.sha256(served.content).hexdigest() == expected
    # Random bytes are no photo: the workflow fails like the real service would.
    assert wait_for(client, answer.json()["data"]["id"], finished)["processing_status"] == "fail"


def test_chunked_multipart_body(simulator: Simulator, client: httpx.Client, photo: Path) -> None:
    boundary = "sim-boundary-42"
    data = photo.read_bytes()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nchunky\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image_files"; filename="a.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )

    def pieces() -> Iterator[bytes]:  # odd sizes split the delimiter across chunks
        for start in range(0, len(body), 997):
            yield body[start : start + 997]

    answer = client.post(
        "/workflow",
        content=pieces(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["title"] == "chunky"
    (recorded,) = simulator.requests[-1].files
    assert recorded.sha256 == hashlib.sha256(data).hexdigest()


def test_parser_keeps_bytes_that_look_like_a_delimiter(tmp_path: Path) -> None:
    payload = b"--b\r\n--bo\r\n\r\n--boun\r\n-bound\n--bound" * 1000  # near-misses of the delimiter
    body = (
        b'--bound\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\n\r\n'
        + payload
        + b'\r\n--bound\r\nContent-Disposition: form-data; name="k"\r\n\r\nv1\r\n'
        + b'--bound\r\nContent-Disposition: form-data; name="k"\r\n\r\nv2\r\n--bound--\r\n'
    )
    position = 0

    def read(n: int) -> bytes:
        nonlocal position
        chunk = body[position : position + min(n, 7)]
        position += len(chunk)
        return chunk

    form = parse_multipart(read, b"bound", tmp_path)
    (part,) = form.files
    assert part.path.read_bytes() == payload
    assert form.get_all("k") == ["v1", "v2"]


def test_a_broken_body_is_a_400(client: httpx.Client) -> None:
    answer = client.post(
        "/workflow",
        content=b'--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nno end',
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert (answer.status_code, answer.json()) == (400, {"message": "BAD_REQUEST"})
