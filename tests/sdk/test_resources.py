"""Every resource's operations through the SDK, against the app in-process (sync and async)."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from reseller_api.client import AsyncClient, Client, ConflictError, NotFoundError, ValidationError
from reseller_api.resources.servicepacks.service import Asset
from reseller_api.resources.servicepacks.service import create as create_pack
from reseller_api.store.database import Database
from reseller_api.wire.accounts import AccountDetail
from reseller_api.wire.domains import DomainDetail
from reseller_api.wire.linuxhostings import LinuxHostingDetail
from reseller_api.wire.mysqldatabases import MySqlDatabase
from reseller_api.wire.sslcertificates import SslCertificateRequestDetail
from tests.api.test_sslcertificates import make_csr

PASSWORD = "Secret123x"


@pytest.fixture
def sdk(pair: tuple[Client, Client]) -> Client:
    return pair[0]


@pytest.fixture
def other_sdk(pair: tuple[Client, Client]) -> Client:
    return pair[1]


@pytest.fixture
def account(sdk: Client) -> AccountDetail:
    """example.com on the Starter pack: a hosting, a DNS zone and a mail zone."""
    return sdk.accounts.create("example.com", 1, PASSWORD, wait=True, timeout=15)


def test_dns_records_crud_and_filters(sdk: Client, other_sdk: Client, account: AccountDetail) -> None:
    records = sdk.dns.records("example.com")
    record_id = records.create("TXT", "", content="v=spf1 -all", ttl=3600)
    assert record_id
    mx_id = records.create("MX", "", content="mail.example.com", priority=10)
    created = records.get(record_id)
    assert (created.type, created.content, created.ttl) == ("TXT", "v=spf1 -all", 3600)
    assert [r.id for r in records.list(type="TXT")] == [record_id]
    assert {r.id for r in records.iter_all(page_size=1)} >= {record_id, mx_id}
    records.update(record_id, "TXT", "", content="v=spf1 mx -all", ttl=600)
    assert records.get(record_id).content == "v=spf1 mx -all"
    with pytest.raises(NotFoundError):
        other_sdk.dns.records("example.com").get(record_id)
    with pytest.raises(ValidationError):
        records.create("A", "www", content="not an address")
    records.delete(record_id)
    with pytest.raises(NotFoundError):
        records.get(record_id)


def test_domains_register_transfer_and_settings(sdk: Client, other_sdk: Client) -> None:
    domain = sdk.domains.register("example.net", wait=True, timeout=15)
    assert isinstance(domain, DomainDetail)
    assert domain.domain_name == "example.net"
    moved = sdk.domains.transfer("transfer-me.be", "BE-AUTH-1234", wait=True, timeout=15)
    assert moved.domain_name == "transfer-me.be"
    assert {d.domain_name for d in sdk.domains.iter_all(page_size=1)} == {"example.net", "transfer-me.be"}
    assert len(sdk.domains.list(take=1)) == 1
    sdk.domains.set_name_servers("example.net", ["ns1.example.org", "ns2.example.org"])
    assert [n.name for n in sdk.domains.get("example.net").name_servers] == [
        "ns1.example.org",
        "ns2.example.org",
    ]
    if sdk.domains.get("example.net").can_toggle_renew:
        sdk.domains.set_will_renew("example.net", False)
        assert sdk.domains.get("example.net").will_renew is False
    with pytest.raises(NotFoundError):
        other_sdk.domains.get("example.net")
    with pytest.raises(ValidationError):
        sdk.domains.register("example.net")


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


def test_mail_zone_and_mailboxes(sdk: Client, other_sdk: Client, account: AccountDetail) -> None:
    zones, boxes = sdk.mailzones, sdk.mailboxes
    zones.add_alias("example.com", "sales@example.com", ["a@example.org"])
    zones.update_alias("example.com", "sales@example.com", ["a@example.org", "b@example.org"])
    assert zones.get("example.com").aliases[0].destinations == ["a@example.org", "b@example.org"]
    zones.delete_alias("example.com", "sales@example.com")
    zones.add_catch_all("example.com", "all@example.org")
    assert zones.get("example.com").catch_all.email_addresses == ["all@example.org"]
    zones.delete_catch_all("example.com", "all@example.org")
    zones.set_anti_spam("example.com", "advanced")
    assert zones.get("example.com").anti_spam.type == "advanced"
    zones.add_smtp_domain("example.com", "example.be")
    zones.update_smtp_domain("example.com", "example.be", False)
    assert zones.get("example.com").smtp_domains[0].enabled is False
    zones.delete_smtp_domain("example.com", "example.be")

    location = boxes.create("info@example.com", account.id, "Mailbox123x")
    assert location == "/v2/mailboxes/info@example.com"
    assert [b.name for b in boxes.list("example.com")] == ["info@example.com"]
    assert boxes.quota("example.com")[0].account_id == account.id
    boxes.set_password("info@example.com", "Other456y")
    boxes.set_auto_reply("info@example.com", True, "Away", "Back soon")
    boxes.set_auto_forward("info@example.com", True, ["me@example.org"], copy_to_myself=True)
    detail = boxes.get("info@example.com")
    assert (detail.auto_reply.subject, detail.auto_forward.email_addresses) == ("Away", ["me@example.org"])
    with pytest.raises(NotFoundError):
        other_sdk.mailboxes.get("info@example.com")
    with pytest.raises(NotFoundError):
        other_sdk.mailzones.get("example.com")
    boxes.delete("info@example.com")
    assert boxes.list("example.com") == []


def test_mysql_databases_and_users(sdk: Client, other_sdk: Client, account: AccountDetail) -> None:
    dbs = sdk.mysqldatabases
    database = dbs.create("shop", account.id, "Database123x", wait=True, timeout=15)
    assert isinstance(database, MySqlDatabase)
    name = database.name
    assert dbs.get(name) == database
    assert [d.name for d in dbs.iter_all()] == [name] == [d.name for d in dbs.list()]
    users = dbs.create_user(name, "reader", "Reader123x", wait=True, timeout=15)
    user = next(u.name for u in users if u.name != name and "reader" in u.name)
    dbs.set_user_password(name, user, "Reader456y")
    dbs.set_user_enabled(name, user, False)
    assert not next(u for u in dbs.users(name) if u.name == user).enabled
    dbs.delete_user(name, user)
    assert user not in {u.name for u in dbs.users(name)}
    with pytest.raises(NotFoundError):
        other_sdk.mysqldatabases.get(name)
    dbs.delete(name)
    with pytest.raises(NotFoundError):
        dbs.get(name)


def test_conflicts_and_bad_input_map_to_their_errors(sdk: Client, account: AccountDetail) -> None:
    with pytest.raises((ValidationError, ConflictError)) as caught:
        sdk.accounts.create("example.com", 1, PASSWORD)
    assert caught.value.error_code == "account_identifier_in_use"


async def test_the_async_client_does_the_same(async_sdk: AsyncClient) -> None:
    job = await async_sdk.accounts.create("example.com", 1, PASSWORD)
    account = await job.wait(timeout=15)
    assert (await async_sdk.accounts.get(account.id)).identifier == "example.com"
    assert [a.id async for a in async_sdk.accounts.iter_all(page_size=1)] == [account.id]
    record_id = await async_sdk.dns.records("example.com").create("TXT", "async", content="hello")
    assert (await async_sdk.dns.records("example.com").get(record_id)).content == "hello"
    domain = await async_sdk.domains.register("async-example.net", wait=True, timeout=15)
    assert domain.domain_name == "async-example.net"
    database = await async_sdk.mysqldatabases.create("db", account.id, "Database123x", wait=True, timeout=15)
    assert database.account_id == account.id
    with pytest.raises(NotFoundError):
        await async_sdk.accounts.get(account.id + 100)
    assert async_sdk.rate_limit is not None


def _windows_pack(request: pytest.FixtureRequest, database: Database) -> int:
    """A pack with a Windows hosting, made where the SDK's server reads (the app's or the TCP one's)."""
    if request.node.callspec.params["pair"] == "tcp":
        deployment, _ = request.getfixturevalue("served")
        made = deployment.admin_json("servicepack", "create", "Windows", "--asset", "windows_hosting=1:5120")
        return int(made["id"])
    return create_pack(database, "Windows", [Asset("windows_hosting", 1, 5120)])


