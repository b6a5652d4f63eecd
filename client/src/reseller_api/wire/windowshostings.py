"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

from typing import Literal

import msgspec

IpType = Literal["dedicated", "shared"]


class ApplicationPool(msgspec.Struct):
    runtime: str
    pipeline_mode: str
    installed_net_core_runtimes: list[str]


class SiteBinding(msgspec.Struct):
    protocol: str
    host_name: str
    ip_address: str
    port: int
    cert_thumbprint: str | None
    ssl_enabled: bool


class WindowsSite(msgspec.Struct):
    name: str
    path: str
    bindings: list[SiteBinding]


class WindowsHosting(msgspec.Struct):
    domain_name: str
    servicepack_id: int


class WindowsHostingDetail(msgspec.Struct):
    domain_name: str
    servicepack_id: int
    max_size: int  # MB
    actual_size: int  # MB
    ip: str
    ip_type: IpType
    ftp_username: str
    application_pool: ApplicationPool
    sites: list[WindowsSite]
    mssql_database_names: list[str]
