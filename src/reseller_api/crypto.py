"""Secrets at rest: API secrets encrypted with Fernet; user passwords only as argon2id hashes.

API secrets must be recoverable (the server recomputes HMACs with them), so they are
encrypted with a key from ``RESELLER_API_SECRET_KEY`` or a generated 0600 key file. User
passwords (FTP, mailbox, database) are never recoverable: we keep an argon2id PHC
string, which Dovecot (``{ARGON2ID}``) and our own checks can verify.

A box holds one key or, during a rotation, several (``RESELLER_API_SECRET_KEY=NEW,OLD``,
or one key per line of the key file): it decrypts with any of them and encrypts with the
one the database says its secrets are written with (``credentials/keyring.py``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from reseller_api.settings import Settings, SettingsError

_hasher = PasswordHasher()
KEY_VARIABLE = "RESELLER_API_SECRET_KEY"
_GENERATE = (
    "generate one with: reseller-api admin secret-key generate "
    "(or python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
)


class SecretKeyMismatch(SettingsError):
    """The configured secret key is not the one the stored API secrets are encrypted with."""


def fingerprint(key: bytes) -> str:
    """A short public name for a key: equal keys have equal fingerprints; it reveals nothing."""
    return hashlib.sha256(b"reseller-api secret key:" + key.strip()).hexdigest()[:16]


def generate_key() -> bytes:
    return Fernet.generate_key()


class SecretBox:
    """Encrypts short secrets with one Fernet key; decrypts with any key it holds.

    ``reload`` (the key file's reader) is asked again when a token matches none of the
    keys: ``admin secret-key rotate`` on the key-file layout rewrites the file before it
    re-encrypts, so a running server picks the new key up by itself.
    """

    def __init__(self, *keys: bytes, reload: Callable[[], list[bytes]] | None = None) -> None:
        self._reload = reload
        self._install(list(keys))

    def _install(self, keys: list[bytes]) -> None:
        if not keys:
            raise SettingsError(f"{KEY_VARIABLE}: no key given; {_GENERATE}")
        try:
            fernets = [Fernet(key.strip()) for key in keys]
        except (ValueError, TypeError):
            raise SettingsError(
                f"{KEY_VARIABLE}: expected a Fernet key (32 url-safe base64-encoded bytes), "
                f"or several separated by commas; {_GENERATE}"
            ) from None
        self.keys = tuple(key.strip() for key in keys)
        self.fingerprints = tuple(fingerprint(key) for key in self.keys)
        self._by_fingerprint = dict(zip(self.fingerprints, fernets, strict=True))
        self._all = MultiFernet(fernets)

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The configured keys, or a key file generated when there is none (no database check:
        the commands open theirs with ``credentials.keyring.open_box``)."""
        keys = configured_keys(settings) or [create_key_file(settings.secret_key_file)]
        return cls(*keys, reload=key_file_reader(settings))

    @property
    def primary(self) -> str:
        """The fingerprint of the first key: the one a rotation re-encrypts with."""
        return self.fingerprints[0]

    def holds(self, key_fingerprint: str) -> bool:
        if key_fingerprint not in self._by_fingerprint:
            self._refresh()
        return key_fingerprint in self._by_fingerprint

    def encrypt(self, secret: str, key_fingerprint: str | None = None) -> str:
        """Encrypt with the key named by ``key_fingerprint`` (default: the first key)."""
        if key_fingerprint is None:
            key_fingerprint = self.primary
        if not self.holds(key_fingerprint):
            raise SecretKeyMismatch(
                f"{KEY_VARIABLE} does not hold the key the database's API secrets are encrypted with "
                f"(fingerprint {key_fingerprint}; this process has {', '.join(self.fingerprints)})"
            )
        return self._by_fingerprint[key_fingerprint].encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode()).decode()
        except InvalidToken:
            if self._refresh():
                return self.decrypt(token)
            raise SecretKeyMismatch(
                f"the secret key cannot decrypt the stored API secrets: {KEY_VARIABLE} "
                "(or var/secret.key) changed since they were created"
            ) from None

    def decrypts(self, token: str, key_fingerprint: str) -> bool:
        """Whether the key named ``key_fingerprint`` (one we hold) decrypts ``token``."""
        try:
            self._by_fingerprint[key_fingerprint].decrypt(token.encode())
        except (KeyError, InvalidToken):
            return False
        return True

    def _refresh(self) -> bool:
        """Read the key file again; True when it brought a key we did not hold."""
        if self._reload is None:
            return False
        try:
            keys = self._reload()
        except (OSError, SettingsError):
            return False
        if not keys or set(keys) <= set(self.keys):
            return False
        self._install(keys)
        return True


def configured_keys(settings: Settings) -> list[bytes] | None:
    """The keys of ``RESELLER_API_SECRET_KEY`` (comma separated) or of the key file; None: neither."""
    if settings.secret_key:
        return [part.strip().encode() for part in settings.secret_key.split(",") if part.strip()]
    if settings.secret_key_file.exists():
        return read_key_file(settings.secret_key_file)
    return None


def key_file_reader(settings: Settings) -> Callable[[], list[bytes]] | None:
    """How a running process re-reads its keys: only the key file can change under it."""
    if settings.secret_key:
        return None
    path = settings.secret_key_file
    return lambda: read_key_file(path)


def read_key_file(path: Path) -> list[bytes]:
    """One key per line (the first encrypts); blank lines and ``#`` comments are skipped."""
    lines = (line.strip() for line in path.read_bytes().splitlines())
    return [line for line in lines if line and not line.startswith(b"#")]


def write_key_file(path: Path, keys: list[bytes]) -> None:
    """Replace the key file atomically (a reader sees the old file or the new one), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"".join(key + b"\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def create_key_file(path: Path) -> bytes:
    """A new key in a new 0600 file; the existing file's first key if another process won the race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)[0]
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def hash_password(password: str) -> str:
    """An argon2id PHC string (``$argon2id$v=19$...``)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except Exception:  # argon2 raises several mismatch/invalid-hash errors; all mean "no"
        return False
