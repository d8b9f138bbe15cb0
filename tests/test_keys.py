"""The API key's home: environment, keyring, or this session's memory — never a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from memory_keyring import MemoryKeyring

from app.engine import keys


@pytest.fixture(autouse=True)
def fresh_session() -> Iterator[None]:
    keys.clear_key()
    yield
    keys.clear_key()


def test_environment_wins_over_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    keys.store_key("from-keyring")
    monkeypatch.setenv(keys.KEY_ENV, "  from-env  ")
    stored = keys.load_key()
    assert stored is not None
    assert (stored.value, stored.origin) == ("from-env", keys.KeyOrigin.ENVIRONMENT)


def test_store_load_clear_through_the_keyring(memory_keyring: object) -> None:
    assert keys.load_key() is None
    assert keys.store_key("secret-123") is keys.KeyOrigin.KEYRING
    assert keyring.get_password(keys.SERVICE, keys.ACCOUNT) == "secret-123"
    stored = keys.load_key()
    assert stored is not None and stored.value == "secret-123"
    assert "secret-123" not in repr(stored)
    keys.clear_key()
    assert keys.load_key() is None


def test_without_a_keyring_the_key_stays_in_memory_and_no_file_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    keyring.set_keyring(fail.Keyring())
    assert not keys.keyring_available()
    assert keys.store_key("secret-456") is keys.KeyOrigin.SESSION
    stored = keys.load_key()
    assert stored is not None
    assert (stored.value, stored.origin) == ("secret-456", keys.KeyOrigin.SESSION)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(b"secret-456" not in p.read_bytes() for p in written)
    keys.clear_key()
    assert keys.load_key() is None


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        keys.store_key("   ")


@pytest.mark.parametrize("bad", ["abc\ndef", "ab cd", "clé-123", "abc\x7f"])
def test_malformed_key_is_refused_in_plain_words_and_not_stored(
    bad: str, memory_keyring: object
) -> None:
    with pytest.raises(ValueError, match="copy the key again") as raised:
        keys.store_key(bad)
    assert bad not in str(raised.value)
    assert memory_keyring.secrets == {}  # type: ignore[attr-defined]
    assert keys.load_key() is None


def test_malformed_environment_key_is_refused_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    keys.store_key("from-keyring")
    monkeypatch.setenv(keys.KEY_ENV, "env\nkey")
    problem = keys.environment_key_problem()
    assert problem is not None and keys.KEY_ENV in problem and "env\nkey" not in problem
    stored = keys.load_key()
    assert stored is not None
    assert (stored.value, stored.origin) == ("from-keyring", keys.KeyOrigin.KEYRING)


class PlainFileKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's PlaintextKeyring: a backend that writes secrets to a file."""

    priority = 0.5  # type: ignore[assignment]


PlainFileKeyring.__module__ = "keyrings.alt.file"


def test_a_plain_file_keyring_is_never_trusted_with_the_key() -> None:
    backend = PlainFileKeyring()
    backend.set_password(keys.SERVICE, keys.ACCOUNT, "old-key-in-a-file")
    keyring.set_keyring(backend)
    assert not keys.keyring_available()
    assert keys.load_key() is None  # not read from the plain file either
    assert keys.store_key("secret-999") is keys.KeyOrigin.SESSION
    assert backend.secrets == {(keys.SERVICE, keys.ACCOUNT): "old-key-in-a-file"}
    stored = keys.load_key()
    assert stored is not None and stored.origin is keys.KeyOrigin.SESSION
    message = keys.keyring_refused_message()
    assert "plain file" in message and "only until you quit" in message
