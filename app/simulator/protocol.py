"""The API's answers as bytes: success envelopes, documented error bodies and fault answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Reply:
    """One HTTP answer. `file` replaces `body` for downloads, which stream from disk."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None


class HttpError(Exception):
    """Raised by endpoint code to answer an error; carries the documented body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    def reply(self) -> Reply:
        return json_reply(self.status, self.body, self.headers)


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status, json.dumps(payload).encode("utf-8"), "application/json", dict(headers or {})
    )


def data_reply(data: dict[str, Any]) -> Reply:
    """Every successful answer: `{"data": {...}}`."""
    return json_reply(200, {"data": data})


def bad_request() -> HttpError:
    return HttpError(400, {"message": "BAD_REQUEST"})


def not_found() -> HttpError:
    return HttpError(404, {"message": "NOT_FOUND"})


def insufficient_credit() -> HttpError:
    return HttpError(402, {"message": "INSUFFICIENT_CREDIT"})


def not_authenticated() -> HttpError:
    return HttpError(401, {"detail": "Not authenticated"})


def key_refused() -> HttpError:
    return HttpError(403, {"detail": "Invalid API key"})


def validation(*errors: tuple[list[str | int], str, str]) -> HttpError:
    """422 with one entry per problem: (loc, msg, type), as FastAPI words it."""
    return HttpError(
        422, {"detail": [{"loc": loc, "msg": msg, "type": kind} for loc, msg, kind in errors]}
    )


def retry_after_header(seconds: float) -> str:
    """Whole seconds when whole (the HTTP form); otherwise a decimal, so tests can stay fast."""
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:g}"


MALFORMED_BODY = (
    b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
    b"<body><h1>We'll be right back</h1></body></html>"
)
BAD_GATEWAY_BODY = (
    b"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
)


def fault_reply(outcome: str, retry_after: float) -> Reply:
    """The answer a scripted or random fault gives in place of normal service."""
    if outcome == "429":
        return json_reply(
            429, {"message": "TOO_MANY_REQUESTS"}, {"Retry-After": retry_after_header(retry_after)}
        )
    if outcome == "500":
        return json_reply(500, {"message": "INTERNAL_SERVER_ERROR"})
    if outcome == "502":
        return Reply(502, BAD_GATEWAY_BODY, "text/html")
    if outcome == "503":
        return json_reply(503, {"message": "SERVICE_UNAVAILABLE"})
    if outcome == "malformed":
        return Reply(200, MALFORMED_BODY, "text/html; charset=utf-8")
    if outcome == "400":
        return bad_request().reply()
    if outcome == "401":
        return not_authenticated().reply()
    if outcome == "402":
        return insufficient_credit().reply()
    if outcome == "403":
        return key_refused().reply()
    if outcome == "404":
        return not_found().reply()
    if outcome == "422":
        return validation((["body"], "Simulated validation error", "value_error")).reply()
    raise ValueError(f"unknown fault outcome {outcome!r}")
