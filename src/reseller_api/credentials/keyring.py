"""Which secret key the stored API secrets are encrypted with, recorded in the database.

The database keeps the fingerprint of that key (``store.tables.secret_key``; never the key),
so that a process started with another key (a restore on a new machine, one machine of
several forgetting ``RESELLER_API_SECRET_KEY``) refuses to start with one line, instead of
serving with a key that fails every signed request.

- :func:`open_box`: every command that touches the database's secrets opens its box here:
  it refuses a key the database was not written with, and never generates a key for a
  database that already holds secrets.
- :func:`encryption_key`: the fingerprint a new secret is encrypted with, read (and share-
  locked) in the writer's transaction, so a rotation committed by another process is
  followed at once and never misses a secret written meanwhile.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, insert, select, update

from reseller_api.crypto import (
    KEY_VARIABLE,
    SecretBox,
    SecretKeyMismatch,
    configured_keys,
    create_key_file,
    key_file_reader,
)
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import api_keys, secret_key

ROW = 1


def recorded(conn: Connection, *, lock: bool = False) -> str | None:
    """The fingerprint on record; ``lock``: share-locked until the transaction ends (PostgreSQL)."""
    query = select(secret_key.c.fingerprint).where(secret_key.c.id == ROW)
    if lock:
        query = query.with_for_update(read=True)
    found = conn.execute(query).scalar()
    return None if found is None else str(found)


def record(conn: Connection, key_fingerprint: str) -> None:
    """Record (or replace) the fingerprint of the key every stored secret is encrypted with."""
    now = time.time()
    if recorded(conn) is None:
        conn.execute(insert(secret_key).values(id=ROW, fingerprint=key_fingerprint, recorded_at=now))
    else:
        conn.execute(
            update(secret_key)
            .where(secret_key.c.id == ROW)
            .values(fingerprint=key_fingerprint, recorded_at=now)
        )


def newest_secret(conn: Connection) -> str | None:
    token = conn.execute(select(api_keys.c.secret_encrypted).order_by(api_keys.c.id.desc()).limit(1)).scalar()
    return None if token is None else str(token)


def encryption_key(conn: Connection, box: SecretBox) -> str:
    """The fingerprint to encrypt a new secret with, inside the writer's transaction."""
    found = recorded(conn, lock=True)
    if found is None:
        found = box.primary
        record(conn, found)
    return found


def mismatch(database_fingerprint: str, box: SecretBox) -> SecretKeyMismatch:
    return SecretKeyMismatch(
        f"{KEY_VARIABLE} (or the key file) is not the key this database's API secrets are "
        f"encrypted with (the database's key has fingerprint {database_fingerprint}, this process "
        f"has {', '.join(box.fingerprints)}): set the key the database was written with"
    )


def database_key(conn: Connection, box: SecretBox | None) -> str | None:
    """The fingerprint the database's secrets are written with: on record, or found by trying
    ``box``'s keys on the newest secret (a database written before fingerprints were kept).

    None: the database holds no secret yet. Raises :class:`SecretKeyMismatch` when the
    secrets are written with a key ``box`` does not hold.
    """
    found = recorded(conn)
    if found is None:
        token = newest_secret(conn)
        if token is None:
            return None
        if box is None:
            raise SecretKeyMismatch(
                f"{KEY_VARIABLE} is not set and there is no key file, but the database holds API "
                "secrets: set the key they were encrypted with (a new key would lock every API key out)"
            )
        found = next((f for f in box.fingerprints if box.decrypts(token, f)), None)
        if found is None:
            raise SecretKeyMismatch(
                f"{KEY_VARIABLE} (or the key file) cannot decrypt this database's API secrets: "
                "set the key they were encrypted with"
            )
        return found
    if box is None:
        raise SecretKeyMismatch(
            f"{KEY_VARIABLE} is not set and there is no key file, but the database holds API secrets "
            f"encrypted with the key of fingerprint {found}: set that key (a new key would lock every "
            "API key out)"
        )
    if not box.holds(found):
        raise mismatch(found, box)
    return found


def check(database: Database, box: SecretBox | None) -> str | None:
    """Refuse a box the database's secrets cannot be read with; record the fingerprint when
    the database holds secrets but no record yet (written by an earlier release)."""
    with database.transaction() as conn:
        had_record = recorded(conn) is not None
        found = database_key(conn, box)
        if found is not None and not had_record:
            record(conn, found)
    return found


def open_box(settings: Settings, database: Database, *, create: bool) -> SecretBox | None:
    """This process's box, checked against the database (see :func:`check`).

    No key configured: for a database without secrets, ``create`` generates the key file
    (the first start of a single machine) and otherwise None is returned (a worker needs
    no key); for a database with secrets, the process refuses to start.
    """
    keys = configured_keys(settings)
    box = None if keys is None else SecretBox(*keys, reload=key_file_reader(settings))
    check(database, box)
    if box is None and create:
        box = SecretBox(create_key_file(settings.secret_key_file), reload=key_file_reader(settings))
    return box
