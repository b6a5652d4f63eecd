"""Backends: the interfaces jobs call, and the set selected by settings.

Each real backend lives in its own module and is imported only when selected, so the
default (simulated) install never loads a driver it does not use.
"""

from __future__ import annotations

from dataclasses import dataclass

from reseller_api.backends.base import (
    CertificateIssuer,
    DnsBackend,
    HostingBackend,
    MailBackend,
    MySqlDatabasesBackend,
    RegistryBackend,
)
from reseller_api.settings import Settings
from reseller_api.store.database import Database


@dataclass(frozen=True, slots=True)
class Backends:
    hosting: HostingBackend
    dns: DnsBackend
    mail: MailBackend
    mysqldatabases: MySqlDatabasesBackend
    registry: RegistryBackend
    # Signs SSL certificate requests: the installation's own CA (backends/internal_ca.py), or
    # an ACME CA with RESELLER_API_CERTIFICATE_ISSUER=acme (backends/acme_authority.py).
    issuer: CertificateIssuer
    name_servers: tuple[str, ...]
    # How long a provisioning step takes; the simulated world takes RESELLER_API_JOB_DURATION.
    step_duration: float


def check_settings(settings: Settings) -> None:
    """What a backend's settings need of this machine (users, privileges), checked before
    anything is migrated or created: a wrong one stops the command with one line."""
    if settings.web_backend == "nginx":
        from reseller_api.backends.nginx.hosting import check_web_user

        check_web_user(settings.web_user)


def build_backends(settings: Settings, database: Database) -> Backends:
    from reseller_api.backends import simulated
    from reseller_api.backends.internal_ca import InternalAuthority
    from reseller_api.backends.simulated.mysqldatabases import SimulatedMySqlDatabases
    from reseller_api.backends.simulated.registry import SimulatedRegistry

    store = simulated.SimulatedStore(database)
    hosting: HostingBackend = simulated.SimulatedHosting(store)
    dns: DnsBackend = simulated.SimulatedDns(store)
    mail: MailBackend = simulated.SimulatedMail(store)
    mysqldatabases: MySqlDatabasesBackend = SimulatedMySqlDatabases(store)
    if settings.dns_backend == "powerdns":
        from reseller_api.backends.powerdns import PowerDnsBackend

        dns = PowerDnsBackend(settings)
    if settings.mysql_backend == "mariadb":
        from reseller_api.backends.mariadb import MariaDbBackend

        mysqldatabases = MariaDbBackend(settings)
    if settings.web_backend == "nginx":
        from reseller_api.backends.nginx import NginxHosting

        hosting = NginxHosting(settings)
    if settings.mail_backend == "dovecot":
        from reseller_api.backends.dovecot import DovecotMail

        mail = DovecotMail(settings)
    issuer: CertificateIssuer = InternalAuthority(settings, database)
    if settings.certificate_issuer == "acme":
        from reseller_api.backends.acme_authority import AcmeAuthority

        issuer = AcmeAuthority.from_settings(settings, database, dns)
    return Backends(
        hosting=hosting,
        dns=dns,
        mail=mail,
        mysqldatabases=mysqldatabases,
        registry=SimulatedRegistry(store, settings),
        issuer=issuer,
        name_servers=settings.name_servers,
        # Real servers take the time they take; only the simulated world pretends to work.
        step_duration=settings.job_duration if _all_simulated(settings) else 0.0,
    )


def _all_simulated(settings: Settings) -> bool:
    chosen = (settings.dns_backend, settings.mysql_backend, settings.web_backend, settings.mail_backend)
    return all(name == "simulated" for name in chosen)
