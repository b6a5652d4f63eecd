"""``client.linuxhostings`` (and ``client.ssh``, the keys it holds)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from reseller_api.client import Client, NotFoundError
from reseller_api.wire.accounts import AccountDetail
from reseller_api.wire.linuxhostings import LinuxHostingDetail


def test_linux_hosting_operations(sdk: Client, other_sdk: Client, account: AccountDetail) -> None:
    hostings = sdk.linuxhostings
    assert [h.domain_name for h in hostings.iter_all()] == ["example.com"]
    assert [h.domain_name for h in hostings.list()] == ["example.com"]
    detail = hostings.get("example.com")
    assert isinstance(detail, LinuxHostingDetail)
    versions = [v.version for v in hostings.php_versions("example.com")]
    hostings.set_php_version("example.com", versions[-1])
    assert hostings.get("example.com").php_version == versions[-1]
    hostings.set_php_memory_limit("example.com", 256)
    hostings.set_apcu("example.com", True, 64)
    hostings.set_gzip("example.com", False)
    hostings.set_ftp("example.com", False)
    assert hostings.get("example.com").ftp_enabled is False
    hostings.set_ssh("example.com", True)
    site = detail.sites[0].name
    hostings.set_http2("example.com", site, False)
    hostings.set_letsencrypt("example.com", "example.com", True)
    hostings.set_auto_redirect("example.com", "example.com", True)

    key = ed25519.Ed25519PrivateKey.generate().public_key()
    public = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + " me@laptop"
    hostings.add_ssh_key("example.com", public)
    [stored] = hostings.ssh_keys("example.com")
    assert [k.fingerprint for k in sdk.ssh.iter_all()] == [stored.fingerprint]
    assert sdk.ssh.list()[0].linux_hostings == ["example.com"]
    hostings.delete_ssh_key("example.com", stored.fingerprint)
    assert hostings.ssh_keys("example.com") == []

    hostings.add_subsite("example.com", "blog.example.org", "/subsites")
    assert "blog.example.org" in {s.name for s in hostings.get("example.com").sites}
    hostings.add_host_header("example.com", site, "www2.example.com")
    hostings.delete_subsite("example.com", "blog.example.org")

    task_id = hostings.add_scheduled_task("example.com", "0 3 * * *", "/www/cron.php")
    assert hostings.scheduled_task("example.com", task_id).cron_expression == "0 3 * * *"
    hostings.update_scheduled_task("example.com", task_id, "*/5 * * * *", "/www/cron.php", enabled=False)
    [task] = hostings.scheduled_tasks("example.com")
    assert (task.cron_expression, task.enabled) == ("*/5 * * * *", False)
    hostings.delete_scheduled_task("example.com", task_id)
    assert hostings.scheduled_tasks("example.com") == []
    with pytest.raises(NotFoundError):
        other_sdk.linuxhostings.get("example.com")
