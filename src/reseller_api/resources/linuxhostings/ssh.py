"""SSH keys of a Linux hosting: parsed and fingerprinted with ``cryptography``, as OpenSSH does.

A fingerprint is what ``ssh-keygen -l`` prints: ``SHA256:`` and the unpadded base64 of the
SHA-256 of the key's wire blob. Deleting also takes the older ``MD5:aa:bb:...`` form (and
either form without its prefix), since clients copy whichever their tools show.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_ssh_public_key
from msgspec import UNSET, UnsetType
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.errors import NOT_FOUND, ApiProblem, define, invalid
from reseller_api.resources.linuxhostings.hosting import Hosting, find_hosting
from reseller_api.resources.linuxhostings.tables import linux_ssh_keys
from reseller_api.store.database import Database, Query
from reseller_api.store.undo import RowsSnapshot, then_or_undo
from reseller_api.wire.linuxhostings import SshKey

RSA_MIN_BITS = 2048
MAX_KEYS_PER_HOSTING = 100

KEY_REQUIRED = define("ssh_public_key_required", 400, "public_key is required.")
KEY_INVALID = define(
    "ssh_key_invalid",
    400,
    "public_key is not an OpenSSH public key (one line: type, base64 key, optional comment).",
)
KEY_UNSUPPORTED = define(
    "ssh_key_type_unsupported",
    400,
    f"Only ed25519, ECDSA and RSA keys of at least {RSA_MIN_BITS} bits are accepted.",
)
KEY_EXISTS = define("ssh_key_already_exists", 400, "This SSH key is already attached to the Linux hosting.")
TOO_MANY_KEYS = define(
    "ssh_key_limit_reached", 400, f"A Linux hosting holds at most {MAX_KEYS_PER_HOSTING} SSH keys."
)

_KEYS = Query(
    select(linux_ssh_keys.c.fingerprint, linux_ssh_keys.c.public_key)
    .where(linux_ssh_keys.c.hosting_id == bindparam("hosting_id"))
    .order_by(linux_ssh_keys.c.id)
)


def _blob(key: str) -> bytes:
    return base64.b64decode(key.split()[1])


def sha256_fingerprint(public_key: str) -> str:
    digest = hashlib.sha256(_blob(public_key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def md5_fingerprint(public_key: str) -> str:
    digest = hashlib.md5(_blob(public_key), usedforsecurity=False).hexdigest()
    return "MD5:" + ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def parse_public_key(text: str | UnsetType) -> str:
    """The key as one canonical line (``type base64 [comment]``), or a 400 saying what is wrong."""
    if text is UNSET or not text.strip():
        raise invalid(KEY_REQUIRED)
    line = " ".join(text.split())  # one line; authorized_keys has no room for a newline
    if line.startswith("ssh-dss "):  # DSA: refused by OpenSSH itself since 7.0, never parsed
        raise invalid(KEY_UNSUPPORTED)
    try:
        key = load_ssh_public_key(line.encode())
    except UnsupportedAlgorithm:
        # A key type OpenSSH knows (ssh-dss, sk-...) is unsupported; anything else is no key at all.
        known = line.startswith(("ssh-", "ecdsa-", "sk-"))
        raise invalid(KEY_UNSUPPORTED if known else KEY_INVALID) from None
    except (ValueError, binascii.Error, IndexError):
        raise invalid(KEY_INVALID) from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < RSA_MIN_BITS:
            raise invalid(
                KEY_UNSUPPORTED,
                f"This RSA key has {key.key_size} bits; at least {RSA_MIN_BITS} are required.",
            )
    elif not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise invalid(KEY_UNSUPPORTED)
    # Re-serialise the key part: what we store and fingerprint is exactly what was parsed.
    canonical = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    comment = line.split(" ", 2)[2:]
    return " ".join([canonical, *comment])


def keys_of(database: Database, hosting: Hosting) -> list[SshKey]:
    return [
        SshKey(fingerprint=r[0], public_key=r[1]) for r in database.fetch_all(_KEYS, hosting_id=hosting.id)
    ]


def authorized_keys(database: Database, hosting: Hosting) -> list[str]:
    """The hosting's authorized_keys lines, as the platform is told them."""
    return [k.public_key for k in keys_of(database, hosting)]


def _snapshot(context: AppContext, hosting: Hosting) -> RowsSnapshot:
    return RowsSnapshot(context.database, (linux_ssh_keys, linux_ssh_keys.c.hosting_id == hosting.id))


def _sync(context: AppContext, hosting: Hosting, before: RowsSnapshot) -> None:
    """authorized_keys, rewritten from the committed keys; if the platform refuses, the keys
    go back to ``before``."""
    before.mark_committed()
    then_or_undo(
        lambda: context.backends.hosting.set_authorized_keys(
            hosting.domain_name, authorized_keys(context.database, hosting)
        ),
        before.restore,
    )


def list_keys(context: AppContext, reseller_id: int, domain_name: str) -> list[SshKey]:
    return keys_of(context.database, find_hosting(context.database, reseller_id, domain_name))


def add_key(context: AppContext, reseller_id: int, domain_name: str, public_key: str | UnsetType) -> str:
    """Attach a key; returns its fingerprint."""
    hosting = find_hosting(context.database, reseller_id, domain_name)
    line = parse_public_key(public_key)
    fingerprint = sha256_fingerprint(line)
    before = _snapshot(context, hosting)
    try:
        with context.database.transaction() as conn:
            existing = (
                conn.execute(
                    select(linux_ssh_keys.c.fingerprint).where(linux_ssh_keys.c.hosting_id == hosting.id)
                )
                .scalars()
                .all()
            )
            if fingerprint in existing:
                raise ApiProblem(
                    KEY_EXISTS, f"The key {fingerprint} is already attached to {hosting.domain_name}."
                )
            if len(existing) >= MAX_KEYS_PER_HOSTING:
                raise ApiProblem(TOO_MANY_KEYS)
            conn.execute(
                insert(linux_ssh_keys).values(
                    hosting_id=hosting.id,
                    reseller_id=reseller_id,
                    fingerprint=fingerprint,
                    public_key=line,
                    created_at=clock.time(),
                )
            )
    except IntegrityError:  # the same key, added twice at once
        raise ApiProblem(
            KEY_EXISTS, f"The key {fingerprint} is already attached to {hosting.domain_name}."
        ) from None
    _sync(context, hosting, before)
    return fingerprint


def _matches(key: SshKey, given: str) -> bool:
    given = given.strip()
    if given.startswith(("SHA256:", "MD5:")):
        return given in (key.fingerprint, md5_fingerprint(key.public_key))
    # Without a prefix: base64 SHA-256 (padded or not) or colon-separated MD5 hex.
    return given.rstrip("=") == key.fingerprint.removeprefix("SHA256:") or given.lower() == md5_fingerprint(
        key.public_key
    ).removeprefix("MD5:")


def delete_key(context: AppContext, reseller_id: int, domain_name: str, fingerprint: str) -> None:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    match = next((k for k in keys_of(context.database, hosting) if _matches(k, fingerprint)), None)
    if match is None:
        raise ApiProblem(NOT_FOUND, f"No SSH key {fingerprint!r} is attached to {hosting.domain_name}.")
    before = _snapshot(context, hosting)
    with context.database.transaction() as conn:
        conn.execute(
            delete(linux_ssh_keys).where(
                linux_ssh_keys.c.hosting_id == hosting.id, linux_ssh_keys.c.fingerprint == match.fingerprint
            )
        )
    _sync(context, hosting, before)
