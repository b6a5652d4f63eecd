"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType


class Domain(msgspec.Struct):
    domain_name: str
    expiration_date: str
    will_renew: bool


class NameServer(msgspec.Struct):
    """``ip`` is always a string (clients type it so): the address of one of our name servers
    (RESELLER_API_NAME_SERVERS), a registration's glue, or ``""`` when we know none."""

    name: str
    ip: str = ""


class Registrant(msgspec.Struct):
    """The registrant as the order gave it: ``null`` for what it did not give."""

    address: str | None = None
    city: str | None = None
    company_name: str | None = None
    country_code: str | None = None
    email: str | None = None
    enterprise_number: str | None = None
    fax: str | None = None
    first_name: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    phone: str | None = None
    postal_code: str | None = None


class DomainDetail(msgspec.Struct):
    """Every property of the YAML's, ``registrant`` ``null`` when the order gave none."""

    domain_name: str
    expiration_date: str
    will_renew: bool
    can_toggle_renew: bool
    name_servers: list[NameServer]
    registrant: Registrant | None = None


class ExtraField(msgspec.Struct):
    name: str | None = None
    value: str | None = None


class RegistrantInput(Registrant):
    """The registrant as an order gives it: :class:`Registrant`'s fields and ``extra_fields``."""

    extra_fields: list[ExtraField] | None = None


class RegisterDomain(msgspec.Struct):
    domain_name: str | UnsetType | None = UNSET
    name_servers: list[str] | UnsetType | None = UNSET
    registrant: RegistrantInput | UnsetType | None = UNSET


class TransferDomain(msgspec.Struct):
    """The API text's transfer body (the YAML has no transfer operation)."""

    domain_name: str | UnsetType | None = UNSET
    auth_code: str | UnsetType | None = UNSET


class EditNameServers(msgspec.Struct):
    domain_name: str | UnsetType | None = UNSET
    name_servers: list[str] | UnsetType | None = UNSET


class EditDomainWillRenewRequest(msgspec.Struct):
    will_renew: bool | UnsetType | None = UNSET
