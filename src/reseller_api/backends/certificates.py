"""TLS certificates for hosted sites: Let's Encrypt over ACME, or self-signed when it cannot be.

A backend of its own so the web backend (nginx) only asks "a certificate for these names" and
renders the paths it gets. Without a reachable ACME server the issuer still returns a
certificate (self-signed) so HTTPS serves, and its ``note`` says why, for the hosting detail.

``build_certificate_issuer`` picks :class:`SelfSignedIssuer` when no ACME directory is
configured, else ``AcmeIssuer`` (``backends/acme_issuer.py``, which falls back to self-signed
by itself); both build on ``StoredIssuer`` (``backends/stored_issuer.py``) and keep their
files under :func:`certificate_root`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.certificate_store import (
    CertificateSlot,
    StoredCertificate,
    self_signed_certificate,
)
from reseller_api.backends.stored_issuer import IssuedCertificate, StoredIssuer
from reseller_api.settings import Settings

log = logging.getLogger("reseller_api.backends.certificates")

NO_ACME_NOTE = "Self-signed: no ACME server is configured for Let's Encrypt (RESELLER_API_ACME_DIRECTORY_URL)"


class CertificateIssuer(Protocol):
    # Where HTTP-01 challenge files are written, one file per token (<challenge_dir>/<token>),
    # to be served at /.well-known/acme-challenge/<token> on port 80 of every name, with
    # ``location ^~ /.well-known/acme-challenge/ { alias <challenge_dir>/; }``. None when the
    # issuer never answers challenges (self-signed only).
    @property
    def challenge_dir(self) -> Path | None: ...

    # A valid certificate covering ``names`` (reused while valid; renewed when close to expiry).
    def ensure(self, names: Sequence[str]) -> IssuedCertificate: ...

    # Forget the certificate for these names (idempotent).
    def remove(self, names: Sequence[str]) -> None: ...


def certificate_root(settings: Settings) -> Path:
    """Where issuers keep their state: beside the nginx configuration (else the data directory)."""
    return settings.nginx_conf_dir if settings.nginx_conf_dir is not None else settings.data_dir


class SelfSignedIssuer(StoredIssuer):
    """Self-signed certificates only: HTTPS serves, browsers warn, the note says why."""

    def __init__(self, certificates: Path, note: str = NO_ACME_NOTE) -> None:
        self.certificates = certificates
        self.note = note

    def _reusable(self, current: StoredCertificate, wanted: Sequence[str], now: dt.datetime) -> bool:
        # Any still-fresh certificate for the same names will do, an ACME one included
        # (issued before the ACME URL was unset): it is better than a new self-signed one.
        return current.fresh_for(wanted, now)

    def _issue(
        self,
        slot: CertificateSlot,
        current: StoredCertificate | None,
        wanted: Sequence[str],
        now: dt.datetime,
    ) -> None:
        key_pem, cert_pem = self_signed_certificate(wanted, now)
        slot.save(key_pem, cert_pem, self_signed=True, note=self.note, acme_attempted_at=None)


def renew_due(issuer: StoredIssuer) -> list[IssuedCertificate]:
    """Call ``ensure`` for every stored certificate; return those whose files changed.

    ``ensure`` renews only when called, so something must call this periodically (daily is
    plenty: renewal starts 30 days before expiry) and reload nginx when the list is not empty;
    the file paths stay the same, so the rendered configuration does not change.
    """
    renewed = []
    root = issuer.certificates
    directories = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for directory in directories:
        first = directory.name.replace("_wildcard", "*", 1)
        stored = CertificateSlot(root, [first]).load()
        if stored is None:
            continue  # half-written or foreign: the next ensure() for its names repairs it
        # The directory is named after the first name; keep it first so the files stay put.
        names = [first, *sorted(stored.names - {first})]
        before = stored.fullchain.stat().st_mtime_ns
        try:
            issued_now = issuer.ensure(names)
        except BackendRefused as exc:
            log.warning("cannot renew the certificate in %s: %s", directory, exc)
            continue
        if issued_now.fullchain.stat().st_mtime_ns != before:
            renewed.append(issued_now)
    return renewed


def acme_paths(settings: Settings) -> tuple[Path, Path]:
    """(challenge directory, account directory) of the installation's ACME client.

    One pair for hosted sites and for customers' certificate requests: nginx serves the one
    challenge directory on port 80 of every hosted name, and one account key per directory URL.
    """
    root = certificate_root(settings)
    return root / "acme-challenges", root / "acme-accounts"


def build_certificate_issuer(settings: Settings) -> StoredIssuer:
    root = certificate_root(settings)
    if settings.acme_directory_url is None:
        return SelfSignedIssuer(root / "certificates")
    # Imported only when chosen: the acme package (and requests) load only for ACME users.
    from reseller_api.backends.acme_issuer import AcmeIssuer

    challenges, accounts = acme_paths(settings)
    return AcmeIssuer(
        directory_url=settings.acme_directory_url,
        certificates=root / "certificates",
        challenges=challenges,
        accounts=accounts,
    )
