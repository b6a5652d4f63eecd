"""``/v2/linuxhostings``: Linux hostings, their PHP, FTP/SSH, sites, SSL settings and scheduled tasks.

Every operation after ``list``/``get`` takes the hosting's domain name first.
"""

from __future__ import annotations

from msgspec import UNSET

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call, segment
from reseller_api.client.resources import M, Resource, operation, paginated
from reseller_api.wire.linuxhostings import (
    AddHostHeaderRequest,
    AddSshKeyRequest,
    AddSubsiteRequest,
    AutoRedirectConfig,
    ChangePhpVersion,
    FtpConfiguration,
    GzipConfig,
    Http2Configuration,
    LetsEncryptConfig,
    LinuxHosting,
    LinuxHostingDetail,
    PhpVersion,
    ScheduledTask,
    ScheduledTaskRequest,
    SshConfiguration,
    SshKey,
    UpdatePhpAPcuRequest,
    UpdatePhpMemoryLimitRequest,
)

LinuxHostingList = list[LinuxHosting]
PhpVersionList = list[PhpVersion]
SshKeyList = list[SshKey]
ScheduledTaskList = list[ScheduledTask]


def _path(domain_name: str, *rest: str) -> str:
    return "/".join(["/v2/linuxhostings", segment(domain_name), *rest])


