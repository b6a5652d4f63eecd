"""Certificates from an ACME CA (Let's Encrypt) with HTTP-01 challenges, self-signed when it fails.

:class:`AcmeClient` is the one ACME conversation of the installation: it orders a certificate
for a CSR, writing the challenge files to ``challenge_dir/<token>`` (nginx serves that
directory at ``/.well-known/acme-challenge/`` on port 80 of every hosted name) while the CA
fetches them. A caller that can publish TXT records (``acme_challenges.DnsChallenges``: customers'
certificate requests, in the zones we host for them) answers DNS-01 for the names it
chooses; wildcard names have no other challenge. The account key is created once per ACME
directory URL (0600) and the CA's terms of service are agreed to on the operator's behalf:
configuring the URL is that agreement. Two callers use it: :class:`AcmeIssuer` here (hosted
sites: our own key, the chain lands in the certificate directory beside it) and
``backends/acme_authority.py`` (customers' certificate requests: their CSR, their key).

For hosted sites, whatever goes wrong on the ACME side (server unreachable, order refused,
validation failed) never fails the caller: the site gets (or keeps) a self-signed certificate
so HTTPS serves, the note says why, and the order is tried again on a later ``ensure`` once
``retry_after`` has passed. A still-valid ACME certificate whose renewal fails is kept until it expires.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from acme import challenges, client, crypto_util, errors, messages
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from josepy.errors import Error as JoseError
from josepy.jwk import JWKRSA

from reseller_api.backends.acme_challenges import AcmeFailure, DnsChallenges
from reseller_api.backends.certificate_store import (
    CertificateSlot,
    StoredCertificate,
    new_private_key,
    self_signed_certificate,
)
from reseller_api.backends.files import write_atomically
from reseller_api.backends.stored_issuer import StoredIssuer

log = logging.getLogger("reseller_api.backends.acme")

_ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


class AcmeClient:
    """One account at one ACME directory, ordering certificates for CSRs over HTTP-01 (and
    DNS-01 where the caller can publish TXT records)."""

    def __init__(
        self,
        directory_url: str,
        challenges: Path,
        accounts: Path,
        *,
        ca_bundle: Path | None = None,
        network_timeout: int = 10,
        order_timeout: float = 60.0,
        user_agent: str = "reseller-api",
    ) -> None:
        self.directory_url = directory_url
        self.challenges = challenges
        # One account key per directory URL: staging and production are different accounts.
        digest = hashlib.sha256(directory_url.encode()).hexdigest()[:16]
        self.account_key_file = accounts / digest / "private_key.pem"
        # A private CA (pebble, step-ca) whose TLS certificate the system store does not know.
        self.ca_bundle = ca_bundle
        self.network_timeout = network_timeout
        self.order_timeout = order_timeout
        self.user_agent = user_agent
        # The acme client keeps nonces in one requests session: one order at a time per client.
        self._lock = threading.Lock()
        self._client: client.ClientV2 | None = None

    def order(self, csr_pem: bytes, dns: DnsChallenges | None = None) -> bytes:
        """The full chain (leaf first, PEM) for the names of ``csr_pem``, or AcmeFailure.

        ``dns``: answer DNS-01 for the names it chooses; without it, HTTP-01 only."""
        with self._lock:
            try:
                return self._order_unlocked(csr_pem, dns)
            except AcmeFailure:
                self._client = None
                raise
            except errors.ValidationError as exc:
                self._client = None
                raise AcmeFailure(_validation_reason(exc), reached=True) from None
            except errors.IssuanceError as exc:
                self._client = None
                raise AcmeFailure(_problem(exc.error), reached=True) from None
            except errors.TimeoutError:
                self._client = None
                raise AcmeFailure(
                    f"the order did not complete within {self.order_timeout:g} s", reached=True
                ) from None
            except messages.Error as exc:
                self._client = None
                raise AcmeFailure(_problem(exc), reached=True) from None
            except OSError as exc:
                # requests' ConnectionError, Timeout and SSLError are all OSErrors.
                self._client = None
                raise AcmeFailure(_network_reason(exc), reached=False, transient=True) from None
            except (errors.Error, JoseError, ValueError, KeyError) as exc:
                # A directory that is not ACME, a malformed answer.
                self._client = None
                raise AcmeFailure(f"unexpected answer: {type(exc).__name__}: {exc}", reached=True) from None

    def _order_unlocked(self, csr_pem: bytes, dns: DnsChallenges | None) -> bytes:
        acme = self._client or self._connect()
        self._client = acme
        order = acme.new_order(csr_pem)
        written: list[Path] = []
        published: list[tuple[str, str]] = []
        try:
            answers = []
            for authorization in order.authorizations:
                if authorization.body.status == messages.STATUS_VALID:
                    continue  # the CA remembers a recent validation for this name
                name = str(authorization.body.identifier.value)
                wildcard = bool(authorization.body.wildcard)
                if dns is not None and dns.dns01(name, wildcard):
                    challenge = _challenge(authorization, challenges.DNS01, name)
                    response, validation = challenge.response_and_validation(acme.net.key)
                    dns.publish(name, validation)
                    published.append((name, validation))
                elif wildcard:
                    raise AcmeFailure(
                        f"*.{name} can only be validated over DNS-01, which needs its DNS zone hosted here",
                        reached=True,
                    )
                else:
                    challenge = _challenge(authorization, challenges.HTTP01, name)
                    response, validation = challenge.response_and_validation(acme.net.key)
                    written.append(self._write_challenge(challenge.chall.encode("token"), validation))
                answers.append((challenge, response))
            # Every answer is in place before the CA is told to look: a wildcard and its base
            # name share one TXT owner, and a DNS answer cached between the two would miss one.
            for challenge, response in answers:
                acme.answer_challenge(challenge, response)
            deadline = dt.datetime.now() + dt.timedelta(seconds=self.order_timeout)
            order = acme.poll_and_finalize(order, deadline)
        finally:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            for name, value in published:
                assert dns is not None
                dns.remove(name, value)
        if not order.fullchain_pem:
            raise AcmeFailure("the order completed without a certificate", reached=True)
        return order.fullchain_pem.encode()

    def _connect(self) -> client.ClientV2:
        """Fetch the directory and register (or find) the account for our key."""
        key = JWKRSA(key=self._account_key())
        net = client.ClientNetwork(key, user_agent=self.user_agent, timeout=self.network_timeout)
        if self.ca_bundle is not None:
            # requests takes a CA bundle path where acme's signature says bool.
            net.verify_ssl = cast(bool, str(self.ca_bundle))
        acme = client.ClientV2(client.ClientV2.get_directory(self.directory_url, net), net)
        try:
            acme.new_account(messages.NewRegistration.from_data(terms_of_service_agreed=True))
        except errors.ConflictError as exc:
            # The key is registered already: use that account.
            net.account = messages.RegistrationResource(uri=exc.location, body=messages.Registration())
        return acme

    def _account_key(self) -> rsa.RSAPrivateKey:
        """The account's RSA key (RS256 is what every CA accepts), created 0600 on first use."""
        path = self.account_key_file
        try:
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError:
            pass
        except ValueError:
            raise AcmeFailure(f"the account key {path} is not a PEM private key", reached=False) from None
        else:
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise AcmeFailure(f"the account key {path} is not an RSA key", reached=False)
            return loaded
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomically(path, pem, 0o600)
        except OSError as exc:
            raise AcmeFailure(
                f"cannot store the account key under {path.parent}: {exc.strerror}", reached=False
            ) from None
        return key

    def _write_challenge(self, token: str, validation: str) -> Path:
        # The token is base64url by RFC 8555; refuse anything else rather than build a path from it.
        if not re.fullmatch(r"[A-Za-z0-9_-]+", token):
            raise AcmeFailure("the CA sent a challenge token that is not base64url", reached=True)
        directory = self.challenges
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o755)
            path = directory / token
            write_atomically(path, validation.encode(), 0o644)
        except OSError as exc:
            raise AcmeFailure(
                f"cannot write the challenge under {directory}: {exc.strerror}", reached=False
            ) from None
        return path


