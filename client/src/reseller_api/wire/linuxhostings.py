"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from reseller_api.wire.integers import Int32

LinuxIpType = Literal["dedicated", "shared"]


class LinuxHosting(msgspec.Struct):
    domain_name: str
    servicepack_id: int


class HostHeader(msgspec.Struct):
    """A host header identifies a web domain."""

    name: str
    enabled: bool


class LinuxSite(msgspec.Struct):
    name: str
    path: str
    host_headers: list[HostHeader]
    ssl_enabled: bool
    https_redirect_enabled: bool
    http2_enabled: bool


class LinuxHostingDetail(msgspec.Struct):
    domain_name: str
    servicepack_id: int
    max_webspace_size: int
    max_size: int
    webspace_usage: int
    actual_size: int
    ip: str
    ip_type: LinuxIpType
    ftp_enabled: bool
    ftp_username: str
    ssh_host: str
    ssh_username: str
    php_version: str
    sites: list[LinuxSite]
    mysql_database_names: list[str]


class PhpVersion(msgspec.Struct):
    version: str


class SshKey(msgspec.Struct):
    fingerprint: str
    public_key: str


class ScheduledTask(msgspec.Struct):
    id: str
    cron_expression: str
    script_location: str
    enabled: bool


# -- requests: every field may be absent on the wire (as in the YAML), so a missing one
# gets our own precise error code instead of the framework's.


class ChangePhpVersion(msgspec.Struct):
    version: str | UnsetType = UNSET


class UpdatePhpMemoryLimitRequest(msgspec.Struct):
    memory_limit: Int32 | UnsetType = UNSET


class UpdatePhpAPcuRequest(msgspec.Struct):
    enabled: bool | UnsetType = UNSET
    apcu_size: Int32 | UnsetType = UNSET


class EnabledConfig(msgspec.Struct):
    """The YAML's one-field switches; one subclass each, so the document names them as the YAML does."""

    enabled: bool | UnsetType = UNSET


class GzipConfig(EnabledConfig):
    pass


class FtpConfiguration(EnabledConfig):
    pass


class SshConfiguration(EnabledConfig):
    pass


class Http2Configuration(EnabledConfig):
    pass


class LetsEncryptConfig(EnabledConfig):
    pass


class AutoRedirectConfig(EnabledConfig):
    pass


class AddSshKeyRequest(msgspec.Struct):
    public_key: str | UnsetType = UNSET


class AddSubsiteRequest(msgspec.Struct):
    domain_name: str | UnsetType = UNSET
    path: str | UnsetType | None = UNSET


class AddHostHeaderRequest(msgspec.Struct):
    domain_name: str | UnsetType = UNSET


class ScheduledTaskRequest(msgspec.Struct):
    """The YAML's ``ScheduledTask`` as a request: ``id`` is accepted and ignored."""

    id: str | UnsetType | None = UNSET
    cron_expression: str | UnsetType = UNSET
    script_location: str | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