class LinuxHostings(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[LinuxHostingList]:
        """One page of your Linux hostings."""
        return Call("GET", "/v2/linuxhostings", LinuxHostingList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[LinuxHostingList]:
        """Every Linux hosting, a page at a time as you iterate."""
        return Call("GET", "/v2/linuxhostings", LinuxHostingList)

    @operation
    def get(self, domain_name: str) -> Call[LinuxHostingDetail]:
        return Call("GET", _path(domain_name), LinuxHostingDetail)

    # -- PHP ------------------------------------------------------------------------------

    @operation
    def php_versions(self, domain_name: str) -> Call[PhpVersionList]:
        """The PHP versions this hosting can switch to."""
        return Call("GET", _path(domain_name, "phpsettings", "availableversions"), PhpVersionList)

    @operation
    def set_php_version(self, domain_name: str, version: str) -> Call[None]:
        body = ChangePhpVersion(version=version)
        return Call("PUT", _path(domain_name, "phpsettings", "version"), body=body, outcome="none")

    @operation
    def set_php_memory_limit(self, domain_name: str, memory_limit: int) -> Call[None]:
        body = UpdatePhpMemoryLimitRequest(memory_limit=memory_limit)
        return Call("PUT", _path(domain_name, "phpsettings", "memorylimit"), body=body, outcome="none")

    @operation
    def set_apcu(self, domain_name: str, enabled: bool, apcu_size: int | None = None) -> Call[None]:
        """Switch APCu; its size (MB) changes only when given."""
        body = UpdatePhpAPcuRequest(enabled=enabled, apcu_size=UNSET if apcu_size is None else apcu_size)
        return Call("PUT", _path(domain_name, "phpsettings", "apcu"), body=body, outcome="none")

    # -- switches -------------------------------------------------------------------------

    @operation
    def set_gzip(self, domain_name: str, enabled: bool) -> Call[None]:
        body = GzipConfig(enabled=enabled)
        return Call("PUT", _path(domain_name, "settings", "gzipcompression"), body=body, outcome="none")

    @operation
    def set_ftp(self, domain_name: str, enabled: bool) -> Call[None]:
        body = FtpConfiguration(enabled=enabled)
        return Call("PUT", _path(domain_name, "ftp", "configuration"), body=body, outcome="none")

    @operation
    def set_ssh(self, domain_name: str, enabled: bool) -> Call[None]:
        body = SshConfiguration(enabled=enabled)
        return Call("PUT", _path(domain_name, "ssh", "configuration"), body=body, outcome="none")

    @operation
    def set_http2(self, domain_name: str, site_name: str, enabled: bool) -> Call[None]:
        path = _path(domain_name, "sites", segment(site_name), "http2", "configuration")
        return Call("PUT", path, body=Http2Configuration(enabled=enabled), outcome="none")

    @operation
    def set_letsencrypt(self, domain_name: str, hostname: str, enabled: bool) -> Call[None]:
        path = _path(domain_name, "sslsettings", segment(hostname), "letsencrypt")
        return Call("PUT", path, body=LetsEncryptConfig(enabled=enabled), outcome="none")

    @operation
    def set_auto_redirect(self, domain_name: str, hostname: str, enabled: bool) -> Call[None]:
        path = _path(domain_name, "sslsettings", segment(hostname), "autoredirect")
        return Call("PUT", path, body=AutoRedirectConfig(enabled=enabled), outcome="none")

    # -- SSH keys -------------------------------------------------------------------------

    @operation
    def ssh_keys(self, domain_name: str) -> Call[SshKeyList]:
        return Call("GET", _path(domain_name, "ssh", "keys"), SshKeyList)

    @operation
    def add_ssh_key(self, domain_name: str, public_key: str) -> Call[str]:
        """Authorise an OpenSSH public key; returns the ``Location`` the server gave."""
        body = AddSshKeyRequest(public_key=public_key)
        return Call("POST", _path(domain_name, "ssh", "keys"), str, body=body, outcome="location")

    @operation
    def delete_ssh_key(self, domain_name: str, fingerprint: str) -> Call[None]:
        return Call("DELETE", _path(domain_name, "ssh", "keys", segment(fingerprint)), outcome="none")

    # -- sites ----------------------------------------------------------------------------

    @operation
    def add_subsite(self, domain_name: str, site_domain_name: str, path: str | None = None) -> Call[str]:
        """Add a site for another domain name, served from ``path`` under the hosting."""
        body = AddSubsiteRequest(domain_name=site_domain_name, path=path)
        return Call("POST", _path(domain_name, "subsites"), str, body=body, outcome="location")

    @operation
    def delete_subsite(self, domain_name: str, site_name: str) -> Call[None]:
        return Call("DELETE", _path(domain_name, "subsites", segment(site_name)), outcome="none")

    @operation
    def add_host_header(self, domain_name: str, site_name: str, host_domain_name: str) -> Call[str]:
        """Serve one more domain name from a site."""
        body = AddHostHeaderRequest(domain_name=host_domain_name)
        path = _path(domain_name, "sites", segment(site_name), "hostheaders")
        return Call("POST", path, str, body=body, outcome="location")

    # -- scheduled tasks ------------------------------------------------------------------

    @operation
    def scheduled_tasks(self, domain_name: str) -> Call[ScheduledTaskList]:
        return Call("GET", _path(domain_name, "scheduledtasks"), ScheduledTaskList)

    @operation
    def scheduled_task(self, domain_name: str, task_id: str) -> Call[ScheduledTask]:
        return Call("GET", _path(domain_name, "scheduledtasks", segment(task_id)), ScheduledTask)

    @operation
    def add_scheduled_task(
        self, domain_name: str, cron_expression: str, script_location: str, enabled: bool = True
    ) -> Call[str]:
        """Run a script on a cron schedule; returns the new task's id."""
        body = ScheduledTaskRequest(
            cron_expression=cron_expression, script_location=script_location, enabled=enabled
        )
        return Call("POST", _path(domain_name, "scheduledtasks"), str, body=body, outcome="id")

    @operation
    def update_scheduled_task(
        self,
        domain_name: str,
        task_id: str,
        cron_expression: str | None = None,
        script_location: str | None = None,
        enabled: bool | None = None,
    ) -> Call[None]:
        """Change a task: only the fields given change (a disabled task stays disabled unless told)."""
        body = ScheduledTaskRequest(
            cron_expression=UNSET if cron_expression is None else cron_expression,
            script_location=UNSET if script_location is None else script_location,
            enabled=UNSET if enabled is None else enabled,
        )
        return Call("PUT", _path(domain_name, "scheduledtasks", segment(task_id)), body=body, outcome="none")

    @operation
    def delete_scheduled_task(self, domain_name: str, task_id: str) -> Call[None]:
        return Call("DELETE", _path(domain_name, "scheduledtasks", segment(task_id)), outcome="none")
