"""Reading the server's answers: unwrapping `{"data": ...}` and mapping failures to errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from app.api.errors import (
    ApiError,
    BadRequestError,
    InsufficientCreditError,
    KeyRefusedError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
    scrub,
)
from app.api.retry import parse_retry_after

if TYPE_CHECKING:
    import httpx

# Words for the API's field names, for "The server did not accept the <field>: ...".
_FIELD_WORDS = {
    "visibility_status": "visibility",
    "template_id": "template",
    "model": "template",
    "image_files": "photos",
    "image_urls": "image links",
    "options": "template options",
    "event_id": "event",
    "delivered_at": "delivery time",
    "workflow_id": "workflow id",
    "error_message": "error message",
    "title": "title",
    "description": "description",
    "rating": "rating",
    "context": "error details",
}
_LOC_PREFIXES = {"body", "query", "path", "header", "cookie", "form"}


def server_words(body: object) -> str | None:
    """The error text of a body: `message`, then `code`, then `detail` (as the contract says)."""
    if not isinstance(body, dict):
        return None
    for key in ("message", "code", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if key == "detail" and isinstance(value, list) and value:
            return "; ".join(_detail_text(item) for item in value)
    return None


def error_for_status(
    status: int,
    body: object,
    headers: Mapping[str, str],
    *,
    secret: str | None = None,
) -> ApiError:
    """Map an unsuccessful HTTP answer to its typed error."""
    words = server_words(body)
    words = scrub(words, secret) if words else None
    if status in (401, 403):
        return KeyRefusedError(status=status, server_message=words)
    if status == 402:
        return InsufficientCreditError(status=status, server_message=words)
    if status == 404:
        return NotFoundError(status=status, server_message=words)
    if status == 422:
        field, detail = _validation(body)
        return ValidationError(field, scrub(detail, secret), status=status, server_message=words)
    if status == 429:
        return RateLimitedError(
            parse_retry_after(headers.get("retry-after")), status=status, server_message=words
        )
    if status >= 500:
        return ServerError(status, server_message=words)
    if status == 400:
        # Technical codes such as "BAD_REQUEST" mean nothing to a user; real sentences do.
        if words and " " in words:
            return BadRequestError(
                f"Vimmerse refused the request: {words}", status=status, server_message=words
            )
        return BadRequestError(status=status, server_message=words)
    return ApiError(
        "Vimmerse answered with an unexpected error. Please try again later.",
        status=status,
        server_message=words,
    )


def _validation(body: object) -> tuple[str | None, str]:
    """The first refused field in plain words, and every message joined."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return None, detail
    if not isinstance(detail, list) or not detail:
        words = server_words(body)
        return None, words or ""
    field: str | None = None
    for item in detail:
        if isinstance(item, dict) and field is None:
            field = _field_from_loc(item.get("loc"))
    return field, "; ".join(_detail_text(item) for item in detail)


def _field_from_loc(loc: object) -> str | None:
    if not isinstance(loc, list | tuple):
        return None
    names = [str(p) for p in loc if isinstance(p, str) and p not in _LOC_PREFIXES]
    if not names:
        return None
    name = names[-1]
    return _FIELD_WORDS.get(name, name.replace("_", " "))


def _detail_text(item: object) -> str:
    if isinstance(item, dict):
        msg = item.get("msg")
        return str(msg) if msg is not None else ""
    return str(item)


def read_body(response: httpx.Response) -> object:
    """The JSON body, or None if the answer is not JSON at all."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
