"""Typed errors of the Workflow API, each with a message a non-technical user understands.

`str(error)` is always `error.user_message`. Technical details (the server's own words, the
HTTP status) are kept in attributes for logs and error reports, never mixed into the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """Base of every error the client raises (cancellation excepted)."""

    default_message = "Something went wrong while talking to Vimmerse."
    retryable = False

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = None,
        server_message: str | None = None,
    ) -> None:
        self.user_message = user_message or self.default_message
        self.status = status
        # The server's own words (already scrubbed of the key), for logs and reports.
        self.server_message = server_message
        super().__init__(self.user_message)

    def __str__(self) -> str:
        return self.user_message


class KeyMissingError(ApiError):
    """No API key was given; nothing was sent."""

    default_message = "No Vimmerse API key is set. Please enter your key to continue."


class KeyRefusedError(ApiError):
    """401/403: the key is wrong, revoked or not allowed."""

    default_message = (
        "Vimmerse did not accept your API key. Please check the key, or ask Vimmerse for a new one."
    )


class InvalidKeyError(KeyRefusedError, ValueError):
    """The key has characters no API key has (a space, a line break, an accented letter...).

    Raised before anything is sent; also a ValueError, like other unusable settings.
    """

    default_message = (
        "This API key has spaces, line breaks or other characters an API key never has. "
        "Please copy the key again from your Vimmerse account, exactly as shown, and paste it."
    )


class InsufficientCreditError(ApiError):
    """402: the account has no credit left."""

    default_message = (
        "Your Vimmerse account is out of credit. Add credit, then resume the batch: "
        "the remaining photos stay queued."
    )


class NotFoundError(ApiError):
    """404: the workflow (or file) does not exist, e.g. it was deleted elsewhere."""

    default_message = "Vimmerse no longer has this workflow. It may have been deleted."


class ValidationError(ApiError):
    """422: the server refused one field; `.field` names it in plain words."""

    def __init__(
        self,
        field: str | None,
        detail: str,
        *,
        status: int | None = 422,
        server_message: str | None = None,
    ) -> None:
        self.field = field
        self.detail = detail
        subject = f"the {field}" if field else "the request"
        message = f"The server did not accept {subject}: {detail}" if detail else ""
        super().__init__(
            message or f"The server did not accept {subject}.",
            status=status,
            server_message=server_message,
        )


class BadRequestError(ApiError):
    """400: the request was wrong; resending it will not help."""

    default_message = "Vimmerse refused the request as invalid."


class RateLimitedError(ApiError):
    """429: too many requests; `.retry_after` is the server's wait in seconds, if it gave one."""

    retryable = True

    def __init__(
        self,
        retry_after: float | None = None,
        *,
        status: int | None = 429,
        server_message: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        if retry_after is not None and retry_after >= 1:
            wait = f" Trying again in {_duration(retry_after)}."
        else:
            wait = " Trying again shortly."
        super().__init__(
            "Vimmerse is busy and asked us to slow down." + wait,
            status=status,
            server_message=server_message,
        )


class ServerError(ApiError):
    """5xx: a fault on the server's side."""

    retryable = True

    def __init__(self, status: int | None = 500, *, server_message: str | None = None) -> None:
        # The status stays in .status (logs, reports): a number means nothing to the user.
        super().__init__(
            "Vimmerse had a problem answering. Please try again later.",
            status=status,
            server_message=server_message,
        )


class MalformedResponseError(ApiError):
    """A success answer whose body is not the documented JSON."""

    retryable = True

    def __init__(self, detail: str = "", *, status: int | None = None) -> None:
        self.detail = detail
        super().__init__(
            "The Vimmerse server sent an answer the app could not read. Please try again later.",
            status=status,
            server_message=detail or None,
        )


class NetworkError(ApiError):
    """No answer: `.sent` tells whether the request may have reached the server."""

    retryable = True

    def __init__(self, detail: str = "", *, sent: bool) -> None:
        self.sent = sent
        self.detail = detail
        message = (
            "The connection to Vimmerse was lost before it answered. "
            "Please check your internet connection."
            if sent
            else "Could not reach the Vimmerse server. Please check your internet connection."
        )
        super().__init__(message, server_message=detail or None)


# What happened to a create's answer, in the words MaybeCreatedError gives the user.
_MAYBE_CREATED_WHAT = {
    "lost": "The connection was lost after this photo was sent",
    "timeout": "Vimmerse did not answer in time after this photo was sent",
    "server": "Vimmerse had a problem answering after this photo was sent",
    "unreadable": "Vimmerse's answer to this photo could not be read",
}


class MaybeCreatedError(ApiError):
    """The answer to a create was lost after the request went out: it may exist and cost credit.

    `kind` says what happened: "lost" (the connection dropped after the whole body went out),
    "timeout" (no answer in time), "server" (a 5xx other than 503 after the body), "unreadable"
    (a 2xx answer that is not the documented JSON). Never resent silently: the user decides
    (look in the Vimmerse account, or send again), or the batch's setting does.
    """

    default_message = (
        _MAYBE_CREATED_WHAT["lost"] + ", so Vimmerse may have created the workflow (and used "
        "credit). Check your Vimmerse account before sending it again."
    )

    def __init__(self, detail: str = "", *, status: int | None = None, kind: str = "lost") -> None:
        self.detail = detail
        self.kind = kind if kind in _MAYBE_CREATED_WHAT else "lost"
        message = (
            _MAYBE_CREATED_WHAT[self.kind] + ", so Vimmerse may have created the workflow (and "
            "used credit). Check your Vimmerse account before sending it again."
        )
        super().__init__(message, status=status, server_message=detail or None)


class CancelledError(Exception):
    """The caller's cancel event was set: the request or the wait was stopped on purpose.

    Deliberately not an ApiError: code that marks items failed on ApiError must not do so
    when the user simply pressed Stop.
    """

    user_message = "Stopped."

    def __init__(self) -> None:
        super().__init__(self.user_message)


# A secret at least this long is hidden wherever it appears; a shorter one (no real key is, but
# a user may type "abc" before it is refused) only where it stands alone: hidden inside other
# words it would mangle them ("Created workflow abc542d0-…" read "[hidden]542d0-…").
MIN_EMBEDDED_SECRET = 8
_KEY_CHAR = r"A-Za-z0-9_\-"


def scrub(text: str, secret: str | None) -> str:
    """Remove the secret from a text (the server might echo a key back).

    Also its escaped spellings (as in repr() of a str or of bytes), which is how library error
    messages quote a value such as a header that was refused. A short secret is removed only
    where it stands alone (`MIN_EMBEDDED_SECRET`): still never written whole.
    """
    if not secret:
        return text
    spellings = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
    }
    for spelling in sorted(spellings, key=len, reverse=True):
        if not spelling or spelling not in text:
            continue
        if len(secret) >= MIN_EMBEDDED_SECRET:
            text = text.replace(spelling, "[hidden]")
        else:
            alone = rf"(?<![{_KEY_CHAR}]){re.escape(spelling)}(?![{_KEY_CHAR}])"
            text = re.sub(alone, "[hidden]", text)
    return text


def scrub_value(value: Any, secret: str | None) -> Any:
    """`scrub` through nested dicts, lists and tuples (keys too)."""
    if not secret:
        return value
    if isinstance(value, str):
        return scrub(value, secret)
    if isinstance(value, Mapping):
        return {scrub_value(k, secret): scrub_value(v, secret) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(v, secret) for v in value]
    return value


def _duration(seconds: float) -> str:
    if seconds < 90:
        whole = round(seconds)
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
