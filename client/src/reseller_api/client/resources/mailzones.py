"""``/v2/mailzones/{domainName}``: a domain's mail zone, its aliases, catch-all, anti-spam and SMTP domains.

Every operation takes the zone's domain name first.
"""

from __future__ import annotations

from reseller_api.client.core import Call, segment
from reseller_api.client.resources import M, Resource, operation
from reseller_api.wire.mailzones import (
    AntiSpamTypes,
    CreateAliasRequest,
    CreateCatchAllRequest,
    CreateSmtpDomainRequest,
    MailZone,
    UpdateAliasRequest,
    UpdateAntiSpamRequest,
    UpdateSmtpDomainRequest,
)


def _path(domain_name: str, *rest: str) -> str:
    return "/".join(["/v2/mailzones", segment(domain_name), *rest])


class MailZones(Resource[M]):
    @operation
    def get(self, domain_name: str) -> Call[MailZone]:
        return Call("GET", _path(domain_name), MailZone)

    @operation
    def add_alias(self, domain_name: str, email_address: str, destinations: list[str]) -> Call[str]:
        """Forward what ``email_address`` receives to ``destinations``."""
        body = CreateAliasRequest(email_address=email_address, destinations=destinations)
        return Call("POST", _path(domain_name, "aliases"), str, body=body, outcome="location")

    @operation
    def update_alias(self, domain_name: str, email_address: str, destinations: list[str]) -> Call[None]:
        body = UpdateAliasRequest(destinations=destinations)
        return Call("PUT", _path(domain_name, "aliases", segment(email_address)), body=body, outcome="none")

    @operation
    def delete_alias(self, domain_name: str, email_address: str) -> Call[None]:
        return Call("DELETE", _path(domain_name, "aliases", segment(email_address)), outcome="none")

    @operation
    def set_anti_spam(self, domain_name: str, type: AntiSpamTypes) -> Call[None]:
        body = UpdateAntiSpamRequest(type=type)
        return Call("PUT", _path(domain_name, "antispam"), body=body, outcome="none")

    @operation
    def add_catch_all(self, domain_name: str, email_address: str) -> Call[str]:
        body = CreateCatchAllRequest(email_address=email_address)
        return Call("POST", _path(domain_name, "catchall"), str, body=body, outcome="location")

    @operation
    def delete_catch_all(self, domain_name: str, email_address: str) -> Call[None]:
        return Call("DELETE", _path(domain_name, "catchall", segment(email_address)), outcome="none")

    @operation
    def add_smtp_domain(self, domain_name: str, hostname: str) -> Call[str]:
        body = CreateSmtpDomainRequest(hostname=hostname)
        return Call("POST", _path(domain_name, "smtpdomains"), str, body=body, outcome="location")

    @operation
    def update_smtp_domain(self, domain_name: str, hostname: str, enabled: bool) -> Call[None]:
        body = UpdateSmtpDomainRequest(enabled=enabled)
        return Call("PUT", _path(domain_name, "smtpdomains", segment(hostname)), body=body, outcome="none")

    @operation
    def delete_smtp_domain(self, domain_name: str, hostname: str) -> Call[None]:
        return Call("DELETE", _path(domain_name, "smtpdomains", segment(hostname)), outcome="none")
