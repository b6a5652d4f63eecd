"""Secrets at rest: API secrets encrypted with Fernet; user passwords only as argon2id hashes.

API secrets must be recoverable (the server recomputes HMACs with them), so they are
encrypted with a key from ``RESELLER_API_SECRET_KEY`` or a generated 0600 key file. User
passwords (FTP, mailbox, database) are never recoverable: we keep an argon2id PHC
string, which Dovecot (``{ARGON2ID}``) and our own checks can verify.
"""

from __future__ import annotations

import os
from pathlib import Path

from argon2 import PasswordHasher
from cryptography.fernet import Fernet, InvalidToken

from reseller_api.settings import Settings, SettingsError

_hasher = PasswordHasher()


class SecretBox:
    """Encrypts and decrypts short secrets with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise SettingsError(
                "RESELLER_API_SECRET_KEY: expected a Fernet key (32 url-safe base64-encoded bytes); "
                "generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key:
            return cls(settings.secret_key.encode())
        return cls(_load_or_create_key_file(settings.secret_key_file))

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SettingsError(
                "the secret key cannot decrypt the stored API secrets: "
                "RESELLER_API_SECRET_KEY (or var/secret.key) changed since they were created"
            ) from None


def _load_or_create_key_file(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
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
