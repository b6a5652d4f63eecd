"""The database's record of the secret key: refusals, first records, rotation (credentials/keyring.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, select

from reseller_api.credentials import keyring
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox, SecretKeyMismatch, fingerprint, read_key_file
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import api_keys, credentials_generation, secret_key

KEY = Fernet.generate_key()
OTHER = Fernet.generate_key()


def _with_key(settings: Settings, key: bytes | str | None) -> Settings:
    value = key.decode() if isinstance(key, bytes) else key
    return dataclasses.replace(settings, secret_key=value)


def _recorded(database: Database) -> str | None:
    with database.engine.connect() as conn:
        return keyring.recorded(conn)


def test_the_first_secret_records_the_key_it_is_written_with(database: Database) -> None:
    assert _recorded(database) is None
    CredentialsService(database, SecretBox(KEY)).create_key("alice", ["127.0.0.1"])
    assert _recorded(database) == fingerprint(KEY)


def test_another_key_is_refused_with_one_line_naming_the_variable(
    database: Database, settings: Settings
) -> None:
    CredentialsService(database, SecretBox(KEY)).create_key("alice", ["127.0.0.1"])
    with pytest.raises(SecretKeyMismatch) as raised:
        keyring.open_box(_with_key(settings, OTHER), database, create=True)
    message = str(raised.value)
    assert message.startswith("RESELLER_API_SECRET_KEY")
    assert fingerprint(KEY) in message
    assert fingerprint(OTHER) in message
    assert "\n" not in message
    assert KEY.decode() not in message
    assert OTHER.decode() not in message


def test_no_key_is_generated_for_a_database_that_holds_secrets(database: Database, tmp_path: Path) -> None:
    CredentialsService(database, SecretBox(KEY)).create_key("alice", ["127.0.0.1"])
    settings = Settings.from_env({"RESELLER_API_DATA_DIR": str(tmp_path / "fresh")})
    for create in (True, False):
        with pytest.raises(SecretKeyMismatch, match="RESELLER_API_SECRET_KEY is not set"):
            keyring.open_box(settings, database, create=create)
    assert not settings.secret_key_file.exists()


def test_an_empty_database_gets_a_generated_key_file_only_when_asked(
    database: Database, tmp_path: Path
) -> None:
    settings = Settings.from_env({"RESELLER_API_DATA_DIR": str(tmp_path / "fresh")})
    assert keyring.open_box(settings, database, create=False) is None  # a worker
    assert not settings.secret_key_file.exists()
    box = keyring.open_box(settings, database, create=True)
    assert box is not None
    assert settings.secret_key_file.exists()
    assert _recorded(database) is None  # recorded by the first secret, not by a start


def test_a_database_written_before_fingerprints_gets_its_key_recorded(
    database: Database, settings: Settings
) -> None:
    """An earlier release's database: the key is found by decrypting its newest secret."""
    CredentialsService(database, SecretBox(KEY)).create_key("alice", ["127.0.0.1"])
    with database.transaction() as conn:
        conn.execute(delete(secret_key))
    with pytest.raises(SecretKeyMismatch, match="cannot decrypt this database's API secrets"):
        keyring.open_box(_with_key(settings, OTHER), database, create=True)
    assert _recorded(database) is None
    keyring.open_box(_with_key(settings, f"{OTHER.decode()},{KEY.decode()}"), database, create=True)
    assert _recorded(database) == fingerprint(KEY)


def test_rotation_re_encrypts_every_secret_in_one_transaction(database: Database) -> None:
    old = CredentialsService(database, SecretBox(KEY))
    made = [old.create_key(name, ["127.0.0.1"]) for name in ("alice", "bob", "carol")]
    both = CredentialsService(database, SecretBox(OTHER, KEY))
    # Until the rotation, new secrets are written with the database's key, which every
    # process of a rolling restart still holds.
    made.append(both.create_key("dave", ["127.0.0.1"]))
    assert _recorded(database) == fingerprint(KEY)
    with database.engine.connect() as conn:
        generation = conn.execute(select(credentials_generation.c.generation)).scalar_one()
    assert both.rotate_secret_key() == 4
    assert _recorded(database) == fingerprint(OTHER)
    new_only = SecretBox(OTHER)
    with database.engine.connect() as conn:
        tokens = dict(conn.execute(select(api_keys.c.key, api_keys.c.secret_encrypted)).all())
        assert conn.execute(select(credentials_generation.c.generation)).scalar_one() == generation + 1
    assert {new_only.decrypt(tokens[m.api_key]) for m in made} == {m.api_secret for m in made}
    # A process that kept only the old key is refused at start from now on.
    with pytest.raises(SecretKeyMismatch), database.engine.connect() as conn:
        keyring.database_key(conn, SecretBox(KEY))
    # Repeating the rotation is harmless.
    assert both.rotate_secret_key() == 4


def test_a_rotation_that_meets_an_unreadable_secret_changes_nothing(database: Database) -> None:
    CredentialsService(database, SecretBox(KEY)).create_key("alice", ["127.0.0.1"])
    with database.engine.connect() as conn:
        before = conn.execute(select(api_keys.c.secret_encrypted)).scalar_one()
    with pytest.raises(SecretKeyMismatch):
        CredentialsService(database, SecretBox(OTHER)).rotate_secret_key()
    with database.engine.connect() as conn:
        assert conn.execute(select(api_keys.c.secret_encrypted)).scalar_one() == before
    assert _recorded(database) == fingerprint(KEY)


def test_the_key_file_rotation_keeps_the_new_key_alone(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reseller_api.cli.secret_key import run

    settings = Settings.from_env({"RESELLER_API_DATA_DIR": str(tmp_path / "data")})
    box = keyring.open_box(settings, database, create=True)
    assert box is not None
    credentials = CredentialsService(database, box)
    made = credentials.create_key("alice", ["127.0.0.1"])
    running = SecretBox.from_settings(settings)  # a server started before the rotation
    assert run("rotate", settings, database, credentials) == 0
    [new] = read_key_file(settings.secret_key_file)
    assert new != box.keys[0]
    assert _recorded(database) == fingerprint(new)
    with database.engine.connect() as conn:
        token = conn.execute(select(api_keys.c.secret_encrypted)).scalar_one()
    assert running.decrypt(token) == made.api_secret  # re-read the file
    assert "re-encrypted 1 API secret(s)" in capsys.readouterr().out
