"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType


class Domain(msgspec.Struct):
    domain_name: str
    expiration_date: str
    will_renew: bool


class NameServer(msgspec.Struct, omit_defaults=True):
    name: str
    ip: str | UnsetType = UNSET


class Registrant(msgspec.Struct, omit_defaults=True):
    """The registrant as the order gave it (fields left out were not given)."""

    address: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    company_name: str | UnsetType = UNSET
    country_code: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    enterprise_number: str | UnsetType = UNSET
    fax: str | UnsetType = UNSET
    first_name: str | UnsetType = UNSET
    language_code: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    postal_code: str | UnsetType = UNSET


class DomainDetail(msgspec.Struct, omit_defaults=True):
    domain_name: str
    expiration_date: str
    will_renew: bool
    can_toggle_renew: bool
    name_servers: list[NameServer]
    registrant: Registrant | UnsetType = UNSET


class ExtraField(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    value: str | None = None


class RegistrantInput(msgspec.Struct, forbid_unknown_fields=True):
    address: str | None = None
    city: str | None = None
    company_name: str | None = None
    country_code: str | None = None
    email: str | None = None
    enterprise_number: str | None = None
    extra_fields: list[ExtraField] | None = None
    fax: str | None = None
    first_name: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    phone: str | None = None
    postal_code: str | None = None


class RegisterDomain(msgspec.Struct, forbid_unknown_fields=True):
    domain_name: str | UnsetType | None = UNSET
    name_servers: list[str] | UnsetType | None = UNSET
    registrant: RegistrantInput | UnsetType | None = UNSET


class TransferDomain(msgspec.Struct, forbid_unknown_fields=True):
    """The API text's transfer body (the YAML has no transfer operation)."""

    domain_name: str | UnsetType | None = UNSET
    auth_code: str | UnsetType | None = UNSET


class EditNameServers(msgspec.Struct, forbid_unknown_fields=True):
    domain_name: str | UnsetType | None = UNSET
    name_servers: list[str] | UnsetType | None = UNSET


class EditDomainWillRenewRequest(msgspec.Struct, forbid_unknown_fields=True):
    will_renew: bool | UnsetType | None = UNSET
