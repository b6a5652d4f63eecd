"""What a provisioning job changes in the world, behind small interfaces.

Every method is idempotent: ``ensure_*`` converges to "exists as described" and
``remove_*`` to "does not exist", so a retried job never provisions twice. Real
implementations (PowerDNS, MariaDB, nginx, Dovecot) come with their own issue; the
simulated ones keep their state in our database.
"""

from __future__ import annotations

from typing import Protocol


class HostingBackend(Protocol):
    def ensure_hosting(self, domain_name: str, ftp_username: str, ftp_password_hash: str) -> None: ...
    def remove_hosting(self, domain_name: str) -> None: ...


class DnsBackend(Protocol):
    def ensure_zone(self, domain_name: str, name_servers: tuple[str, ...]) -> None: ...
    def remove_zone(self, domain_name: str) -> None: ...


class MailBackend(Protocol):
    def ensure_mail_zone(self, domain_name: str) -> None: ...
    def remove_mail_zone(self, domain_name: str) -> None: ...
