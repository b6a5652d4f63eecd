"""What an ACME order says back, and what answers its DNS-01 challenges: the vocabulary shared by
the ACME client (``backends/acme_issuer.py``), the certificate requests' authority
(``backends/acme_authority.py``) and the zones that publish the TXT records
(``resources/sslcertificates/acme_dns.py``).

A module of its own, importing nothing (not the acme package either), so that a resource can
answer challenges without importing the ACME client, and the backends need not import the
resource that answers them.
"""

from __future__ import annotations

from typing import Protocol

# Notes and log lines stay one readable line.
_REASON_MAX = 300


class AcmeFailure(Exception):
    """An ACME order did not give a certificate; ``reached`` tells refused from unreachable.

    ``transient``: the network failed on the way (worth trying again later), as opposed to a
    refusal or a local problem (the account key's file) that a retry does not mend.
    """

    def __init__(self, reason: str, *, reached: bool, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:_REASON_MAX]
        self.reached = reached
        self.transient = transient

    def note(self, directory_url: str) -> str:
        if self.reached:
            return f"Self-signed: the ACME server at {directory_url} refused the certificate ({self.reason})"
        return f"Self-signed: the ACME server at {directory_url} could not be reached ({self.reason})"


class DnsChallenges(Protocol):
    """Where DNS-01 can be answered: ``_acme-challenge.<name>`` TXT records we can publish."""

    # Whether to answer ``name``'s authorization over DNS-01 rather than HTTP-01 (``wildcard``:
    # the order's name is ``*.<name>``, which only DNS-01 can validate).
    def dns01(self, name: str, wildcard: bool) -> bool: ...
    # Publish ``value`` at ``_acme-challenge.<name>`` (beside any other value there: a wildcard
    # and its base name share the owner); AcmeFailure when it cannot be.
    def publish(self, name: str, value: str) -> None: ...
    # Take it away again; idempotent, and never raises (the order's outcome stands).
    def remove(self, name: str, value: str) -> None: ...
