"""What every certificate issuer for hosted sites shares: one slot per set of names, reused while
good enough, else issued anew under the slot's lock and read back.

Its own module so that both issuers build on it (:class:`~reseller_api.backends.certificates.
SelfSignedIssuer` and :class:`~reseller_api.backends.acme_issuer.AcmeIssuer`) while
``certificates.py``, which picks one of them, imports the ACME one only when it is chosen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.certificate_store import (
    CertificateSlot,
    StoredCertificate,
    normalise_names,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    fullchain: Path
    private_key: Path
    self_signed: bool
    # Shown to the reseller: who issued it, or why it is self-signed.
    note: str
    # When the certificate expires (None only when unknown).
    not_after: dt.datetime | None = None


def read_back(slot: CertificateSlot) -> IssuedCertificate:
    """What ``slot`` holds after a save; a save that does not read back is our own failure."""
    stored = slot.load()
    if stored is None:
        raise BackendRefused(f"the certificate written under {slot.directory} does not read back")
    return issued(stored)


def issued(stored: StoredCertificate) -> IssuedCertificate:
    return IssuedCertificate(
        fullchain=stored.fullchain,
        private_key=stored.private_key,
        self_signed=stored.self_signed,
        note=stored.note,
        not_after=stored.not_after,
    )


class StoredIssuer:
    """What every issuer shares: one slot (files and a lock) per set of names; a stored
    certificate is reused while :meth:`_reusable` says so, else :meth:`_issue` writes a new
    one under the slot's lock, and what it wrote is read back."""

    certificates: Path

    @property
    def challenge_dir(self) -> Path | None:
        return None

    def ensure(self, names: Sequence[str]) -> IssuedCertificate:
        wanted = normalise_names(names)
        slot = CertificateSlot(self.certificates, wanted)
        with slot.locked():
            now = utcnow()
            current = slot.load()
            if current is not None and self._reusable(current, wanted, now):
                return issued(current)
            self._issue(slot, current, wanted, now)
            return read_back(slot)

    def remove(self, names: Sequence[str]) -> None:
        CertificateSlot(self.certificates, normalise_names(names)).delete()

    def _reusable(self, current: StoredCertificate, wanted: Sequence[str], now: dt.datetime) -> bool:
        raise NotImplementedError

    def _issue(
        self,
        slot: CertificateSlot,
        current: StoredCertificate | None,
        wanted: Sequence[str],
        now: dt.datetime,
    ) -> None:
        raise NotImplementedError
