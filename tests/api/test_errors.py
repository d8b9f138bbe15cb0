"""Mapping server answers to typed errors with plain-language messages."""

from __future__ import annotations

import pytest

from app.api import (
    ApiError,
    BadRequestError,
    InsufficientCreditError,
    KeyRefusedError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from app.api.errors import scrub_value
from app.api.responses import error_for_status, server_words


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (401, None, KeyRefusedError, "did not accept your API key"),
        (403, {"detail": "Forbidden"}, KeyRefusedError, "did not accept your API key"),
        (402, {"message": "INSUFFICIENT_CREDIT"}, InsufficientCreditError, "out of credit"),
        (404, {"message": "NOT_FOUND"}, NotFoundError, "no longer has this workflow"),
        (400, {"message": "BAD_REQUEST"}, BadRequestError, "refused the request"),
        (500, "oops", ServerError, "Vimmerse had a problem answering. Please try again later."),
        (503, None, ServerError, "Vimmerse had a problem answering. Please try again later."),
        (429, None, RateLimitedError, "slow down"),
        (418, None, ApiError, "unexpected error"),
    ],
)
def test_status_mapping(status: int, body: object, kind: type[ApiError], words: str) -> None:
    error = error_for_status(status, body, {})
    assert type(error) is kind
    assert words in str(error)
    assert str(error) == error.user_message
    assert error.status == status
    assert str(status) not in str(error)  # the code is for logs and reports, not the user
    # Technical codes are kept for reports but not shown to the user.
    assert "INSUFFICIENT_CREDIT" not in str(error) and "BAD_REQUEST" not in str(error)


def test_retryable_flags() -> None:
    assert error_for_status(503, None, {}).retryable
    assert error_for_status(429, None, {}).retryable
    assert not error_for_status(402, None, {}).retryable
    assert not error_for_status(422, None, {}).retryable


def test_validation_names_the_field_in_plain_words() -> None:
    body = {
        "detail": [
            {
                "loc": ["body", "visibility_status"],
                "msg": "Input should be '0', '1' or '2'",
                "type": "enum",
            }
        ]
    }
    error = error_for_status(422, body, {})
    assert isinstance(error, ValidationError)
    assert error.field == "visibility"
    assert error.detail == "Input should be '0', '1' or '2'"
    assert str(error) == "The server did not accept the visibility: Input should be '0', '1' or '2'"


def test_validation_with_unknown_field_and_string_detail() -> None:
    error = error_for_status(422, {"detail": [{"loc": ["body", "pixel_mode"], "msg": "bad"}]}, {})
    assert str(error) == "The server did not accept the pixel mode: bad"
    error = error_for_status(422, {"detail": "Image too small"}, {})
    assert str(error) == "The server did not accept the request: Image too small"


def test_server_words_order() -> None:
    assert server_words({"message": "M", "code": "C", "detail": "D"}) == "M"
    assert server_words({"code": "C", "detail": "D"}) == "C"
    assert server_words({"detail": "D"}) == "D"
    assert server_words({"detail": [{"msg": "a"}, {"msg": "b"}]}) == "a; b"
    assert server_words("nope") is None


def test_bad_request_shows_real_sentences() -> None:
    error = error_for_status(400, {"message": "Unknown key colour in body"}, {})
    assert str(error) == "Vimmerse refused the request: Unknown key colour in body"


def test_retry_after_seconds_and_date() -> None:
    error = error_for_status(429, None, {"retry-after": "7"})
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7.0
    assert "7 seconds" in str(error)
    dated = error_for_status(429, None, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert isinstance(dated, RateLimitedError)
    assert dated.retry_after == 0.0  # a date in the past: go now


def test_key_is_scrubbed_from_server_words() -> None:
    secret = "sk-very-secret-123"
    error = error_for_status(400, {"message": f"bad key {secret} given"}, {}, secret=secret)
    assert secret not in str(error)
    assert error.server_message is not None and secret not in error.server_message
    error = error_for_status(
        422, {"detail": [{"loc": ["body", "title"], "msg": secret}]}, {}, secret=secret
    )
    assert secret not in str(error)


def test_scrub_value_walks_nested_data() -> None:
    secret = "k3y-0123456789"
    out = scrub_value({"a": [f"x{secret}", {"b": (secret, 1)}], secret: 2}, secret)
    assert secret not in repr(out)
    assert out["a"][1]["b"][1] == 1


def test_scrub_hides_the_key_as_libraries_quote_it() -> None:
    from app.api.errors import scrub

    secret = "sk-1\n2é"
    quoted = f"Illegal header value {secret.encode()!r}; also {secret!r} and {secret}"
    out = scrub(quoted, secret)
    assert "sk-1" not in out and out.count("[hidden]") == 3


def test_a_short_secret_is_hidden_where_it_stands_alone_not_inside_other_words() -> None:
    """A short wrong key the user typed ("abc", refused) is registered for scrubbing: hidden
    inside a workflow id it would mangle the log; it is still never written whole."""
    from app.api.errors import scrub

    out = scrub("Created workflow abc542d0-77e1; worker abcd; key 'abc' refused: abc", "abc")
    assert out == "Created workflow abc542d0-77e1; worker abcd; key '[hidden]' refused: [hidden]"
    long_key = "sk-abc12345"  # as long as a real key: hidden wherever it appears
    assert scrub(f"x{long_key}y", long_key) == "x[hidden]y"
