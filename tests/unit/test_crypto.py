"""Secrets at rest: the Fernet box for API secrets, argon2id for user passwords."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from reseller_api.crypto import SecretBox, hash_password, verify_password
from reseller_api.settings import Settings, SettingsError

KEY = Fernet.generate_key()


def _settings(tmp_path: Path, secret_key: str | None = None) -> Settings:
    env = {"RESELLER_API_DATA_DIR": str(tmp_path / "data")}
    if secret_key is not None:
        env["RESELLER_API_SECRET_KEY"] = secret_key
    return Settings.from_env(env)


# -- SecretBox ------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["s3cr3tXyz789", "", "ü€ 😀", "x" * 1000])
def test_round_trip(secret: str) -> None:
    box = SecretBox(KEY)
    token = box.encrypt(secret)
    assert token.isascii()
    assert box.decrypt(token) == secret
    if secret:
        assert secret not in token


def test_tokens_are_randomised() -> None:
    box = SecretBox(KEY)
    assert box.encrypt("same") != box.encrypt("same")


def test_key_from_settings(tmp_path: Path) -> None:
    settings = _settings(tmp_path, KEY.decode())
    box = SecretBox.from_settings(settings)
    assert SecretBox(KEY).decrypt(box.encrypt("abc")) == "abc"
    # With a key in the settings, no key file is written.
    assert not settings.secret_key_file.exists()


def test_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert not settings.secret_key_file.exists()
    token = SecretBox.from_settings(settings).encrypt("abc")
    path = settings.secret_key_file
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    Fernet(content.strip())  # a valid Fernet key
    # A second start reads the same key: old tokens still decrypt, the file is unchanged.
    assert SecretBox.from_settings(settings).decrypt(token) == "abc"
    assert path.read_bytes() == content


def test_an_existing_key_file_is_used(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.secret_key_file.parent.mkdir(parents=True)
    settings.secret_key_file.write_bytes(KEY + b"\n")
    assert SecretBox(KEY).decrypt(SecretBox.from_settings(settings).encrypt("abc")) == "abc"


@pytest.mark.parametrize("key", [b"", b"not-a-key", b"A" * 44, KEY[:-2]])
def test_a_malformed_key_is_a_settings_error(key: bytes) -> None:
    with pytest.raises(SettingsError, match="RESELLER_API_SECRET_KEY"):
        SecretBox(key)


def test_a_malformed_key_in_settings_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="RESELLER_API_SECRET_KEY"):
        SecretBox.from_settings(_settings(tmp_path, "banana"))


def test_the_wrong_key_is_a_settings_error() -> None:
    token = SecretBox(KEY).encrypt("abc")
    with pytest.raises(SettingsError, match="cannot decrypt"):
        SecretBox(Fernet.generate_key()).decrypt(token)


def test_a_tampered_token_is_a_settings_error() -> None:
    box = SecretBox(KEY)
    token = box.encrypt("abc")
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(SettingsError):
        box.decrypt(tampered)
    with pytest.raises(SettingsError):
        box.decrypt("garbage")


# -- passwords --------------------------------------------------------------------------------


def test_hash_password_is_argon2id_phc() -> None:
    password = "Secret123x"
    hashed = hash_password(password)
    assert hashed.startswith("$argon2id$v=19$")
    _, algorithm, version, parameters, salt, digest = hashed.split("$")
    assert (algorithm, version) == ("argon2id", "v=19")
    assert [p.split("=")[0] for p in parameters.split(",")] == ["m", "t", "p"]
    assert salt
    assert digest
    assert password not in hashed
    assert verify_password(hashed, password)


def test_hashes_are_salted() -> None:
    assert hash_password("Secret123x") != hash_password("Secret123x")


@pytest.mark.parametrize("wrong", ["Secret123X", "Secret123", "Secret123x ", ""])
def test_verify_refuses_other_passwords(wrong: str) -> None:
    assert not verify_password(hash_password("Secret123x"), wrong)


@pytest.mark.parametrize("bad_hash", ["", "plain", "$argon2id$v=19$garbage", "$2b$12$abcdefghijkl"])
def test_verify_with_a_bad_hash_is_false_not_an_error(bad_hash: str) -> None:
    assert not verify_password(bad_hash, "Secret123x")


def test_non_ascii_passwords() -> None:
    hashed = hash_password("Pässwörd1")
    assert verify_password(hashed, "Pässwörd1")
    assert not verify_password(hashed, "Passwoerd1")


# -- several keys (a rotation), fingerprints, the key file re-read ------------------------------

OTHER = Fernet.generate_key()


def test_a_box_with_several_keys_decrypts_with_any_and_encrypts_with_the_one_named() -> None:
    from reseller_api.crypto import fingerprint

    old_token = SecretBox(OTHER).encrypt("old")
    box = SecretBox(KEY, OTHER)
    assert box.decrypt(old_token) == "old"
    assert box.fingerprints == (fingerprint(KEY), fingerprint(OTHER))
    assert box.primary == fingerprint(KEY)
    assert SecretBox(OTHER).decrypt(box.encrypt("x", fingerprint(OTHER))) == "x"
    assert SecretBox(KEY).decrypt(box.encrypt("y")) == "y"


def test_fingerprints_name_a_key_without_revealing_it() -> None:
    from reseller_api.crypto import fingerprint

    assert fingerprint(KEY) == fingerprint(KEY + b"\n")
    assert fingerprint(KEY) != fingerprint(OTHER)
    assert len(fingerprint(KEY)) == 16
    assert fingerprint(KEY) not in KEY.decode()


def test_encrypting_with_a_key_the_box_lacks_names_the_variable() -> None:
    from reseller_api.crypto import SecretKeyMismatch

    with pytest.raises(SecretKeyMismatch, match="RESELLER_API_SECRET_KEY does not hold the key"):
        SecretBox(KEY).encrypt("x", "0123456789abcdef")


def test_settings_may_hold_several_keys_separated_by_commas(tmp_path: Path) -> None:
    box = SecretBox.from_settings(_settings(tmp_path, f"{KEY.decode()}, {OTHER.decode()}"))
    assert box.keys == (KEY, OTHER)
    with pytest.raises(SettingsError, match="RESELLER_API_SECRET_KEY: expected a Fernet key"):
        SecretBox.from_settings(_settings(tmp_path, f"{KEY.decode()},banana"))


def test_a_box_from_the_key_file_rereads_it_when_a_token_needs_a_new_key(tmp_path: Path) -> None:
    """admin secret-key rotate rewrites the file, then re-encrypts: a running server follows."""
    from reseller_api.crypto import fingerprint, write_key_file

    settings = _settings(tmp_path)
    write_key_file(settings.secret_key_file, [KEY])
    running = SecretBox.from_settings(settings)
    token = SecretBox(OTHER).encrypt("rotated")
    write_key_file(settings.secret_key_file, [OTHER, KEY])
    assert stat.S_IMODE(settings.secret_key_file.stat().st_mode) == 0o600
    assert running.decrypt(token) == "rotated"
    assert running.holds(fingerprint(OTHER))
    # With the key from the environment nothing can change under the process: no re-read.
    fixed = SecretBox.from_settings(_settings(tmp_path / "env", KEY.decode()))
    with pytest.raises(SettingsError, match="cannot decrypt"):
        fixed.decrypt(token)


def test_the_key_file_may_hold_comments_and_blank_lines(tmp_path: Path) -> None:
    from reseller_api.crypto import read_key_file

    path = tmp_path / "secret.key"
    path.write_bytes(b"# rotated 2026-12-01\n" + KEY + b"\n\n" + OTHER + b"\n")
    assert read_key_file(path) == [KEY, OTHER]
