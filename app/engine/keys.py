"""Where the API key lives: $VIMMERSE_API_KEY, else the OS keyring (service "vimbatch").

Never a file. Where the system has no keyring, the key is kept in memory for this session only
and the caller is told so in plain words. Every keyring call is guarded: a broken or missing
backend raises KeyringError subclasses, which must not crash the app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from enum import StrEnum

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.api import ApiError, check_api_key

KEY_ENV = "VIMMERSE_API_KEY"
SERVICE = "vimbatch"
ACCOUNT = "api-key"

NO_KEYRING_MESSAGE = (
    "This computer has no password store (keyring) that vimbatch can use, so your API key "
    "is kept only until you quit. To avoid typing it again, set the VIMMERSE_API_KEY "
    "environment variable."
)


UNSAFE_KEYRING_MESSAGE = (
    "The only password store vimbatch found on this computer keeps passwords in a plain "
    "file, so vimbatch will not use it: your API key is kept only until you quit. To avoid "
    "typing it again, set the VIMMERSE_API_KEY environment variable."
)

log = logging.getLogger(__name__)

# Backends that only pretend to keep a secret: plain or weakly "encrypted" files
# (keyrings.alt), or nothing at all (fail / null / chainer with nothing behind it).
_UNTRUSTED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


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


def environment_key_problem() -> str | None:
    """Plain words when $VIMMERSE_API_KEY is set to something that cannot be a key (then it
    is not used), else None."""
    env = os.environ.get(KEY_ENV, "")
    if not env.strip():
        return None
    try:
        check_api_key(env)
    except ApiError as exc:
        return f"The {KEY_ENV} environment variable was not used: {exc}"
    return None


def load_key() -> StoredKey | None:
    """The key to use, or None when none is set up.

    $VIMMERSE_API_KEY wins, unless it holds characters no key has: then it is refused (see
    `environment_key_problem`) and the key stored in this computer is used, if any."""
    env = os.environ.get(KEY_ENV, "")
    if env.strip():
        problem = environment_key_problem()
        if problem is None:
            return StoredKey(check_api_key(env), KeyOrigin.ENVIRONMENT)
        log.warning("%s", problem)
    with _lock:
        if _session_key:
            return StoredKey(_session_key, KeyOrigin.SESSION)
    if not keyring_available():
        return None
    try:
        value = keyring.get_password(SERVICE, ACCOUNT)
    except KeyringError:
        return None
    if not value:
        return None
    try:
        return StoredKey(check_api_key(value), KeyOrigin.KEYRING)
    except ApiError:
        log.warning("The API key in the password store has characters no key has; not used.")
        return None


def keyring_available() -> bool:
    """True when a real keyring backend is there to hold the key across sessions.

    Not the "fail" and "null" backends (headless Linux, CI; priority 0 or below), nor those of
    keyrings.alt, which keep passwords in plain files (the plaintext one has priority 0.5)."""
    try:
        backend = keyring.get_keyring()
    except KeyringError:
        return False
    if _untrusted(backend):
        return False
    return float(getattr(backend, "priority", 0)) > 0


def keyring_refused_message() -> str:
    """What to tell the user when the key can only be kept for this session."""
    try:
        backend = keyring.get_keyring()
    except KeyringError:
        return NO_KEYRING_MESSAGE
    return UNSAFE_KEYRING_MESSAGE if _untrusted_file(backend) else NO_KEYRING_MESSAGE


def _untrusted(backend: object) -> bool:
    return _untrusted_module(backend, _UNTRUSTED_MODULES)


def _untrusted_file(backend: object) -> bool:
    return _untrusted_module(backend, ("keyrings.alt",))


def _untrusted_module(backend: object, prefixes: tuple[str, ...]) -> bool:
    module = type(backend).__module__ or ""
    if module.startswith("keyring.backends.chainer"):
        # A chainer stores into its first backend: it is only as good as that one.
        inner = list(getattr(backend, "backends", None) or [])
        return not inner or _untrusted_module(inner[0], prefixes)
    return module.startswith(prefixes)


def store_key(value: str) -> KeyOrigin:
    """Keep the key: in the keyring where there is one, else in memory for this session.

    Returns where it went; KeyOrigin.SESSION means the caller should show NO_KEYRING_MESSAGE.
    """
    global _session_key
    if not value.strip():
        raise ValueError("The API key is empty.")
    value = check_api_key(value)  # InvalidKeyError (a ValueError) in plain words
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
