"""Rules of the two extensions (docs/extensions.md): Idempotency-Key values, webhook URLs,
signatures and the events writes make."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reseller_api.client.webhooks import InvalidSignature, verify
from reseller_api.conventions.idempotency import fingerprint, parse_key
from reseller_api.resources import registry
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.webhooks import addresses, signing
from reseller_api.resources.webhooks.events import EventCatalogue
from reseller_api.store import migrate
from reseller_api.store.database import Database


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b"abc", "abc"),
        (b'"abc"', "abc"),
        (b'"a\\"b"', 'a"b'),
        (b"  8e03978e-40d5-43e8-bc93-6894a57f9324 ", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        (b"x" * 255, "x" * 255),
        (b"", None),
        (b'""', None),
        (b"x" * 256, None),
        (b"a\x01b", None),
        (b"caf\xc3\xa9", None),
        (b'"open', None),
        (b'"a"b"', None),
        (b'"a\\x"', None),
    ],
)
def test_idempotency_key_values(raw: bytes, key: str | None) -> None:
    assert parse_key(raw) == key


def test_the_fingerprint_covers_method_target_and_body() -> None:
    base = fingerprint("POST", b"/v2/accounts", b"{}")
    assert base == fingerprint("POST", b"/v2/accounts", b"{}")
    assert base != fingerprint("PUT", b"/v2/accounts", b"{}")
    assert base != fingerprint("POST", b"/v2/accounts?x=1", b"{}")
    assert base != fingerprint("POST", b"/v2/accounts", b"{} ")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://example.com/hook", "https"),
        ("ftp://example.com/hook", "https"),
        ("https://u:p@example.com/hook", "user name"),
        ("https:///nohost", "https"),
        ("https://127.0.0.1/hook", "private, loopback"),
        ("https://10.1.2.3/hook", "private, loopback"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback"),
        ("https://[::1]/hook", "private, loopback"),
        ("https://[fd00::1]/hook", "private, loopback"),
        ("http://localhost:9/hook", "private, loopback"),
        ("https://does-not-exist.invalid/hook", "does not resolve"),
    ],
)
def test_webhook_urls_that_are_refused(url: str, why: str) -> None:
    with pytest.raises(addresses.Refused, match=why):
        addresses.check_url(url, allow_private=False)


def test_loopback_and_private_hosts_only_when_the_operator_allows() -> None:
    addresses.check_url("http://127.0.0.1:8080/hook", allow_private=True)
    addresses.check_url("https://10.1.2.3/hook", allow_private=True)
    addresses.check_url("https://93.184.215.14/hook", allow_private=False)  # a public address
    with pytest.raises(addresses.Refused):
        addresses.check_url("http://10.1.2.3/hook", allow_private=True)  # http: loopback only


def test_signatures_follow_standard_webhooks() -> None:
    # The example of the Standard Webhooks specification (its reference libraries' test).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": f"v1,bm90IHRoaXMgb25l {expected}",
    }
    with pytest.raises(InvalidSignature, match="id"):  # signed, but not one of our event bodies
        verify(secret, body, headers, now=1614265330)
    with pytest.raises(InvalidSignature, match="too far"):
        verify(secret, body, headers, now=1614265330 + 301)
    with pytest.raises(InvalidSignature, match="missing"):
        verify(secret, body, {}, now=1614265330)


def test_a_new_secret_is_32_random_bytes() -> None:
    one, two = signing.new_secret(), signing.new_secret()
    assert one != two
    assert len(base64.b64decode(one.removeprefix("whsec_"))) == 32


@pytest.mark.parametrize(
    ("method", "path", "event"),
    [
        ("POST", "/v2/accounts", "account.created"),
        ("DELETE", "/v2/accounts/7", "account.deleted"),
        ("PUT", "/v2/accounts/7/servicepack", "account.updated"),
        ("POST", "/v2/dns/example.com/records", "dns_record.created"),
        ("PUT", "/v2/dns/example.com/records/12", "dns_record.updated"),
        ("DELETE", "/v2/dns/example.com/records/12", "dns_record.deleted"),
        ("PUT", "/v2/domains/example.com/nameservers", "domain.updated"),
        ("PUT", "/v2/linuxhostings/example.com/phpsettings/version", "linux_hosting.updated"),
        ("POST", "/v2/mailboxes", "mailbox.created"),
        ("DELETE", "/v2/mailboxes/info@example.com", "mailbox.deleted"),
        ("POST", "/v2/mysqldatabases/shop/users", "mysql_database.updated"),
        ("POST", "/v2/webhooks", None),
        ("POST", "/v2/ssh", None),
    ],
)
def test_the_event_a_synchronous_write_makes(method: str, path: str, event: str | None) -> None:
    # The catalogue the app builds, from the manifests.
    catalogue = EventCatalogue(registry.webhook_events())
    found = catalogue.for_request(method, path)
    assert (found[0] if found else None) == event
    if found:
        assert found[0] in catalogue.types


def test_a_path_segment_has_its_events_declared_once() -> None:
    with pytest.raises(RuntimeError, match="/v2/widgets"):
        EventCatalogue([WriteEvents("/v2/widgets", "widget"), WriteEvents("/v2/widgets/{w}/parts", "part")])


def test_the_migration_creates_exactly_the_extension_tables() -> None:
    database = Database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'schema.db'}")
    migrate.upgrade(database)
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), registry.schema())
    database.dispose()
    assert [d for d in diff if any(n in str(d) for n in ("idempotency_keys", "webhook_"))] == []