def test_ssl_certificates_and_windows_hostings(
    sdk: Client, other_sdk: Client, account: AccountDetail, database: Database, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["pair"] == "tcp" and request.config.getoption("--db") == "postgresql":
        # The TCP server shares the run's PostgreSQL database with the in-process app, whose runner
        # (another secret key) may take the issuing job and rightly refuse the CA key it cannot read.
        pytest.skip("two job runners with different secret keys on one database")
    requests = sdk.sslcertificaterequests
    request_id = int(requests.create(make_csr("example.com", "example.com", "www.example.com")))
    assert [r.id for r in requests.list()] == [request_id] == [r.id for r in requests.iter_all()]
    for _ in range(200):
        found = requests.get(request_id)
        if isinstance(found, str):
            break
        time.sleep(0.05)
    assert isinstance(found, str)
    assert found.startswith("/v2/sslcertificates/")
    assert requests.verify(request_id) == found  # issued: the 303's Location
    fingerprint = found.rsplit("/", 1)[1]
    certificate = sdk.sslcertificates.get(fingerprint)
    assert certificate.common_name == "example.com"
    assert [c.sha1_fingerprint for c in sdk.sslcertificates.list()] == [fingerprint]
    assert sdk.sslcertificates.download(fingerprint).startswith(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(ValidationError) as caught:
        sdk.sslcertificates.download(fingerprint, "pfx", "Secret123")
    assert caught.value.error_code == "ssl_certificate_private_key_unavailable"
    pending = int(requests.create(make_csr("elsewhere.example.org")))
    detail = requests.get(pending)
    assert isinstance(detail, SslCertificateRequestDetail)
    assert detail.validations[0].dns_name == "elsewhere.example.org"
    assert requests.verify(pending) == ""  # still pending
    with pytest.raises(NotFoundError):
        other_sdk.sslcertificates.get(fingerprint)

    pack = _windows_pack(request, database)
    sdk.accounts.create("windows-example.com", pack, wait=True, timeout=15)
    assert [h.domain_name for h in sdk.windowshostings.list()] == ["windows-example.com"]
    assert sdk.windowshostings.get("windows-example.com").max_size == 5120
    assert other_sdk.windowshostings.list() == []
