"""Operator actions on resellers and API keys. Every change bumps the credentials generation."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, update

from reseller_api import clock
from reseller_api.credentials import keyring
from reseller_api.crypto import SecretBox
from reseller_api.errors import ApiProblem, define
from reseller_api.settings import SettingsError, parse_rate_limit
from reseller_api.store.database import Database
from reseller_api.store.tables import (
    api_key_networks,
    api_keys,
    certificate_authority,
    credentials_generation,
    resellers,
    secret_key,
    webhook_endpoints,
)

RESELLER_NAME_INVALID = define(
    "reseller_name_invalid",
    400,
    "Reseller names are 1-64 lowercase letters, digits, '.', '_' or '-'.",
)
RESELLER_EXISTS = define("reseller_exists", 400, "A reseller with this name already exists.")
RESELLER_NOT_FOUND = define("reseller_not_found", 404, "No reseller has this name.")
API_KEY_NOT_FOUND = define("api_key_not_found", 404, "No API key has this value.")
API_KEY_REVOKED = define(
    "api_key_revoked", 400, "The API key is revoked: create a new key instead of rotating this one."
)
NETWORK_INVALID = define("ip_network_invalid", 400, "Expected an IPv4 or IPv6 address or CIDR.")
RATE_LIMIT_INVALID = define("rate_limit_invalid", 400, "Expected a rate limit such as 1000/minute.")
KEY_NAME_INVALID = define(
    "api_key_name_invalid", 400, "Key names are at most 64 characters, notes at most 500, on one line."
)
KEY_GIVEN_INVALID = define(
    "api_key_given_invalid",
    400,
    "A given API key is 8-64 letters, digits, '-' or '_'; a secret 16-128 characters.",
)
NAME_MAX, NOTE_MAX = 64, 500
_GIVEN_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
_GIVEN_SECRET = re.compile(r"[\x21-\x7e]{16,128}")

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
LOCALHOST = ("127.0.0.1/32", "::1/128")


@dataclass(frozen=True, slots=True)
class NewCredentials:
    """What ``key create`` prints once: the only time the secret is ever shown."""

    reseller: str
    api_key: str
    api_secret: str

    def as_dict(self) -> dict[str, str]:
        return {"reseller": self.reseller, "api_key": self.api_key, "api_secret": self.api_secret}


@dataclass(frozen=True, slots=True)
class KeyInfo:
    reseller: str
    api_key: str
    created_at: float
    last_used_at: float | None
    rate_limit: str | None
    revoked: bool
    networks: tuple[str, ...]
    key_id: int = 0  # the row id: the rate limiter counts per key id
    name: str = ""
    note: str = ""
    last_used_address: str | None = None

    @property
    def label(self) -> str:
        """How people tell keys apart: the name, else the shortened key."""
        return self.name or short_key(self.api_key)


def short_key(api_key: str) -> str:
    """``3f69fba4…9293``: enough to tell keys apart in a list; the key's own page shows it whole."""
    return api_key if len(api_key) <= 14 else f"{api_key[:8]}…{api_key[-4:]}"


def clean_name(name: str, note: str = "") -> tuple[str, str]:
    """A key's name and note, trimmed; control characters and over-long values are refused."""
    name, note = name.strip(), note.strip()
    if (
        len(name) > NAME_MAX
        or len(note) > NOTE_MAX
        or any(not c.isprintable() for c in name)
        or any(not c.isprintable() and c not in "\n\t" for c in note)
    ):
        raise ApiProblem(KEY_NAME_INVALID)
    return name, note


def stored_network(value: str) -> tuple[str, bool]:
    """The canonical CIDR for ``value`` and whether host bits were dropped (``10.0.0.5/24``)."""
    cidr = parse_network(value)
    try:
        ipaddress.ip_network(value.strip(), strict=True)
    except ValueError:
        return cidr, True
    return cidr, False


