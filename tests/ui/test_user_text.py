"""user_text: every exception becomes one plain sentence; details go to the log only."""

from __future__ import annotations

import errno
import logging
import sqlite3

import pytest

from app.api.errors import ApiError
from app.ui.user_text import user_text


def test_our_errors_keep_their_plain_words() -> None:
    error = ApiError(user_message="Your Vimmerse key was not accepted.")
    assert user_text(error) == "Your Vimmerse key was not accepted."


def test_file_errors_name_the_file_and_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    error = PermissionError(errno.EACCES, "Permission denied", "/home/ann/secret/IMG_0042.jpg")
    text = user_text(error)
    assert "IMG_0042.jpg" in text and "Permission denied" in text
    assert "/home/ann" not in text  # the base name only


def test_file_error_without_a_name_still_says_why() -> None:
    text = user_text(OSError(errno.ENOSPC, "No space left on device"))
    assert "No space left on device" in text


def test_store_errors_speak_of_the_job_list() -> None:
    text = user_text(sqlite3.OperationalError("database is locked"))
    assert text.startswith("vimbatch's job list could not be read")
    assert "database is locked" not in text


def test_anything_else_is_generic_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="app.ui.user_text"):
        text = user_text(KeyError("internal_field"))
    assert text == "Something went wrong inside vimbatch; it has been noted."
    assert "internal_field" not in text
    assert any(r.exc_info and r.exc_info[1] is not None for r in caplog.records)
