"""Where the API key lives: $VIMMERSE_API_KEY, else the OS keyring (service "vimbatch").

Never a file. Where the system has no keyring, the key is kept in memory for this session only
and the caller is told so in plain words. Every keyring call is guarded: a broken or missing
backend raises KeyringError subclasses, which must not crash the app.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from enum import StrEnum

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

KEY_ENV = "VIMMERSE_API_KEY"
SERVICE = "vimbatch"
ACCOUNT = "api-key"

NO_KEYRING_MESSAGE = (
    "This computer has no password store (keyring) that vimbatch can use, so your API key "
    "is kept only until you quit. To avoid typing it again, set the VIMMERSE_API_KEY "
    "environment variable."
)


class KeyOrigin(StrEnum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    SESSION = "session"  # in memory only: no keyring on this system


@dataclass(frozen=True)
class StoredKey:
    value: str
    origin: KeyOrigin

    def __repr__(self) -> str:  # the key itself never appears in logs or tracebacks
        return f"StoredKey(origin={self.origin.value!r}, value=<hidden>)"


_session_key: str | None = None
_lock = threading.Lock()


def load_key() -> StoredKey | None:
    """The key to use, or None when none is set up."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return StoredKey(env, KeyOrigin.ENVIRONMENT)
    with _lock:
        if _session_key:
            return StoredKey(_session_key, KeyOrigin.SESSION)
    try:
        value = keyring.get_password(SERVICE, ACCOUNT)
    except KeyringError:
        return None
    return StoredKey(value, KeyOrigin.KEYRING) if value else None


def keyring_available() -> bool:
    """True when a real keyring backend is there to hold the key across sessions."""
    try:
        backend = keyring.get_keyring()
    except KeyringError:
        return False
    # The "fail" and "null" backends (headless Linux, CI) have priority 0 or below.
    return float(getattr(backend, "priority", 0)) > 0


def store_key(value: str) -> KeyOrigin:
    """Keep the key: in the keyring where there is one, else in memory for this session.

    Returns where it went; KeyOrigin.SESSION means the caller should show NO_KEYRING_MESSAGE.
    """
    global _session_key
    value = value.strip()
    if not value:
        raise ValueError("The API key is empty.")
    if keyring_available():
        try:
            keyring.set_password(SERVICE, ACCOUNT, value)
            with _lock:
                _session_key = None
            return KeyOrigin.KEYRING
        except KeyringError:
            pass
    with _lock:
        _session_key = value
    return KeyOrigin.SESSION


def clear_key() -> None:
    """Forget the stored key (the environment variable, if set, is the user's to unset)."""
    global _session_key
    with _lock:
        _session_key = None
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, ACCOUNT)