class AcmeIssuer(StoredIssuer):
    """Let's Encrypt (or any RFC 8555 CA) over HTTP-01, with a self-signed fallback."""

    def __init__(
        self,
        directory_url: str,
        certificates: Path,
        challenges: Path,
        accounts: Path,
        *,
        ca_bundle: Path | None = None,
        network_timeout: int = 10,
        order_timeout: float = 60.0,
        retry_after: dt.timedelta = dt.timedelta(hours=1),
        user_agent: str = "reseller-api",
    ) -> None:
        self.certificates = certificates
        self.acme = AcmeClient(
            directory_url,
            challenges,
            accounts,
            ca_bundle=ca_bundle,
            network_timeout=network_timeout,
            order_timeout=order_timeout,
            user_agent=user_agent,
        )
        self.retry_after = retry_after

    @property
    def directory_url(self) -> str:
        return self.acme.directory_url

    @property
    def account_key_file(self) -> Path:
        return self.acme.account_key_file

    @property
    def challenges(self) -> Path:
        return self.acme.challenges

    @challenges.setter
    def challenges(self, directory: Path) -> None:
        self.acme.challenges = directory

    @property
    def challenge_dir(self) -> Path | None:
        return self.acme.challenges

    # remove(): revocation is not needed: the key is deleted with the certificate, and the
    # CA's own expiry (90 days) ends it.

    def _issue(
        self,
        slot: CertificateSlot,
        current: StoredCertificate | None,
        wanted: Sequence[str],
        now: dt.datetime,
    ) -> None:
        try:
            key_pem, chain_pem = self._order(wanted)
        except AcmeFailure as failure:
            self._fall_back(slot, current, wanted, now, failure)
        else:
            slot.save(
                key_pem,
                chain_pem,
                self_signed=False,
                note=self._issued_note(chain_pem),
                acme_attempted_at=now,
            )

    def _reusable(self, current: StoredCertificate, wanted: Sequence[str], now: dt.datetime) -> bool:
        """Fresh ACME certificate; or a recent failed try left a certificate good enough to wait."""
        if frozenset(wanted) != current.names or current.not_after <= now:
            return False
        if current.fresh_for(wanted, now) and not current.self_signed:
            return True
        attempted = current.acme_attempted_at
        recently_tried = attempted is not None and now - attempted < self.retry_after
        # A self-signed stand-in is kept only while fresh; an ACME one until it expires.
        return recently_tried and (not current.self_signed or current.fresh_for(wanted, now))

    def _fall_back(
        self,
        slot: CertificateSlot,
        current: StoredCertificate | None,
        wanted: Sequence[str],
        now: dt.datetime,
        failure: AcmeFailure,
    ) -> None:
        """Keep what still serves (a valid ACME certificate, a fresh self-signed one), else self-sign."""
        log.warning("ACME order for %s failed: %s", ", ".join(wanted), failure.reason)
        keep = (
            current is not None
            and current.names == frozenset(wanted)
            and current.not_after > now
            and (not current.self_signed or current.fresh_for(wanted, now))
        )
        if current is not None and keep and not current.self_signed:
            note = (
                f"{current.note}; renewal failed, valid until {current.not_after:%Y-%m-%d}: "
                f"{failure.note(self.directory_url).removeprefix('Self-signed: ')}"
            )
            slot.save_meta(self_signed=False, note=note, acme_attempted_at=now)
        elif keep:
            slot.save_meta(self_signed=True, note=failure.note(self.directory_url), acme_attempted_at=now)
        else:
            key_pem, cert_pem = self_signed_certificate(wanted, now)
            slot.save(
                key_pem,
                cert_pem,
                self_signed=True,
                note=failure.note(self.directory_url),
                acme_attempted_at=now,
            )

    def _issued_note(self, chain_pem: bytes) -> str:
        issuer = x509.load_pem_x509_certificate(chain_pem).issuer
        names = issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME) or issuer.get_attributes_for_oid(
            NameOID.COMMON_NAME
        )
        by = str(names[0].value) if names else issuer.rfc4514_string()
        return f"Issued by {by} over ACME ({self.directory_url})"

    def _order(self, names: Sequence[str]) -> tuple[bytes, bytes]:
        """(key PEM, full chain PEM) for a new key of ours, or AcmeFailure."""
        key_pem = new_private_key()[1]
        return key_pem, self.acme.order(crypto_util.make_csr(key_pem, list(names)))


def _challenge(
    authorization: messages.AuthorizationResource, kind: type[challenges.Challenge], name: str
) -> messages.ChallengeBody:
    found = next((c for c in authorization.body.challenges if isinstance(c.chall, kind)), None)
    if found is None:
        raise AcmeFailure(f"the CA offers no {kind.typ.upper()} challenge for {name}", reached=True)
    return found


def _problem(error: messages.Error) -> str:
    return error.detail or error.description or error.title or str(error.typ)


def _validation_reason(exc: errors.ValidationError) -> str:
    failures = []
    for authorization in exc.failed_authzrs:
        for challenge in authorization.body.challenges:
            if challenge.error is not None:
                failures.append(f"{authorization.body.identifier.value}: {_problem(challenge.error)}")
    return "validation failed: " + "; ".join(failures) if failures else "validation failed"


def _network_reason(exc: OSError) -> str:
    """A short reason from requests' long exception texts ("connection refused", "timed out")."""
    kind = type(exc).__name__
    if "Timeout" in kind:
        return "timed out"
    if "SSL" in kind:
        return "TLS handshake failed (is the CA certificate trusted?)"
    found = _ERRNO_TEXT.search(str(exc))
    if found:
        return found.group(1).strip().lower()
    return exc.strerror or kind
