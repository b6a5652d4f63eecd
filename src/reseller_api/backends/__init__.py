"""Backends: the interfaces jobs call, and the set selected by settings."""

from __future__ import annotations

from dataclasses import dataclass

from reseller_api.backends.base import DnsBackend, HostingBackend, MailBackend, MySqlBackend, RegistryBackend
from reseller_api.settings import Settings
from reseller_api.store.database import Database


@dataclass(frozen=True, slots=True)
class Backends:
    hosting: HostingBackend
    dns: DnsBackend
    mail: MailBackend
    mysql: MySqlBackend
    registry: RegistryBackend
    name_servers: tuple[str, ...]
    # How long a provisioning step takes; the simulated world takes RESELLER_API_JOB_DURATION.
    step_duration: float


def build_backends(settings: Settings, database: Database) -> Backends:
    from reseller_api.backends import simulated
    from reseller_api.backends.simulated.mysql import SimulatedMySql
    from reseller_api.backends.simulated.registry import SimulatedRegistry

    store = simulated.SimulatedStore(database)
    return Backends(
        hosting=simulated.SimulatedHosting(store),
        dns=simulated.SimulatedDns(store),
        mail=simulated.SimulatedMail(store),
        mysql=SimulatedMySql(store),
        registry=SimulatedRegistry(store, settings),
        name_servers=settings.name_servers,
        step_duration=settings.job_duration,
    )
