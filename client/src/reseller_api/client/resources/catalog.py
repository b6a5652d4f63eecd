"""The resources of both clients, declared once: one annotated line per resource.

:class:`~reseller_api.client.Client` inherits ``Resources[Sync]`` and
:class:`~reseller_api.client.AsyncClient` ``Resources[Async]``, so type checkers and IDEs see
``client.dns`` as ``Dns[Sync]`` on the one and ``Dns[Async]`` on the other, and each client
builds every attribute from its annotation (:meth:`Resources._attach_resources`). A new
resource is one import and one line here; ``tests/sdk/test_coverage.py`` fails when a module of
this package declares a resource class that no line names.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar, Generic, get_args, get_origin, get_type_hints

from reseller_api.client.resources import Async, AsyncRunner, M, Resource, Runner, Sync
from reseller_api.client.resources.accounts import Accounts
from reseller_api.client.resources.dns import Dns
from reseller_api.client.resources.domains import Domains
from reseller_api.client.resources.linuxhostings import LinuxHostings
from reseller_api.client.resources.mailboxes import Mailboxes
from reseller_api.client.resources.mailzones import MailZones
from reseller_api.client.resources.mysqldatabases import MySqlDatabases
from reseller_api.client.resources.provisioningjobs import ProvisioningJobs
from reseller_api.client.resources.servicepacks import Servicepacks
from reseller_api.client.resources.ssh import SshKeys
from reseller_api.client.resources.sslcertificates import SslCertificateRequests, SslCertificates
from reseller_api.client.resources.webhooks import Webhooks
from reseller_api.client.resources.windowshostings import WindowsHostings


class Resources(Generic[M]):
    """What ``client.<name>`` is, for both clients (in the order the clients had them)."""

    accounts: Accounts[M]
    servicepacks: Servicepacks[M]
    provisioningjobs: ProvisioningJobs[M]
    dns: Dns[M]
    linuxhostings: LinuxHostings[M]
    mailzones: MailZones[M]
    domains: Domains[M]
    mailboxes: Mailboxes[M]
    mysqldatabases: MySqlDatabases[M]
    ssh: SshKeys[M]
    sslcertificaterequests: SslCertificateRequests[M]
    sslcertificates: SslCertificates[M]
    windowshostings: WindowsHostings[M]
    webhooks: Webhooks[M]

    # The mode a subclass chose (Resources[Sync] or Resources[Async]), read once per class.
    _mode: ClassVar[type[Sync] | type[Async]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Resources:
                (cls._mode,) = get_args(base)

    def _attach_resources(self, client: Runner | AsyncRunner) -> None:
        """Set every declared attribute: ``self.dns = Dns[Sync](client)``, and so on."""
        for name, declared in declared_resources().items():
            setattr(self, name, declared[self._mode](client))


@cache
def declared_resources() -> dict[str, Any]:
    """Each attribute's name and its declared type, still generic in the mode: ``{"dns": Dns[M], ...}``."""
    return {
        name: hint
        for name, hint in get_type_hints(Resources).items()
        if isinstance(get_origin(hint), type) and issubclass(get_origin(hint), Resource)
    }
