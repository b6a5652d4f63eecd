"""``reseller-api backup`` and ``restore``: the SQLite layout's database (and key) in one file.

A backup is a gzipped tar, written 0600, holding:

- ``reseller-api.db``: an online, consistent copy (``store.backup``), taken while the
  server runs;
- ``manifest.json``: when, by which version, the schema revision, how many API keys, and
  the fingerprint of the key the API secrets are encrypted with;
- ``secret.key``: the data directory's key file, unless ``--without-secret-key`` (or the
  key comes from ``RESELLER_API_SECRET_KEY``, which the operator keeps elsewhere).

``restore`` refuses, with one line, a backup whose secrets no available key can decrypt
(the configured key, else the backup's own), so a restored server never starts up unable
to verify a single signature. With PostgreSQL, use ``pg_dump``/``pg_restore`` (see
docs/operations.md): the same fingerprint check then happens when the server starts.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from reseller_api.credentials import keyring
from reseller_api.crypto import (
    KEY_VARIABLE,
    SecretBox,
    SecretKeyMismatch,
    configured_keys,
    fingerprint,
    write_key_file,
)
from reseller_api.settings import Settings, SettingsError
from reseller_api.store import migrate
from reseller_api.store.backup import copy_sqlite
from reseller_api.store.database import Database
from reseller_api.store.tables import api_keys
from reseller_api.version import __version__

FORMAT = 1
DATABASE, MANIFEST, KEY = "reseller-api.db", "manifest.json", "secret.key"


def _sqlite_path(settings: Settings, command: str) -> Path:
    if not settings.is_sqlite:
        raise SettingsError(
            f"reseller-api {command} is for the SQLite layout; with PostgreSQL use pg_dump and "
            "pg_restore (docs/operations.md)"
        )
    return Path(settings.database_url.split(":///", 1)[1])


def backup(settings: Settings, database: Database, target: Path, *, with_key: bool = True) -> int:
    source = _sqlite_path(settings, "backup")
    if target.exists():
        raise SettingsError(f"{target} exists; give a new file name (a backup never overwrites)")
    keys = configured_keys(settings)
    box = None if keys is None else SecretBox(*keys)
    with tempfile.TemporaryDirectory(prefix="reseller-api-backup-", dir=target.parent) as folder:
        copy = Path(folder) / DATABASE
        copy_sqlite(source, copy)
        snapshot = Database(f"sqlite:///{copy}")
        try:
            revision = migrate.current_revision(snapshot)
            with snapshot.engine.connect() as conn:
                key_count = int(conn.execute(select(func.count()).select_from(api_keys)).scalar_one())
                try:
                    key_fingerprint, key_matches = keyring.database_key(conn, box), True
                except SecretKeyMismatch:  # backed up all the same; the restore will check
                    key_fingerprint, key_matches = keyring.recorded(conn), False
        finally:
            snapshot.dispose()
        key_file = not settings.secret_key and settings.secret_key_file.exists()
        include_key = with_key and key_matches and key_file
        if with_key and key_file and not key_matches:
            print(f"{settings.secret_key_file} is not the database's key: it is left out of the backup")
        manifest = {
            "format": FORMAT,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "reseller_api_version": __version__,
            "schema_revision": revision,
            "api_keys": key_count,
            "secret_key_fingerprint": key_fingerprint,
            "includes_secret_key": include_key,
        }
        partial = Path(folder) / "backup.tar.gz"
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(copy, arcname=DATABASE)
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode() + b"\n")
            if include_key:
                _add_bytes(archive, KEY, settings.secret_key_file.read_bytes())
        os.replace(partial, target)
    print(f"backed up {key_count} API key(s), schema {revision}, to {target}")
    if not include_key:
        print(f"the secret key is not in the backup: keep {KEY_VARIABLE} (or the key file) safe beside it")
    return 0


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(time.time())
    archive.addfile(info, io.BytesIO(data))


def _read(source: Path) -> tuple[dict[str, Any], bytes, bytes | None]:
    """The manifest, the database and the key file (if any) of a backup; nothing is extracted."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            found: dict[str, bytes] = {}
            for member in archive.getmembers():
                if member.name not in (DATABASE, MANIFEST, KEY) or not member.isfile():
                    raise SettingsError(f"{source}: not a reseller-api backup (holds {member.name!r})")
                handle = archive.extractfile(member)
                assert handle is not None  # a regular file
                found[member.name] = handle.read()
    except (OSError, tarfile.TarError) as exc:
        raise SettingsError(f"{source}: cannot read the backup: {exc}") from None
    if DATABASE not in found or MANIFEST not in found:
        raise SettingsError(f"{source}: not a reseller-api backup (no {DATABASE} or {MANIFEST})")
    manifest = json.loads(found[MANIFEST])
    if manifest.get("format") != FORMAT:
        raise SettingsError(f"{source}: backup format {manifest.get('format')} is not one this release reads")
    return manifest, found[DATABASE], found.get(KEY)


def restore(settings: Settings, source: Path, *, force: bool = False) -> int:
    """Put a backup's database (and key, when the data directory has none) in place."""
    target = _sqlite_path(settings, "restore")
    manifest, database_bytes, key_file = _read(source)
    if target.exists() and target.stat().st_size > 0 and not force:
        raise SettingsError(
            f"{target} already holds a database; stop every reseller-api process, then pass --force "
            "to replace it"
        )
    configured = configured_keys(settings)
    backup_keys = [line.strip() for line in (key_file or b"").splitlines() if line.strip()]
    keys = configured or backup_keys
    wanted = manifest.get("secret_key_fingerprint")
    if wanted is not None and wanted not in {fingerprint(k) for k in keys}:
        where = KEY_VARIABLE if settings.secret_key else f"{KEY_VARIABLE} (or {settings.secret_key_file})"
        raise SettingsError(
            f"the backup's API secrets are encrypted with the key of fingerprint {wanted}, and "
            f"{where} is not that key: set the key of the machine the backup came from"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(database_bytes)
        handle.flush()
        os.fsync(handle.fileno())
    for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)  # the replaced database's journal must not be replayed on it
    os.replace(partial, target)
    if configured is None and backup_keys:
        write_key_file(settings.secret_key_file, backup_keys)
    print(
        f"restored {manifest.get('api_keys')} API key(s), schema {manifest.get('schema_revision')}, "
        f"backed up {manifest.get('created_at')}, into {target}"
    )
    print(
        "start reseller-api (it migrates the schema if needed); with real backends, then run "
        "`reseller-api backends sync`"
    )
    return 0
