"""Certificate files on disk, and self-signed certificates.

One directory per certificate, named after its first host name::

    <root>/<first name>/fullchain.pem   0644  leaf (+ chain for ACME)
    <root>/<first name>/privkey.pem     0600  EC P-256 key
    <root>/<first name>/meta.json       0644  names, self-signed or not, the note, last ACME try
    <root>/<first name>/.lock                 flock: one issuance per directory at a time

Files are replaced atomically (write a temporary file, fsync, rename), so nginx never reads
half a PEM. The lock keeps two jobs (threads or worker processes) from pairing one job's key
with the other's certificate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import re
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from reseller_api import clock
from reseller_api.backends.base import BackendRefused
from reseller_api.backends.files import write_atomically

FULLCHAIN = "fullchain.pem"
PRIVATE_KEY = "privkey.pem"
META = "meta.json"
# Let's Encrypt's own lifetime; also what a self-signed stand-in gets.
SELF_SIGNED_LIFETIME = dt.timedelta(days=90)
# Renew when fewer days than this remain (certbot's default too).
RENEW_BEFORE = dt.timedelta(days=30)
# A host name as our API accepts it (lowercase, no trailing dot), optionally a wildcard.
_NAME = re.compile(r"^(\*\.)?(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
# X.509 limits a CN to 64 characters; longer first names live in the SAN only.
_CN_MAX = 64


def utcnow() -> dt.datetime:
    """Now, from the installation's clock (see reseller_api.clock)."""
    return clock.now()


def normalise_names(names: Sequence[str]) -> tuple[str, ...]:
    """Lowercase, drop trailing dots and duplicates (order kept); refuse anything not a host name.

    Our API validates host headers already; this is the defence that keeps a hostile name from
    becoming a path outside the certificate directory.
    """
    seen: dict[str, None] = {}
    for raw in names:
        name = raw.strip().lower().rstrip(".")
        if not _NAME.match(name):
            raise BackendRefused(f"cannot issue a certificate for {raw!r}: not a host name")
        seen.setdefault(name, None)
    if not seen:
        raise BackendRefused("cannot issue a certificate for no host name")
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class StoredCertificate:
    """What one certificate directory holds."""

    fullchain: Path
    private_key: Path
    names: frozenset[str]
    not_after: dt.datetime
    self_signed: bool
    note: str
    # When an ACME order was last tried for these names (None: never), for the retry pause.
    acme_attempted_at: dt.datetime | None

    def fresh_for(self, names: Sequence[str], now: dt.datetime) -> bool:
        """Covers exactly ``names`` and has more than RENEW_BEFORE left."""
        return self.names == frozenset(names) and self.not_after - now > RENEW_BEFORE


class CertificateSlot:
    """The directory of one certificate: load, lock, replace, delete."""

    def __init__(self, root: Path, names: Sequence[str]) -> None:
        # A wildcard's "*" is legal in a file name but awkward in shells and nginx configs.
        self.directory = root / names[0].replace("*", "_wildcard")
        self.fullchain = self.directory / FULLCHAIN
        self.private_key = self.directory / PRIVATE_KEY
        self.meta = self.directory / META

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive flock on the directory while issuing (blocks other processes too)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o755)
            handle = open(self.directory / ".lock", "a")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise BackendRefused(
                f"cannot write the certificate under {self.directory}: {exc.strerror}"
            ) from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def load(self) -> StoredCertificate | None:
        """The stored certificate, or None when absent, unreadable or not matching its key."""
        try:
            meta = json.loads(self.meta.read_text())
            cert = x509.load_pem_x509_certificate(self.fullchain.read_bytes())
            key = serialization.load_pem_private_key(self.private_key.read_bytes(), password=None)
        except (OSError, ValueError, TypeError):
            return None
        if key.public_key() != cert.public_key():
            return None
        attempted = meta.get("acme_attempted_at")
        return StoredCertificate(
            fullchain=self.fullchain,
            private_key=self.private_key,
            names=frozenset(subject_names(cert)),
            not_after=cert.not_valid_after_utc,
            self_signed=bool(meta.get("self_signed", True)),
            note=str(meta.get("note", "")),
            acme_attempted_at=dt.datetime.fromisoformat(attempted) if attempted else None,
        )

    def save(
        self,
        key_pem: bytes,
        fullchain_pem: bytes,
        *,
        self_signed: bool,
        note: str,
        acme_attempted_at: dt.datetime | None,
    ) -> None:
        """Replace key, chain and meta (each atomically; the key first, under the caller's lock)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o755)
            write_atomically(self.private_key, key_pem, 0o600)
            write_atomically(self.fullchain, fullchain_pem, 0o644)
            self.save_meta(self_signed=self_signed, note=note, acme_attempted_at=acme_attempted_at)
        except OSError as exc:
            raise BackendRefused(
                f"cannot write the certificate under {self.directory}: {exc.strerror}"
            ) from None

    def save_meta(self, *, self_signed: bool, note: str, acme_attempted_at: dt.datetime | None) -> None:
        meta = {
            "self_signed": self_signed,
            "note": note,
            "acme_attempted_at": acme_attempted_at.isoformat() if acme_attempted_at else None,
        }
        write_atomically(self.meta, json.dumps(meta, indent=2).encode() + b"\n", 0o644)

    def delete(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def subject_names(cert: x509.Certificate) -> list[str]:
    """The DNS names of the certificate's subjectAltName (empty without one)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [name.lower() for name in san.get_values_for_type(x509.DNSName)]


def new_private_key() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A fresh EC P-256 key and its unencrypted PKCS#8 PEM (what nginx reads)."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key, pem


def self_signed_certificate(
    names: Sequence[str], now: dt.datetime | None = None, lifetime: dt.timedelta = SELF_SIGNED_LIFETIME
) -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM) for ``names``: all as SANs, the first as CN, a server-auth leaf."""
    now = now or utcnow()
    key, key_pem = new_private_key()
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "reseller-api self-signed")]
    if len(names[0]) <= _CN_MAX:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, names[0]))
    subject = x509.Name(attributes)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        # An hour of slack for clients whose clock is a little behind ours.
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + lifetime)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
