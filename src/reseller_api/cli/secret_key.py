"""``reseller-api admin secret-key status|rotate``: the key that encrypts API secrets at rest.

Rotation re-encrypts every stored API secret (webhook signing secrets and the CA key too) in
one transaction and records the new key's fingerprint; the old key keeps working until then,
so no request fails during the change:

- **Key file** (``var/secret.key``, one machine): ``rotate`` generates the new key and
  writes the file as ``NEW`` then ``OLD`` (atomically) before it re-encrypts; a running
  server that meets a secret it cannot read re-reads the file. Once the transaction has
  committed, the file keeps the new key alone.
- **``RESELLER_API_SECRET_KEY``** (several machines): set ``NEW,OLD`` on every machine and
  restart them (each decrypts with either; new secrets stay on the old key until the
  rotation), run ``rotate`` once, then set ``NEW`` alone and restart them again.
"""

from __future__ import annotations

from reseller_api.controlpanel import audit
from reseller_api.credentials import keyring
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import (
    KEY_VARIABLE,
    SecretBox,
    generate_key,
    key_file_reader,
    read_key_file,
    write_key_file,
)
from reseller_api.settings import Settings
from reseller_api.store.database import Database


def run(action: str, settings: Settings, database: Database, credentials: CredentialsService) -> int:
    if action == "status":
        return _status(settings, database, credentials.box)
    return _rotate(settings, database, credentials)


def _status(settings: Settings, database: Database, box: SecretBox) -> int:
    source = KEY_VARIABLE if settings.secret_key else str(settings.secret_key_file)
    with database.engine.connect() as conn:
        found = keyring.database_key(conn, box)
    print(f"this process: {', '.join(box.fingerprints)} (from {source}; the first encrypts after a rotation)")
    print(f"database:     {found or 'no secret stored yet'}")
    return 0


def _rotate(settings: Settings, database: Database, credentials: CredentialsService) -> int:
    box = credentials.box
    old = box.fingerprints
    if not settings.secret_key:
        # The key file: the new key goes first, the old ones stay readable during the change.
        path = settings.secret_key_file
        new = generate_key()
        write_key_file(path, [new, *read_key_file(path)])
        box = SecretBox(*read_key_file(path), reload=key_file_reader(settings))
        credentials = CredentialsService(database, box)
    count = credentials.rotate_secret_key()
    audit.record(
        database,
        reseller_id=None,
        actor_kind=audit.OPERATOR,
        actor=audit.operator_name(),
        action="rotate the secret key",
        detail=f"{count} API secret(s) re-encrypted with {box.primary}",
    )
    if not settings.secret_key:
        write_key_file(settings.secret_key_file, [box.keys[0]])
        print(f"re-encrypted {count} API secret(s) with a new key ({box.primary}), now alone in {path}")
        print("back the new key file up: backups made before this hold the old key")
        return 0
    print(f"re-encrypted {count} API secret(s) with the first key of {KEY_VARIABLE} ({box.primary})")
    others = [f for f in old if f != box.primary]
    if others:
        print(
            f"now set {KEY_VARIABLE} to that key alone on every machine and restart them "
            f"(the old key, {', '.join(others)}, is no longer needed)"
        )
    return 0
