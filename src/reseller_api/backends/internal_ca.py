"""The installation's own certificate authority: it signs the CSRs of validated requests.

The CA's key and certificate are made on first use and kept in ``certificate_authority``, the
key encrypted with the secret key the API secrets are encrypted with (``crypto.SecretBox``),
so a copy of the database alone signs nothing; ``reseller-api admin secret-key rotate``
re-encrypts it with the API secrets.

Making the CA is its own transaction (a job's ``provision`` step: two first jobs race on one
row id, the loser reads the winner's); signing reads it inside the job's commit, so a
certificate exists exactly when its request is marked issued.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.backends.base import DnsChallengesFor
from reseller_api.credentials import keyring
from reseller_api.crypto import SecretBox
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import certificate_authority

ROW = 1
CA_NAME = "reseller-api installation CA"
CA_YEARS = 10


class InternalAuthority:
    """Signs with the installation's CA; the box is opened on first use (a worker needs it only then)."""

    def __init__(self, settings: Settings, database: Database, box: SecretBox | None = None) -> None:
        self.settings = settings
        self.database = database
        self._box = box

    @property
    def box(self) -> SecretBox:
        if self._box is None:
            self._box = keyring.open_box(self.settings, self.database, create=True)
            assert self._box is not None  # create=True: a box, or SecretKeyMismatch
        return self._box

    def prepare(self, request_id: int, dns_challenges: DnsChallengesFor) -> None:
        """Make the CA if there is none yet (idempotent, safe to race); the same for every request."""
        # The box first: opening it checks the key against the database in a transaction of
        # its own, which must not nest in the job's commit (SQLite: one writer at a time).
        box = self.box
        with self.database.engine.connect() as conn:
            if conn.execute(select(certificate_authority.c.id)).first() is not None:
                return
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _ca_certificate(key)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        try:
            with self.database.transaction() as conn:
                conn.execute(
                    insert(certificate_authority).values(
                        id=ROW,
                        key_encrypted=box.encrypt(pem, keyring.encryption_key(conn, box)),
                        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
                        created_at=clock.time(),
                    )
                )
        except IntegrityError:
            pass  # another job made it first: it is the one every certificate is signed with

    def sign(
        self, conn: Connection, request_id: int, csr_pem: str, names: list[str], days: int
    ) -> tuple[str, str]:
        row = conn.execute(
            select(certificate_authority.c.key_encrypted, certificate_authority.c.certificate_pem).where(
                certificate_authority.c.id == ROW
            )
        ).first()
        if row is None:
            raise RuntimeError("the installation's certificate authority does not exist yet")
        key = serialization.load_pem_private_key(self.box.decrypt(row[0]).encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        ca = x509.load_pem_x509_certificate(str(row[1]).encode())
        request = x509.load_pem_x509_csr(csr_pem.encode())
        now = clock.now()
        not_after = min(now + datetime.timedelta(days=days), ca.not_valid_after_utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca.subject)
            .public_key(request.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(request.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
            )
        )
        leaf = builder.sign(key, hashes.SHA256())
        return (
            leaf.public_bytes(serialization.Encoding.PEM).decode(),
            ca.public_bytes(serialization.Encoding.PEM).decode(),
        )


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    now = clock.now()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
