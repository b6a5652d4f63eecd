"""The record rules without HTTP: names, host names, TXT strings, and the schema they live in."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reseller_api.backends.simulated.registry import years_on
from reseller_api.errors import ValidationFailed
from reseller_api.resources import registry
from reseller_api.resources.dns.records import Invalid, build, host_name, owner_name, txt_strings
from reseller_api.store import migrate
from reseller_api.store.database import Database
from reseller_api.wire.dns import DnsRecordInput


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "@"),
        ("", "@"),
        ("@", "@"),
        ("example.com.", "@"),
        ("WWW", "www"),
        ("www.example.com", "www"),
        ("a.b.example.com.", "a.b"),
        ("_dmarc", "_dmarc"),
        ("*.dev", "*.dev"),
        ("bücher", "xn--bcher-kva"),
    ],
)
def test_owner_names(raw: str | None, expected: str) -> None:
    assert owner_name("example.com", raw) == expected


@pytest.mark.parametrize("raw", ["a b", "-x", "x-", "a..b", "www.other.org.", "x" * 64, "a.*"])
def test_bad_owner_names(raw: str) -> None:
    with pytest.raises(Invalid):
        owner_name("example.com", raw)


def test_host_names() -> None:
    assert host_name("Mail.Example.COM.") == "mail.example.com"
    assert host_name("smtp.bücher.be") == "smtp.xn--bcher-kva.be"
    assert host_name("sel._domainkey.example.net", underscores=True) == "sel._domainkey.example.net"
    for bad in ("", "localhost", "bad_host.example.com", "a b.com", "x" * 64 + ".com"):
        with pytest.raises(Invalid):
            host_name(bad)


def test_txt_strings() -> None:
    assert txt_strings("a" * 600) == [b"a" * 255, b"a" * 255, b"a" * 90]
    assert txt_strings('"one" "two"') == [b"one", b"two"]
    assert txt_strings("é" * 200)[0] == ("é" * 200).encode()[:255]


def test_build_reports_every_problem_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        build("example.com", DnsRecordInput(type="MX", record_name="bad name", ttl=1, priority=-5))
    codes = {p.error_code for p in caught.value.problems}
    assert codes == {
        "dns_record_ttl_invalid",
        "dns_record_priority_invalid",
        "dns_record_name_invalid",
        "dns_record_content_required",
    }


def test_years_on_handles_leap_days() -> None:
    from datetime import UTC, datetime

    leap = datetime(2028, 2, 29, 12, tzinfo=UTC).timestamp()
    assert datetime.fromtimestamp(years_on(leap), UTC) == datetime(2029, 2, 28, 12, tzinfo=UTC)


def test_migrations_create_exactly_the_dns_and_domain_tables() -> None:
    database = Database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'schema.db'}")
    migrate.upgrade(database)
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), registry.schema())
    database.dispose()
    mine = [d for d in diff if any(name in str(d) for name in ("dns_records", "'domains'", "ix_domains"))]
    assert mine == []