def parse_network(value: str) -> str:
    """Canonical CIDR text for an address or network (``10.0.0.1`` -> ``10.0.0.1/32``).

    An IPv6 scope (``fe80::1%eth0``) is refused: it names an interface of one machine, means
    nothing in a whitelist (``::1%x`` matched plain ``::1``), and is free text that would
    be stored and printed as given.
    """
    if "%" in value:
        raise ApiProblem(
            NETWORK_INVALID, f"{value!r}: give the address or CIDR without an IPv6 scope (the part from '%')."
        )
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ApiProblem(NETWORK_INVALID, f"{value!r} is not an IPv4 or IPv6 address or CIDR.") from None


def _check_rate_limit(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_rate_limit(value)
    except SettingsError as exc:
        raise ApiProblem(RATE_LIMIT_INVALID, str(exc)) from None
    return value


def _bump_generation(conn: Connection) -> None:
    conn.execute(
        update(credentials_generation)
        .where(credentials_generation.c.id == 1)
        .values(generation=credentials_generation.c.generation + 1)
    )


class CredentialsService:
    def __init__(self, database: Database, box: SecretBox) -> None:
        self.db = database
        self.box = box

    # -- resellers -------------------------------------------------------------------

    def create_reseller(self, name: str) -> int:
        if not _NAME.match(name):
            raise ApiProblem(RESELLER_NAME_INVALID)
        with self.db.transaction() as conn:
            if conn.execute(select(resellers.c.id).where(resellers.c.name == name)).first():
                raise ApiProblem(RESELLER_EXISTS, f"A reseller named {name!r} already exists.")
            return int(
                conn.execute(
                    insert(resellers).values(name=name, created_at=clock.time()).returning(resellers.c.id)
                ).scalar_one()
            )

    def reseller_id(self, conn: Connection, name: str, *, create: bool = False) -> int:
        found = conn.execute(select(resellers.c.id).where(resellers.c.name == name)).scalar()
        if found is not None:
            return int(found)
        if not create:
            raise ApiProblem(RESELLER_NOT_FOUND, f"No reseller is named {name!r}.")
        if not _NAME.match(name):
            raise ApiProblem(RESELLER_NAME_INVALID)
        return int(
            conn.execute(
                insert(resellers).values(name=name, created_at=clock.time()).returning(resellers.c.id)
            ).scalar_one()
        )

    def list_resellers(self) -> list[tuple[int, str]]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(resellers.c.id, resellers.c.name).order_by(resellers.c.id))
            return [(int(r.id), str(r.name)) for r in rows]

    def count_resellers(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(resellers)).scalar_one())

    # -- keys ------------------------------------------------------------------------

    def create_key(
        self,
        reseller: str,
        networks: list[str] | tuple[str, ...] = (),
        rate_limit: str | None = None,
        *,
        name: str = "",
        note: str = "",
        api_key: str | None = None,
        api_secret: str | None = None,
    ) -> NewCredentials:
        """Create a key (and the reseller if missing); the secret is returned here only.

        ``api_key``/``api_secret``: given ones, for the sandbox's fixtures (reproducible tests
        sign with credentials written in their own files); otherwise random.
        """
        cidrs = sorted({parse_network(n) for n in networks})
        _check_rate_limit(rate_limit)
        name, note = clean_name(name, note)
        if api_key is not None and not _GIVEN_KEY.fullmatch(api_key):
            raise ApiProblem(KEY_GIVEN_INVALID, "An API key is 8-64 letters, digits, '-' or '_'.")
        if api_secret is not None and not _GIVEN_SECRET.fullmatch(api_secret):
            raise ApiProblem(KEY_GIVEN_INVALID, "An API secret is 16-128 printable characters, no spaces.")
        api_key = api_key or secrets.token_hex(16)
        api_secret = api_secret or secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            reseller_id = self.reseller_id(conn, reseller, create=True)
            key_id = conn.execute(
                insert(api_keys)
                .values(
                    reseller_id=reseller_id,
                    key=api_key,
                    secret_encrypted=self._encrypt(conn, api_secret),
                    rate_limit=rate_limit,
                    revoked=False,
                    created_at=clock.time(),
                    name=name,
                    note=note,
                )
                .returning(api_keys.c.id)
            ).scalar_one()
            for cidr in cidrs:
                conn.execute(insert(api_key_networks).values(api_key_id=key_id, cidr=cidr))
            _bump_generation(conn)
        return NewCredentials(reseller, api_key, api_secret)

    def list_keys(self, reseller: str | None = None) -> list[KeyInfo]:
        query = (
            select(api_keys, resellers.c.name.label("reseller"))
            .join(resellers, resellers.c.id == api_keys.c.reseller_id)
            .order_by(api_keys.c.id)
        )
        with self.db.engine.connect() as conn:
            if reseller is not None:
                self.reseller_id(conn, reseller)
                query = query.where(resellers.c.name == reseller)
            rows = conn.execute(query).all()
            nets: dict[int, list[str]] = {}
            for key_id, cidr in conn.execute(
                select(api_key_networks.c.api_key_id, api_key_networks.c.cidr).order_by(api_key_networks.c.id)
            ):
                nets.setdefault(int(key_id), []).append(str(cidr))
        return [
            KeyInfo(
                reseller=r.reseller,
                api_key=r.key,
                created_at=r.created_at,
                last_used_at=r.last_used_at,
                rate_limit=r.rate_limit,
                revoked=bool(r.revoked),
                networks=tuple(nets.get(r.id, ())),
                key_id=int(r.id),
                name=str(r.name or ""),
                note=str(r.note or ""),
                last_used_address=r.last_used_address,
            )
            for r in rows
        ]

    def _key_row(self, conn: Connection, api_key: str, *, active: bool = False) -> tuple[int, str]:
        """The key's id and reseller; ``active``: refuse a revoked key."""
        row = conn.execute(
            select(api_keys.c.id, resellers.c.name, api_keys.c.revoked)
            .join(resellers, resellers.c.id == api_keys.c.reseller_id)
            .where(api_keys.c.key == api_key)
        ).first()
        if row is None:
            raise ApiProblem(API_KEY_NOT_FOUND, f"No API key {api_key!r}.")
        if active and row[2]:
            raise ApiProblem(
                API_KEY_REVOKED, f"The API key {api_key!r} is revoked; create a new key instead."
            )
        return int(row[0]), str(row[1])

    def reseller_of(self, api_key: str) -> str:
        with self.db.engine.connect() as conn:
            return self._key_row(conn, api_key)[1]

    @staticmethod
    def reseller_id_of(database: Database, name: str) -> int | None:
        with database.engine.connect() as conn:
            found = conn.execute(select(resellers.c.id).where(resellers.c.name == name)).scalar()
        return None if found is None else int(found)

    def key_networks(self, api_key: str) -> list[str]:
        with self.db.engine.connect() as conn:
            key_id, _ = self._key_row(conn, api_key)
            rows = conn.execute(
                select(api_key_networks.c.cidr)
                .where(api_key_networks.c.api_key_id == key_id)
                .order_by(api_key_networks.c.cidr)
            )
            return [str(r[0]) for r in rows]

    def rename_key(self, api_key: str, name: str, note: str | None = None) -> tuple[str, str]:
        """Set a key's name (and note, when given); returns both as stored."""
        with self.db.transaction() as conn:
            key_id, _ = self._key_row(conn, api_key)
            current = conn.execute(select(api_keys.c.note).where(api_keys.c.id == key_id)).scalar_one()
            name, note = clean_name(name, current if note is None else note)
            conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(name=name, note=note))
        return name, note

    def revoke_key(self, api_key: str) -> None:
        with self.db.transaction() as conn:
            key_id, _ = self._key_row(conn, api_key)
            conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked=True))
            _bump_generation(conn)

    def rotate_key(self, api_key: str) -> NewCredentials:
        """A new secret for the same key; the old one stops working at once. A revoked key stays revoked."""
        api_secret = secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            key_id, reseller = self._key_row(conn, api_key, active=True)
            conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id)
                .values(secret_encrypted=self._encrypt(conn, api_secret))
            )
            _bump_generation(conn)
        return NewCredentials(reseller, api_key, api_secret)

    def allow_ip(self, api_key: str, network: str) -> str:
        cidr = parse_network(network)
        with self.db.transaction() as conn:
            key_id, _ = self._key_row(conn, api_key)
            exists = conn.execute(
                select(api_key_networks.c.id).where(
                    api_key_networks.c.api_key_id == key_id, api_key_networks.c.cidr == cidr
                )
            ).first()
            if not exists:
                conn.execute(insert(api_key_networks).values(api_key_id=key_id, cidr=cidr))
                _bump_generation(conn)
        return cidr

    def deny_ip(self, api_key: str, network: str) -> str:
        cidr = parse_network(network)
        with self.db.transaction() as conn:
            key_id, _ = self._key_row(conn, api_key)
            conn.execute(
                api_key_networks.delete().where(
                    api_key_networks.c.api_key_id == key_id, api_key_networks.c.cidr == cidr
                )
            )
            _bump_generation(conn)
        return cidr

    def _encrypt(self, conn: Connection, api_secret: str) -> str:
        return self.box.encrypt(api_secret, keyring.encryption_key(conn, self.box))

    # -- the secret key --------------------------------------------------------------

    def rotate_secret_key(self) -> int:
        """Re-encrypt every stored secret (API secrets, webhook signing secrets, the installation
        CA's key) with the box's first key, in one transaction.

        The fingerprint row is locked first, so a secret written meanwhile (which share-locks
        it) is either committed before we read the secrets or written with the new key after.
        Returns how many secrets were re-encrypted; running processes reload their caches.
        """
        target = self.box.primary
        with self.db.transaction() as conn:
            conn.execute(
                select(secret_key.c.id).where(secret_key.c.id == keyring.ROW).with_for_update()
            ).all()
            rows = conn.execute(select(api_keys.c.id, api_keys.c.secret_encrypted)).all()
            for key_id, token in rows:
                conn.execute(
                    update(api_keys)
                    .where(api_keys.c.id == key_id)
                    .values(secret_encrypted=self.box.encrypt(self.box.decrypt(token), target))
                )
            # The installation CA's key (SSL certificates) is kept with the same key: it moves too.
            for ca_id, token in conn.execute(
                select(certificate_authority.c.id, certificate_authority.c.key_encrypted)
            ).all():
                conn.execute(
                    update(certificate_authority)
                    .where(certificate_authority.c.id == ca_id)
                    .values(key_encrypted=self.box.encrypt(self.box.decrypt(token), target))
                )
            # Webhook signing secrets too: a delivery (and the panel's page showing a new one
            # once) decrypts them with the same box, which may then hold the new key alone.
            for webhook_id, token in conn.execute(
                select(webhook_endpoints.c.id, webhook_endpoints.c.secret)
            ).all():
                conn.execute(
                    update(webhook_endpoints)
                    .where(webhook_endpoints.c.id == webhook_id)
                    .values(secret=self.box.encrypt(self.box.decrypt(token), target))
                )
            keyring.record(conn, target)
            _bump_generation(conn)
        return len(rows)

    # -- first start -----------------------------------------------------------------

    def bootstrap(self, credentials_file: Path) -> NewCredentials | None:
        """On an empty database: reseller ``default`` with a key for localhost, saved 0600."""
        if self.count_resellers() > 0:
            return None
        created = self.create_key("default", LOCALHOST)
        credentials_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(created.as_dict(), handle, indent=2)
            handle.write("\n")
        os.chmod(credentials_file, 0o600)
        return created
