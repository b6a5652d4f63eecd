"""What a provisioning job changes in the world, behind small interfaces.

Every method is idempotent: ``ensure_*`` converges to "exists as described" and
``remove_*`` to "does not exist", so a retried job never provisions twice. The simulated
implementations keep their state in our database; the real ones (PowerDNS, MariaDB, nginx +
PHP-FPM, Dovecot) are selected by settings (``build_backends``).

A backend says why it failed with one of two exceptions, which the API and the job runner
both understand:

- :class:`BackendUnavailable`: the server could not be reached or timed out. A job retries
  it with back-off; a request answers 503.
- :class:`BackendRefused`: the server refused the change as invalid (PowerDNS's 422, an nginx
  configuration that fails ``nginx -t``). Retrying cannot help: a job fails with the reason; a
  request answers 400 with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from reseller_api.backends.acme_challenges import DnsChallenges
    from reseller_api.store.database import Database


class TransientError(Exception):
    """A backend failure worth retrying (connection refused, timeout); anything else fails the job.

    It lives here, with the backends that raise it, so that backends import nothing of the
    job layer above them; the job runner imports it from here.
    """


class BackendUnavailable(TransientError):
    """The backend server could not be reached or did not answer in time: worth retrying."""


class BackendRefused(Exception):
    """The backend refused the change; ``str(exc)`` is its reason, worded for the reseller."""


class HostingBackend(Protocol):
    """A Linux web hosting platform: web server sites, PHP, FTP/SSH access, cron.

    Each ``set_*``/``ensure_*`` call carries the whole state of what it configures (all the
    settings, every key of authorized_keys, every crontab line), so applying it twice, or
    after a missed call, converges to our records.
    """

    def ensure_hosting(self, domain_name: str, ftp_username: str, ftp_password_hash: str) -> None: ...
    def remove_hosting(self, domain_name: str) -> None: ...
    # PHP version, memory limit, APCu, gzip, FTP and SSH switches.
    def set_settings(self, domain_name: str, settings: Mapping[str, Any]) -> None: ...
    def php_versions(self) -> tuple[str, ...]: ...
    def path_exists(self, domain_name: str, path: str) -> bool: ...
    # One virtual host: {"path", "http2_enabled", "host_headers": [{"name", "enabled", "letsencrypt", ...}]}.
    def ensure_site(self, domain_name: str, site_name: str, site: Mapping[str, Any]) -> None: ...
    def remove_site(self, domain_name: str, site_name: str) -> None: ...
    def set_authorized_keys(self, domain_name: str, public_keys: Sequence[str]) -> None: ...
    # Crontab lines: {"id", "cron_expression", "script_location", "enabled"}.
    def set_crontab(self, domain_name: str, entries: Sequence[Mapping[str, Any]]) -> None: ...
    # Host name -> why its HTTPS certificate is self-signed (no ACME server could issue one), for
    # those that are; the hosting detail says so. Empty when every certificate is a real one.
    def certificate_notes(self, domain_name: str) -> Mapping[str, str]: ...
    # What the web server answers for http://{host}{path} of this hosting (an SSL certificate
    # request's file validation): the body of a 200, None for anything else.
    def fetch(self, domain_name: str, host: str, path: str) -> bytes | None: ...


class DnsBackend(Protocol):
    """An authoritative DNS server (PowerDNS-like): zones with SOA/NS, records as RRsets."""

    def ensure_zone(self, domain_name: str, name_servers: tuple[str, ...]) -> None: ...
    def remove_zone(self, domain_name: str) -> None: ...
    # Replace one RRset (owner + type) as a whole; an empty ``rdatas`` removes it. ``owner`` is
    # relative to the zone ("@" for the apex); rdatas are in zone-file presentation form.
    def replace_rrset(
        self, domain_name: str, owner: str, rdtype: str, ttl: int, rdatas: list[str]
    ) -> None: ...
    # What the server serves for one RRset, in presentation form (absolute names end in "."):
    # an SSL certificate request's DNS validation asks the server, not only our records.
    def served_rrset(self, domain_name: str, owner: str, rdtype: str) -> list[str]: ...


class RegistryError(Exception):
    """The registry refused an order (name taken, wrong auth code): the job fails with this reason."""


class RegistryBackend(Protocol):
    """A domain registry (EPP-like), seen from the registrar we are."""

    # "available", "taken" (registered elsewhere) or "unsupported" (a TLD we do not sell).
    def availability(self, domain_name: str) -> str: ...
    # Converge to "registered by us, on these name servers"; returns the expiration (unix seconds).
    def register(self, domain_name: str, name_servers: tuple[str, ...], years: int) -> float: ...
    # Converge to "transferred to us"; raises RegistryError when the auth code is wrong.
    def transfer(self, domain_name: str, auth_code: str, name_servers: tuple[str, ...]) -> float: ...
    def set_name_servers(self, domain_name: str, name_servers: tuple[str, ...]) -> None: ...
    def set_auto_renew(self, domain_name: str, will_renew: bool) -> None: ...
    # Undo a registration or transfer that our side could not record (idempotent).
    def release(self, domain_name: str) -> None: ...
    # When a registration or transfer made at ``start`` (unix seconds) for ``years`` expires: the
    # registry's rule, which our books record when a job commits.
    def expiration(self, start: float, years: int = 1) -> float: ...


class MailBackend(Protocol):
    """A mail platform (Dovecot + an MTA). Passwords arrive only as argon2id or SHA512-CRYPT hashes."""

    def ensure_mail_zone(self, domain_name: str) -> None: ...
    def remove_mail_zone(self, domain_name: str) -> None: ...
    def ensure_mailbox(self, address: str, password_hash: str, quota_mb: int) -> None: ...
    def set_mailbox_password(self, address: str, password_hash: str) -> None: ...
    # Sieve-like rules: {"auto_reply": {...}, "auto_forward": {...}}, replaced as a whole.
    def set_mailbox_rules(self, address: str, rules: Mapping[str, Any]) -> None: ...
    def remove_mailbox(self, address: str) -> None: ...
    def set_alias(self, address: str, destinations: Sequence[str]) -> None: ...
    def remove_alias(self, address: str) -> None: ...
    def set_catch_all(self, domain_name: str, addresses: Sequence[str]) -> None: ...
    def set_anti_spam(self, domain_name: str, level: str) -> None: ...
    def set_smtp_domain(self, domain_name: str, hostname: str, enabled: bool) -> None: ...
    def remove_smtp_domain(self, hostname: str) -> None: ...


class MySqlDatabasesBackend(Protocol):
    """The MySQL databases and their users, on a MariaDB server: one method per statement family.

    ``password_hash`` is always the ``mysql_native_password`` hash (``*`` + 40 hex digits),
    as ``CREATE USER ... IDENTIFIED BY PASSWORD '<hash>'`` takes it: the clear password
    never leaves the request that carried it.
    """

    # CREATE DATABASE IF NOT EXISTS
    def create_database(self, name: str, max_size_mb: int) -> None: ...
    # DROP DATABASE IF EXISTS
    def drop_database(self, name: str) -> None: ...
    # CREATE USER IF NOT EXISTS ... IDENTIFIED BY PASSWORD (and ALTER USER when it exists)
    def create_user(self, user: str, password_hash: str) -> None: ...
    # ALTER USER ... IDENTIFIED BY PASSWORD
    def set_user_password(self, user: str, password_hash: str) -> None: ...
    # REVOKE ALL, then GRANT (ALL | SELECT) ON `database`.* TO user
    def grant(self, user: str, database: str, rights: str) -> None: ...
    # ALTER USER ... ACCOUNT LOCK | UNLOCK
    def set_user_enabled(self, user: str, enabled: bool) -> None: ...
    # DROP USER IF EXISTS
    def drop_user(self, user: str) -> None: ...
    # Used size in MB (data + indexes) of those of ``names`` the server measured, in one query
    # for a whole page; a name left out shows the size recorded in our store.
    def database_sizes_mb(self, names: Sequence[str]) -> dict[str, float]: ...


class DnsChallengesFor(Protocol):
    """Where one reseller's DNS-01 challenges are answered: the TXT records of the zones it hosts.

    The resource that knows the zones (resources/sslcertificates/acme_dns.py ``ZoneChallenges``)
    hands this to :meth:`CertificateIssuer.prepare`: a backend does not import a resource.
    """

    def __call__(self, database: Database, dns: DnsBackend, reseller_id: int) -> DnsChallenges: ...


class CertificateIssuer(Protocol):
    """A certificate authority for SSL certificate requests whose names are validated."""

    # Outside any transaction (the job's provision step), idempotent: whatever must happen
    # before ``sign`` that needs the network or a transaction of its own (the installation
    # CA's key, made once; an ACME order, kept on the request until ``sign`` takes it, its
    # DNS-01 challenges answered in the request's reseller's zones by ``dns_challenges``).
    def prepare(self, request_id: int, dns_challenges: DnsChallengesFor) -> None: ...
    # The certificate (PEM) and its issuers (PEM, leaf excluded) for ``csr_pem`` and ``names``
    # (the common name first), valid ``days`` where the issuer decides it; inside the job's
    # commit, so it exists exactly when its request is marked issued.
    def sign(
        self, conn: Connection, request_id: int, csr_pem: str, names: list[str], days: int
    ) -> tuple[str, str]: ...
