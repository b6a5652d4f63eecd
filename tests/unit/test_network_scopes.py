"""Whitelist entries never carry an IPv6 scope: refused on input, stripped from old rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select

from reseller_api.credentials.service import ApiProblem, parse_network
from reseller_api.store import migrate
from reseller_api.store.database import Database
from reseller_api.store.tables import api_key_networks, api_keys, credentials_generation, resellers


@pytest.mark.parametrize(
    "value", ["::1%eth0", "::1%<img src=x>", "fe80::1%\x1b[31m/64", "::1%a\nb", "%", "127.0.0.1%1"]
)
def test_a_scope_is_refused(value: str) -> None:
    with pytest.raises(ApiProblem) as refused:
        parse_network(value)
    assert refused.value.error.code == "ip_network_invalid"
    assert "\n" not in refused.value.text
    assert "\x1b" not in refused.value.text


def test_addresses_and_networks_are_canonical() -> None:
    assert parse_network(" ::1 ") == "::1/128"
    assert parse_network("10.1.2.3/8") == "10.0.0.0/8"


def test_the_migration_strips_the_scopes_stored_before(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(database, "0006")
        with database.transaction() as conn:
            reseller = conn.execute(insert(resellers).values(name="r", created_at=0.0)).inserted_primary_key[
                0
            ]
            key = conn.execute(
                insert(api_keys).values(
                    reseller_id=reseller, key="k", secret_encrypted="x", revoked=False, created_at=0.0
                )
            ).inserted_primary_key[0]
            for cidr in ("::1%<img src=x>/128", "::1/128", "fe80::1%\x1b[2J/64", "2001:db8::1%eth0"):
                conn.execute(insert(api_key_networks).values(api_key_id=key, cidr=cidr))
            before = conn.execute(select(credentials_generation.c.generation)).scalar_one()
        migrate.upgrade(database)
        with database.engine.connect() as conn:
            cidrs = sorted(conn.execute(select(api_key_networks.c.cidr)).scalars())
            after = conn.execute(select(credentials_generation.c.generation)).scalar_one()
        assert cidrs == ["2001:db8::1/128", "::1/128", "fe80::/64"]
        assert after == before + 1
    finally:
        database.dispose()
